// One RabbitMQ connection, kept open: connect with backoff, and connect again when it is lost,
// to another node of the cluster when there are several.
import { setTimeout as sleep } from 'node:timers/promises';
import amqp, { type ChannelModel } from 'amqplib';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import { coalesceWrites } from './coalesce-writes.js';

const CONNECT_TIMEOUT_MS = 5_000;

/** The nodes of an AMQP_URL: one URL, or several separated by commas (the nodes of a cluster). */
export function splitUrls(urls: string | readonly string[]): string[] {
  const list = typeof urls === 'string' ? urls.split(',') : urls;
  return list.map((u) => u.trim()).filter(Boolean);
}

/** Where a URL points, without credentials: what logs and errors name a node by. */
export function endpointOf(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || (u.protocol === 'amqps:' ? '5671' : '5672')}`;
  } catch {
    return '<unparseable url>';
  }
}

export type ConnectionOptions = {
  /** The nodes to connect to, tried in order (a comma-separated list, or one URL). */
  url: string | readonly string[];
  /** Shown by RabbitMQ as the connection's name. */
  name: string;
  log: Logger;
  /** Set up channels on a new connection; if it throws, the connection is closed and tried again. */
  onOpen(conn: ChannelModel): Promise<void>;
  /** The current connection was lost (its channels are gone). */
  onLost(): void;
};

export class Connection {
  /** The connection in use, once onOpen has succeeded on it. */
  current?: ChannelModel;
  /** A connection onOpen is still setting up (closed by close() too). */
  private opening?: ChannelModel;
  /** Aborted by close(): ends the connect loop, its wait between attempts included. */
  private readonly closed = new AbortController();
  private reconnecting?: Promise<void>;
  private readonly urls: string[];
  /** The node tried first on the next attempt: the one in use, or the one after the node just lost. */
  private next = 0;
  /** The node of `current`. */
  private node = -1;
  /** The current connection is being closed by drop(), its node still up: connect to it again. */
  private dropping?: ChannelModel;

  constructor(private readonly opts: ConnectionOptions) {
    this.urls = splitUrls(opts.url);
    if (!this.urls.length) throw new Error('no RabbitMQ URL given');
  }

  get closing(): boolean {
    return this.closed.signal.aborted;
  }

  /** host:port of the node in use (undefined while disconnected). */
  get endpoint(): string | undefined {
    return this.current && this.node >= 0 ? endpointOf(this.urls[this.node]!) : undefined;
  }

  /**
   * Connect, retrying with backoff until it succeeds or the connection is closed. Each attempt
   * tries every node once, in order from `next`; the backoff is between attempts.
   */
  async start(): Promise<void> {
    for (let attempt = 0; !this.closing; attempt++) {
      const failures: string[] = [];
      for (let i = 0; i < this.urls.length && !this.closing; i++) {
        const node = (this.next + i) % this.urls.length;
        try {
          await this.connectOnce(node);
          if ((attempt > 0 || i > 0 || this.reconnecting) && !this.closing) {
            this.opts.log.info({ node: endpointOf(this.urls[node]!) }, 'connected to RabbitMQ');
          }
          return;
        } catch (err) {
          failures.push(`${endpointOf(this.urls[node]!)}: ${errorMessage(err)}`);
        }
      }
      if (this.closing) return;
      const delay = Math.min(5_000, 100 * 2 ** Math.min(attempt, 6));
      if (attempt === 0 || attempt % 10 === 0) {
        this.opts.log.warn({ err: failures.join('; '), retryInMs: delay }, 'RabbitMQ not ready; retrying');
      }
      await sleep(delay, undefined, { signal: this.closed.signal }).catch(() => {});
    }
  }

  private async connectOnce(node: number): Promise<void> {
    // noDelay: without it Nagle's algorithm holds small frames back (tens of ms per hop)
    // timeout: a broker that accepts the socket but does not answer the handshake is tried again
    const conn = await amqp.connect(this.urls[node]!, {
      noDelay: true,
      timeout: CONNECT_TIMEOUT_MS,
      clientProperties: { connection_name: this.opts.name },
    });
    if (this.closing) {
      await conn.close().catch(() => {});
      return;
    }
    conn.on('error', (err) => this.opts.log.warn({ err: errorMessage(err) }, 'RabbitMQ connection error'));
    conn.on('close', () => this.onClosed(conn));
    coalesceWrites(conn, this.opts.log);
    this.opening = conn;
    try {
      await this.opts.onOpen(conn);
      if (this.closing) throw new Error('closed while connecting');
      this.current = conn;
      this.node = node;
      this.next = node;
    } catch (err) {
      this.opts.onLost();
      await conn.close().catch(() => {});
      throw err;
    } finally {
      this.opening = undefined;
    }
  }

  /**
   * A channel closed (or a consumer was cancelled) while its connection lives on: rebuild
   * everything through a reconnect, so no queue stays unconsumed and publishing works again.
   */
  drop(conn: ChannelModel, why: string): void {
    if (this.closing || this.current !== conn) return;
    this.opts.log.warn({ why }, 'RabbitMQ channel lost; reconnecting');
    this.dropping = conn;
    conn.close().catch(() => {});
  }

  private onClosed(conn: ChannelModel): void {
    if (this.current !== conn) return;
    const lost = this.node;
    this.current = undefined;
    this.node = -1;
    // its node went away (or closed it): try the others first, in order
    if (this.dropping !== conn) this.next = (lost + 1) % this.urls.length;
    this.dropping = undefined;
    this.opts.onLost();
    if (this.closing) return;
    this.opts.log.warn({ node: endpointOf(this.urls[lost]!) }, 'RabbitMQ connection lost; reconnecting');
    this.reconnecting ??= this.start().finally(() => (this.reconnecting = undefined));
  }

  async close(): Promise<void> {
    this.closed.abort();
    const conns = [this.current, this.opening];
    this.current = undefined;
    for (const conn of conns) await conn?.close().catch(() => {});
  }
}

/**
 * Whether RabbitMQ accepts a connection now at `url`, or at one of its nodes when it is a
 * list (for a start-up check); the error says why not for each, naming no credentials.
 */
export async function probeBroker(url: string | readonly string[], timeoutMs = 3_000): Promise<void> {
  const urls = splitUrls(url);
  const failures: string[] = [];
  for (const u of urls) {
    try {
      const conn = await amqp.connect(u, { timeout: timeoutMs });
      await conn.close();
      return;
    } catch (err) {
      if (urls.length === 1) throw err;
      failures.push(`${endpointOf(u)}: ${errorMessage(err)}`);
    }
  }
  throw new Error(failures.length ? `no node answers (${failures.join('; ')})` : 'no RabbitMQ URL given');
}
