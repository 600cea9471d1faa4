// The broker's pure pieces, without RabbitMQ: batched acks, the failure policy, routing.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setImmediate as tick } from 'node:timers/promises';
import type { ConsumeMessage } from 'amqplib';
import { Acker } from '../../src/broker/acker.js';
import { MAX_FAILED_DELIVERIES, onHandlerFailure, PoisonMessageError } from '../../src/broker/failure-policy.js';
import { Topology } from '../../src/broker/topology.js';

const msg = (tag: number) => ({ fields: { deliveryTag: tag } }) as unknown as ConsumeMessage;

/** An Acker on a channel that records what it acks: [tag, multiple]. */
function recorder() {
  const acks: [number, boolean][] = [];
  const acker = new Acker({ ack: (m: ConsumeMessage, all?: boolean) => void acks.push([m.fields.deliveryTag, !!all]) });
  return { acks, acker };
}

describe('Acker', () => {
  it('acks a finished run at the head of the window with one multiple ack, once per turn', async () => {
    const { acks, acker } = recorder();
    const ms = [1, 2, 3].map(msg);
    ms.forEach((m) => acker.received(m));
    ms.forEach((m) => acker.ack(m));
    assert.deepEqual(acks, [], 'nothing is written before the turn ends');
    await tick();
    assert.deepEqual(acks, [[3, true]]);
  });

  it('never covers an unfinished message with a multiple ack: finished ones behind it are acked singly', async () => {
    const { acks, acker } = recorder();
    const [a, b, c] = [1, 2, 3].map(msg);
    for (const m of [a!, b!, c!]) acker.received(m);
    acker.ack(b!);
    acker.ack(c!);
    await tick();
    assert.deepEqual(acks, [
      [2, false],
      [3, false],
    ]);
    acker.ack(a!);
    await tick();
    assert.deepEqual(acks.at(-1), [1, true]);
  });

  it('a message settled on its own (nacked, dead-lettered) leaves the window and is not acked', async () => {
    const { acks, acker } = recorder();
    const [a, b] = [1, 2].map(msg);
    acker.received(a!);
    acker.received(b!);
    acker.settled(a!);
    acker.ack(b!);
    await tick();
    assert.deepEqual(acks, [[2, true]]);
  });

  it('a closed channel (ack throws) does not throw out of the flush', async () => {
    const acker = new Acker({
      ack: () => {
        throw new Error('Channel closed');
      },
    });
    acker.received(msg(1));
    acker.ack(msg(1));
    await tick();
  });
});

describe('failure policy', () => {
  const never = () => false;
  it('dead-letters a poison message at once, with its reason', () => {
    assert.deepEqual(onHandlerFailure(new PoisonMessageError('unknown task "x"'), 1, never), {
      kind: 'dead-letter',
      reason: 'unknown task "x"',
    });
  });
  it('keeps a message whose backing service is down, without counting it', () => {
    assert.equal(onHandlerFailure(new Error('ECONNREFUSED'), MAX_FAILED_DELIVERIES, () => true).kind, 'requeue');
  });
  it('redelivers other failures with a doubling, capped backoff, then dead-letters with the last error', () => {
    assert.deepEqual(
      [1, 2, 3, 9].map((n) => onHandlerFailure(new Error('boom'), n, never, 100)),
      [200, 400, 800, 5_000].map((delayMs) => ({ kind: 'redeliver', delayMs })),
    );
    assert.deepEqual(onHandlerFailure(new Error('boom'), MAX_FAILED_DELIVERIES, never), {
      kind: 'dead-letter',
      reason: `failed ${MAX_FAILED_DELIVERIES} times; last error: boom`,
    });
  });
});

describe('topology routes', () => {
  const t = new Topology('p.');
  it('a normal message to its queue, an operator one to the priority lane', () => {
    assert.deepEqual(t.route('work_queue'), { exchange: '', routingKey: 'p.work_queue' });
    assert.deepEqual(t.route('work_queue', { priority: 5 }), { exchange: '', routingKey: 'p.work_queue.priority' });
  });
  it("a callback for an owner through the owners' exchange; an owner on a queue without owners is ignored", () => {
    assert.deepEqual(t.route('callback_queue', { owner: 'ctl-1' }), {
      exchange: 'p.callback_queue.owners',
      routingKey: 'ctl-1',
    });
    assert.deepEqual(t.route('api_queue', { owner: 'ctl-1' }), { exchange: '', routingKey: 'p.api_queue' });
  });
});
