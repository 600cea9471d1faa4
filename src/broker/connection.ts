// One RabbitMQ connection, kept open: connect with backoff, and connect again when it is lost.
import { setTimeout as sleep } from 'node:timers/promises';
import amqp, { type ChannelModel } from 'amqplib';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import { coalesceWrites } from './coalesce-writes.js';

const CONNECT_TIMEOUT_MS = 5_000;

export type ConnectionOptions = {
  url: string;
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

  constructor(private readonly opts: ConnectionOptions) {}

  get closing(): boolean {
    return this.closed.signal.aborted;
  }

  /** Connect, retrying with backoff until it succeeds or the connection is closed. */
  async start(): Promise<void> {
    for (let attempt = 0; !this.closing; attempt++) {
      try {
        await this.connectOnce();
        if (attempt > 0 && !this.closing) this.opts.log.info('connected to RabbitMQ');
        return;
      } catch (err) {
        const delay = Math.min(5_000, 100 * 2 ** Math.min(attempt, 6));
        if (attempt === 0 || attempt % 10 === 0) {
          this.opts.log.warn({ err: errorMessage(err), retryInMs: delay }, 'RabbitMQ not ready; retrying');
        }
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
    conn.on('close', () => this.onClosed(conn));
    coalesceWrites(conn, this.opts.log);
    this.opening = conn;
    try {
      await this.opts.onOpen(conn);
      if (this.closing) throw new Error('closed while connecting');
      this.current = conn;
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
    conn.close().catch(() => {});
  }

  private onClosed(conn: ChannelModel): void {
    if (this.current !== conn) return;
    this.current = undefined;
    this.opts.onLost();
    if (this.closing) return;
    this.opts.log.warn('RabbitMQ connection lost; reconnecting');
    this.reconnecting ??= this.start().finally(() => (this.reconnecting = undefined));
  }

  async close(): Promise<void> {
    this.closed.abort();
    const conns = [this.current, this.opening];
    this.current = undefined;
    for (const conn of conns) await conn?.close().catch(() => {});
  }
}

/** Whether RabbitMQ at `url` accepts a connection now (for a start-up check); the error says why not. */
export async function probeBroker(url: string, timeoutMs = 3_000): Promise<void> {
  const conn = await amqp.connect(url, { timeout: timeoutMs });
  await conn.close();
}
