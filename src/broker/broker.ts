// amqplib behind a small interface: topology, publish-with-confirm, consume-with-ack,
// dead-lettering with a reason, and reconnection with backoff.
import { setTimeout as sleep } from 'node:timers/promises';
import amqp, { type Channel, type ChannelModel, type ConfirmChannel, type ConsumeMessage } from 'amqplib';
import type { z } from 'zod';
import { within } from '../deadline.js';
import { errorMessage, isConnectionError, isTransientDbError } from '../errors.js';
import type { Logger } from '../log.js';
import {
  ALL_EXCHANGES,
  ALL_QUEUES,
  DEAD_LETTER_EXCHANGE,
  DEAD_LETTER_QUEUE,
  laneOf,
  lanesOf,
  OWNED_EXPIRES_MS,
  OWNED_QUEUES,
  OWNED_TTL_MS,
  ownerQueue,
  ownersExchange,
  QUEUES,
  sharedExchange,
  type QueueName,
} from './messages.js';

/** Thrown by a handler for a message that can never be processed: it is dead-lettered at once. */
export class PoisonMessageError extends Error {}

/** `owner`: for an owned queue, deliver to that consumer's own queue if it has one (see OWNED_QUEUES). */
export type PublishOptions = { priority?: number; messageId?: string; owner?: string };

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
export type Handler<T> = (msg: T, meta: { redelivered: boolean; deliveries: number }) => Promise<void>;
type ConsumerSpec = {
  queue: QueueName;
  schema: z.ZodType;
  handler: Handler<unknown>;
  prefetch: number;
  owner?: string;
  channel?: Channel;
  tags: string[];
};

/**
 * Acks successes in batches: one `multiple` ack for the longest run of finished deliveries
 * at the head of the channel's window, single acks for finished ones behind a slow message
 * (so a long action never holds the prefetch window hostage). Flushed once per event-loop turn.
 */
class Acker {
  private window: ConsumeMessage[] = [];
  private done = new Set<number>();
  private scheduled = false;
  constructor(private readonly ch: Channel) {}

  received(msg: ConsumeMessage): void {
    this.window.push(msg);
  }
  ack(msg: ConsumeMessage): void {
    this.done.add(msg.fields.deliveryTag);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }
  /** A message settled on its own (nack, requeue, dead-letter): it leaves the batch window. */
  settled(msg: ConsumeMessage): void {
    this.window = this.window.filter((m) => m !== msg);
  }
  private flush(): void {
    this.scheduled = false;
    let head: ConsumeMessage | undefined;
    while (this.window.length && this.done.has(this.window[0]!.fields.deliveryTag)) {
      head = this.window.shift()!;
      this.done.delete(head.fields.deliveryTag);
    }
    try {
      if (head) this.ch.ack(head, true);
      if (this.done.size) {
        this.window = this.window.filter((m) => {
          if (!this.done.has(m.fields.deliveryTag)) return true;
          this.ch.ack(m);
          return false;
        });
        this.done.clear();
      }
    } catch {
      // the channel closed: unacked messages are redelivered, which consumers tolerate
    }
  }
}

/**
 * amqplib writes each frame (publish, ack) to the socket as its own write, one system call
 * per frame. Corking the socket while amqplib's multiplexer drains its channels turns
 * everything queued in one event-loop turn into a single writev. Reaches into amqplib's
 * connection internals; when they are not where expected, frames are written as before.
 */
function coalesceWrites(conn: ChannelModel, log: Logger): void {
  const inner = (conn as unknown as { connection?: { stream?: unknown; muxer?: { _readIncoming?: () => void } } })
    .connection;
  const stream = inner?.stream as { cork?: () => void; uncork?: () => void } | undefined;
  const muxer = inner?.muxer;
  const drain = muxer?._readIncoming;
  if (!stream?.cork || !stream.uncork || !muxer || typeof drain !== 'function') {
    log.debug('amqplib internals not as expected; frames are written one by one');
    return;
  }
  muxer._readIncoming = function corked(this: unknown) {
    stream.cork!();
    try {
      drain.call(this);
    } finally {
      stream.uncork!();
    }
  };
}

