// The openstack driver's configuration, read as operators write it; what it refuses; the
// services' error bodies read for their message. (Its behaviour on a cloud: test/openstack.)
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.js';
import { credentialsFrom } from '../../src/drivers/openstack/credentials.js';
import { openstackPlugin } from '../../src/drivers/openstack/openstack-plugin.js';
import { message } from '../../src/drivers/openstack/session.js';

const openrc = {
  OS_AUTH_URL: 'http://keystone:5000/v3/',
  OS_USERNAME: 'alice',
  OS_PASSWORD: 's3cret',
  OS_PROJECT_NAME: 'vnfs',
  OS_USER_DOMAIN_NAME: 'Default',
  OS_PROJECT_DOMAIN_NAME: 'Default',
  OS_REGION_NAME: 'RegionTwo',
  OS_INTERFACE: 'internal',
};

describe('openstack credentials', () => {
  it("an openrc's variables", () => {
    assert.deepEqual(credentialsFrom(openrc), {
      authUrl: 'http://keystone:5000/v3',
      region: 'RegionTwo',
      interface: 'internal',
      kind: 'password',
      username: 'alice',
      password: 's3cret',
      userDomainName: 'Default',
      projectName: 'vnfs',
      projectDomainName: 'Default',
    });
  });
  it('application credentials, which need no user or project', () => {
    const c = credentialsFrom({
      OS_AUTH_URL: 'http://k/v3',
      OS_APPLICATION_CREDENTIAL_ID: 'app',
      OS_APPLICATION_CREDENTIAL_SECRET: 'x',
    });
    assert.deepEqual([c.kind, (c as { id: string }).id], ['application_credential', 'app']);
  });
  it('OS_CLOUD with a clouds.yaml and its secure.yaml', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'nfvo-clouds-'));
    writeFileSync(
      path.join(dir, 'clouds.yaml'),
      'clouds:\n  lab:\n    region_name: Lab1\n    auth:\n      auth_url: http://lab:5000/v3\n      username: bob\n      project_name: p\n',
    );
    writeFileSync(path.join(dir, 'secure.yaml'), 'clouds:\n  lab:\n    auth:\n      password: hidden\n');
    const c = credentialsFrom({ OS_CLOUD: 'lab', OS_CLIENT_CONFIG_FILE: path.join(dir, 'clouds.yaml') });
    assert.deepEqual(
      [c.authUrl, c.region, c.kind, (c as { password: string }).password],
      ['http://lab:5000/v3', 'Lab1', 'password', 'hidden'],
    );
  });
  it('names what is missing, as a configuration error (without the password)', () => {
    assert.throws(
      () => loadConfig({ DRIVER: 'openstack', OS_AUTH_URL: 'http://k/v3', OS_PASSWORD: 'top-secret' }),
      (e: unknown) =>
        e instanceof ConfigError &&
        /OS_USERNAME, OS_PROJECT_NAME needed/.test(e.message) &&
        !e.message.includes('top-secret'),
    );
  });
  it("nfvo's own options", () => {
    const s = openstackPlugin.settings(
      openstackPlugin.config.parse({
        ...openrc,
        OPENSTACK_NETWORK: 'vnf-net',
        OPENSTACK_MAX_CONCURRENCY: '4',
        OPENSTACK_FLAVOR_MAP: '1x512x1=m1.tiny, 2x4096x40=m1.medium',
      }),
    );
    assert.deepEqual(
      [s.network, s.maxConcurrency, s.flavorMap],
      ['vnf-net', 4, { '1x512x1': 'm1.tiny', '2x4096x40': 'm1.medium' }],
    );
  });
});

describe('what the openstack driver refuses at create', () => {
  it('an ACL with a deny rule (security groups only allow), naming the rule', () => {
    const rules = [
      { action: 'allow', direction: 'ingress' },
      { action: 'deny', direction: 'ingress' },
    ];
    assert.equal(openstackPlugin.refuse!('acl', { rules })?.field, 'rules.1.action');
    assert.equal(openstackPlugin.refuse!('acl', { rules: [rules[0]] }), null);
    assert.equal(openstackPlugin.refuse!('vnf', {}), null);
  });
});

describe("a service's error body", () => {
  it('gives its message, however the service nests it', () => {
    assert.equal(
      message(
        '{"forbidden": {"code": 403, "message": "Quota exceeded for instances: Requested 1, but already used 10 of 10 instances"}}',
      ),
      'Quota exceeded for instances: Requested 1, but already used 10 of 10 instances',
    );
    assert.equal(
      message('{"NeutronError": {"type": "X", "message": "Port is in use", "detail": ""}}'),
      'Port is in use',
    );
    assert.equal(message('<html><body><h1>409 Conflict</h1>Image in use</body></html>'), '409 Conflict Image in use');
    assert.equal(message(''), null);
  });
});

describe('the per-cloud limit on concurrent calls', () => {
  it('runs at most max calls at once; the others wait their turn, or leave when aborted', async () => {
    const { makeLimiter } = await import('../../src/drivers/limiter.js');
    const limit = makeLimiter(2);
    let running = 0;
    let most = 0;
    const call = () =>
      limit(async () => {
        most = Math.max(most, ++running);
        await new Promise((r) => setTimeout(r, 5));
        running--;
      });
    await Promise.all(Array.from({ length: 10 }, call));
    assert.equal(most, 2);
    const ctl = new AbortController();
    const blockers = [call(), call()];
    const waiting = limit(async () => 'ran', ctl.signal);
    ctl.abort(new Error('stopping'));
    await assert.rejects(waiting, /stopping/);
    await Promise.all(blockers);
  });
});
