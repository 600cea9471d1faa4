// Deleting a prefix's broker topology: tests and the bench each run under a prefix of their own.
import amqp from 'amqplib';
import { splitUrls } from '../../src/broker/connection.js';
import { ALL_EXCHANGES, ALL_QUEUES, CLAIM_EXCHANGE } from '../../src/broker/topology.js';

/** A connection to the first node of `url` (one URL, or a comma-separated list) that answers. */
export async function connectAny(url: string): Promise<amqp.ChannelModel> {
  let last: unknown;
  for (const u of splitUrls(url)) {
    try {
      return await amqp.connect(u);
    } catch (err) {
      last = err;
    }
  }
  throw last ?? new Error('no RabbitMQ URL given');
}

/**
 * Delete every queue and exchange nfvo declares under `prefix`, and `extraQueues` (owners'
 * queues, named by ownerQueue()).
 */
export async function deleteTopology(url: string, prefix: string, extraQueues: string[] = []): Promise<void> {
  const conn = await connectAny(url);
  const ch = await conn.createChannel();
  // the deployment's claim is a queue too (beside its exchange)
  for (const q of [...ALL_QUEUES, CLAIM_EXCHANGE, ...extraQueues]) await ch.deleteQueue(prefix + q).catch(() => {});
  for (const x of ALL_EXCHANGES) await ch.deleteExchange(prefix + x).catch(() => {});
  await conn.close().catch(() => {});
}
