// One poller per API process over the transitions table, fanned out to SSE watchers.
// Transition ids come from a sequence, so a row with a lower id can commit after a
// higher one; the feed only moves past a gap once it has stayed open for GAP_WAIT_MS
// (a rolled-back insert), so a watcher never skips a row that was still committing.
import type { Db } from '../db/db.js';
import { toTransition } from '../db/rows.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import type { Transition } from '../model.js';

const GAP_WAIT_MS = 2_000;

/** Progress a running task reported (not resumable: only the latest matters). */
export type ProgressEvent = {
  taskId: string;
  resourceId: string;
  type: string;
  action: string;
  attempt: number;
  progress: unknown;
  at: Date;
};
export type FeedBatch = { transitions: Transition[]; progress: ProgressEvent[] };

export class TransitionFeed {
  cursor = 0;
  private progressSince: Date | null = null;
  private subscribers = new Set<(b: FeedBatch) => void>();
  private timer?: NodeJS.Timeout;
  private gapSince: number | null = null;
  private ready: Promise<void>;

  constructor(private readonly deps: { db: Db; log: Logger; pollMs: number }) {
    this.ready = this.init();
  }

  private async init(): Promise<void> {
    for (;;) {
      try {
        const r = await this.deps.db.pool.query<{ max: number | null }>(
          'SELECT max(id)::bigint AS max FROM transitions',
        );
        this.cursor = r.rows[0]?.max ?? 0;
        return;
      } catch (err) {
        this.deps.log.warn({ err: errorMessage(err) }, 'transition feed cannot read the database; retrying');
        await new Promise((r) => setTimeout(r, 1_000));
      }
    }
  }

  /** Subscribe; returns the cursor at subscription time (events after it will be delivered) and an unsubscribe. */
  async subscribe(fn: (b: FeedBatch) => void): Promise<{ since: number; unsubscribe: () => void }> {
    await this.ready;
    // an idle feed starts from now: a watcher without Last-Event-ID gets what happens next
    if (!this.subscribers.size && !this.timer) this.ready = this.init();
    await this.ready;
    this.subscribers.add(fn);
    if (!this.timer) this.schedule();
    return { since: this.cursor, unsubscribe: () => this.subscribers.delete(fn) };
  }

  private schedule(): void {
    this.timer = setTimeout(() => void this.poll(), this.deps.pollMs);
  }

  private async poll(): Promise<void> {
    try {
      const r = await this.deps.db.pool.query(`SELECT * FROM transitions WHERE id > $1 ORDER BY id LIMIT 1000`, [
        this.cursor,
      ]);
      const ready: Transition[] = [];
      for (const row of r.rows) {
        const t = toTransition(row);
        if (t.id !== this.cursor + 1) {
          this.gapSince ??= Date.now();
          if (Date.now() - this.gapSince < GAP_WAIT_MS) break;
        }
        this.gapSince = null;
        ready.push(t);
        this.cursor = t.id;
      }
      const progress = await this.pollProgress();
      if (ready.length || progress.length) for (const fn of this.subscribers) fn({ transitions: ready, progress });
    } catch (err) {
      this.deps.log.warn({ err: errorMessage(err) }, 'transition feed poll failed');
    }
    if (this.subscribers.size) this.schedule();
    else this.timer = undefined;
  }

  private async pollProgress(): Promise<ProgressEvent[]> {
    const r = await this.deps.db.pool.query(
      `SELECT t.id, t.resource_id, r.type, t.name, t.attempt, t.progress, t.updated_at, now() AS now
         FROM tasks t JOIN resources r ON r.id = t.resource_id
        WHERE t.state = 'STARTED' AND t.progress IS NOT NULL AND t.updated_at > COALESCE($1, now() - interval '1 second')
        ORDER BY t.updated_at LIMIT 1000`,
      [this.progressSince],
    );
    if (r.rows.length) this.progressSince = r.rows[r.rows.length - 1].updated_at;
    else this.progressSince ??= new Date(Date.now() - 1000);
    return r.rows.map((x) => ({
      taskId: x.id,
      resourceId: x.resource_id,
      type: x.type,
      action: x.name,
      attempt: x.attempt,
      progress: x.progress,
      at: x.updated_at,
    }));
  }

  stop(): void {
    clearTimeout(this.timer);
    this.subscribers.clear();
  }
}
