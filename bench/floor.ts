// The floor under the idle figure: one package's request → ONBOARDED path, made of nothing
// but its round trips. Three processes, as nfvo runs them, with bare node:http, pg and
// amqplib and the same durable settings (autocommitted inserts with synchronous_commit on,
// persistent messages on durable queues, publisher confirms, acks after the write):
//
//   client --HTTP--> api: write, publish ----> controller: write, publish ----> worker: write (start),
//   write (effect), publish ----> controller: write, ... three steps ... controller's last write
//
// 10 durable writes and 7 broker hops lie between the request and the start of the last
// write (whose start time is what idle reads as ONBOARDED), as they do in nfvo. No
// validation, logging, batching, FSM or JSON beyond a few fields.
import { fork, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import amqp from 'amqplib';
import pg from 'pg';
import { cpuSeconds, serviceCpuSeconds } from './proc.js';
import { latencyMs, pathMs, pct, round, type Sent, type Timeline } from './stats.js';

type Env = { dbUrl: string; amqpUrl: string; prefix: string; port: number };
type Msg = { request: string; step: number; sentAt: number };
type Samples = { writes: number[]; hops: number[] };

const STEPS = 3;
const TABLE = 'bench_floor';
const QUEUES = ['api', 'work', 'callback'] as const;
const ROLES = ['api', 'controller', 'worker'] as const;
const clock = () => performance.timeOrigin + performance.now(); // wall clock with sub-millisecond precision, shared by the processes

/** Anything failing in a floor process ends it: the floor measures a chain that works, or nothing. */
function fail(err: unknown): never {
  console.error(err);
  process.exit(1);
}

async function role(name: string, env: Env): Promise<void> {
  const pool = new pg.Pool({ connectionString: env.dbUrl, max: 4 });
  const conn = await amqp.connect(env.amqpUrl, { noDelay: true });
  const pub = await conn.createConfirmChannel();
  const samples: Samples = { writes: [], hops: [] };
  const q = (queue: (typeof QUEUES)[number]) => `${env.prefix}floor.${queue}`;
  const write = async (request: string, step: number, what: string) => {
    const t = clock();
    await pool.query({
      name: 'floor_write',
      text: `INSERT INTO ${TABLE} (request, step, what) VALUES ($1, $2, $3)`,
      values: [request, step, what],
    });
    samples.writes.push(clock() - t);
  };
  const publish = (queue: (typeof QUEUES)[number], m: Omit<Msg, 'sentAt'>) =>
    new Promise<void>((resolve, reject) =>
      pub.publish(
        '',
        q(queue),
        Buffer.from(JSON.stringify({ ...m, sentAt: clock() })),
        { persistent: true, contentType: 'application/json' },
        (err) => (err ? reject(err) : resolve()),
      ),
    );
  const consume = async (queue: (typeof QUEUES)[number], handle: (m: Msg) => Promise<void>) => {
    const ch = await conn.createChannel();
    await ch.prefetch(32);
    await ch.consume(q(queue), (raw) => {
      if (!raw) return;
      const m = JSON.parse(raw.content.toString()) as Msg;
      samples.hops.push(clock() - m.sentAt);
      handle(m).then(() => ch.ack(raw), fail);
    });
  };

  if (name === 'api') {
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const { name: request } = JSON.parse(body) as { name: string };
        write(request, 0, 'api').then(() => {
          // like nfvo's API: the message is handed over after the commit, the answer does not wait for its confirm
          publish('api', { request, step: 0 }).catch(fail);
          res.writeHead(202, { 'content-type': 'application/json' }).end(JSON.stringify({ id: request }));
        }, fail);
      });
    });
    await new Promise<void>((r) => server.listen(env.port, '127.0.0.1', r));
  } else if (name === 'controller') {
    const step = async (m: Msg) => {
      await write(m.request, m.step, 'controller');
      if (m.step < STEPS) publish('work', { request: m.request, step: m.step + 1 }).catch(fail);
    };
    await consume('api', step);
    await consume('callback', step);
  } else {
    await consume('work', async (m) => {
      await write(m.request, m.step, 'start');
      await write(m.request, m.step, 'effect');
      await publish('callback', m);
    });
  }
  process.on('message', (msg) => {
    if (msg === 'samples') process.send!(samples);
  });
  process.send!('ready');
}

/** Each request's path, from the start times of its writes (as idle reads nfvo's). */
async function timelines(db: pg.Pool, sent: Sent[]): Promise<Timeline[]> {
  const r = await db.query<{ request: string; step: number; what: string; at: Date }>(
    `SELECT request, step, what, at FROM ${TABLE} WHERE request = ANY($1::text[])`,
    [sent.map((p) => p.id)],
  );
  const at = new Map(r.rows.map((x) => [`${x.request}/${x.what}/${x.step}`, x.at.getTime()]));
  const steps = Array.from({ length: STEPS }, (_, k) => k + 1);
  return sent.map(({ id, sentAt }) => ({
    requested: sentAt,
    apiWrite: at.get(`${id}/api/0`)!,
    dispatched: [0, ...steps].map((k) => at.get(`${id}/controller/${k}`)!),
    started: steps.map((k) => at.get(`${id}/start/${k}`)!),
    effect: steps.map((k) => at.get(`${id}/effect/${k}`)!),
  }));
}

