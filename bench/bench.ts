// npm run bench -- --scenario burst --n 2000
// Starts the nfvo processes itself on the local PostgreSQL and RabbitMQ, runs one workload,
// checks every package ended ONBOARDED with exactly three transitions and no lock held,
// and prints one JSON line per scenario. See the README's performance section.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import amqp from 'amqplib';
import pg from 'pg';
import { pino } from 'pino';
import { createPackage, createPackages, useToken } from './client.js';
import { deleteTopology } from '../test/helpers/topology.js';
import { migrate } from '../src/db/migrate.js';
import { createToken } from '../src/db/token-repository.js';
import { fillTable, timelines, verify, waitFast, waitOnboarded } from './db.js';
import { measureFloor } from './floor.js';
import { cleanUp, cliReference, openstackEnv, openstackScenario, raiseQuotas } from './openstack.js';
import { uploadScenario } from './upload.js';
import { scrapeScenario } from './scrape.js';
import { ACTION_S, inflightRun } from './inflight.js';
import { cpuSeconds, machineCpuSeconds, memoryMb, serviceCpuSeconds } from './proc.js';
import { latencyMs, median, pathMs, round, type Sent } from './stats.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const PROF_DIR = path.join(ROOT, '.bench', 'prof');
const { values: args } = parseArgs({
  options: {
    scenario: { type: 'string', default: 'burst' },
    n: { type: 'string', default: '2000' },
    rate: { type: 'string', default: '200' },
    duration: { type: 'string', default: '30' },
    controllers: { type: 'string', default: '1' },
    workers: { type: 'string', default: '1' },
    concurrency: { type: 'string', default: '64' },
    warmup: { type: 'string', default: '2000' },
    repeat: { type: 'string', default: '2' },
    'db-url': {
      type: 'string',
      default: process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/nfvo_bench',
    },
    'amqp-url': { type: 'string', default: process.env.BENCH_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672' },
    port: { type: 'string', default: process.env.BENCH_PORT ?? '18089' },
    profile: { type: 'boolean', default: false },
    // openstack: also make the same with `openstack` CLI calls in sequence, as a reference
    cli: { type: 'boolean', default: false },
    // upload: the sizes of the large packages, in bytes (none: only the 100 small ones)
    sizes: { type: 'string', default: `${200e6},${2 ** 30}` },
  },
});
const DB_URL = args['db-url']!;
const AMQP_URL = args['amqp-url']!;
const PREFIX = 'bench.';
const quiet = pino({ level: 'silent' });

type Proc = { role: string; child: ChildProcess; pid: number };
type Cluster = { procs: Proc[]; base: string; warnings: Record<string, number>; stop(): Promise<void> };
let cpu0: number[] = [];

/** What the openstack driver of each stopped worker said of its API calls. */
const apiCalls: Record<string, number>[] = [];

async function resetState(db: pg.Pool): Promise<void> {
  await db.query('TRUNCATE resources, transitions, tasks, outbox, sim_ledger, package_uploads CASCADE');
  await deleteTopology(AMQP_URL, PREFIX);
}

// the nfvo processes of this run die with it, whatever ends it
const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

async function startCluster(
  controllers: number,
  workers: number,
  extraEnv: Record<string, string> = {},
  roleEnv: Record<string, Record<string, string>> = {},
): Promise<Cluster> {
  const base = `http://127.0.0.1:${args.port}`;
  // another API on the port would take this run's requests and measure something else
  if (await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(2_000) }).catch(() => null))
    throw new Error(`something already answers on port ${args.port} (another bench or nfvo?); stop it or pass --port`);
  const env = {
    ...process.env,
    DATABASE_URL: DB_URL,
    AMQP_URL,
    QUEUE_PREFIX: PREFIX,
    PORT: args.port!,
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    SIM_LATENCY_MS: '0',
    ...extraEnv,
  };
  const roles = ['api', ...Array(controllers).fill('controller'), ...Array(workers).fill('worker')];
  const warnings: Record<string, number> = {};
  const procs = roles.map((role, i) => {
    const nodeArgs = args.profile
      ? ['--cpu-prof', `--cpu-prof-dir=${PROF_DIR}`, `--cpu-prof-name=${role}-${i}.cpuprofile`]
      : [];
    const child = spawn(process.execPath, [...nodeArgs, CLI, role], {
      env: { ...env, ...roleEnv[role] },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.add(child);
    child.once('exit', () => children.delete(child));
    let buf = '';
    child.stdout!.on('data', (c: Buffer) => {
      buf += c.toString();
      for (let i; (i = buf.indexOf('\n')) >= 0; buf = buf.slice(i + 1)) {
        const line = buf.slice(0, i);
        if (line.includes('"msg":"openstack api calls"')) apiCalls.push(JSON.parse(line) as Record<string, number>);
        if (!/"level":[456]0/.test(line)) continue;
        const key = `${role}: ${(JSON.parse(line) as { msg?: string }).msg}`;
        if (!warnings[key]) process.stderr.write(`[${role}] ${line}\n`);
        warnings[key] = (warnings[key] ?? 0) + 1;
      }
    });
    return { role, child, pid: child.pid! };
  });
  for (let i = 0; ; i++) {
    const gone = procs.find((p) => p.child.exitCode !== null || p.child.signalCode !== null);
    if (gone)
      throw new Error(
        `the ${gone.role} process exited (${gone.child.exitCode ?? gone.child.signalCode}) while starting`,
      );
    if ((await fetch(`${base}/readyz`).catch(() => null))?.status === 200) break;
    if (i === 200) throw new Error(`the api did not become ready on port ${args.port} within 10 s`);
    await sleep(50);
  }
  await sleep(300); // consumers attached
  return {
    procs,
    base,
    warnings,
    async stop() {
      await Promise.all(
        procs.map(
          (p) =>
            new Promise((r) =>
              p.child.exitCode !== null ? r(null) : (p.child.once('exit', r), p.child.kill('SIGTERM')),
            ),
        ),
      );
    },
  };
}

/**
 * With --profile, PostgreSQL's statement statistics of the measurement alone (reset when it
 * starts), when pg_stat_statements is loaded and this user may use it; returns a function
 * that writes them to PROF_DIR, or null (and says why). The bench's own queries (its polling
 * and checks) are among them, told apart by their text.
 */
async function statementStats(db: pg.Pool): Promise<(() => Promise<void>) | null> {
  try {
    const loaded = (
      await db.query<{ l: string }>("SELECT current_setting('shared_preload_libraries') AS l")
    ).rows[0]!.l.split(',').some((l) => l.trim() === 'pg_stat_statements');
    if (!loaded) {
      process.stderr.write(
        "profile: no statement statistics (to add them: ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements', then restart PostgreSQL)\n",
      );
      return null;
    }
    await db.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    await db.query('SELECT pg_stat_statements_reset()');
  } catch (err) {
    process.stderr.write(`profile: no statement statistics (${(err as Error).message})\n`);
    return null;
  }
  return async () => {
    const r = await db.query(
      `SELECT calls, round(total_exec_time::numeric, 1)::float AS total_ms, round(mean_exec_time::numeric, 3)::float AS mean_ms, rows,
              shared_blks_hit + shared_blks_read AS blocks, wal_bytes::bigint AS wal_bytes, query
         FROM pg_stat_statements
        WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND query NOT LIKE '%pg_stat_statements%'
        ORDER BY total_exec_time DESC LIMIT 30`,
    );
    mkdirSync(PROF_DIR, { recursive: true });
    const file = path.join(PROF_DIR, `statements-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, JSON.stringify(r.rows, null, 2));
    process.stderr.write(`profile: statement statistics of the measurement in ${path.relative(ROOT, file)}\n`);
  };
}

async function measure<T>(
  db: pg.Pool,
  cluster: Cluster,
  fn: () => Promise<T>,
): Promise<T & { cpu_s: number; machine_cpu_s: number; rss_mb: Record<string, number> }> {
  const writeStatements = args.profile ? await statementStats(db) : null;
  const cpu0 = cluster.procs.map((p) => cpuSeconds(p.pid));
  const m0 = machineCpuSeconds();
  const c0 = process.cpuUsage();
  const s0 = serviceCpuSeconds();
  const out = await fn();
  const c1 = process.cpuUsage(c0);
  const s1 = serviceCpuSeconds();
  const cpu = cluster.procs.reduce((s, p, i) => s + cpuSeconds(p.pid) - cpu0[i]!, 0);
  const rss: Record<string, number> = {};
  const cpuBy: Record<string, number> = {};
  cluster.procs.forEach((p, i) => {
    const key = `${p.role}${cluster.procs.filter((q) => q.role === p.role).length > 1 ? `_${i}` : ''}`;
    rss[key] = memoryMb(p.pid, 'VmHWM');
    cpuBy[key] = round(cpuSeconds(p.pid) - cpu0[i]!, 2);
  });
  const transitions = 3 * ((out as { n?: number }).n ?? 0);
  const machine = machineCpuSeconds() - m0;
  // after the CPU figures: reading the statistics is not part of the measurement
  await writeStatements?.();
  return {
    ...out,
    cpu_s: round(cpu, 2),
    cpu_s_by_process: cpuBy,
    cpu_ms_per_transition: transitions ? round((1000 * cpu) / transitions, 3) : null,
    machine_cpu_s: round(machine, 2),
    machine_cpu_ms_per_transition: transitions ? round((1000 * machine) / transitions, 3) : null,
    client_cpu_s: round((c1.user + c1.system) / 1e6, 2),
    postgres_cpu_s: round(s1.postgres! - s0.postgres!, 2),
    rabbitmq_cpu_s: round(s1.rabbitmq! - s0.rabbitmq!, 2),
    rss_mb: rss,
    warnings: { ...cluster.warnings },
  };
}

/**
 * Processes start cold: V8 compiles the hot paths in each process as it runs them, so every
 * added process pays that again. Drive --warmup packages through first, as a burst,
 * unmeasured; then vacuum and checkpoint, so an autovacuum or a checkpoint set off by the
 * warm-up does not land in the measurement.
 */
async function warmUp(db: pg.Pool, cluster: Cluster, n = Number(args.warmup)): Promise<void> {
  if (n <= 0) return;
  const t0 = Date.now();
  const ids = (await createPackages(cluster.base, 'warmup', n, Number(args.concurrency))).map((p) => p.id);
  await waitOnboarded(db, ids, t0, 120_000);
  await db.query('VACUUM (ANALYZE) resources, tasks, transitions, outbox, sim_ledger, package_uploads, package_chunks');
  await db.query('CHECKPOINT');
  await sleep(1_100); // measured packages get ids above the waiting query's floor (its start - 1 s)
}

async function burst(db: pg.Pool, cluster: Cluster, n: number) {
  await warmUp(db, cluster);
  return measure(db, cluster, async () => {
    const t0 = Date.now();
    const sent = await createPackages(cluster.base, 'burst', n, Number(args.concurrency));
    const accepted = Date.now() - t0;
    const ids = sent.map((p) => p.id);
    const at = await waitOnboarded(db, ids, t0, 600_000);
    const wall = (Date.now() - t0) / 1000;
    const lat = sent.map((p) => at.get(p.id)! - p.sentAt);
    return {
      n,
      wall_s: round(wall, 2),
      requests_s: round(accepted / 1000, 2),
      transitions_per_s: Math.round((3 * n) / wall),
      latency_ms: latencyMs(lat),
      ...(await verify(db, ids)),
      ids,
    };
  });
}

async function idle(db: pg.Pool, cluster: Cluster, n = 50) {
  await warmUp(db, cluster);
  return measure(db, cluster, async () => {
    const lat: number[] = [];
    const sent: Sent[] = [];
    for (let i = 0; i < n + 5; i++) {
      const p = await createPackage(cluster.base, `idle-${i}`);
      const done = await waitFast(db, p.id);
      if (i >= 5) {
        // first five warm up
        lat.push(done - p.sentAt);
        sent.push(p);
      }
    }
    // one package at a time, each requested once the one before was seen ONBOARDED (polled every 10 ms)
    const transitionsPerS = Math.round((3 * n) / ((Date.now() - sent[0]!.sentAt) / 1000));
    const ids = sent.map((p) => p.id);
    return {
      n,
      latency_ms: latencyMs(lat),
      transitions_per_s: transitionsPerS,
      path_ms: pathMs(await timelines(db, sent)),
      ...(await verify(db, ids)),
      ids,
    };
  });
}

async function steady(db: pg.Pool, cluster: Cluster, rate: number, seconds: number) {
  await warmUp(db, cluster);
  return measure(db, cluster, async () => {
    const total = rate * seconds;
    const t0 = Date.now() + 50;
    const sent: Sent[] = [];
    let maxPending = 0;
    let lateSends = 0;
    const backlog: number[] = [];
    const sampler = setInterval(async () => {
      const r = await db
        .query<{ n: number }>(`SELECT count(*)::int AS n FROM resources WHERE status <> 'ONBOARDED'`)
        .catch(() => null);
      if (r) {
        backlog.push(r.rows[0]!.n);
        maxPending = Math.max(maxPending, r.rows[0]!.n);
      }
    }, 250);
    const inflight: Promise<void>[] = [];
    const failed: string[] = [];
    let ids: string[];
    let at: Map<string, number>;
    try {
      for (let i = 0; i < total; i++) {
        const due = t0 + (i * 1000) / rate;
        const wait = due - Date.now();
        if (wait > 0) await sleep(wait);
        else if (wait < -50) lateSends++;
        // open loop: a failure is noted at once (not left unhandled until all were sent)
        inflight.push(
          createPackage(cluster.base, `steady-${i}`).then(
            (x) => void sent.push({ id: x.id, sentAt: due }),
            (err: Error) => void failed.push(err.message),
          ),
        );
      }
      await Promise.all(inflight);
      if (failed.length) throw new Error(`${failed.length} of ${total} creates failed, e.g. ${failed[0]}`);
      ids = sent.map((s) => s.id);
      at = await waitOnboarded(db, ids, t0, 300_000);
    } finally {
      clearInterval(sampler);
    }
    const lat = sent.map((s) => at.get(s.id)! - s.sentAt);
    const half = backlog.slice(Math.floor(backlog.length / 2));
    return {
      rate,
      seconds,
      n: total,
      latency_ms: latencyMs(lat),
      backlog: { max: maxPending, last_half_max: Math.max(0, ...half), bounded: maxPending < rate },
      late_sends: lateSends,
      transitions_per_s: Math.round((3 * total) / ((Math.max(...at.values()) - t0) / 1000)),
      ...(await verify(db, ids)),
      ids,
    };
  });
}

/**
 * 10,000 steps waiting out a retry delay: they wait as outbox rows in PostgreSQL, not as
 * messages held by a consumer, so controller and worker memory stays flat.
 */
async function delayed(db: pg.Pool, cluster: Cluster, n: number) {
  const rss = () =>
    Object.fromEntries(cluster.procs.filter((p) => p.role !== 'api').map((p) => [p.role, memoryMb(p.pid, 'VmRSS')]));
  const warm = (await createPackages(cluster.base, 'warm', 200, 1)).map((p) => p.id);
  await waitOnboarded(db, warm, Date.now() - 60_000, 120_000);
  const before = rss();
  const t0 = Date.now();
  await createPackages(cluster.base, 'delayed', n, 32, { simulate: { fail: { validate: 1 } } });
  for (;;) {
    const r = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM tasks WHERE name = 'vnfp.validate' AND state = 'RETRY'`,
    );
    if (r.rows[0]!.n >= n) break;
    await sleep(500);
  }
  const during = rss();
  const waiting = (
    await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM outbox WHERE sent_at IS NULL AND available_at > now()`,
    )
  ).rows[0]!.n;
  const conn = await amqp.connect(AMQP_URL);
  const ch = await conn.createChannel();
  const inBroker = (await ch.checkQueue(PREFIX + 'work_queue')).messageCount;
  await conn.close();
  await sleep(10_000);
  const later = rss();
  return {
    n,
    delayed_steps_waiting_in_outbox: waiting,
    work_queue_messages: inBroker,
    rss_mb_before: before,
    rss_mb_with_delayed: during,
    rss_mb_10s_later: later,
    scheduled_in_s: round((Date.now() - t0) / 1000, 1),
  };
}

async function main(): Promise<void> {
  await migrate({ url: DB_URL, dir: path.join(ROOT, 'prisma', 'migrations'), log: quiet });
  const db = new pg.Pool({ connectionString: DB_URL, max: 4 });
  useToken((await createToken(db, 'operator', 'bench')).token);
  const machine = { cores: os.cpus().length, memory_gb: Math.round(os.totalmem() / 2 ** 30), node: process.version };
  const n = Number(args.n);
  const print = (scenario: string, r: Record<string, unknown>) => {
    const { ids: _ids, ...rest } = r;
    console.log(JSON.stringify({ scenario, date: new Date().toISOString().slice(0, 10), machine, ...rest }));
  };
  const run = async (
    scenario: string,
    c: number,
    w: number,
    fn: (cl: Cluster) => Promise<Record<string, unknown>>,
    keepFiller = false,
  ) => {
    if (!keepFiller) await resetState(db);
    else {
      await db.query(`DELETE FROM resources WHERE name NOT LIKE 'filler-%'`);
      await db.query('TRUNCATE transitions, tasks, outbox, sim_ledger');
    }
    const cluster = await startCluster(c, w);
    try {
      print(scenario, { controllers: c, workers: w, ...(await fn(cluster)) });
    } finally {
      await cluster.stop();
    }
  };
  /** One burst in a fresh cluster of c + w processes: prints its line, returns its transitions/s. */
  const runBurst = async (
    scenario: string,
    c: number,
    w: number,
    labels: Record<string, unknown>,
    keepFiller = false,
  ): Promise<number> => {
    let tps = 0;
    await run(
      scenario,
      c,
      w,
      async (cl) => {
        const r = await burst(db, cl, n);
        tps = r.transitions_per_s;
        return { ...labels, ...r };
      },
      keepFiller,
    );
    return tps;
  };
  const C = Number(args.controllers);
  const W = Number(args.workers);
  switch (args.scenario) {
    case 'burst':
      await run('burst', C, W, (cl) => burst(db, cl, n));
      break;
    case 'openstack': {
      // n vnfs, each with a volume and an ACL, on the local cloud. The cluster is stopped when
      // they are all up, so that its driver's figures of API calls cover the measurement only.
      const count = Number(args.n) === 2000 ? 50 : Number(args.n);
      await raiseQuotas(count);
      await resetState(db);
      const env = { ...openstackEnv(), LOG_LEVEL: 'info' };
      const cluster = await startCluster(C, W, env);
      const { made, cpu } = await (async () => {
        try {
          const m = await openstackScenario(db, cluster.base, count, () => {
            cpu0 = cluster.procs.map((p) => cpuSeconds(p.pid));
          });
          return { made: m, cpu: cluster.procs.reduce((s, p, i) => s + cpuSeconds(p.pid) - cpu0[i]!, 0) };
        } finally {
          await cluster.stop();
        }
      })();
      const calls = { calls: 0, ms: 0, busyMs: 0, ...apiCalls.at(-1) };
      const image = (
        await db.query(`SELECT properties->'softwareImages'->0->>'vimImageId' AS id FROM resources WHERE id = $1`, [
          made.pkg,
        ])
      ).rows[0].id as string;
      const cli = args.cli ? cliReference(count, image) : null;
      const cleaner = await startCluster(C, W, env);
      try {
        await cleanUp(db, cleaner.base, made);
      } finally {
        await cleaner.stop();
      }
      print('openstack', {
        n: count,
        wall_s: round(made.wall, 1),
        api_calls: calls.calls,
        api_call_s: round(calls.ms / 1000, 1),
        api_busy_s: round(calls.busyMs / 1000, 1),
        nfvo_overhead_pct: round((100 * Math.max(0, made.wall - calls.busyMs / 1000)) / made.wall, 1),
        nfvo_cpu_s: round(cpu, 1),
        nfvo_cpu_pct_of_wall: round((100 * cpu) / made.wall, 1),
        cli_sequential_s: cli,
        ok: true,
      });
      break;
    }
    case 'upload': {
      // large packages against the raw speed of the same inserts, and 100 small ones
      await resetState(db);
      const cluster = await startCluster(C, W, { PACKAGE_MAX_BYTES: String(2 * 2 ** 30) });
      try {
        const sizes = args.sizes!.split(',').filter(Boolean).map(Number);
        await uploadScenario(
          db,
          cluster.base,
          cluster.procs,
          path.join(ROOT, '.bench', 'packages'),
          print,
          sizes,
          Number(args.warmup),
        );
      } finally {
        await cluster.stop();
      }
      break;
    }
    case 'idle':
      await run('idle', C, W, (cl) => idle(db, cl));
      break;
    case 'floor':
      // not nfvo: the round trips of idle's path alone, on the same PostgreSQL and RabbitMQ
      print(
        'floor',
        await measureFloor(
          { dbUrl: DB_URL, amqpUrl: AMQP_URL, prefix: PREFIX, port: Number(args.port) },
          (name) => createPackage(`http://127.0.0.1:${args.port}`, name),
          { n: 50, warmup: Number(args.warmup), concurrency: Number(args.concurrency) },
        ),
      );
      break;
    case 'steady':
      await run('steady', C, W, (cl) => steady(db, cl, Number(args.rate), Number(args.duration)));
      break;
    case 'scale': {
      // 1 + 1 and 2 + 2 alternate (1+1, 2+2, then 2+2, 1+1, ...) so the machine's drift
      // weighs on both alike; the summary compares the medians of --repeat runs of each
      const repeat = Math.max(1, Number(args.repeat));
      const tps: Record<string, number[]> = { '1+1': [], '2+2': [] };
      for (let i = 0; i < repeat; i++) {
        for (const size of i % 2 ? [2, 1] : [1, 2])
          tps[`${size}+${size}`]!.push(await runBurst('scale', size, size, { run: i + 1 }));
      }
      const [one, two] = [median(tps['1+1']!), median(tps['2+2']!)];
      print('scale_summary', {
        n,
        repeat,
        transitions_per_s: { '1+1': tps['1+1'], '2+2': tps['2+2'] },
        median: { '1+1': Math.round(one), '2+2': Math.round(two) },
        two_vs_one_pct: round((100 * (two - one)) / one, 1),
      });
      break;
    }
    case 'delayed': {
      await resetState(db);
      const cluster = await startCluster(C, W, { RETRY_BASE_MS: '120000', RETRY_MAX_MS: '120000' });
      try {
        print('delayed', await delayed(db, cluster, Number(args.n) || 10_000));
      } finally {
        await cluster.stop();
      }
      break;
    }
    case 'inflight': {
      // --n packages at once (default here: 10,000), every action 2 s in the driver, against the
      // zero-latency burst of as many in the same run
      const count = args.n === '2000' ? 10_000 : n;
      const prefetch = Math.min(count, 65_535);
      await resetState(db);
      let zero = 0;
      await run('inflight_zero_latency', C, W, async (cl) => {
        const r = await burst(db, cl, count);
        zero = r.wall_s;
        return r;
      });
      await resetState(db);
      const metricsPort = Number(args.port) + 1;
      const slow = await startCluster(
        C,
        W,
        {
          SIM_LATENCY_MS: String(ACTION_S * 1000),
          SIM_ASYNC: 'true',
          WORKER_CONCURRENCY: String(prefetch),
          SIM_MAX_CONCURRENCY: String(prefetch),
          HEARTBEAT_INTERVAL_S: '1',
        },
        W === 1 ? { worker: { METRICS_PORT: String(metricsPort) } } : {},
      );
      try {
        const r = await measure(db, slow, () =>
          inflightRun(
            db,
            slow,
            count,
            Number(args.concurrency),
            W === 1 ? `http://127.0.0.1:${metricsPort}/metrics` : null,
          ),
        );
        const ideal = 3 * ACTION_S + zero;
        print('inflight', {
          controllers: C,
          workers: W,
          worker_concurrency: prefetch,
          sim_max_concurrency: prefetch,
          ...r,
          zero_latency_wall_s: zero,
          ideal_s: round(ideal, 2),
          vs_ideal: round(r.wall_s / ideal, 2),
        });
      } finally {
        await slow.stop();
      }
      break;
    }
    case 'scrape': {
      // /metrics and the console's reads with --n resources in the table (default here: 100,000)
      const rows = args.n === '2000' ? 100_000 : n;
      await resetState(db);
      await fillTable(db, rows);
      const cluster = await startCluster(C, W);
      try {
        print('scrape', { controllers: C, workers: W, ...(await scrapeScenario(db, cluster.base, rows)) });
      } finally {
        await cluster.stop();
      }
      break;
    }
    case 'bigtable': {
      // empty, 100k, 1M, empty again: the filled-table figures are compared with the mean of the
      // empty-table runs on both sides of them (the machine's speed drifts), each a median of --repeat
      const repeat = Math.max(1, Number(args.repeat));
      const bursts = async (rows: number) => {
        const tps: number[] = [];
        for (let i = 0; i < repeat; i++)
          tps.push(await runBurst('bigtable', C, W, { existing_rows: rows, run: i + 1 }, rows > 0));
        return Math.round(median(tps));
      };
      await resetState(db);
      const before = await bursts(0);
      const filled: Record<string, number> = {};
      for (const rows of [100_000, 1_000_000]) {
        await fillTable(db, rows);
        filled[rows] = await bursts(rows);
      }
      await resetState(db);
      const afterwards = await bursts(0);
      const empty = (before + afterwards) / 2;
      print('bigtable_summary', {
        controllers: C,
        workers: W,
        n,
        repeat,
        empty_table_transitions_per_s: { before, after: afterwards },
        transitions_per_s: filled,
        vs_empty_pct: Object.fromEntries(
          Object.entries(filled).map(([rows, tps]) => [rows, round((100 * (tps - empty)) / empty, 1)]),
        ),
      });
      break;
    }
    default:
      throw new Error(
        `unknown scenario ${args.scenario}: burst | idle | floor | steady | scale | bigtable | delayed | upload | openstack | scrape | inflight`,
      );
  }
  await db.end();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
