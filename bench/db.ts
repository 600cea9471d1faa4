// What the bench reads and writes in nfvo's database: waiting for packages to be ONBOARDED,
// checking how each one ended, where its time went, and filling the table for big table.
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import type { Sent, Timeline } from './stats.js';

/** The smallest UUIDv7 of a moment: ids of resources created from then on sort after it. */
function uuidFloor(ms: number): string {
  const h = ms.toString(16).padStart(12, '0');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-7000-8000-000000000000`;
}

/**
 * Wait until `ids.length` packages created since `since` are ONBOARDED (a cheap count over
 * an index range, so the watching does not load the database); returns each one's ONBOARDED time.
 */
export async function waitOnboarded(
  db: pg.Pool,
  ids: string[],
  since: number,
  timeoutMs: number,
  onPoll?: (pending: number) => void,
): Promise<Map<string, number>> {
  const end = Date.now() + timeoutMs;
  const floor = uuidFloor(since - 1000);
  for (;;) {
    const r = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM resources WHERE status = 'ONBOARDED' AND id >= $1::uuid AND worker_id IS NULL`,
      [floor],
    );
    onPoll?.(ids.length - r.rows[0]!.n);
    if (r.rows[0]!.n >= ids.length) break;
    if (Date.now() > end)
      throw new Error(`only ${r.rows[0]!.n} of ${ids.length} packages ONBOARDED after ${timeoutMs} ms`);
    await sleep(100);
  }
  const t = await db.query<{ resource_id: string; at: Date }>(
    `SELECT resource_id, created_at AS at FROM transitions WHERE resource_id = ANY($1::uuid[]) AND to_status = 'ONBOARDED'`,
    [ids],
  );
  return new Map(t.rows.map((x) => [x.resource_id, x.at.getTime()]));
}

/**
 * Every package ONBOARDED with exactly its transitions and no lock: three, or four when the
 * register step waited on the VIM (VALIDATED → REGISTERING → ONBOARDED).
 */
export async function verify(db: pg.Pool, ids: string[], waited = false): Promise<{ ok: boolean; problems: number }> {
  const r = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM resources r
      WHERE r.id = ANY($1::uuid[]) AND (r.status <> 'ONBOARDED' OR r.worker_id IS NOT NULL
         OR (SELECT count(*) FROM transitions t WHERE t.resource_id = r.id) <> $2)`,
    [ids, waited ? 4 : 3],
  );
  const missing =
    ids.length -
    (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM resources WHERE id = ANY($1::uuid[])', [ids]))
      .rows[0]!.n;
  const problems = r.rows[0]!.n + missing;
  return { ok: problems === 0, problems };
}

/**
 * Where each package's time went, from the rows' own timestamps (each the start of the
 * transaction that wrote it; stored to the millisecond): the resource's insert, each task's
 * dispatch (its insert), start and end (the commit that recorded it and dispatched the next),
 * and the sim ledger's effect.
 */
export async function timelines(db: pg.Pool, sent: Sent[]): Promise<Timeline[]> {
  const r = await db.query<{
    id: string;
    created: Date;
    dispatched: Date[];
    started: Date[];
    finished: Date[];
    effect: Date[];
  }>(
    `SELECT r.id, r.created_at AS created,
            array_agg(t.created_at ORDER BY t.created_at) AS dispatched, array_agg(t.started_at ORDER BY t.created_at) AS started,
            array_agg(t.finished_at ORDER BY t.created_at) AS finished,
            array_agg((SELECT min(l.created_at) FROM sim_ledger l WHERE l.task_id = t.id) ORDER BY t.created_at) AS effect
       FROM resources r JOIN tasks t ON t.resource_id = r.id
      WHERE r.id = ANY($1::uuid[]) GROUP BY r.id, r.created_at`,
    [sent.map((p) => p.id)],
  );
  const byId = new Map(r.rows.map((x) => [x.id, x]));
  return sent.map((p) => {
    const x = byId.get(p.id)!;
    const ms = (ds: Date[]) => ds.map((d) => d.getTime());
    return {
      requested: p.sentAt,
      apiWrite: x.created.getTime(),
      dispatched: [...ms(x.dispatched), x.finished.at(-1)!.getTime()],
      started: ms(x.started),
      effect: ms(x.effect),
    };
  });
}

/** Poll tightly for one resource (idle scenario) and return when it was ONBOARDED. */
export async function waitFast(db: pg.Pool, id: string): Promise<number> {
  for (let i = 0; i < 20_000; i++) {
    const r = await db.query<{ at: Date }>(
      `SELECT t.created_at AS at FROM resources r JOIN transitions t ON t.resource_id = r.id AND t.to_status = 'ONBOARDED' WHERE r.id = $1 AND r.worker_id IS NULL`,
      [id],
    );
    if (r.rows[0]) return r.rows[0].at.getTime();
    await sleep(10); // the latency is read from the database; polling only paces the next request
  }
  throw new Error(`${id} not ONBOARDED`);
}

export async function fillTable(db: pg.Pool, rows: number): Promise<void> {
  const have = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM resources WHERE name LIKE 'filler-%'`))
    .rows[0]!.n;
  for (let done = have; done < rows; done += 100_000) {
    const k = Math.min(100_000, rows - done);
    await db.query(
      `INSERT INTO resources (id, type, name, status, spec, properties, created_at, updated_at)
       SELECT (lpad(to_hex(extract(epoch FROM now())::bigint * 1000 - 86400000), 12, '0') || '7' || substr(md5(random()::text), 1, 3) || '8' || substr(md5(random()::text), 1, 15))::uuid,
              (ARRAY['vnf_package','volume','vnf','acl'])[1 + g % 4], 'filler-' || ($1::int + g),
              'ONBOARDED', 'ONBOARDED', '{"filler": true}', now() - interval '1 day', now() - interval '1 day'
         FROM generate_series(1, $2::int) g`,
      [done, k],
    );
  }
  // settle the filled table (vacuum, statistics, checkpoint) so its one-off maintenance does not run during the measurement
  await db.query('VACUUM (ANALYZE) resources');
  await db.query('CHECKPOINT');
}
