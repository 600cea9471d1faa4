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

export class TransitionFeed {
  cursor = 0;
  private subscribers = new Set<(t: Transition[]) => void>();
  private timer?: NodeJS.Timeout;
  private gapSince: number | null = null;
  private ready: Promise<void>;

  constructor(private readonly deps: { db: Db; log: Logger; pollMs: number }) {
    this.ready = this.init();
  }

  private async init(): Promise<void> {
    for (;;) {
      try {
        const r = await this.deps.db.pool.query<{ max: number | null }>('SELECT max(id)::bigint AS max FROM transitions');
        this.cursor = r.rows[0]?.max ?? 0;
        return;
      } catch (err) {
        this.deps.log.warn({ err: errorMessage(err) }, 'transition feed cannot read the database; retrying');
        await new Promise((r) => setTimeout(r, 1_000));
      }
    }
  }

  /** Subscribe; returns the cursor at subscription time (events after it will be delivered) and an unsubscribe. */
  async subscribe(fn: (t: Transition[]) => void): Promise<{ since: number; unsubscribe: () => void }> {
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
      const r = await this.deps.db.pool.query(`SELECT * FROM transitions WHERE id > $1 ORDER BY id LIMIT 1000`, [this.cursor]);
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
      if (ready.length) for (const fn of this.subscribers) fn(ready);
    } catch (err) {
      this.deps.log.warn({ err: errorMessage(err) }, 'transition feed poll failed');
    }
    if (this.subscribers.size) this.schedule();
    else this.timer = undefined;
  }

  stop(): void {
    clearTimeout(this.timer);
    this.subscribers.clear();
  }
}
