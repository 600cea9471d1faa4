// One deployment per broker namespace. Two deployments (two databases) on the same vhost and
// queue prefix would consume each other's messages: a worker would take another's work and
// dead-letter it as unknown, its resources staying locked. A deployment claims its namespace
// with an exchange whose alternate exchange names it: RabbitMQ refuses, atomically, to declare
// that exchange again with another name. Who holds the claim (its database) is kept as a
// message in a queue beside it, read back to name it.
import type { ChannelModel } from 'amqplib';
import { CLAIM_EXCHANGE, queueArguments, type Topology } from './topology.js';

/** Every message a deployment sends carries its id in this header. */
export const DEPLOYMENT_HEADER = 'x-nfvo-deployment';

export type Deployment = { id: string; /** its database, without a password */ database: string };

export class ForeignNamespaceError extends Error {}

const mark = (id: string) => `nfvo:${id}`;
const describe = (d: Partial<Deployment>) =>
  `deployment ${d.id ?? '(unknown id)'} (database ${d.database ?? 'unknown'})`;

/** Claim the namespace for `me`, or throw ForeignNamespaceError naming the deployment that holds it. */
export async function claimNamespace(conn: ChannelModel, topology: Topology, me: Deployment, vhost: string) {
  const queue = topology.q(CLAIM_EXCHANGE);
  // channels of their own: a refusal closes its channel, not the connection's others
  const ch = await conn.createConfirmChannel();
  ch.on('error', () => {});
  try {
    await ch.assertExchange(queue, 'fanout', { durable: true, alternateExchange: mark(me.id) });
    // held: say who holds it, once
    const q = await ch.assertQueue(queue, { durable: true, arguments: queueArguments(topology.queueType, 'claim') });
    if (q.messageCount === 0) {
      ch.sendToQueue(queue, Buffer.from(JSON.stringify(me)), { persistent: true, contentType: 'application/json' });
      await ch.waitForConfirms();
    }
    return;
  } catch (err) {
    if ((err as { code?: number }).code !== 406) throw err;
  } finally {
    await ch.close().catch(() => {});
  }
  throw new ForeignNamespaceError(
    `the RabbitMQ namespace vhost "${vhost}" with QUEUE_PREFIX "${topology.prefix}" belongs to ` +
      `${describe(await holder(conn, queue))}; this process is ${describe(me)}. Two deployments on one ` +
      `namespace take each other's messages: give this one a QUEUE_PREFIX of its own, or a vhost of its own ` +
      `(the path of AMQP_URL).`,
  );
}

/** What the holder of a claim said of itself (left in its queue). */
async function holder(conn: ChannelModel, queue: string): Promise<Partial<Deployment>> {
  const ch = await conn.createChannel();
  ch.on('error', () => {});
  try {
    const m = await ch.get(queue, { noAck: false });
    return m ? (JSON.parse(m.content.toString('utf8')) as Partial<Deployment>) : {};
  } catch {
    return {};
  } finally {
    // not acknowledged: it stays for the next one to read
    await ch.close().catch(() => {});
  }
}
