// nfvo on a three-node RabbitMQ cluster with quorum queues (scripts/rabbitmq-cluster, started
// here if it is not up): AMQP_URL lists the three nodes; the node the process is connected to
// is killed (SIGKILL) while packages are in flight. The process moves to another node and
// every package still reaches ONBOARDED, each transition recorded once; nothing is left in a
// queue, unacknowledged or dead-lettered; the killed node, started again, rejoins the cluster
// and the queues' replicas on it. Then what quorum queues do differently: a delivery limit
// that counts only a consumer's crashes, and a queue's type that cannot change.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Broker } from '../../src/broker/broker.js';
import { ApiMessageSchema } from '../../src/broker/messages.js';
import { ownerQueue, QUORUM_DELIVERY_LIMIT, Topology } from '../../src/broker/topology.js';
import type { Running } from '../../src/compose.js';
import { makeTestEnv, quiet, waitFor, type TestEnv } from '../helpers/env.js';
import type { client } from '../helpers/http.js';
import { startInProcess } from '../helpers/in-process.js';
import { createPackage } from '../helpers/packages.js';
import { connectAny, deleteTopology } from '../helpers/topology.js';
import {
  clusterNode,
  clusterQueues,
  clusterUnavailable,
  clusterUp,
  connectionNames,
  nodeAt,
  nodeName,
  type ClusterQueue,
} from '../helpers/rabbitmq-cluster.js';

const skip = await clusterUnavailable();

describe('a RabbitMQ cluster with quorum queues', { skip, timeout: 240_000 }, () => {
  let urls: string[];
  let env: TestEnv;
  let nfvo: Running;
  let api: ReturnType<typeof client>;
  const down = new Set<number>();

  before(async () => {
    urls = await clusterUp();
    assert.equal(urls.length, 3, 'up.sh names three nodes');
    env = await makeTestEnv('cluster', {
      AMQP_URL: urls.join(','),
      QUEUE_TYPE: 'quorum',
      // each step takes a while, so that a kill finds work in flight
      SIM_LATENCY_MS: '150',
    });
    ({ nfvo, api } = await startInProcess(env));
  });
  after(async () => {
    await nfvo?.stop();
    // whatever happened, the cluster is left whole for the next run
    for (const n of down) await clusterNode('start', n).catch((err) => console.error(err));
    await env?.cleanup(nfvo ? [ownerQueue('callback_queue', nfvo.id)] : []);
  });

  const onboard = async (names: string[]) => {
    const ids: string[] = [];
    for (const name of names) ids.push((await createPackage(api, name)).id);
    return ids;
  };
  const transitions = async (id: string) =>
    ((await api.get(`/v1/resources/${id}/transitions`)).body.items as { from: string; to: string }[]).map(
      (t) => `${t.from}->${t.to}`,
    );

  it('declares every queue as a quorum queue, replicated on the three nodes', async () => {
    const queues = await clusterQueues(1, env.q(''));
    assert.ok(queues.length >= 7, `the queues are declared (${queues.map((q) => q.name).join(', ')})`);
    for (const q of queues) {
      assert.equal(q.type, 'quorum', q.name);
      assert.deepEqual([...q.online].sort(), [1, 2, 3].map(nodeName), `${q.name} has a replica on each node`);
    }
  });

  it('onboards packages; loses none when the node it is connected to is killed mid-flight; the node rejoins', async () => {
    const first = await onboard(['c-0', 'c-1', 'c-2']);
    for (const id of first) await api.waitStatus(id, 'ONBOARDED');

    // the node this process uses: the broker says so, and that node holds its connection
    const killed = nodeAt(urls, nfvo.broker.endpoint);
    assert.ok((await connectionNames(killed)).includes(`nfvo-${nfvo.id}`), `${nodeName(killed)} holds the connection`);

    const inFlight = await onboard(Array.from({ length: 20 }, (_, i) => `c-a-${i}`));
    await waitFor('messages in flight', async () => nfvo.broker.inFlight > 0, 10_000);
    await clusterNode('kill', killed);
    down.add(killed);
    // requests keep coming while the process moves to another node
    const later = await onboard(Array.from({ length: 10 }, (_, i) => `c-b-${i}`));

    await waitFor('reconnected to another node', async () => nfvo.broker.connected && nfvo.broker.endpoint, 30_000);
    const now = nodeAt(urls, nfvo.broker.endpoint);
    assert.notEqual(now, killed, 'connected to another node');
    for (const id of [...inFlight, ...later]) await api.waitStatus(id, 'ONBOARDED', 90_000);
    for (const id of [...first, ...inFlight, ...later]) {
      assert.deepEqual(
        await transitions(id),
        ['CREATED->UPLOADED', 'UPLOADED->VALIDATED', 'VALIDATED->ONBOARDED'],
        `package ${id}: each transition once`,
      );
    }

    // nothing waits in a queue or stays unacknowledged, nothing was dead-lettered
    let queues: ClusterQueue[] = [];
    await waitFor(
      'queues drained',
      async () => {
        queues = await clusterQueues(now, env.q(''));
        return queues.every((q) => q.messages === 0 && q.messages_unacknowledged === 0);
      },
      30_000,
    ).catch(() => assert.fail(`a queue is not empty: ${JSON.stringify(queues)}`));

    // the killed node comes back and catches up: each queue has its three replicas online again
    await clusterNode('start', killed);
    down.delete(killed);
    await waitFor(
      'replicas online again',
      async () => (await clusterQueues(killed, env.q(''))).every((q) => q.online.includes(nodeName(killed))),
      60_000,
    );
  });
});

