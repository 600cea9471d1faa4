// Many operations in flight: n packages requested at once while every action takes 2 s in
// the driver. Compared with the ideal: three actions of 2 s after the zero-latency burst of
// the same n, measured in the same run. Samples what the processes hold while it runs.
import type pg from 'pg';
import { createPackages, token } from './client.js';
import { verify, waitOnboarded } from './db.js';
import { memoryMb } from './proc.js';
import { round } from './stats.js';

export const ACTION_S = 2;

type Proc = { role: string; pid: number };

/** Every second: each process's messages in flight (as it reports in) and the driver's calls to the VIM. */
function sampler(base: string, workerMetrics: string | null) {
  const most = { unacked: 0, worker_in_flight: 0, controller_in_flight: 0, driver_calls: 0, worker_heap_used_mb: 0 };
  let driverLimit: number | null = null;
  const tick = async () => {
    const r = await fetch(`${base}/v1/processes`, { headers: { authorization: token() } }).catch(() => null);
    if (r?.ok) {
      const items = ((await r.json()) as { items: { roles: string[]; inFlight: number; state: string }[] }).items;
      const live = items.filter((p) => p.state === 'online');
      const sum = (role: string) => live.filter((p) => p.roles.includes(role)).reduce((n, p) => n + p.inFlight, 0);
      most.worker_in_flight = Math.max(most.worker_in_flight, sum('worker'));
      most.controller_in_flight = Math.max(most.controller_in_flight, sum('controller'));
      most.unacked = Math.max(
        most.unacked,
        live.reduce((n, p) => n + p.inFlight, 0),
      );
    }
    if (workerMetrics) {
      const m = await fetch(workerMetrics).catch(() => null);
      const text = m?.ok ? await m.text() : '';
      const running = /^nfvo_driver_calls_in_flight (\d+)/m.exec(text);
      const limit = /^nfvo_driver_calls_limit (\d+)/m.exec(text);
      if (running) most.driver_calls = Math.max(most.driver_calls, Number(running[1]));
      const heap = /^nfvo_nodejs_heap_size_used_bytes (\d+)/m.exec(text);
      if (heap) most.worker_heap_used_mb = Math.max(most.worker_heap_used_mb, Math.round(Number(heap[1]) / 2 ** 20));
      if (limit) driverLimit = Number(limit[1]);
    }
  };
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    void tick().finally(() => (busy = false));
  }, 250);
  return {
    stop() {
      clearInterval(timer);
      return { ...most, driver_calls_limit: driverLimit };
    },
  };
}

/** Create n packages at once and wait until all are ONBOARDED; what it took. */
export async function inflightRun(
  db: pg.Pool,
  cluster: { base: string; procs: Proc[] },
  n: number,
  concurrency: number,
  workerMetrics: string | null,
) {
  const s = sampler(cluster.base, workerMetrics);
  const t0 = Date.now();
  const sent = await createPackages(cluster.base, 'inflight', n, concurrency);
  const accepted = (Date.now() - t0) / 1000;
  const ids = sent.map((p) => p.id);
  await waitOnboarded(db, ids, t0, 3_600_000);
  const wall = (Date.now() - t0) / 1000;
  const held = s.stop();
  const rss: Record<string, number> = {};
  for (const p of cluster.procs) rss[p.role] = Math.max(rss[p.role] ?? 0, memoryMb(p.pid, 'VmHWM'));
  return {
    n,
    wall_s: round(wall, 2),
    requests_s: round(accepted, 2),
    held,
    peak_rss_mb: rss,
    ...(await verify(db, ids, true)),
    ids,
  };
}
