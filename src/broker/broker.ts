// The broker façade: what the roles see of RabbitMQ. Connection, topology, publisher and
// consumers live in their own files; this wires them together.
import type { ChannelModel } from 'amqplib';
import type { z } from 'zod';
import type { Logger } from '../log.js';
import { Connection } from './connection.js';
import { claimNamespace, DEPLOYMENT_HEADER, ForeignNamespaceError, type Deployment } from './deployment-claim.js';
import { Consumers, type Handler } from './consumer.js';
import type { IsTransient } from './failure-policy.js';
import { makeInspector, type DeadLetter, type QueueStats } from './inspect.js';
import { DEFAULT_PUBLISH_RETRY, Publisher, type RetryPolicy } from './publisher.js';
import { OWNED_QUEUES, Topology, type QueueName, type QueueType, type Route } from './topology.js';

export { PoisonMessageError } from './failure-policy.js';
export type { Handler } from './consumer.js';
export type { RetryPolicy } from './publisher.js';
export type { DeadLetter, QueueStats } from './inspect.js';
export type { QueueType } from './topology.js';
export { ForeignNamespaceError, type Deployment } from './deployment-claim.js';

/** RabbitMQ cannot be reached for an operator's request right now. */
export class BrokerUnavailableError extends Error {}

export type PublishOptions = Route & { messageId?: string };

export type BrokerOptions = {
  /** The RabbitMQ node, or the nodes of a cluster (comma-separated, or a list): the first that answers is used. */
  url: string | readonly string[];
  prefix: string;
  /** The type of every queue declared (classic by default). */
  queueType?: QueueType;
  log: Logger;
  /** The connection's name in RabbitMQ. */
  name: string;
  /** Which handler errors mean "a backing service is down" (the message is kept, not counted as failed). */
  isTransient: IsTransient;
  publishRetry?: RetryPolicy;
  /** Base of the backoff before a failed message is handled again (doubles per delivery, at most 5 s). */
  redeliveryBackoffMs?: number;
  /** The pause before a message whose backing service is down is handled again (1 s). */
  requeuePauseMs?: number;
  /**
   * This deployment (its database): it claims the namespace (vhost + prefix) on every
   * connection and marks every message it sends; a namespace another deployment holds is refused.
   */
  deployment?: Deployment;
};

export class Broker {
  readonly topology: Topology;
  private readonly connection: Connection;
  private readonly publisher: Publisher;
  private readonly consumers: Consumers;
  private readonly inspector: ReturnType<typeof makeInspector>;
  private readonly deployment?: Deployment;
  private readonly vhost: string;
  private refusal?: ForeignNamespaceError;
  private readonly refusedWaiters = new Set<(err: ForeignNamespaceError) => void>();

  constructor(opts: BrokerOptions) {
    this.deployment = opts.deployment;
    this.vhost = vhostOf(Array.isArray(opts.url) ? opts.url[0]! : String(opts.url).split(',')[0]!.trim());
    this.topology = new Topology(opts.prefix, opts.queueType);
    this.inspector = makeInspector(this.topology);
    this.publisher = new Publisher({
      log: opts.log,
      retry: opts.publishRetry ?? DEFAULT_PUBLISH_RETRY,
      isClosing: () => this.connection.closing,
    });
    this.connection = new Connection({
      url: opts.url,
      name: opts.name,
      log: opts.log,
      onOpen: (conn) => this.onOpen(conn),
      onLost: () => {
        this.publisher.reset();
        this.consumers.detachAll();
      },
    });
    this.consumers = new Consumers({
      topology: this.topology,
      publisher: this.publisher,
      log: opts.log,
      isTransient: opts.isTransient,
      redeliveryBackoffMs: opts.redeliveryBackoffMs,
      requeuePauseMs: opts.requeuePauseMs,
      onChannelLost: (conn, why) => this.connection.drop(conn, why),
      deployment: opts.deployment?.id,
    });
  }