/**
 * Delete every queue and exchange nfvo declares under `prefix`, and `extraQueues` (owners'
 * queues, named by ownerQueue()): for tests and the bench, which each run under a prefix of their own.
 */
export async function deleteTopology(url: string, prefix: string, extraQueues: string[] = []): Promise<void> {
  const conn = await amqp.connect(url);
  const ch = await conn.createChannel();
  for (const q of [...ALL_QUEUES, ...extraQueues]) await ch.deleteQueue(prefix + q).catch(() => {});
  for (const x of ALL_EXCHANGES) await ch.deleteExchange(prefix + x).catch(() => {});
  await conn.close().catch(() => {});
}

const MAX_FAILED_DELIVERIES = 10;
const CONNECT_TIMEOUT_MS = 5_000;
const MAX_MESSAGE_BYTES = 1024 * 1024;

export class Broker {
  private conn?: ChannelModel;
  private pub?: ConfirmChannel;
  private consumers: ConsumerSpec[] = [];
  private inFlight = new Set<Promise<void>>();
  /** Aborted by close(): ends the connect loop, its wait between attempts included. */
  private readonly closed = new AbortController();
  private consuming = true;
  private reconnecting?: Promise<void>;

  constructor(
    private readonly opts: {
      url: string;
      prefix: string;
      log: Logger;
      name: string;
      publishRetry?: RetryPolicy;
      /** Base of the backoff before a failed message is handled again (doubles per delivery, at most 5 s). */
      redeliveryBackoffMs?: number;
    },
  ) {}

  q(name: string): string {
    return this.opts.prefix + name;
  }
  get dlx(): string {
    return this.q(DEAD_LETTER_EXCHANGE);
  }
  private get closing(): boolean {
    return this.closed.signal.aborted;
  }
  get connected(): boolean {
    return !!this.pub;
  }

  /** Connect, retrying with backoff until it succeeds or the broker is closed. */
  async start(): Promise<void> {
    await this.connectLoop();
  }

  private async connectLoop(): Promise<void> {
    for (let attempt = 0; !this.closing; attempt++) {
      try {
        await this.connectOnce();
        if (attempt > 0 && !this.closing) this.opts.log.info('connected to RabbitMQ');
        return;
      } catch (err) {
        const delay = Math.min(5_000, 100 * 2 ** Math.min(attempt, 6));
        if (attempt === 0 || attempt % 10 === 0)
          this.opts.log.warn({ err: errorMessage(err), retryInMs: delay }, 'RabbitMQ not ready; retrying');
        await sleep(delay, undefined, { signal: this.closed.signal }).catch(() => {});
      }
    }
  }

  private async connectOnce(): Promise<void> {
    // noDelay: without it Nagle's algorithm holds small frames back (tens of ms per hop)
    // timeout: a broker that accepts the socket but does not answer the handshake is tried again
    const conn = await amqp.connect(this.opts.url, {
      noDelay: true,
      timeout: CONNECT_TIMEOUT_MS,
      clientProperties: { connection_name: this.opts.name },
    });
    if (this.closing) {
      await conn.close().catch(() => {});
      return;
    }
    conn.on('error', (err) => this.opts.log.warn({ err: errorMessage(err) }, 'RabbitMQ connection error'));
    conn.on('close', () => this.onConnectionLost(conn));
    coalesceWrites(conn, this.opts.log);
    try {
      const pub = await conn.createConfirmChannel();
      pub.on('error', (err) => this.opts.log.warn({ err: errorMessage(err) }, 'RabbitMQ publish channel error'));
      pub.on('close', () => this.onChannelLost(conn, 'publish channel closed'));
      await this.assertTopology(pub);
      this.conn = conn;
      this.pub = pub;
      for (const c of this.consumers) if (this.consuming) await this.attach(c);
    } catch (err) {
      await conn.close().catch(() => {});
      throw err;
    }
  }