describe('quorum queues', { skip, timeout: 120_000 }, () => {
  let url: string;
  let env: TestEnv;
  const resourceId = '01a1fc00-0000-7000-8000-0000000000c1';
  const connectionLost = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });

  before(async () => {
    url = (await clusterUp()).join(',');
    env = await makeTestEnv('quorum', { AMQP_URL: url, QUEUE_TYPE: 'quorum' });
  });
  after(() => env?.cleanup());

  const brokerOn = (prefix: string) =>
    new Broker({
      url,
      prefix,
      queueType: 'quorum',
      log: quiet,
      name: `nfvo-test-${prefix}`,
      isTransient: (err) => err === connectionLost,
      requeuePauseMs: 5,
    });

  it('a message kept through an outage longer than the delivery limit is handled, as a redelivery, not dead-lettered', async () => {
    const prefix = env.q('outage.');
    const broker = brokerOn(prefix);
    const calls: boolean[] = [];
    try {
      await broker.start();
      await broker.consume(
        'api_queue',
        ApiMessageSchema,
        async (_m, meta) => {
          calls.push(meta.redelivered);
          if (calls.length <= QUORUM_DELIVERY_LIMIT + 10) throw connectionLost;
        },
        4,
      );
      await broker.publish('api_queue', { v: 1, kind: 'reconcile', resourceId });
      await waitFor('handled once the outage is over', async () => calls.length === QUORUM_DELIVERY_LIMIT + 11);
      assert.equal(calls[0], false, 'the first delivery is no redelivery');
      assert.ok(calls.slice(1).every(Boolean), 'every later one is seen as a redelivery');
      const stats = await broker.queueStats();
      assert.equal(stats.find((q) => q.name === 'dead_letter')?.messages, 0, 'nothing dead-lettered');
    } finally {
      await broker.stopConsuming(1_000);
      await broker.close();
      await deleteTopology(url, prefix);
    }
  });

  it('a message that keeps killing its consumer is dead-lettered by the broker past the delivery limit', async () => {
    const prefix = env.q('crash.');
    const broker = brokerOn(prefix);
    try {
      await broker.start();
      await broker.publish('api_queue', { v: 1, kind: 'reconcile', resourceId });
      // a consumer that dies holding the message, again and again
      let crashes = 0;
      for (; crashes < QUORUM_DELIVERY_LIMIT + 5; crashes++) {
        const conn = await connectAny(url);
        const ch = await conn.createChannel();
        const got = await waitFor(
          'a delivery',
          async () => ch.get(prefix + 'api_queue', { noAck: false }),
          5_000,
        ).catch(() => null);
        await conn.close();
        if (!got) break;
      }
      assert.equal(crashes, QUORUM_DELIVERY_LIMIT + 1, 'delivered up to the limit, then no more');
      const { items, total } = await waitFor('the dead letter', async () => {
        const dl = await broker.deadLetters(10);
        return dl.total > 0 && dl;
      });
      assert.equal(total, 1);
      assert.equal(items[0]!.queue, 'api_queue', 'named by the queue it came from');
      assert.deepEqual(items[0]!.payload, { v: 1, kind: 'reconcile', resourceId });
    } finally {
      await broker.close();
      await deleteTopology(url, prefix);
    }
  });

  it('a queue that exists as a classic queue is refused, naming it and how to migrate', async () => {
    const prefix = env.q('mixed.');
    const conn = await connectAny(url);
    const channel = async () => {
      const ch = await conn.createChannel();
      ch.on('error', () => {}); // the refusal closes the channel
      return ch;
    };
    try {
      await new Topology(prefix, 'classic').assert(await channel());
      await assert.rejects(
        new Topology(prefix, 'quorum').assert(await channel()),
        new RegExp(
          `^Error: queue ${prefix.replace(/\./g, '\\.')}dead_letter exists as a classic queue, but QUEUE_TYPE is quorum.*` +
            `rabbitmqctl delete_queue ${prefix.replace(/\./g, '\\.')}dead_letter.*or keep QUEUE_TYPE=classic$`,
        ),
      );
    } finally {
      await conn.close();
      await deleteTopology(url, prefix);
    }
  });
});
