// What the chaos suites share: the nfvo processes (api, controllers, workers) started,
// SIGKILLed and started again; the workload of mixed resources; a chaos schedule run beside
// it; and the invariants checked once everything has settled: every resource at its spec (or
// in ERROR where a failure was injected on purpose), every non-re-entrant effect applied
// exactly once, nothing locked, every transition recorded once and in order, nothing left in
// a queue or dead-lettered.
import { execFileSync } from 'node:child_process';
import { ALL_QUEUES } from '../../src/broker/topology.js';
import { sleep, waitFor, type TestEnv } from './env.js';
import type { client, Reply } from './http.js';
import { smallCsar } from './packages.js';
import { spawnNfvo, type Proc } from './procs.js';
import { connectAny } from './topology.js';

type Api = ReturnType<typeof client>;

export const NON_REENTRANT = [
  'vnf_package.upload',
  'vnf_package.register',
  'volume.create',
  'vnf.allocate',
  'vnf.boot',
  'acl.apply',
];

/** Short leases, fast sweeps and retries, slow steps: the faults find work in flight and it recovers quickly. */
export const CHAOS_ENV = {
  LEASE_SECONDS: '4',
  SWEEP_INTERVAL_MS: '500',
  RETRY_BASE_MS: '50',
  RETRY_MAX_MS: '1000',
  OUTBOX_POLL_MS: '200',
  SIM_LATENCY_MS: '100',
  WORKER_CONCURRENCY: '8',
  CONTROLLER_CONCURRENCY: '16',
  LOG_LEVEL: 'info',
  STOP_TIMEOUT_MS: '2000',
  TASK_EXPIRES_SECONDS: '0',
};

export const rand = (n: number) => Math.floor(Math.random() * n);
export const sh = (cmd: string, args: string[]) =>
  execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 }).toString();

/** Where a run's workload and chaos schedule are: each step logged with its time, and kept for a failure's report. */
export function makeProgress(label: string) {
  const started = Date.now();
  const at = { workload: 'starting', schedule: 'not started' };
  const enter = (track: keyof typeof at, p: string) => {
    at[track] = p;
    console.log(`${label} +${((Date.now() - started) / 1000).toFixed(1)}s ${track}: ${p}`);
  };
  return { at, enter };
}
export type Progress = ReturnType<typeof makeProgress>;

/** The nfvo processes of a run, by name: started, SIGKILLed (and started again), stopped at the end. */
export function makeFleet(vars: () => Record<string, string>) {
  const procs = new Map<string, Proc>();
  const retired: Proc[] = [];
  const killed = new Set<Proc>();
  const counts = { kills: 0, restarts: 0 };
  let stopping = false;
  const all = () => [...retired, ...procs.values()];
  const start = async (name: string, role: string) => {
    const old = procs.get(name);
    if (old) retired.push(old);
    procs.set(name, await spawnNfvo(role, vars()));
  };
  return {
    procs,
    counts,
    start,
    /** Every log line of every process, those killed included. */
    allLines: () => all().flatMap((p) => p.lines),
    /** SIGKILL a process and, after a moment, start another in its place (unless the run is stopping). */
    async kill(name: string) {
      const p = procs.get(name)!;
      killed.add(p);
      p.child.kill('SIGKILL');
      await p.exited;
      counts.kills++;
      await sleep(200 + rand(800));
      if (!stopping) {
        await start(name, p.role);
        counts.restarts++;
      }
    },
    /** The processes that exited on their own (the only exits meant are the kills): each with its last lines. */
    crashed: () =>
      all()
        .filter((p) => !killed.has(p) && (p.child.exitCode !== null || p.child.signalCode !== null))
        .map((p) => `${p.role} exited (${p.child.exitCode ?? p.child.signalCode}): ${p.lines.slice(-5).join(' | ')}`),
    /** The last warnings (and worse) of each running process. */
    warnings: () =>
      [...procs.entries()]
        .map(
          ([name, p]) =>
            `${name}:\n  ${p.lines
              .filter((l) => !l.includes('"level":30'))
              .slice(-8)
              .join('\n  ')}`,
        )
        .join('\n'),
    /**
     * Stop every process with SIGTERM (each must exit within its stop timeout and closing time,
     * 2 s + 5 s); those that did not stop cleanly (exit 0).
     */
    async stopAll(): Promise<string[]> {
      stopping = true;
      const names = [...procs.keys()];
      const stopped = await Promise.allSettled([...procs.values()].map((p) => p.stop('SIGTERM', 15_000)));
      return stopped.flatMap((r, i) =>
        r.status === 'rejected' ? [String(r.reason)] : r.value === 0 ? [] : [`${names[i]} exited ${r.value}`],
      );
    },
    /** The ids of every controller that ran (their callback queues outlive those killed). */
    controllerIds: () => all().flatMap((p) => p.lines.flatMap((l) => /"controllerId":"([^"]+)"/.exec(l)?.[1] ?? [])),
  };
}
export type Fleet = ReturnType<typeof makeFleet>;

/**
 * Run a chaos schedule beside a workload. The schedule's `pause` throws once the workload has
 * failed, so it ends at its next pause; a failed workload waits for the schedule's current step
 * (which starts a stopped service again) before failing.
 */
export async function runBeside(
  schedule: (pause: (ms: number) => Promise<void>) => Promise<void>,
  workload: () => Promise<void>,
): Promise<void> {
  let workloadFailed = false;
  const pause = async (ms: number) => {
    await sleep(ms);
    if (workloadFailed) throw new Error('the workload failed: the chaos schedule stopped');
  };
  const chaos = schedule(pause);
  chaos.catch(() => {}); // awaited below, after the workload
  try {
    await workload();
  } catch (err) {
    workloadFailed = true;
    await chaos.catch(() => {});
    throw err;
  }
  await chaos;
}

