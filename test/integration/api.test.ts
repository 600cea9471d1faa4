// The REST contract: status codes, problem+json, validation naming the field, conflicts,
// paging, the FSM tables, and the event stream with resume.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { type Running } from '../../src/compose.js';
import { watch } from '../../src/watch.js';
import { makeTestEnv, waitFor, type TestEnv } from '../helpers/env.js';
import { client } from '../helpers/http.js';
import { startInProcess } from '../helpers/in-process.js';
import { onboardedPackage } from '../helpers/packages.js';

describe('REST API', () => {
  let env: TestEnv;
  let nfvo: Running;
  let api: ReturnType<typeof client>;
  let base: string;
  let onboarded: string;

  before(async () => {
    env = await makeTestEnv('api', { BODY_LIMIT: '16kb' });
    ({ nfvo, base, api } = await startInProcess(env));
    onboarded = await onboardedPackage(api, 'base-pkg');
  });
  after(async () => {
    await nfvo.stop();
    await env.cleanup();
  });

  const count = async () => (await env.pool.query('SELECT count(*)::int AS n FROM resources')).rows[0].n as number;
  const isProblem = (r: { headers: Headers; body: any }, status: number) => {
    assert.equal(r.headers.get('content-type')?.split(';')[0], 'application/problem+json');
    assert.equal(r.body.status, status);
    assert.ok(typeof r.body.title === 'string' && typeof r.body.detail === 'string');
  };

  describe('bad input is a 4xx problem+json, and nothing is written', () => {
    it('400 for malformed JSON', async () => {
      const before = await count();
      const r = await api.call('POST', '/v1/vnf-packages', '{"name": "x",', { 'content-type': 'application/json' });
      assert.equal(r.status, 400);
      isProblem(r, 400);
      assert.equal(await count(), before);
    });

    it('413 for a body over the limit', async () => {
      const r = await api.post('/v1/vnf-packages', { name: 'big', userDefinedData: { notes: 'x'.repeat(20_000) } });
      assert.equal(r.status, 413);
      isProblem(r, 413);
    });

    it('415 for a body that is not JSON', async () => {
      const r = await api.call('POST', '/v1/volumes', 'name=x', {
        'content-type': 'application/x-www-form-urlencoded',
      });
      assert.equal(r.status, 415);
      isProblem(r, 415);
    });

    const cases: [string, string, unknown, string][] = [
      ['missing name', '/v1/volumes', { sizeGb: 1 }, 'name'],
      ['unknown field', '/v1/vnf-packages', { name: 'a', colour: 'red' }, 'colour'],
      ['a NUL in userDefinedData', '/v1/vnf-packages', { userDefinedData: { a: 'x\u0000' } }, 'userDefinedData.a'],
      ['wrong type', '/v1/volumes', { name: 'v', sizeGb: '10' }, 'sizeGb'],
      ['size out of range', '/v1/volumes', { name: 'v', sizeGb: 0 }, 'sizeGb'],
      ['bad vnf package id', '/v1/vnfs', { name: 'v', vnfPackageId: 'nope' }, 'vnfPackageId'],
      [
        'duplicate volume ids',
        '/v1/vnfs',
        {
          name: 'v',
          vnfPackageId: '01a1fc00-0000-7000-8000-000000000000',
          volumeIds: ['01a1fc00-0000-7000-8000-000000000001', '01a1fc00-0000-7000-8000-000000000001'],
        },
        'volumeIds',
      ],
      ['no rules', '/v1/acls', { name: 'a', rules: [] }, 'rules'],
      [
        'bad cidr',
        '/v1/acls',
        { name: 'a', rules: [{ direction: 'ingress', action: 'allow', protocol: 'tcp', cidr: '10.0.0.300/24' }] },
        'rules.0.cidr',
      ],
      [
        'prefix too long',
        '/v1/acls',
        { name: 'a', rules: [{ direction: 'ingress', action: 'allow', protocol: 'tcp', cidr: '10.0.0.0/33' }] },
        'rules.0.cidr',
      ],
      [
        'bad port range',
        '/v1/acls',
        { name: 'a', rules: [{ direction: 'egress', action: 'deny', protocol: 'udp', cidr: '::/0', ports: '90-80' }] },
        'rules.0.ports',
      ],
      [
        'ports on icmp',
        '/v1/acls',
        {
          name: 'a',
          rules: [{ direction: 'egress', action: 'deny', protocol: 'icmp', cidr: '0.0.0.0/0', ports: '80' }],
        },
        'rules.0.ports',
      ],
      [
        'bad direction',
        '/v1/acls',
        { name: 'a', rules: [{ direction: 'up', action: 'deny', protocol: 'icmp', cidr: '0.0.0.0/0' }] },
        'rules.0.direction',
      ],
      [
        'bad simulate',
        '/v1/vnf-packages',
        { name: 'a', simulate: { fail: { validate: -1 } } },
        'simulate.fail.validate',
      ],
      ['control characters in name', '/v1/vnf-packages', { name: 'a\u0000b' }, 'name'],
      ['array body', '/v1/vnf-packages', [1, 2], 'body'],
    ];
    for (const [what, path, body, field] of cases) {
      it(`422 for ${what}, naming ${field || 'the field'}`, async () => {
        const before = await count();
        const r = await api.post(path, body);
        assert.equal(r.status, 422, JSON.stringify(r.body));
        isProblem(r, 422);
        assert.ok(Array.isArray(r.body.errors) && r.body.errors.length > 0);
        if (field)
          assert.ok(
            r.body.errors.some((e: any) => e.field === field),
            `errors name ${field}: ${JSON.stringify(r.body.errors)}`,
          );
        assert.equal(await count(), before);
      });
    }

    it('422 for a bad list query or cursor', async () => {
      assert.equal((await api.get('/v1/resources?limit=0')).status, 422);
      assert.equal((await api.get('/v1/resources?type=router')).status, 422);
      const r = await api.get('/v1/resources?cursor=garbage');
      assert.equal(r.status, 422);
      assert.equal(r.body.errors[0].field, 'cursor');
    });

    it('404 for unknown ids, malformed ids, wrong collection and unknown routes', async () => {
      for (const p of [
        '/v1/resources/01a1fc00-0000-7000-8000-00000000dead',
        '/v1/resources/not-a-uuid',
        `/v1/volumes/${onboarded}`,
        '/v1/tasks/01a1fc00-0000-7000-8000-00000000dead',
        '/v1/nothing',
        '/v1/fsm/router',
      ]) {
        const r = await api.get(p);
        assert.equal(r.status, 404, p);
        isProblem(r, 404);
      }
      assert.equal((await api.del('/v1/resources/01a1fc00-0000-7000-8000-00000000dead')).status, 404);
      assert.equal((await api.post('/v1/vnfs/01a1fc00-0000-7000-8000-00000000dead/terminate')).status, 404);
    });
  });

  describe('conflicts are 409 with the reason', () => {
    it('a vnf needs its package ONBOARDED', async () => {
      // waiting for its content
      const pending = await api.post('/v1/vnf-packages', { name: 'slow-pkg' });
      const r = await api.post('/v1/vnfs', { name: 'too-early', vnfPackageId: pending.body.id });
      assert.equal(r.status, 409);
      isProblem(r, 409);
      assert.match(r.body.detail, /must be ONBOARDED/);
      const unknown = await api.post('/v1/vnfs', {
        name: 'nopkg',
        vnfPackageId: '01a1fc00-0000-7000-8000-00000000dead',
      });
      assert.equal(unknown.status, 422);
      assert.equal(unknown.body.errors[0].field, 'vnfPackageId');
    });

    it('a package or volume used by a live vnf cannot be deleted', async () => {
      const vol = (await api.post('/v1/volumes', { name: 'disk', sizeGb: 5 })).body.id;
      await api.waitStatus(vol, 'AVAILABLE');
      const vnf = (await api.post('/v1/vnfs', { name: 'user', vnfPackageId: onboarded, volumeIds: [vol] })).body.id;
      const pkgDel = await api.del(`/v1/vnf-packages/${onboarded}`);
      assert.equal(pkgDel.status, 409);
      assert.match(pkgDel.body.detail, new RegExp(`used by vnf ${vnf}`));
      const volDel = await api.del(`/v1/resources/${vol}`);
      assert.equal(volDel.status, 409);
      assert.match(volDel.body.detail, /attached to vnf/);
      const second = await api.post('/v1/vnfs', { name: 'thief', vnfPackageId: onboarded, volumeIds: [vol] });
      assert.equal(second.status, 409);
      assert.equal((await api.get(`/v1/resources/${onboarded}`)).body.spec, 'ONBOARDED');
      await api.waitStatus(vnf, 'INSTANTIATED');
      await api.post(`/v1/vnfs/${vnf}/terminate`);
      await api.waitStatus(vnf, 'TERMINATED');
      assert.equal((await api.del(`/v1/resources/${vol}`)).status, 202, 'a terminated vnf no longer holds its volume');
    });

    it('only a resource in ERROR can be retried', async () => {
      const r = await api.post(`/v1/resources/${onboarded}/retry`);
      assert.equal(r.status, 409);
      assert.match(r.body.detail, /is ONBOARDED, not ERROR/);
    });
  });

  it('DELETE is idempotent and answers 202 with the resource', async () => {
    const id = (await api.post('/v1/volumes', { name: 'tmp', sizeGb: 1 })).body.id;
    const a = await api.del(`/v1/volumes/${id}`);
    const b = await api.del(`/v1/volumes/${id}`);
    assert.equal(a.status, 202);
    assert.equal(b.status, 202);
    assert.equal(a.body.spec, 'DELETED');
    await api.waitStatus(id, 'DELETED');
  });

  it('lists page with a cursor and filter by type and status', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++)
      ids.push(
        (
          await api.post('/v1/acls', {
            name: `acl-${i}`,
            rules: [{ direction: 'ingress', action: 'allow', protocol: 'tcp', cidr: '10.0.0.0/8', ports: '22' }],
          })
        ).body.id,
      );
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: any = (await api.get(`/v1/acls?limit=2${cursor ? `&cursor=${cursor}` : ''}`)).body;
      assert.ok(page.items.length <= 2);
      seen.push(...page.items.map((r: any) => r.id));
      cursor = page.nextCursor;
    } while (cursor);
    assert.deepEqual(seen, ids);
    const byType = (await api.get('/v1/resources?type=acl&limit=500')).body.items;
    assert.equal(byType.length, 5);
    for (const id of ids) await api.waitStatus(id, 'APPLIED');
    const applied = (await api.get('/v1/resources?status=APPLIED')).body.items;
    assert.deepEqual(
      applied.map((r: any) => r.id),
      ids,
    );
    assert.deepEqual(applied[0].properties.ruleIds, ['rule-1']);
  });

  it('serves each FSM table', async () => {
    const r = await api.get('/v1/fsm/vnf_package');
    assert.equal(r.status, 200);
    assert.equal(r.body.table.CREATED.ONBOARDED.action, 'vnfp.upload');
    assert.deepEqual(Object.keys(r.body.table.CREATED.ONBOARDED).sort(), [
      'action',
      'callback',
      'check',
      'countdown',
      'max_retry',
      'next',
      're_entrant',
      'requires',
      'waiting',
    ]);
    assert.equal((await api.get('/v1/fsm/vnf')).body.table.INSTANTIATED.TERMINATED.next, 'TERMINATED');
  });

  it('health and readiness', async () => {
    assert.equal((await api.get('/healthz')).status, 200);
    const ready = await api.get('/readyz');
    assert.equal(ready.status, 200);
    assert.deepEqual(ready.body.checks, { database: 'up', broker: 'up' });
  });

  it('streams transitions as SSE, filtered, resumable with Last-Event-ID', async () => {
    const id = await onboardedPackage(api, 'watched');
    const read = async (headers: Record<string, string>, n: number) => {
      const ctl = new AbortController();
      const res = await fetch(`${base}/v1/events?resourceId=${id}`, {
        headers: { ...headers, ...env.auth('viewer') },
        signal: ctl.signal,
      });
      assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
      const events: any[] = [];
      let buf = '';
      for await (const chunk of res.body as any) {
        buf += Buffer.from(chunk).toString();
        const blocks = buf.split('\n\n');
        buf = blocks.pop()!;
        for (const b of blocks) {
          const data = /^data: (.*)$/m.exec(b)?.[1];
          if (data) events.push({ id: Number(/^id: (.*)$/m.exec(b)![1]), ...JSON.parse(data) });
        }
        if (events.length >= n) break;
      }
      ctl.abort();
      return events;
    };
    const all = await read({ 'Last-Event-ID': '0' }, 3);
    assert.deepEqual(
      all.map((e) => e.to),
      ['UPLOADED', 'VALIDATED', 'ONBOARDED'],
    );
    assert.ok(all.every((e) => e.resourceId === id));
    const rest = await read({ 'Last-Event-ID': String(all[0].id) }, 2);
    assert.deepEqual(
      rest.map((e) => e.to),
      ['VALIDATED', 'ONBOARDED'],
    );
    // without Last-Event-ID a watcher gets what happens from now on, not the history
    const fresh = read({}, 1);
    await new Promise((r) => setTimeout(r, 300));
    await api.del(`/v1/vnf-packages/${id}`);
    assert.deepEqual(
      (await fresh).map((e) => `${e.from}->${e.to}`),
      ['ONBOARDED->DELETED'],
    );
  });

  it('nfvo watch prints transitions live', async () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (c) => (text += c));
    const ctl = new AbortController();
    const watching = watch({ baseUrl: base, out, signal: ctl.signal, headers: env.auth('viewer') });
    await new Promise((r) => setTimeout(r, 300));
    const id = (await api.post('/v1/volumes', { name: 'seen', sizeGb: 2 })).body.id;
    await waitFor('watch output', async () => text.includes(`${id}  CREATED      -> AVAILABLE`));
    ctl.abort();
    await watching;
    assert.match(text, /^TIME\s+TYPE\s+RESOURCE/);
    assert.match(text, new RegExp(`volume\\s+${id}\\s+CREATED\\s+-> AVAILABLE\\s+volume.create\\s+SUCCESS`));
  });
});
