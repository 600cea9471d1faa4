// Two deployments (two databases) on one broker namespace would take each other's messages:
// the second is refused at start, naming both, and a message marked with another
// deployment's id is never acted on nor dead-lettered.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import amqp from 'amqplib';
import { pino } from 'pino';
import { startRoles, type Running } from '../../src/compose.js';
import { ConfigError } from '../../src/config.js';
import { makeTestEnv, sleep, waitFor, type TestEnv } from '../helpers/env.js';
import { client } from '../helpers/http.js';

describe('deployments that cannot cross', () => {
  let a: TestEnv;
  let b: TestEnv;
  let nfvo: Running;
  let logText = '';
  const sink = new Writable({ write: (c, _e, cb) => ((logText += c.toString()), cb()) });

  before(async () => {
    a = await makeTestEnv('guard_a');
    // another database, on the same vhost and QUEUE_PREFIX as the first
    b = await makeTestEnv('guard_b', { QUEUE_PREFIX: a.vars.QUEUE_PREFIX! });
    nfvo = await startRoles(a.config, ['api', 'controller', 'worker'], { logger: pino({ level: 'warn' }, sink) });
    await waitFor('broker', async () => nfvo.broker.connected);
  });
  after(async () => {
    await nfvo.stop();
    await b.cleanup();
    await a.cleanup();
  });

  it('a process of another database on the same namespace is refused, with both named and how to separate them', async () => {
    await assert.rejects(
      () => startRoles(b.config, ['worker'], { logger: pino({ level: 'silent' }) }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError, String(err));
        const m = err.message;
        assert.match(m, new RegExp(`QUEUE_PREFIX "${a.vars.QUEUE_PREFIX!.replace(/\./g, '\\.')}"`));
        assert.match(m, /vhost "\/"/);
        const dbA = new URL(a.config.databaseUrl).pathname.slice(1);
        const dbB = new URL(b.config.databaseUrl).pathname.slice(1);
        assert.ok(m.includes(dbA) && m.includes(dbB), `names both databases: ${m}`);
        assert.match(m, /give this one a QUEUE_PREFIX of its own, or a vhost of its own/);
        return true;
      },
    );
    // and the first one goes on
    const api = client(`http://127.0.0.1:${nfvo.port}`, a.auth('operator'));
    const v = await api.post('/v1/volumes', { name: 'still-here', sizeGb: 1 });
    await api.waitStatus(v.body.id, 'AVAILABLE');
  });

  it('the same database on another prefix starts: the claim is per namespace', async () => {
    const c = await makeTestEnv('guard_c');
    const other = await startRoles({ ...a.config, queuePrefix: c.vars.QUEUE_PREFIX! }, ['worker'], {
      logger: pino({ level: 'silent' }),
    });
    try {
      await waitFor('connected', async () => other.broker.connected);
    } finally {
      await other.stop();
      await c.cleanup();
    }
  });

  it('a message marked with another deployment is refused loudly, not acted on, not dead-lettered', async () => {
    const foreign = randomUUID();
    const resourceId = randomUUID();
    const conn = await amqp.connect(a.config.amqpUrl);
    try {
      const ch = await conn.createConfirmChannel();
      ch.sendToQueue(
        a.q('work_queue'),
        Buffer.from(JSON.stringify({ v: 1, taskId: randomUUID(), resourceId, action: 'volume.nope' })),
        { persistent: true, messageId: 'foreign-1', headers: { 'x-nfvo-deployment': foreign } },
      );
      await ch.waitForConfirms();
      await waitFor('refused loudly', async () => logText.includes(`refused a message of deployment ${foreign}`));
      await sleep(1500);
      // not dead-lettered (as unknown, or at all), and still there for its own deployment
      assert.equal((await ch.checkQueue(a.q('dead_letter'))).messageCount, 0);
      assert.ok(!logText.includes('unknown action'), 'the worker never saw it');
      await ch.close();
    } finally {
      await conn.close();
    }
  });
});