/**
 * Run the floor: `warmup` requests to compile the hot paths, then `n` one at a time (after 5
 * more), each timed from before its request to the start of its last write, like idle.
 * `post(name)` sends one request to the api process (the bench's HTTP client).
 */
export async function measureFloor(
  env: Env,
  post: (name: string) => Promise<Sent>,
  opts: { n: number; warmup: number; concurrency: number },
) {
  const { n, warmup, concurrency } = opts;
  const db = new pg.Pool({ connectionString: env.dbUrl, max: 2 });
  await db.query(`DROP TABLE IF EXISTS ${TABLE}`);
  await db.query(
    `CREATE TABLE ${TABLE} (id bigserial PRIMARY KEY, request text NOT NULL, step int NOT NULL, what text NOT NULL, at timestamptz NOT NULL DEFAULT now())`,
  );
  await db.query(`CREATE INDEX ON ${TABLE} (request)`);
  const conn = await amqp.connect(env.amqpUrl);
  const ch = await conn.createChannel();
  for (const queue of QUEUES) {
    await ch.deleteQueue(`${env.prefix}floor.${queue}`);
    await ch.assertQueue(`${env.prefix}floor.${queue}`, { durable: true });
  }
  const procs: ChildProcess[] = ROLES.map((r) =>
    fork(import.meta.filename, ['floor-role', r, JSON.stringify(env)], { stdio: 'inherit' }),
  );
  let failed: Error | undefined;
  let stopping = false;
  procs.forEach((p, i) =>
    p.once(
      'exit',
      (code) => (failed ??= stopping ? undefined : new Error(`floor ${ROLES[i]} process exited (${code})`)),
    ),
  );
  try {
    await Promise.all(
      procs.map(
        (p) => new Promise((resolve, reject) => (p.once('message', resolve), p.once('exit', () => reject(failed)))),
      ),
    );
    const done = async (request: string) => {
      for (let i = 0; i < 20_000; i++) {
        if (failed) throw failed;
        const r = await db.query<{ at: Date }>(
          `SELECT at FROM ${TABLE} WHERE request = $1 AND step = $2 AND what = 'controller'`,
          [request, STEPS],
        );
        if (r.rows[0]) return r.rows[0].at.getTime();
        await sleep(10);
      }
      throw new Error(`floor request ${request} did not finish`);
    };
    // warm-up: `concurrency` at a time, then settle the table as the nfvo scenarios do
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(concurrency, warmup) }, async () => {
        while (next < warmup) await done((await post(`warmup-${next++}`)).id);
      }),
    );
    await db.query(`VACUUM (ANALYZE) ${TABLE}`);
    await db.query('CHECKPOINT');
    const lat: number[] = [];
    const sent: Sent[] = [];
    const cpu0 = procs.map((p) => cpuSeconds(p.pid!));
    const s0 = serviceCpuSeconds();
    for (let i = 0; i < n + 5; i++) {
      const p = await post(`floor-${i}`);
      const at = await done(p.id);
      if (i >= 5) {
        lat.push(at - p.sentAt);
        sent.push(p);
      }
    }
    const cpu = Object.fromEntries(ROLES.map((r, i) => [r, round(cpuSeconds(procs[i]!.pid!) - cpu0[i]!, 2)]));
    const s1 = serviceCpuSeconds();
    const samples = await Promise.all(
      procs.map((p) => new Promise<Samples>((r) => (p.once('message', (s) => r(s as Samples)), p.send('samples')))),
    );
    // the processes' own timings of the measured requests (each process's last ones): api,
    // controller and worker make 1, STEPS + 1 and 2 * STEPS writes per request; the controller
    // receives STEPS + 1 messages per request and the worker STEPS
    const last = (xs: number[], k: number) => (k > 0 ? xs.slice(-k) : []);
    const [api, controller, worker] = samples as [Samples, Samples, Samples];
    const writes = [
      ...last(api.writes, n),
      ...last(controller.writes, n * (STEPS + 1)),
      ...last(worker.writes, n * 2 * STEPS),
    ];
    const hops = [...last(controller.hops, n * (STEPS + 1)), ...last(worker.hops, n * STEPS)];
    return {
      n,
      latency_ms: latencyMs(lat),
      path: { durable_writes: 1 + STEPS + 2 * STEPS, broker_hops: 1 + 2 * STEPS },
      durable_write_ms: { p50: round(pct(writes, 50), 2), p90: round(pct(writes, 90), 2) },
      broker_hop_ms: { p50: round(pct(hops, 50), 2), p90: round(pct(hops, 90), 2) },
      path_ms: pathMs(await timelines(db, sent)),
      cpu_s_by_process: cpu,
      postgres_cpu_s: round(s1.postgres! - s0.postgres!, 2),
      rabbitmq_cpu_s: round(s1.rabbitmq! - s0.rabbitmq!, 2),
    };
  } finally {
    stopping = true;
    for (const p of procs) p.kill('SIGTERM');
    for (const queue of QUEUES) await ch.deleteQueue(`${env.prefix}floor.${queue}`).catch(() => {});
    await conn.close();
    await db.query(`DROP TABLE IF EXISTS ${TABLE}`);
    await db.end();
  }
}

if (process.argv[2] === 'floor-role') {
  // a floor process lives only as long as the bench that forked it, however that one ends
  process.once('disconnect', () => process.exit(0));
  role(process.argv[3]!, JSON.parse(process.argv[4]!) as Env).catch(fail);
}
