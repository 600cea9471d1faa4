// What nfvo declares in RabbitMQ for each queue type, without RabbitMQ: the arguments of every
// queue, the error for a queue that exists with the other type, and the node list of AMQP_URL.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Channel } from 'amqplib';
import { endpointOf, splitUrls } from '../../src/broker/connection.js';
import {
  ALL_QUEUES,
  inequivalentQueueError,
  OWNED_EXPIRES_MS,
  OWNED_TTL_MS,
  queueArguments,
  QUORUM_DELIVERY_LIMIT,
  Topology,
  type QueueType,
} from '../../src/broker/topology.js';

/** A channel that records the queues declared, and refuses one with a 406 if asked to. */
function recordingChannel(refuse?: { queue: string; message: string }) {
  const queues = new Map<string, Record<string, unknown>>();
  const ch = {
    assertExchange: async () => ({}),
    bindQueue: async () => ({}),
    assertQueue: async (name: string, opts: { durable?: boolean; arguments?: Record<string, unknown> }) => {
      if (refuse?.queue === name) throw Object.assign(new Error(refuse.message), { code: 406 });
      assert.equal(opts.durable, true, `${name} is durable`);
      queues.set(name, opts.arguments ?? {});
      return { queue: name, messageCount: 0, consumerCount: 0 };
    },
  };
  return { ch: ch as unknown as Channel, queues };
}

async function declared(type: QueueType) {
  const { ch, queues } = recordingChannel();
  const t = new Topology('p.', type);
  await t.assert(ch);
  await t.assertOwnerQueue(ch, 'callback_queue', 'ctl-1');
  return queues;
}

describe('queue arguments per queue type', () => {
  it('classic: the arguments nfvo has always declared, nothing more', async () => {
    const queues = await declared('classic');
    assert.deepEqual(Object.fromEntries(queues), {
      'p.dead_letter': {},
      'p.api_queue.priority': { 'x-dead-letter-exchange': 'p.nfvo.dlx' },
      'p.api_queue': { 'x-dead-letter-exchange': 'p.nfvo.dlx' },
      'p.work_queue.priority': { 'x-dead-letter-exchange': 'p.nfvo.dlx' },
      'p.work_queue': { 'x-dead-letter-exchange': 'p.nfvo.dlx' },
      'p.callback_queue.priority': { 'x-dead-letter-exchange': 'p.nfvo.dlx' },
      'p.callback_queue': { 'x-dead-letter-exchange': 'p.nfvo.dlx' },
      'p.callback_queue.owner.ctl-1': {
        'x-message-ttl': OWNED_TTL_MS,
        'x-expires': OWNED_EXPIRES_MS,
        'x-dead-letter-exchange': 'p.callback_queue.shared',
      },
    });
  });

  it('quorum: every queue is a quorum queue, the main queues, both lanes, the dead-letter queue and owners', async () => {
    const queues = await declared('quorum');
    assert.deepEqual(
      [...queues.keys()].sort(),
      [...ALL_QUEUES.map((q) => `p.${q}`), 'p.callback_queue.owner.ctl-1'].sort(),
    );
    for (const [name, args] of queues) assert.equal(args['x-queue-type'], 'quorum', name);
  });

  it('quorum: what dead-letters does it at least once (with reject-publish, which that needs), and counts returns', async () => {
    const queues = await declared('quorum');
    const atLeastOnce = {
      'x-dead-letter-strategy': 'at-least-once',
      'x-overflow': 'reject-publish',
      'x-delivery-limit': QUORUM_DELIVERY_LIMIT,
    };
    for (const lane of ['api_queue', 'api_queue.priority', 'work_queue', 'work_queue.priority', 'callback_queue']) {
      assert.deepEqual(queues.get(`p.${lane}`), {
        'x-queue-type': 'quorum',
        'x-dead-letter-exchange': 'p.nfvo.dlx',
        ...atLeastOnce,
      });
    }
    assert.deepEqual(queues.get('p.callback_queue.owner.ctl-1'), {
      'x-queue-type': 'quorum',
      'x-message-ttl': OWNED_TTL_MS,
      'x-expires': OWNED_EXPIRES_MS,
      'x-dead-letter-exchange': 'p.callback_queue.shared',
      ...atLeastOnce,
    });
  });

  it('quorum: the dead-letter queue has no delivery limit (looking at it takes messages and gives them back)', () => {
    assert.deepEqual(queueArguments('quorum', 'dead-letter'), { 'x-queue-type': 'quorum' });
    assert.ok(QUORUM_DELIVERY_LIMIT >= 20, 'the limit is a backstop for consumers that crash, not a retry count');
  });

  it('the default type is classic', () => {
    assert.equal(new Topology('p.').queueType, 'classic');
  });
});

