// Publishing: persistent messages, each confirmed by the broker, retried per a policy.
import { setTimeout as sleep } from 'node:timers/promises';
import type { ChannelModel, ConfirmChannel, Options } from 'amqplib';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';

/**
 * How a failed publish is retried before the caller sees the error (Celery's retry_policy):
 * up to max_retries more tries, waiting interval_start, then interval_step more each time,
 * at most interval_max. What still fails is left to the outbox relay (api and controller)
 * or to a redelivery of the message being handled (worker callbacks).
 */
export type RetryPolicy = { max_retries: number; interval_start: number; interval_step: number; interval_max: number };
export const DEFAULT_PUBLISH_RETRY: RetryPolicy = {
  max_retries: 3,
  interval_start: 0,
  interval_step: 200,
  interval_max: 1_000,
};

export const notConnected = () => Object.assign(new Error('RabbitMQ is not connected'), { code: 'ECONNREFUSED' });

/** How long a retry waits for a lost connection to come back (to another node, say) before it is tried anyway. */
export const RECONNECT_WAIT_MS = 5_000;
/** A nacked channel is replaced at most this often (a queue that refuses every message would churn them). */
const RENEW_EVERY_MS = 250;

export class Publisher {
  private ch?: ConfirmChannel;
  /** Retries waiting for a channel to publish on. */
  private readonly waiting = new Set<() => void>();
  /** The connection of the channel in use, and whom to tell when that channel is lost. */
  private conn?: { model: ChannelModel; onLost: (why: string) => void };
  /** Channels closed on purpose (replaced): their closing is not a lost connection. */
  private readonly retired = new WeakSet<ConfirmChannel>();
  private renewing?: Promise<void>;
  private renewedAt = 0;

  constructor(
    private readonly opts: { log: Logger; retry: RetryPolicy; isClosing: () => boolean; reconnectWaitMs?: number },
  ) {}

  get ready(): boolean {
    return !!this.ch;
  }

  /**
   * Open the confirm channel on a new connection; `onLost` is told when it closes. It is
   * used for publishing only once use() is called: a message published before its queue is
   * declared would be dropped by RabbitMQ as unroutable, and still confirmed.
   */
  async open(conn: ChannelModel, onLost: (why: string) => void): Promise<ConfirmChannel> {
    this.conn = { model: conn, onLost };
    const ch = await conn.createConfirmChannel();
    ch.on('error', (err) => this.opts.log.warn({ err: errorMessage(err) }, 'RabbitMQ publish channel error'));
    ch.on('close', () => {
      if (!this.retired.has(ch)) onLost('publish channel closed');
    });
    // a nack: see renew()
    ch.on('nack', () => this.renew(ch));
    return ch;
  }

  /**
   * The broker refused a message on `stuck`: publish on a new channel from now on. RabbitMQ
   * 3.10 refuses every message to a quorum queue on a channel whose first publish to it came
   * while the queue was electing a leader (its node had just gone), for as long as the
   * channel lives; a new channel is not affected. The old channel is closed once its pending
   * confirms are in.
   */
  private renew(stuck: ConfirmChannel): void {
    const conn = this.conn;
    if (this.ch !== stuck || !conn || this.renewing || Date.now() - this.renewedAt < RENEW_EVERY_MS) return;
    this.renewedAt = Date.now();
    this.opts.log.warn('RabbitMQ refused a message; publishing on a new channel');
    this.renewing = this.open(conn.model, conn.onLost)
      .then((ch) => {
        if (this.ch !== stuck) {
          // the connection was lost meanwhile: this channel goes with it
          this.retired.add(ch);
          return;
        }
        this.retired.add(stuck);
        this.ch = ch;
        void stuck
          .waitForConfirms()
          .catch(() => {})
          .finally(() => stuck.close().catch(() => {}));
      })
      .catch((err) => this.opts.log.warn({ err: errorMessage(err) }, 'could not open a new publish channel'))
      .finally(() => (this.renewing = undefined));
  }

  /** Publish on this channel from now on (the topology is declared). */
  use(ch: ConfirmChannel): void {
    this.ch = ch;
    this.wakeWaiting();
  }

  reset(): void {
    this.ch = undefined;
  }

  /** The broker is closing: retries waiting for a connection stop waiting. */
  wakeWaiting(): void {
    for (const wake of this.waiting) wake();
    this.waiting.clear();
  }

  /** Until a channel is in use again (a new connection), the publisher is closing, or `ms` have passed. */
  private async untilReady(ms: number): Promise<void> {
    if (this.ch || this.opts.isClosing()) return;
    let wake!: () => void;
    const woken = new Promise<void>((resolve) => (wake = resolve));
    this.waiting.add(wake);
    const timer = setTimeout(wake, ms);
    await woken;
    clearTimeout(timer);
    this.waiting.delete(wake);
  }

  /** One persistent publish, resolved when the broker confirms it. */
  async raw(exchange: string, routingKey: string, content: Buffer, options: Options.Publish = {}): Promise<void> {
    if (this.renewing) await this.renewing;
    const ch = this.ch;
    if (!ch) return Promise.reject(notConnected());
    return new Promise((resolve, reject) => {
      ch.publish(
        exchange,
        routingKey,
        content,
        { persistent: true, contentType: 'application/json', ...options },
        (err) => (err ? reject(err instanceof Error ? err : new Error('message nacked by broker')) : resolve()),
      );
    });
  }

  /**
   * Publish a JSON body, retrying per the policy until confirmed. A publish whose connection
   * is lost before its confirm (its node went away) fails with "channel closed" and is tried
   * again once the connection is back (waiting up to RECONNECT_WAIT_MS for it): it may then
   * arrive twice, never not at all. What is still unconfirmed after the last retry is the
   * caller's error (the outbox keeps its row; a handler's message is redelivered).
   */
  async publish(exchange: string, routingKey: string, body: unknown, options: Options.Publish = {}): Promise<void> {
    const content = Buffer.from(JSON.stringify(body));
    const policy = this.opts.retry;
    for (let retry = 0; ; retry++) {
      try {
        return await this.raw(exchange, routingKey, content, options);
      } catch (err) {
        if (retry >= policy.max_retries || this.opts.isClosing()) throw err;
        await sleep(Math.min(policy.interval_max, policy.interval_start + retry * policy.interval_step));
        await this.untilReady(this.opts.reconnectWaitMs ?? RECONNECT_WAIT_MS);
      }
    }
  }
}