  private async onOpen(conn: ChannelModel): Promise<void> {
    if (this.deployment) {
      try {
        await claimNamespace(conn, this.topology, this.deployment, this.vhost);
      } catch (err) {
        if (err instanceof ForeignNamespaceError) {
          // no consumer attaches, nothing is published: this process must not run here
          this.refusal = err;
          for (const w of this.refusedWaiters) w(err);
          void this.connection.close();
        }
        throw err;
      }
    }
    const ch = await this.publisher.open(conn, (why) => this.connection.drop(conn, why));
    await this.topology.assert(ch);
    // only now: published before its queue is declared, a message would be dropped unroutable
    this.publisher.use(ch);
    await this.consumers.attachAll(conn);
  }

  /** Messages this process is handling now (taken from a queue, not yet settled). */
  get inFlight(): number {
    return this.consumers.inFlightCount;
  }

  /** host:port of the RabbitMQ node this process is connected to (undefined while disconnected). */
  get endpoint(): string | undefined {
    return this.connection.endpoint;
  }

  /** True once the topology is declared and publishing works (consumers may still be attaching). */
  get connected(): boolean {
    return this.publisher.ready;
  }

  /** Connect, retrying with backoff until it succeeds or the broker is closed. */
  start(): Promise<void> {
    return this.connection.start();
  }

  /** Publish a persistent message and wait for the broker's confirm. */
  publish(queue: QueueName, body: unknown, opts: PublishOptions = {}): Promise<void> {
    if (this.refusal) return Promise.reject(this.refusal);
    const { exchange, routingKey } = this.topology.route(queue, opts);
    return this.publisher.publish(exchange, routingKey, body, {
      messageId: opts.messageId,
      ...(this.deployment ? { headers: { [DEPLOYMENT_HEADER]: this.deployment.id } } : {}),
    });
  }

  /** Resolves with the refusal if the namespace turns out to be another deployment's. */
  whenRefused(): Promise<ForeignNamespaceError> {
    if (this.refusal) return Promise.resolve(this.refusal);
    return new Promise((resolve) => this.refusedWaiters.add(resolve));
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
    const spec = { queue, schema, handler: handler as Handler<unknown>, prefetch, owner: opts.owner, tags: [] };
    await this.consumers.add(spec);
  }

  /** Stop taking new messages and wait (bounded) for those in flight to be settled. */
  stopConsuming(timeoutMs = 10_000): Promise<void> {
    return this.consumers.stop(timeoutMs);
  }

  /** The connection an operator's look at the queues goes through (throws while RabbitMQ is away). */
  private live(): ChannelModel {
    const conn = this.connection.current;
    if (!conn || !this.publisher.ready)
      throw new BrokerUnavailableError('RabbitMQ is not connected; try again shortly');
    return conn;
  }

  /** Each queue's depth and consumers. */
  queueStats(): Promise<QueueStats[]> {
    return this.inspector.queues(this.live());
  }

  /** The first dead letters, and how many there are. */
  deadLetters(limit: number): Promise<{ items: DeadLetter[]; total: number }> {
    return this.inspector.deadLetters(this.live(), limit);
  }

  /** Send a dead letter back to its queue, or discard it (null: not in the dead-letter queue). */
  settleDeadLetter(id: string, action: 'requeue' | 'discard'): Promise<DeadLetter | null> {
    return this.inspector.settle(this.live(), id, action);
  }

  close(): Promise<void> {
    this.publisher.reset();
    const closing = this.connection.close();
    // publishes waiting for a reconnect give up now
    this.publisher.wakeWaiting();
    return closing;
  }
}

/** The vhost a URL names ("/" when its path is empty). */
function vhostOf(url: string): string {
  try {
    const path = new URL(url).pathname.replace(/^\//, '');
    return path ? decodeURIComponent(path) : '/';
  } catch {
    return '/';
  }
}