  /**
   * A channel closed (or a consumer was cancelled) while its connection lives on: rebuild
   * everything through a reconnect, so no queue stays unconsumed and publishing works again.
   */
  private onChannelLost(conn: ChannelModel, why: string): void {
    if (this.closing || this.conn !== conn) return;
    this.opts.log.warn({ why }, 'RabbitMQ channel lost; reconnecting');
    conn.close().catch(() => {});
  }

  private onConnectionLost(conn: ChannelModel): void {
    if (this.conn !== conn) return;
    this.conn = undefined;
    this.pub = undefined;
    for (const c of this.consumers) c.channel = undefined;
    if (this.closing) return;
    this.opts.log.warn('RabbitMQ connection lost; reconnecting');
    this.reconnecting ??= this.connectLoop().finally(() => (this.reconnecting = undefined));
  }

  private async assertTopology(ch: Channel): Promise<void> {
    await ch.assertExchange(this.dlx, 'fanout', { durable: true });
    await ch.assertQueue(this.q(DEAD_LETTER_QUEUE), { durable: true });
    await ch.bindQueue(this.q(DEAD_LETTER_QUEUE), this.dlx, '');
    for (const name of QUEUES) {
      for (const lane of lanesOf(name)) {
        try {
          await ch.assertQueue(this.q(lane), { durable: true, arguments: { 'x-dead-letter-exchange': this.dlx } });
        } catch (err) {
          if ((err as { code?: number }).code !== 406) throw err;
          // the channel is closed by now; the reconnect loop logs this and tries again
          throw new Error(
            `queue ${this.q(lane)} exists with other arguments (an earlier nfvo declared it with x-max-priority); ` +
              `let it drain, delete it (rabbitmqctl delete_queue ${this.q(lane)}) and start again`,
            { cause: err },
          );
        }
      }
    }
    for (const name of OWNED_QUEUES) {
      await ch.assertExchange(this.q(sharedExchange(name)), 'fanout', { durable: true });
      await ch.bindQueue(this.q(laneOf(name)), this.q(sharedExchange(name)), '');
      await ch.assertExchange(this.q(ownersExchange(name)), 'direct', {
        durable: true,
        alternateExchange: this.q(sharedExchange(name)),
      });
    }
  }

  /** A consumer's own queue of an owned queue, bound under its name; the shared queue takes over what it does not consume. */
  private async assertOwnerQueue(ch: Channel, name: QueueName, owner: string): Promise<string> {
    const queue = this.q(ownerQueue(name, owner));
    await ch.assertQueue(queue, {
      durable: true,
      arguments: {
        'x-message-ttl': OWNED_TTL_MS,
        'x-expires': OWNED_EXPIRES_MS,
        'x-dead-letter-exchange': this.q(sharedExchange(name)),
      },
    });
    await ch.bindQueue(queue, this.q(ownersExchange(name)), owner);
    return queue;
  }

  /** Publish a persistent message and wait for the broker's confirm. */
  async publish(queue: QueueName, body: unknown, opts: PublishOptions = {}): Promise<void> {
    const content = Buffer.from(JSON.stringify(body));
    const policy = this.opts.publishRetry ?? DEFAULT_PUBLISH_RETRY;
    const [exchange, routingKey] =
      opts.owner && !opts.priority && OWNED_QUEUES.includes(queue)
        ? [this.q(ownersExchange(queue)), opts.owner]
        : ['', this.q(laneOf(queue, opts.priority))];
    for (let retry = 0; ; retry++) {
      try {
        return await this.publishRaw(routingKey, content, { messageId: opts.messageId }, exchange);
      } catch (err) {
        if (retry >= policy.max_retries || this.closing) throw err;
        await sleep(Math.min(policy.interval_max, policy.interval_start + retry * policy.interval_step));
      }
    }
  }

