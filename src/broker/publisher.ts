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

export class Publisher {
  private ch?: ConfirmChannel;

  constructor(private readonly opts: { log: Logger; retry: RetryPolicy; isClosing: () => boolean }) {}

  get ready(): boolean {
    return !!this.ch;
  }

  /**
   * Open the confirm channel on a new connection; `onLost` is told when it closes. It is
   * used for publishing only once use() is called: a message published before its queue is
   * declared would be dropped by RabbitMQ as unroutable, and still confirmed.
   */
  async open(conn: ChannelModel, onLost: (why: string) => void): Promise<ConfirmChannel> {
    const ch = await conn.createConfirmChannel();
    ch.on('error', (err) => this.opts.log.warn({ err: errorMessage(err) }, 'RabbitMQ publish channel error'));
    ch.on('close', () => onLost('publish channel closed'));
    return ch;
  }

  /** Publish on this channel from now on (the topology is declared). */
  use(ch: ConfirmChannel): void {
    this.ch = ch;
  }

  reset(): void {
    this.ch = undefined;
  }

  /** One persistent publish, resolved when the broker confirms it. */
  raw(exchange: string, routingKey: string, content: Buffer, options: Options.Publish = {}): Promise<void> {
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

  /** Publish a JSON body, retrying per the policy until confirmed. */
  async publish(exchange: string, routingKey: string, body: unknown, options: Options.Publish = {}): Promise<void> {
    const content = Buffer.from(JSON.stringify(body));
    const policy = this.opts.retry;
    for (let retry = 0; ; retry++) {
      try {
        return await this.raw(exchange, routingKey, content, options);
      } catch (err) {
        if (retry >= policy.max_retries || this.opts.isClosing()) throw err;
        await sleep(Math.min(policy.interval_max, policy.interval_start + retry * policy.interval_step));
      }
    }
  }
}