describe('a queue that exists otherwise', () => {
  const classicNowQuorum =
    "Operation failed: QueueDeclare; 406 (PRECONDITION-FAILED) with message \"PRECONDITION_FAILED - inequivalent arg 'x-queue-type' for queue 'p.work_queue' in vhost '/': received the value 'quorum' of type 'longstr' but current is none\"";
  const quorumNowClassic =
    "Operation failed: QueueDeclare; 406 (PRECONDITION-FAILED) with message \"PRECONDITION_FAILED - inequivalent arg 'x-queue-type' for queue 'p.work_queue' in vhost '/': received none but current is the value 'quorum' of type 'longstr'\"";

  it('with the other type: names the queue, both types and how to migrate', async () => {
    const { ch } = recordingChannel({ queue: 'p.work_queue', message: classicNowQuorum });
    await assert.rejects(new Topology('p.', 'quorum').assert(ch), (err: Error) => {
      assert.match(err.message, /^queue p\.work_queue exists as a classic queue, but QUEUE_TYPE is quorum/);
      assert.match(err.message, /rabbitmqctl delete_queue p\.work_queue/);
      assert.match(err.message, /or keep QUEUE_TYPE=classic$/);
      return true;
    });
    const back = inequivalentQueueError('p.work_queue', 'classic', new Error(quorumNowClassic));
    assert.match(back.message, /^queue p\.work_queue exists as a quorum queue, but QUEUE_TYPE is classic/);
    assert.match(back.message, /or keep QUEUE_TYPE=quorum$/);
  });

  it('with other arguments: says which, in the broker words, and how to start again', () => {
    const err = inequivalentQueueError(
      'p.api_queue',
      'classic',
      new Error(
        "Operation failed: QueueDeclare; 406 (PRECONDITION-FAILED) with message \"PRECONDITION_FAILED - inequivalent arg 'x-max-priority' for queue 'p.api_queue' in vhost '/': received none but current is the value '10' of type 'signedint'\"",
      ),
    );
    assert.match(err.message, /^queue p\.api_queue exists with other arguments \(inequivalent arg 'x-max-priority'/);
    assert.match(err.message, /rabbitmqctl delete_queue p\.api_queue/);
  });

  it('any other refusal is not rewritten', async () => {
    const { ch } = recordingChannel();
    (ch as unknown as { assertQueue: () => Promise<never> }).assertQueue = async () => {
      throw Object.assign(new Error('ACCESS_REFUSED'), { code: 403 });
    };
    await assert.rejects(new Topology('p.', 'quorum').assert(ch), /^Error: ACCESS_REFUSED$/);
  });
});

describe("AMQP_URL's nodes", () => {
  it('one URL, or several separated by commas (spaces and empty entries ignored)', () => {
    assert.deepEqual(splitUrls('amqp://a:5672'), ['amqp://a:5672']);
    assert.deepEqual(splitUrls(' amqp://a:5681, amqp://b:5682 ,,amqp://c:5683 '), [
      'amqp://a:5681',
      'amqp://b:5682',
      'amqp://c:5683',
    ]);
  });
  it('a node is named by host and port, never by its credentials', () => {
    assert.equal(endpointOf('amqp://guest:s3cret@127.0.0.1:5681'), '127.0.0.1:5681');
    assert.equal(endpointOf('amqp://u:p@rabbit'), 'rabbit:5672');
    assert.equal(endpointOf('amqps://u:p@rabbit/vh'), 'rabbit:5671');
    assert.equal(endpointOf('not a url s3cret'), '<unparseable url>');
  });
});
