// One poller per API process over the transitions table, fanned out to SSE watchers.
// Transition ids come from a sequence, so a row with a lower id can commit after a
// higher one; the feed only moves past a gap once it has stayed open for GAP_WAIT_MS
// (a rolled-back insert), so a watcher never skips a row that was still committing.
import type { Db } from '../db/db.js';
import { lastTransitionId, progressAfter, transitionsAfterId, type ProgressEvent } from '../db/feed-repository.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import type { Transition } from '../model.js';

const GAP_WAIT_MS = 2_000;

export type { ProgressEvent } from '../db/feed-repository.js';

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
        this.cursor = await lastTransitionId(this.deps.db.pool);
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
      const ready: Transition[] = [];
      for (const t of await transitionsAfterId(this.deps.db.pool, this.cursor, 1000)) {
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
    const events = await progressAfter(this.deps.db.pool, this.progressSince, 1000);
    if (events.length) this.progressSince = events[events.length - 1]!.at;
    else this.progressSince ??= new Date(Date.now() - 1000);
    return events;
  }

  stop(): void {
    clearTimeout(this.timer);
    this.subscribers.clear();
  }
}
