// Broker semantics on the real RabbitMQ: dead-lettering with a reason, a consumer that
// keeps running, the outbox keeping requests while RabbitMQ cannot be reached, and
// callbacks reaching the controller that dispatched the step (or any, once it is gone), and a
// process that stops even when RabbitMQ no longer answers.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import amqp from 'amqplib';
import { pino } from 'pino';
import { Broker } from '../../src/broker/broker.js';
import { ApiMessageSchema, CallbackMessageSchema, type CallbackMessageInput } from '../../src/broker/messages.js';
import { OWNED_TTL_MS, ownerQueue } from '../../src/broker/topology.js';
import { startRoles } from '../../src/compose.js';
import { loadConfig } from '../../src/config.js';
import { makeTestEnv, quiet, waitFor, type TestEnv } from '../helpers/env.js';
import { client } from '../helpers/http.js';
import { startInProcess } from '../helpers/in-process.js';
import { createPackage } from '../helpers/packages.js';
import { startProxy } from '../helpers/proxy.js';
import { deleteTopology } from '../helpers/topology.js';

const never = () => false;

describe('messaging', () => {
  let env: TestEnv;
  before(async () => {
    env = await makeTestEnv('msg');
  });
  after(() => env.cleanup());

  it('malformed and unknown messages are dead-lettered with the reason; the consumers keep running', async () => {
    const { nfvo, api } = await startInProcess(env);
    try {
      const conn = await amqp.connect(env.config.amqpUrl);
      const ch = await conn.createConfirmChannel();
      const send = (q: string, body: string) => ch.sendToQueue(env.q(q), Buffer.from(body), { persistent: true });
      send('api_queue', '{not json');
      send('api_queue', JSON.stringify({ v: 1, kind: 'explode', resourceId: '01a1fc00-0000-7000-8000-000000000000' }));
      send('work_queue', JSON.stringify({ v: 1, taskId: 'x' }));
      send('callback_queue', JSON.stringify({ v: 2 }));
      const step = {
        action: 'vnfp.explode',
        next: 'UPLOADED',
        callback: null,
        countdown: 0,
        max_retry: 3,
        re_entrant: true,
      };
      send(
        'work_queue',
        JSON.stringify({
          v: 1,
          taskId: '01a1fc00-0000-7000-8000-0000000000aa',
          resourceId: '01a1fc00-0000-7000-8000-0000000000bb',
          resourceType: 'vnf_package',
          action: 'vnfp.explode',
          attempt: 1,
          args: { name: 'x', properties: {}, simulate: null },
          callbacks: {
            success: { queue: 'callback_queue', nextTask: step },
            error: { queue: 'callback_queue', nextTask: step },
          },
        }),
      );
      await ch.waitForConfirms();
      const dead: { reason: string; queue: string }[] = [];
      await waitFor('5 dead letters', async () => {
        for (let m; (m = await ch.get(env.q('dead_letter'), { noAck: true }));)
          dead.push({
            reason: String(m.properties.headers?.['x-nfvo-reason']),
            queue: String(m.properties.headers?.['x-nfvo-queue']),
          });
        return dead.length >= 5;
      });
      await conn.close();
      const byQueue = Object.fromEntries(
        dead.map((d) => [d.queue.slice(env.q('').length) + ':' + d.reason.slice(0, 40), d.reason]),
      );
      assert.ok(
        dead.some((d) => d.queue === env.q('api_queue') && d.reason === 'malformed JSON'),
        JSON.stringify(byQueue),
      );
      assert.ok(
        dead.some((d) => d.queue === env.q('api_queue') && /^invalid message: kind/.test(d.reason)),
        JSON.stringify(byQueue),
      );
      assert.ok(
        dead.some((d) => d.queue === env.q('work_queue') && /taskId/.test(d.reason)),
        JSON.stringify(byQueue),
      );
      assert.ok(
        dead.some((d) => d.queue === env.q('callback_queue') && /^invalid message/.test(d.reason)),
        JSON.stringify(byQueue),
      );
      assert.ok(
        dead.some((d) => d.queue === env.q('work_queue') && d.reason === 'unknown task "vnfp.explode"'),
        JSON.stringify(byQueue),
      );
      // still consuming
      const { body } = await api.post('/v1/volumes', { name: 'after-poison', sizeGb: 1 });
      await api.waitStatus(body.id, 'AVAILABLE');
    } finally {
      await nfvo.stop();
    }
  });

  it('a poison message is dead-lettered after a bounded number of deliveries; an oversized one at once; good ones flow around them', async () => {
    const POISON = '01a1fc00-0000-7000-8000-00000000dead';
    const broker = new Broker({
      url: env.config.amqpUrl,
      prefix: env.q('poison.'),
      queueType: env.config.queueType,
      log: quiet,
      name: 'poison-test',
      redeliveryBackoffMs: 4,
      isTransient: never,
    });
    const conn = await amqp.connect(env.config.amqpUrl);
    const ch = await conn.createConfirmChannel();
    try {
      await broker.start();
      let poisonCalls = 0;
      let good = 0;
      await broker.consume(
        'api_queue',
        ApiMessageSchema,
        async (m) => {
          if (m.resourceId !== POISON) return void good++;
          poisonCalls++;
          throw new Error('handler bug');
        },
        4,
      );
      const send = (resourceId: string) =>
        ch.sendToQueue(
          env.q('poison.api_queue'),
          Buffer.from(JSON.stringify({ v: 1, kind: 'reconcile', resourceId })),
          { persistent: true },
        );
      send(POISON);
      ch.sendToQueue(env.q('poison.api_queue'), Buffer.alloc(1024 * 1024 + 10, 32), { persistent: true });
      // successes finishing while the poison message waits to be retried must not ack it with theirs
      let sent = 0;
      const reasons: string[] = [];
      await waitFor(
        'two dead letters',
        async () => {
          for (let i = 0; i < 5; i++) send(`01a1fc00-0000-7000-8000-${String(sent++).padStart(12, '0')}`);
          await ch.waitForConfirms();
          for (let m; (m = await ch.get(env.q('poison.dead_letter'), { noAck: true }));)
            reasons.push(String(m.properties.headers?.['x-nfvo-reason']));
          return reasons.length >= 2;
        },
        30_000,
      );
      assert.equal(poisonCalls, 10, 'handled exactly 10 times, then given up');
      assert.ok(
        reasons.some((r) => r === 'failed 10 times; last error: handler bug'),
        JSON.stringify(reasons),
      );
      assert.ok(
        reasons.some((r) => /^message too large/.test(r)),
        JSON.stringify(reasons),
      );
      await waitFor('good messages', async () => good === sent);
      send('01a1fc00-0000-7000-8000-0000000fffff');
      await ch.waitForConfirms();
      await waitFor('the consumer still running', async () => good === sent + 1);
    } finally {
      await broker.stopConsuming(1_000);
      await broker.close();
      await conn.close();
      await deleteTopology(env.config.amqpUrl, env.q('poison.'));
    }
  });

  it('requests made while RabbitMQ is unreachable are kept in the outbox and carried out later', async () => {
    // an API whose broker address points nowhere: it still accepts requests
    const down = loadConfig({ ...env.vars, AMQP_URL: 'amqp://guest:guest@127.0.0.1:1' });
    const logged: { level: number; req?: { url: string } }[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void logged.push(JSON.parse(line)) });
    const apiOnly = await startRoles(down, ['api'], { logger });
    const ids: string[] = [];
    try {
      const api = client(`http://127.0.0.1:${apiOnly.port}`, env.auth());
      for (let i = 0; i < 5; i++) {
        ids.push((await createPackage(api, `offline-${i}`)).id);
      }
      const ready = await api.get('/readyz');
      assert.equal(ready.status, 503);
      assert.equal(ready.body.checks.broker, 'down');
      assert.ok(
        logged.some((l) => l.req?.url === '/readyz' && l.level === 30),
        'the probe answer is logged at info',
      );
      assert.ok(!logged.some((l) => l.level >= 50), 'and nothing at error');
      const unsent = (await env.pool.query('SELECT count(*)::int AS n FROM outbox WHERE sent_at IS NULL')).rows[0].n;
      assert.equal(unsent, 5, 'every accepted request has its message waiting in the outbox');
    } finally {
      await apiOnly.stop();
    }
    // RabbitMQ "comes back": a process that can reach it relays the waiting messages
    const { nfvo, api } = await startInProcess(env);
    try {
      for (const id of ids) await api.waitStatus(id, 'ONBOARDED', 30_000);
      // published rows are marked sent in batches, shortly after
      await waitFor(
        'outbox drained',
        async () =>
          (await env.pool.query('SELECT count(*)::int AS n FROM outbox WHERE sent_at IS NULL')).rows[0].n === 0,
      );
    } finally {
      await nfvo.stop();
    }
  });

  it("a callback goes to its controller's own queue; with no such queue, or once its consumer is gone, to the shared one", async () => {
    const prefix = env.q('owned.');
    const make = (name: string) =>
      new Broker({
        url: env.config.amqpUrl,
        prefix,
        queueType: env.config.queueType,
        log: quiet,
        name,
        isTransient: never,
      });
    const a = make('controller-a');
    const b = make('controller-b');
    const got: Record<string, string[]> = { a: [], b: [] };
    const callback = (i: number): CallbackMessageInput => ({
      v: 1,
      kind: 'success',
      taskId: `01a1fc00-0000-7000-8000-${String(i).padStart(12, '0')}`,
      resourceId: '01a1fc00-0000-7000-8000-0000000000bb',
      attempt: 1,
      result: {},
      nextTask: { action: 'x', next: 'Y', callback: null, countdown: 0, max_retry: 0, re_entrant: true },
    });
    const publish = async (from: number, count: number, owner: string) => {
      for (let i = from; i < from + count; i++) await b.publish('callback_queue', callback(i), { owner });
    };
    try {
      await a.start();
      await b.start();
      await a.consume('callback_queue', CallbackMessageSchema, async (m) => void got.a!.push(m.taskId), 8, {
        owner: 'a',
      });
      await b.consume('callback_queue', CallbackMessageSchema, async (m) => void got.b!.push(m.taskId), 8, {
        owner: 'b',
      });
      await publish(0, 20, 'a');
      await waitFor('20 delivered', async () => got.a!.length + got.b!.length === 20);
      assert.deepEqual(got, { a: got.a, b: [] }, 'every callback for a reached a');
      assert.equal(got.a!.length, 20);
      // no queue under that name: the shared queue, which both consume
      await publish(100, 20, 'gone');
      await waitFor('40 delivered', async () => got.a!.length + got.b!.length === 40);
      assert.ok(got.b!.length > 0, 'some reached b through the shared queue');
      // a goes away without stopping (as in a crash): what waits in its queue moves to the shared queue after OWNED_TTL_MS
      await a.close();
      const before = got.b!.length;
      await publish(200, 5, 'a');
      await waitFor('moved to the shared queue', async () => got.b!.length === before + 5, 3 * OWNED_TTL_MS);
      assert.deepEqual(
        got.b!.slice(before).sort(),
        [200, 201, 202, 203, 204].map((i) => callback(i).taskId),
      );
      // b stops cleanly: its queue is removed at once
      await b.stopConsuming(1_000);
      const conn = await amqp.connect(env.config.amqpUrl);
      const ch = await conn.createChannel();
      ch.on('error', () => {});
      await assert.rejects(ch.checkQueue(prefix + ownerQueue('callback_queue', 'b')), /NOT_FOUND/);
      await conn.close().catch(() => {});
    } finally {
      await b.stopConsuming(1_000);
      await b.close();
      await a.close();
      await deleteTopology(env.config.amqpUrl, prefix, [ownerQueue('callback_queue', 'a')]);
    }
  });

  it('a step whose controller stopped is finished by another controller without waiting for its lease', async () => {
    // the worker runs on its own; controller A dispatches the slow step and stops while it runs
    const worker = await startRoles(env.config, ['worker'], { logger: quiet });
    const a = await startInProcess(env, ['api', 'controller']);
    let b: Awaited<ReturnType<typeof startInProcess>> | undefined;
    try {
      const { body } = await a.api.post('/v1/volumes', {
        name: 'orphaned-callback',
        sizeGb: 1,
        simulate: { latencyMs: { create: 1_500 } },
      });
      const taskId = await waitFor('running', async () => {
        const r = (await a.api.get(`/v1/resources/${body.id}`)).body;
        return r.taskId && (await a.api.get(`/v1/tasks/${r.taskId}`)).body.state === 'STARTED' && r.taskId;
      });
      await a.nfvo.stop();
      b = await startInProcess(env, ['api', 'controller']);
      // the lease is 30 s: only the callback can have finished the step this soon
      const r = await b.api.waitStatus(body.id, 'AVAILABLE', 20_000);
      assert.equal(r.workerId, null);
      const task = (await b.api.get(`/v1/tasks/${taskId}`)).body;
      assert.equal(task.state, 'SUCCESS');
      assert.equal(task.attempt, 1, 'finished by its first attempt, not taken over');
    } finally {
      await b?.nfvo.stop();
      await a.nfvo.stop();
      await worker.stop();
    }
  });

  it('a process whose RabbitMQ stops answering still stops: it gives up once its stop timeout and closing time have passed', async () => {
    const target = new URL(env.config.amqpUrl);
    const proxy = await startProxy({ host: target.hostname, port: Number(target.port || 5672) });
    const viaProxy = new URL(target);
    viaProxy.port = String(proxy.port);
    const nfvo = await startRoles({ ...env.config, amqpUrl: viaProxy.toString(), stopTimeoutMs: 200 }, ['worker'], {
      logger: quiet,
    });
    try {
      await waitFor('broker', async () => nfvo.broker.connected);
      proxy.freeze();
      // stuck wherever the broker stopped answering: cancelling its consumer or, when the
      // freeze came before the consumer was attached (`connected` is true from the publish
      // channel on), closing the connection
      await assert.rejects(
        nfvo.stop(),
        /^Error: stopping took longer than 5200 ms \(still (finishing messages in flight|closing the RabbitMQ connection)\)$/,
      );
    } finally {
      await proxy.close();
    }
  });
  it('a broker says it is connected only once its queues exist: nothing published then is dropped as unroutable', async () => {
    const prefix = env.q('fresh.');
    const broker = new Broker({
      url: env.config.amqpUrl,
      prefix,
      queueType: env.config.queueType,
      log: quiet,
      name: 'fresh',
      isTransient: never,
    });
    const conn = await amqp.connect(env.config.amqpUrl);
    try {
      const starting = broker.start();
      // look the moment it says so (a queue declared later would have dropped what was published now)
      while (!broker.connected) await new Promise((r) => setImmediate(r));
      const ch = await conn.createChannel();
      for (const q of ['api_queue', 'work_queue', 'callback_queue', 'dead_letter']) await ch.checkQueue(prefix + q);
      await starting;
    } finally {
      await broker.close();
      await conn.close();
      await deleteTopology(env.config.amqpUrl, prefix);
    }
  });
});
