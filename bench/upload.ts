// The upload scenario: large packages uploaded and onboarded, against the raw speed of the
// same chunked inserts into PostgreSQL without nfvo; and 100 small packages, per package.
import { createHash, randomFillSync } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, statSync } from 'node:fs';
import { mkdir, rename } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import yazl from 'yazl';
import { IMAGE_PATH, tackerCsar, tackerStyle } from '../test/helpers/csar.js';
import { createPackages, token } from './client.js';
import { waitOnboarded } from './db.js';
import { cpuSeconds, memoryMb, serviceCpuSeconds } from './proc.js';
import { latencyMs, round } from './stats.js';

const CHUNK = 1 << 20;
const IN_FLIGHT = 3; // as nfvo's PostgreSQL store writes

type Procs = { role: string; pid: number }[];

/** A Tacker-style CSAR with an incompressible image of about `bytes`, on disk (built once, then reused). */
async function bigCsar(dir: string, bytes: number): Promise<string> {
  const out = path.join(dir, `csar-${bytes}.zip`);
  if (existsSync(out)) return out;
  await mkdir(dir, { recursive: true });
  const img = path.join(dir, `image-${bytes}.img`);
  const s256 = createHash('sha256');
  const s512 = createHash('sha512');
  await pipeline(async function* () {
    for (let left = bytes; left > 0; left -= CHUNK) {
      const b = randomFillSync(Buffer.alloc(Math.min(CHUNK, left)));
      s256.update(b);
      s512.update(b);
      yield b;
    }
  }, createWriteStream(img));
  const files = tackerStyle({ imageFile: { sha256: s256.digest('hex'), sha512: s512.digest('hex'), size: bytes } });
  const z = new yazl.ZipFile();
  for (const [p, c] of Object.entries(files)) z.addBuffer(Buffer.from(c), p, { compress: false });
  z.addReadStream(createReadStream(img), IMAGE_PATH, { compress: false, size: bytes });
  z.end();
  await pipeline(z.outputStream, createWriteStream(`${out}.part`));
  await rename(`${out}.part`, out);
  return out;
}