/** What a resource was accepted as: its type, whether a permanent failure was injected, the spec it must reach. */
export type Accepted = Map<string, { type: string; injected: boolean; spec: string }>;

export type WaveSizes = { packages: number; vnfs: number; acls: number; terminated: number; paceMs: number };

/** Requests as an operator sends them, each tried again while PostgreSQL restarts; what was accepted, in `ids`. */
export function makeWorkload(api: Api, env: TestEnv) {
  const ids: Accepted = new Map();
  /** A request, tried again while PostgreSQL restarts (503, or no answer); the reply. */
  const persist = async (what: string, send: () => Promise<Reply>) => {
    const end = Date.now() + 60_000;
    for (;;) {
      const r = await send().catch((err: Error) => err);
      if (r instanceof Error || r.status === 503) {
        if (Date.now() > end)
          throw new Error(`${what}: not accepted within 60 s; last: ${r instanceof Error ? r.message : r.status}`);
        await sleep(200);
        continue;
      }
      return r;
    }
  };
  const createOnly = async (path: string, type: string, body: Record<string, unknown>, injected = false) => {
    const r = await persist(path, () => api.post(path, body));
    if (r.status !== 202) throw new Error(`${path}: ${r.status} ${JSON.stringify(r.body)}`);
    ids.set(r.body.id, { type, injected, spec: r.body.spec });
    return r.body.id as string;
  };
  const create = async (path: string, type: string, body: Record<string, unknown>, injected = false) => {
    const id = await createOnly(path, type, body, injected);
    if (type === 'vnf_package') {
      // its content: a 409 means an earlier try got in though its answer was lost
      const r = await persist(`content of ${id}`, async () =>
        api.put(`/v1/vnf-packages/${id}/content`, await smallCsar()),
      );
      if (r.status !== 202 && r.status !== 409)
        throw new Error(`content of ${id}: ${r.status} ${JSON.stringify(r.body)}`);
    }
    return id;
  };
  const pkgs: string[] = [];
  const vols: string[] = [];

  /** Packages and volumes, waited for until they are at their spec: the VNFs of wave 2 use them. */
  async function wave1(packages: number, volumes: number) {
    for (let i = 0; i < packages; i++)
      pkgs.push(await create('/v1/vnf-packages', 'vnf_package', { name: `base-${i}` }));
    for (let i = 0; i < volumes; i++)
      vols.push(await create('/v1/volumes', 'volume', { name: `vol-${i}`, sizeGb: 1 + i }));
    await waitFor(
      'wave 1 to reach its spec',
      async () => {
        const r = await env.pool.query(
          `SELECT count(*)::int AS n FROM resources WHERE id = ANY($1) AND status = spec AND worker_id IS NULL`,
          [[...pkgs, ...vols]],
        );
        return r.rows[0].n === pkgs.length + vols.length;
      },
      90_000,
    );
  }

  /** The bulk, paced so that work is in flight through the whole chaos schedule. */
  async function wave2(n: WaveSizes) {
    const pace = () => sleep(n.paceMs);
    for (let i = 0; i < n.packages; i++) {
      await pace();
      const injected = i % 25 === 0;
      await create(
        '/v1/vnf-packages',
        'vnf_package',
        {
          name: `pkg-${i}`,
          simulate: injected ? { fail: { register: 10 } } : i % 7 === 0 ? { fail: { validate: 2 } } : undefined,
        },
        injected,
      );
    }
    const vnfs: string[] = [];
    for (let i = 0; i < n.vnfs; i++)
      vnfs.push(
        await pace().then(() =>
          create('/v1/vnfs', 'vnf', {
            name: `vnf-${i}`,
            vnfPackageId: pkgs[i % pkgs.length],
            volumeIds: i < vols.length / 2 ? [vols[i]] : [],
          }),
        ),
      );
    for (let i = 0; i < n.acls; i++) {
      await pace();
      await create('/v1/acls', 'acl', {
        name: `acl-${i}`,
        vnfId: i % 2 ? vnfs[i] : undefined,
        rules: [{ direction: 'ingress', action: 'allow', protocol: 'tcp', cidr: `10.${i}.0.0/16`, ports: '22' }],
      });
    }
    // operators change their minds mid-flight
    for (const id of vnfs.slice(0, n.terminated)) {
      const r = await api.post(`/v1/vnfs/${id}/terminate`).catch(() => null);
      if (r?.status === 202) ids.get(id)!.spec = 'TERMINATED';
    }
  }

  return { ids, create, createOnly, wave1, wave2 };
}

/** The broker's side once the run has settled: each queue's ready messages, what was dead-lettered (its reasons), and how many are unacknowledged. */
export type QueueState = { depth: Record<string, number>; dead: string[]; unacked: number };

/** The queues of `env` seen through its AMQP_URL (the first node that answers); `unacked` counted by the caller. */
export async function queueState(env: TestEnv, unacked: () => Promise<number>): Promise<QueueState> {
  const conn = await connectAny(env.config.amqpUrl);
  const ch = await conn.createChannel();
  const depth: Record<string, number> = {};
  for (const q of ALL_QUEUES) depth[q] = (await ch.checkQueue(env.q(q))).messageCount;
  const dead: string[] = [];
  for (let m; (m = await ch.get(env.q('dead_letter'), { noAck: true }));)
    dead.push(String(m.properties.headers?.['x-nfvo-reason']));
  await conn.close();
  return { depth, dead, unacked: await unacked() };
}
