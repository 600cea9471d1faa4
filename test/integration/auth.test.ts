// Every /v1 endpoint needs a bearer token; viewer reads, operator changes, admin manages tokens.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { type Running } from '../../src/compose.js';
import { makeTestEnv, type TestEnv } from '../helpers/env.js';
import { client } from '../helpers/http.js';
import { startInProcess } from '../helpers/in-process.js';
import { onboardedPackage } from '../helpers/packages.js';

describe('authentication and roles', () => {
  let env: TestEnv;
  let nfvo: Running;
  let base: string;
  let logText = '';
  let pkg: string;
  const ID = '01a1fc00-0000-7000-8000-00000000beef';

  before(async () => {
    env = await makeTestEnv('auth');
    const sink = new Writable({ write: (c, _e, cb) => ((logText += c.toString()), cb()) });
    ({ nfvo, base } = await startInProcess(env, undefined, pino({ level: 'debug' }, sink)));
    const op = client(base, env.auth('operator'));
    pkg = await onboardedPackage(op, 'auth-pkg');
  });
  after(async () => {
    await nfvo.stop();
    await env.cleanup();
  });

  // [method, path, body, the least role allowed]
  const endpoints = (): [string, string, unknown, 'viewer' | 'operator' | 'admin'][] => [
    ['GET', '/v1/resources', undefined, 'viewer'],
    ['GET', `/v1/resources/${pkg}`, undefined, 'viewer'],
    ['GET', `/v1/resources/${pkg}/transitions`, undefined, 'viewer'],
    ['GET', '/v1/vnf-packages', undefined, 'viewer'],
    ['GET', `/v1/vnf-packages/${pkg}`, undefined, 'viewer'],
    ['GET', `/v1/vnf-packages/${pkg}/content`, undefined, 'viewer'],
    ['GET', `/v1/vnf-packages/${pkg}/vnfd`, undefined, 'viewer'],
    ['GET', `/v1/vnf-packages/${pkg}/artifacts/Scripts/install.sh`, undefined, 'viewer'],
    ['GET', '/v1/volumes', undefined, 'viewer'],
    ['GET', '/v1/vnfs', undefined, 'viewer'],
    ['GET', '/v1/acls', undefined, 'viewer'],
    ['GET', `/v1/tasks/${ID}`, undefined, 'viewer'],
    ['GET', '/v1/fsm/vnf', undefined, 'viewer'],
    ['POST', '/v1/vnf-packages', { name: 'x' }, 'operator'],
    ['POST', '/v1/volumes', { name: 'x', sizeGb: 1 }, 'operator'],
    ['POST', '/v1/vnfs', { name: 'x', vnfPackageId: ID }, 'operator'],
    [
      'POST',
      '/v1/acls',
      { name: 'x', rules: [{ direction: 'ingress', action: 'allow', protocol: 'any', cidr: '10.0.0.0/8' }] },
      'operator',
    ],
    ['DELETE', `/v1/vnf-packages/${ID}`, undefined, 'operator'],
    ['PUT', `/v1/vnf-packages/${ID}/content`, 'not a zip', 'operator'],
    ['DELETE', `/v1/volumes/${ID}`, undefined, 'operator'],
    ['DELETE', `/v1/vnfs/${ID}`, undefined, 'operator'],
    ['DELETE', `/v1/acls/${ID}`, undefined, 'operator'],
    ['DELETE', `/v1/resources/${ID}`, undefined, 'operator'],
    ['POST', `/v1/vnfs/${ID}/terminate`, undefined, 'operator'],
    ['POST', `/v1/resources/${ID}/retry`, undefined, 'operator'],
    ['POST', `/v1/tasks/${ID}/revoke`, undefined, 'operator'],
    ['GET', '/v1/tokens', undefined, 'admin'],
    ['POST', '/v1/tokens', { name: 'x', role: 'viewer' }, 'admin'],
    ['DELETE', `/v1/tokens/${ID}`, undefined, 'admin'],
  ];
  const RANK = { viewer: 0, operator: 1, admin: 2 } as const;

  it('every endpoint: 401 without or with a bad token, 403 below its role, allowed at or above it', async () => {
    for (const [method, path, body, least] of endpoints()) {
      const anon = await client(base).call(method, path, body);
      assert.equal(anon.status, 401, `${method} ${path} without a token`);
      assert.equal(anon.headers.get('content-type')?.split(';')[0], 'application/problem+json');
      assert.match(anon.headers.get('www-authenticate') ?? '', /^Bearer/);
      const bad = await client(base, { authorization: 'Bearer nfvo_not-a-real-token' }).call(method, path, body);
      assert.equal(bad.status, 401, `${method} ${path} with a bad token`);
      const garbled = await client(base, { authorization: 'Basic dXNlcjpwdw==' }).call(method, path, body);
      assert.equal(garbled.status, 401, `${method} ${path} with a non-bearer header`);
      for (const role of ['viewer', 'operator', 'admin'] as const) {
        const r = await client(base, env.auth(role)).call(method, path, body);
        if (RANK[role] < RANK[least]) {
          assert.equal(r.status, 403, `${method} ${path} as ${role}`);
          assert.match(r.body.detail, new RegExp(`needs ${least}`));
        } else
          assert.ok(
            ![401, 403].includes(r.status) && r.status < 500,
            `${method} ${path} as ${role}: ${r.status} ${JSON.stringify(r.body)}`,
          );
      }
    }
  });

  it('the event stream needs a viewer token', async () => {
    assert.equal((await fetch(`${base}/v1/events`)).status, 401);
    const ctl = new AbortController();
    const res = await fetch(`${base}/v1/events`, { headers: env.auth('viewer'), signal: ctl.signal });
    assert.equal(res.status, 200);
    ctl.abort();
  });

  it('health endpoints stay open', async () => {
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
    assert.equal((await fetch(`${base}/readyz`)).status, 200);
  });

  it('an admin creates a token (shown once, stored hashed) and revokes it', async () => {
    const admin = client(base, env.auth('admin'));
    const made = await admin.post('/v1/tokens', { name: 'ci', role: 'viewer' });
    assert.equal(made.status, 201);
    assert.match(made.body.token, /^nfvo_/);
    const stored = (await env.pool.query('SELECT token_hash FROM api_tokens WHERE id = $1', [made.body.id])).rows[0]
      .token_hash;
    assert.notEqual(stored, made.body.token);
    assert.ok(
      !JSON.stringify((await admin.get('/v1/tokens')).body).includes(made.body.token),
      'listing never shows a secret',
    );
    assert.equal((await admin.del(`/v1/tokens/${made.body.id}`)).status, 200);
    assert.equal((await client(base, { authorization: `Bearer ${made.body.token}` }).get('/v1/resources')).status, 401);
    assert.equal((await admin.post('/v1/tokens', { name: 'x', role: 'root' })).status, 422);
  });

  it('sets security headers', async () => {
    const r = await client(base, env.auth('viewer')).get('/v1/resources');
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
    assert.ok(r.headers.get('content-security-policy'));
    assert.equal(r.headers.get('x-powered-by'), null);
  });

  it('no token, password or connection string appears in a log line or an error body', async () => {
    const r = await client(base, { authorization: `Bearer ${env.tokens.operator}x` }).get('/v1/resources');
    assert.ok(!JSON.stringify(r.body).includes(env.tokens.operator));
    for (const t of Object.values(env.tokens)) assert.ok(!logText.includes(t), 'a token was logged');
    assert.ok(logText.includes('"url":"/v1/resources"'), 'requests were logged');
    assert.ok(!logText.includes(env.config.databaseUrl) && !logText.includes(env.config.amqpUrl));
  });
});