  private publishRaw(routingKey: string, content: Buffer, options: amqp.Options.Publish, exchange = ''): Promise<void> {
    const ch = this.pub;
    if (!ch) return Promise.reject(Object.assign(new Error('RabbitMQ is not connected'), { code: 'ECONNREFUSED' }));
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

  /** Send a message to the dead-letter queue with the reason, then it can be acked. */
  private async deadLetter(queue: string, msg: ConsumeMessage, reason: string): Promise<void> {
    await this.publishRaw(
      '',
      msg.content,
      {
        headers: { ...msg.properties.headers, 'x-nfvo-reason': reason.slice(0, 1000), 'x-nfvo-queue': queue },
        messageId: msg.properties.messageId,
      },
      this.dlx,
    );
    this.opts.log.warn({ queue, reason }, 'message dead-lettered');
  }

  /**
   * Register a consumer; it is (re)attached on every connection. With `owner` (an owned
   * queue only), it also consumes its own queue of it, declared under that name.
   */
  async consume<S extends z.ZodType>(
    queue: QueueName,
    schema: S,
    handler: Handler<z.infer<S>>,
    prefetch: number,
    opts: { owner?: string } = {},
  ): Promise<void> {
    if (opts.owner && !OWNED_QUEUES.includes(queue)) throw new Error(`${queue} has no owners' queues`);
    const spec: ConsumerSpec = {
      queue,
      schema,
      handler: handler as Handler<unknown>,
      prefetch,
      owner: opts.owner,
      tags: [],
    };
    this.consumers.push(spec);
    if (this.conn && this.consuming) await this.attach(spec);
  }

  private async attach(spec: ConsumerSpec): Promise<void> {
    const conn = this.conn;
    if (!conn) return;
    const ch = await conn.createChannel();
    ch.on('error', (err) =>
      this.opts.log.warn({ err: errorMessage(err), queue: spec.queue }, 'RabbitMQ consumer channel error'),
    );
    ch.on('close', () => {
      if (this.consuming) this.onChannelLost(conn, `consumer channel of ${spec.queue} closed`);
    });
    // per consumer (RabbitMQ's meaning of a non-global prefetch): each lane has its own window
    await ch.prefetch(spec.prefetch);
    spec.channel = ch;
    spec.tags = [];
    const acker = new Acker(ch);
    const queues = lanesOf(spec.queue).map((lane) => this.q(lane));
    if (spec.owner) queues.push(await this.assertOwnerQueue(ch, spec.queue, spec.owner));
    for (const queue of queues) {
      const { consumerTag } = await ch.consume(queue, (msg) => {
        if (!msg) {
          if (this.consuming) this.onChannelLost(conn, `consumer of ${queue} cancelled by the broker`);
          return;
        }
        acker.received(msg);
        const p = this.handle(spec, queue, ch, acker, msg).finally(() => this.inFlight.delete(p));
        this.inFlight.add(p);
      });
      spec.tags.push(consumerTag);
    }
  }

  private async handle(
    spec: ConsumerSpec,
    queue: string,
    ch: Channel,
    acker: Acker,
    msg: ConsumeMessage,
  ): Promise<void> {
    const deliveries = Number(msg.properties.headers?.['x-nfvo-deliveries'] ?? 0) + 1;
    const settle = async (reason: string | null) => {
      if (reason !== null) await this.deadLetter(queue, msg, reason);
      acker.ack(msg);
    };
    try {
      if (msg.content.length > MAX_MESSAGE_BYTES)
        return await settle(`message too large (${msg.content.length} bytes)`);
      let raw: unknown;
      try {
        raw = JSON.parse(msg.content.toString('utf8'));
      } catch {
        return await settle('malformed JSON');
      }
      const parsed = spec.schema.safeParse(raw);
      if (!parsed.success) {
        const why = parsed.error.issues
          .slice(0, 5)
          .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
          .join('; ');
        return await settle(`invalid message: ${why}`);
      }
      await spec.handler(parsed.data, { redelivered: msg.fields.redelivered, deliveries });
      acker.ack(msg);
    } catch (err) {
      try {
        await this.onHandlerError(queue, ch, msg, err, deliveries);
      } catch (e) {
        // the copy could not be published: hand the message back rather than let a later ack cover it
        this.opts.log.warn({ err: errorMessage(e), queue }, 'could not settle a failed message; requeued');
        try {
          ch.nack(msg, false, true);
        } catch {
          // the channel is gone: the broker redelivers the message
        }
      }
      // only now: until it is settled, no batched `multiple` ack may cover it
      acker.settled(msg);
    }
  }

  private async onHandlerError(
    queue: string,
    ch: Channel,
    msg: ConsumeMessage,
    err: unknown,
    deliveries: number,
  ): Promise<void> {
    if (err instanceof PoisonMessageError) {
      await this.deadLetter(queue, msg, err.message);
      return ch.ack(msg);
    }
    if (isConnectionError(err) || isTransientDbError(err)) {
      // the database or broker is down: keep the message, slow down, try again
      this.opts.log.warn(
        { err: errorMessage(err), queue },
        'handler could not reach a backing service; message requeued',
      );
      await sleep(1_000);
      return ch.nack(msg, false, true);
    }
    if (deliveries >= MAX_FAILED_DELIVERIES) {
      await this.deadLetter(queue, msg, `failed ${deliveries} times; last error: ${errorMessage(err)}`);
      return ch.ack(msg);
    }
    this.opts.log.error({ err: errorMessage(err), queue, deliveries }, 'message handler failed; retrying');
    await sleep(Math.min(5_000, (this.opts.redeliveryBackoffMs ?? 100) * 2 ** deliveries));
    await this.publishRaw(queue, msg.content, {
      ...msg.properties,
      headers: { ...msg.properties.headers, 'x-nfvo-deliveries': deliveries },
    });
    ch.ack(msg);
  }

  /** Stop taking new messages and wait (bounded) for those in flight to be settled. */
  async stopConsuming(timeoutMs = 10_000): Promise<void> {
    this.consuming = false;
    for (const { channel, tags } of this.consumers) {
      if (channel) for (const tag of tags) await channel.cancel(tag).catch(() => {});
    }
    const settled = await within(
      Promise.allSettled([...this.inFlight]).then(() => true),
      timeoutMs,
      false,
    );
    await new Promise((r) => setImmediate(r)); // the last batched acks go out
    for (const spec of this.consumers) if (spec.owner) await this.releaseOwnerQueue(spec.queue, spec.owner, settled);
  }

  /**
   * Its consumer has stopped: unbind the owner's queue so that new messages for it go to the
   * shared queue, and delete it if nothing is left in it (what is left moves there by TTL).
   */
  private async releaseOwnerQueue(name: QueueName, owner: string, settled: boolean): Promise<void> {
    const conn = this.conn;
    if (!conn) return;
    const queue = this.q(ownerQueue(name, owner));
    try {
      const ch = await conn.createChannel();
      ch.on('error', () => {}); // a refused delete (not empty) closes this channel only
      await ch.unbindQueue(queue, this.q(ownersExchange(name)), owner);
      if (settled) await ch.deleteQueue(queue, { ifEmpty: true });
      await ch.close();
    } catch (err) {
      this.opts.log.debug({ err: errorMessage(err), queue }, 'owner queue left to expire');
    }
  }

  async close(): Promise<void> {
    this.closed.abort();
    const conn = this.conn;
    this.conn = undefined;
    this.pub = undefined;
    await conn?.close().catch(() => {});
  }
}