/** Stream a file as the body of a one-call package create; seconds until the 202, and the package id. */
function upload(base: string, file: string, name: string): Promise<{ seconds: number; id: string }> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${base}/v1/vnf-packages?name=${name}`,
      {
        method: 'POST',
        headers: { authorization: token(), 'content-type': 'application/zip', 'content-length': statSync(file).size },
      },
      (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () =>
          res.statusCode === 202
            ? resolve({ seconds: (Date.now() - t0) / 1000, id: (JSON.parse(text) as { id: string }).id })
            : reject(new Error(`upload: ${res.statusCode} ${text}`)),
        );
      },
    );
    req.on('error', reject);
    createReadStream(file).pipe(req);
  });
}

/** The same bytes written as nfvo's store writes them (1 MiB bytea chunks, 3 in flight), without nfvo: MB/s. */
async function rawInserts(db: pg.Pool, file: string): Promise<number> {
  await db.query(
    `CREATE TABLE IF NOT EXISTS bench_raw_chunks (upload_id uuid, seq int, data bytea, PRIMARY KEY (upload_id, seq))`,
  );
  await db.query('ALTER TABLE bench_raw_chunks ALTER COLUMN data SET STORAGE EXTERNAL');
  await db.query('TRUNCATE bench_raw_chunks');
  const id = crypto.randomUUID();
  const t0 = Date.now();
  const pending = new Set<Promise<unknown>>();
  let seq = 0;
  let parts: Buffer[] = [];
  let have = 0;
  const flush = async (b: Buffer) => {
    const p = db.query('INSERT INTO bench_raw_chunks VALUES ($1, $2, $3)', [id, seq++, b]);
    pending.add(p);
    void p.finally(() => pending.delete(p));
    if (pending.size >= IN_FLIGHT) await Promise.race(pending);
  };
  for await (const c of createReadStream(file, { highWaterMark: 64 * 1024 })) {
    parts.push(c as Buffer);
    have += (c as Buffer).length;
    if (have >= CHUNK) {
      const all = Buffer.concat(parts);
      await flush(all.subarray(0, CHUNK));
      parts = [all.subarray(CHUNK)];
      have -= CHUNK;
    }
  }
  if (have) await flush(Buffer.concat(parts));
  await Promise.all(pending);
  const mbs = statSync(file).size / 1e6 / ((Date.now() - t0) / 1000);
  await db.query('DROP TABLE bench_raw_chunks');
  return round(mbs, 1);
}

/** Wait until the package is ONBOARDED; fail with its reason if it lands in ERROR. */
async function onboarded(db: pg.Pool, id: string): Promise<void> {
  for (;;) {
    const r = (await db.query('SELECT status, error, worker_id FROM resources WHERE id = $1', [id])).rows[0];
    if (r?.status === 'ONBOARDED' && r.worker_id === null) return;
    if (r?.status === 'ERROR') throw new Error(`package ${id} failed: ${r.error}`);
    await sleep(200);
  }
}

/** Peak RSS of each process while `fn` runs (sampled every 100 ms; VmHWM covers the process's whole life). */
async function peakRss<T>(procs: Procs, fn: () => Promise<T>): Promise<{ out: T; rss: Record<string, number> }> {
  const peak: Record<string, number> = {};
  const sample = () => procs.forEach((p) => (peak[p.role] = Math.max(peak[p.role] ?? 0, memoryMb(p.pid, 'VmRSS'))));
  const timer = setInterval(sample, 100);
  try {
    const out = await fn();
    sample();
    return { out, rss: peak };
  } finally {
    clearInterval(timer);
  }
}

export async function uploadScenario(
  db: pg.Pool,
  base: string,
  procs: Procs,
  dir: string,
  print: (s: string, o: Record<string, unknown>) => void,
  sizes: number[],
  warmup: number,
) {
  for (const bytes of sizes) {
    const file = await bigCsar(dir, bytes);
    const size = statSync(file).size;
    const rawBefore = await rawInserts(db, file);
    const t0 = Date.now();
    const { out, rss } = await peakRss(procs, async () => {
      const up = await upload(base, file, `big-${bytes}`);
      await onboarded(db, up.id);
      return { ...up, onboardedS: (Date.now() - t0) / 1000 };
    });
    const rawAfter = await rawInserts(db, file);
    const mbs = size / 1e6 / out.seconds;
    const raw = (rawBefore + rawAfter) / 2;
    print('upload', {
      package_mb: round(size / 1e6, 1),
      upload_s: round(out.seconds, 2),
      upload_mb_s: round(mbs, 1),
      raw_insert_mb_s: { before: rawBefore, after: rawAfter },
      vs_raw_pct: round((100 * mbs) / raw, 1),
      onboarded_s: round(out.onboardedS, 2),
      peak_rss_mb: rss,
      ok: true,
    });
    await sleep(500);
  }
  // 100 small packages, about 50 KB each, created together, after `warmup` of them unmeasured (as
  // every scenario warms up: V8 compiles the hot paths as they run)
  const small = await tackerCsar({ padTo: 50_000 });
  if (warmup > 0) {
    const w0 = Date.now();
    const warm = await createPackages(base, 'small-warmup', warmup, 64, {}, small);
    await waitOnboarded(
      db,
      warm.map((s) => s.id),
      w0,
      300_000,
    );
    await sleep(1_100); // measured packages get ids above the waiting query's floor
  }
  const cpu0 = procs.map((p) => cpuSeconds(p.pid));
  const s0 = serviceCpuSeconds();
  // each of the measured packages its own VNF (its top VNFD and manifest differ; its type files do not)
  const distinct = await Promise.all(
    Array.from({ length: 100 }, (_, i) =>
      tackerCsar({ padTo: 50_000, product: `Small VNF ${i}`, vnfdId: `small-${i}` }),
    ),
  );
  const t0 = Date.now();
  const sent = await createPackages(base, 'small', 100, 64, {}, (i) => distinct[i]!);
  const at = await waitOnboarded(
    db,
    sent.map((s) => s.id),
    t0,
    120_000,
  );
  const wall = (Date.now() - t0) / 1000;
  const s1 = serviceCpuSeconds();
  print('upload_small', {
    cpu_s_by_process: Object.fromEntries(procs.map((p, i) => [p.role, round(cpuSeconds(p.pid) - cpu0[i]!, 2)])),
    postgres_cpu_s: round(s1.postgres! - s0.postgres!, 2),
    rabbitmq_cpu_s: round(s1.rabbitmq! - s0.rabbitmq!, 2),
    n: 100,
    warmup,
    package_kb: round(small.length / 1024, 1),
    wall_s: round(wall, 2),
    per_package_ms: round((1000 * wall) / 100, 1),
    latency_ms: latencyMs(sent.map((s) => at.get(s.id)! - s.sentAt)),
    ok: at.size === 100,
  });
}
