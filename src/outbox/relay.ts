// Publishes outbox rows to RabbitMQ with publisher confirms and marks them sent.
// Fast path: the writer hands its rows over right after commit. Slow path: a poller
// picks up rows whose writer died before publishing, and delayed rows when due.
import type { Broker } from '../broker/broker.js';
import type { Db } from '../db/db.js';
import {
  anyDueOutbox,
  claimDueOutbox,
  markOutboxSent,
  purgeSentOutbox,
  type OutboxRow,
} from '../db/outbox-repository.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';

// a row its writer has not marked sent after this long is published by the poller
const GRACE_MS = 10_000;
const BATCH = 500;
// published rows are marked sent in batches: at this many, or this long after the first
const MARK_BATCH = 500;
const MARK_DELAY_MS = 250;
const PURGE_EVERY_MS = 60_000;
const KEEP_SENT_MS = 10 * 60_000;

export class OutboxRelay {
  private timer?: NodeJS.Timeout;
  private sentIds: number[] = [];
  private flushTimer?: NodeJS.Timeout;
  private flushing = Promise.resolve();
  private lastPurge = Date.now();
  private stopped = false;
  private polling = false;

  constructor(private readonly deps: { db: Db; broker: Broker; log: Logger; pollMs: number }) {}

  start(): void {
    this.stopped = false;
    this.schedule(this.deps.pollMs);
  }

  /** Publish rows this process just committed; failures are left to the poller. */
  publishNow(rows: OutboxRow[]): void {
    for (const row of rows) {
      if (row.delayMs > 0) continue;
      this.deps.broker
        .publish(row.queue, row.payload, { priority: row.priority, messageId: `outbox-${row.id}` })
        .then(() => this.noteSent(row.id))
        .catch((err) =>
          this.deps.log.debug({ err: errorMessage(err), outboxId: row.id }, 'publish failed; the relay will retry'),
        );
    }
  }

  private noteSent(id: number): void {
    this.sentIds.push(id);
    // marking is off the critical path and only has to beat GRACE_MS: batch it generously
    if (this.sentIds.length >= MARK_BATCH) void this.flush();
    else this.flushTimer ??= setTimeout(() => this.flush(), MARK_DELAY_MS);
  }

  private flush(): Promise<void> {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    const ids = this.sentIds;
    this.sentIds = [];
    if (!ids.length) return this.flushing;
    this.flushing = this.flushing
      .then(() => markOutboxSent(this.deps.db.pool, ids))
      .catch((err) =>
        this.deps.log.debug({ err: errorMessage(err) }, 'could not mark outbox rows sent; they may be published again'),
      );
    return this.flushing;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.poll(), ms);
  }

  /** One pass of the slow path; returns how many rows were published. */
  async pollOnce(): Promise<number> {
    if (!this.deps.broker.connected) return 0;
    // most passes find nothing: ask in one statement before opening a transaction to claim
    if (!(await anyDueOutbox(this.deps.db.pool, GRACE_MS))) return 0;
    return this.deps.db.tx(async (c) => {
      const rows = await claimDueOutbox(c, BATCH, GRACE_MS);
      await Promise.all(
        rows.map((r) =>
          this.deps.broker.publish(r.queue, r.payload, { priority: r.priority, messageId: `outbox-${r.id}` }),
        ),
      );
      await markOutboxSent(
        c,
        rows.map((r) => r.id),
      );
      return rows.length;
    });
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    let next = this.deps.pollMs;
    try {
      const n = await this.pollOnce();
      if (n === BATCH) next = 0;
      if (Date.now() - this.lastPurge > PURGE_EVERY_MS) {
        this.lastPurge = Date.now();
        await purgeSentOutbox(this.deps.db.pool, KEEP_SENT_MS);
      }
    } catch (err) {
      next = Math.max(1_000, next);
      this.deps.log.warn({ err: errorMessage(err) }, 'outbox relay pass failed; retrying');
    } finally {
      this.polling = false;
      this.schedule(next);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.flush();
  }
}
