// Deleting a prefix's broker topology: tests and the bench each run under a prefix of their own.
import amqp from 'amqplib';
import { ALL_EXCHANGES, ALL_QUEUES } from '../../src/broker/topology.js';

/**
 * Delete every queue and exchange nfvo declares under `prefix`, and `extraQueues` (owners'
 * queues, named by ownerQueue()).
 */
export async function deleteTopology(url: string, prefix: string, extraQueues: string[] = []): Promise<void> {
  const conn = await amqp.connect(url);
  const ch = await conn.createChannel();
  for (const q of [...ALL_QUEUES, ...extraQueues]) await ch.deleteQueue(prefix + q).catch(() => {});
  for (const x of ALL_EXCHANGES) await ch.deleteExchange(prefix + x).catch(() => {});
  await conn.close().catch(() => {});
}
