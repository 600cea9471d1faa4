// nfvo on a real OpenStack, through the REST API, its processes separate: a Tacker-style
// package's image registered in Glance, a volume in Cinder, a vnf booted in Nova with the
// volume attached and an ACL's security group on its port; drift noticed and healed; faults
// and quotas ending in ERROR with the cloud's reason; a boot whose worker died between
// Nova's 202 and its callback not booted twice; and nothing left in the cloud at the end.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { tackerCsar } from '../helpers/csar.js';
import { makeTestEnv, sleep, waitFor, type TestEnv } from '../helpers/env.js';
import { startHoldingProxy } from '../helpers/holding-proxy.js';
import { client } from '../helpers/http.js';
import { adminSession, cloudEnv, ensureNetwork, leftovers, purgeLeftovers } from '../helpers/openstack.js';
import { spawnNfvo, type Proc } from '../helpers/procs.js';

const NOHOST = 'nfvo-test-nohost';

describe('nfvo on OpenStack', () => {
  let env: TestEnv;
  let api: ReturnType<typeof client>;
  const procs: Proc[] = [];
  let worker: Proc;
  let os: Awaited<ReturnType<typeof adminSession>>;
  let pkg: string;
  let vol: string;
  let vnf: string;
  const mine = async () => (await leftovers()).filter((l) => !l.startsWith('volume') || !l.includes('conformance'));

  before(async () => {
    os = await adminSession();
    // a clean cloud, whatever an interrupted run left in it
    await purgeLeftovers();
    await ensureNetwork();
    // a flavor no host can take (a trait nobody has): a server on it goes to ERROR with "No valid host"
    const flavors = (await os.call<{ flavors: { id: string; name: string }[] }>('compute', '/flavors?is_public=None'))
      .body.flavors;
    if (!flavors.some((f) => f.name === NOHOST)) {
      const f = (
        await os.call<{ flavor: { id: string } }>('compute', '/flavors', {
          method: 'POST',
          body: { flavor: { name: NOHOST, vcpus: 2, ram: 1024, disk: 1 } },
        })
      ).body.flavor;
      await os.call('compute', `/flavors/${f.id}/os-extra_specs`, {
        method: 'POST',
        body: { extra_specs: { 'trait:CUSTOM_NFVO_NOPE': 'required' } },
      });
    }
    env = await makeTestEnv('openstack', {
      ...cloudEnv(),
      DRIVER: 'openstack',
      OPENSTACK_NETWORK: 'nfvo-test-net',
      OPENSTACK_FLAVOR_MAP: `2x1024x1=${NOHOST}`,
      OBSERVE_INTERVAL_S: '2',
      LEASE_SECONDS: '10',
    });
    for (const role of ['api', 'controller', 'worker']) procs.push(await spawnNfvo(role, env.vars));
    worker = procs[2]!;
    api = client(`http://127.0.0.1:${await procs[0]!.port}`, env.auth());
    await waitFor('api ready', async () => (await api.get('/readyz')).status === 200);
  });
  after(async () => {
    // what a failed test left behind goes too, through nfvo, before the processes stop
    const live = api ? ((await api.get('/v1/resources?limit=500').catch(() => null))?.body?.items ?? []) : [];
    const order = ['acl', 'vnf', 'volume', 'vnf_package'];
    for (const type of order) {
      const ids = live.filter((r: any) => r.type === type && r.status !== 'DELETED').map((r: any) => r.id as string);
      for (const id of ids) await api.del(`/v1/resources/${id}`).catch(() => {});
      for (const id of ids) await api.waitStatus(id, 'DELETED', 120_000).catch(() => {});
    }
    for (const p of procs) await p.stop().catch(() => {});
    await env.cleanup();
  });

  it('onboards a Tacker-style package: its image is active in Glance, its id in the package', async () => {
    const r = await api.post('/v1/vnf-packages?name=os-pkg', await tackerCsar({ image: Buffer.alloc(64 * 1024, 7) }));
    assert.equal(r.status, 202);
    pkg = r.body.id;
    const done = await api.waitStatus(pkg, 'ONBOARDED', 60_000);
    const img = done.properties.softwareImages[0];
    const g = (await os.call('image', `/v2/images/${img.vimImageId}`)).body;
    assert.equal(g.status, 'active');
    assert.equal(g.nfvo_resource_id, pkg);
    assert.equal(g.disk_format, 'qcow2');
    assert.equal(g.min_ram, 256);
  });

  it('creates a volume: available in Cinder, its metadata naming it', async () => {
    vol = (await api.post('/v1/volumes', { name: 'os-vol', sizeGb: 1 })).body.id;
    const done = await api.waitStatus(vol, 'AVAILABLE', 60_000);
    const v = (await os.call('volumev3', `/volumes/${done.properties.volumeId}`)).body.volume;
    assert.equal(v.status, 'available');
    assert.equal(v.metadata.nfvo_resource_id, vol);
  });

  it('boots a vnf from the flavour: ACTIVE in Nova, the volume in-use, an ACL on its port', async () => {
    vnf = (await api.post('/v1/vnfs', { name: 'os-vnf', vnfPackageId: pkg, flavourId: 'simple', volumeIds: [vol] }))
      .body.id;
    const done = await api.waitStatus(vnf, 'INSTANTIATED', 120_000);
    const s = (await os.call('compute', `/servers/${done.properties.serverId}`)).body.server;
    assert.equal(s.status, 'ACTIVE');
    assert.equal(s.metadata.nfvo_resource_id, vnf);
    assert.equal(done.properties.portIds.length, 1);
    const volume = (
      await os.call('volumev3', `/volumes/${(await api.get(`/v1/resources/${vol}`)).body.properties.volumeId}`)
    ).body.volume;
    assert.equal(volume.status, 'in-use');
    assert.equal(volume.attachments[0].server_id, s.id);

    const deny = await api.post('/v1/acls', {
      name: 'os-deny',
      vnfId: vnf,
      rules: [{ direction: 'ingress', action: 'deny', protocol: 'tcp', cidr: '0.0.0.0/0', ports: '23' }],
    });
    assert.equal(deny.status, 422);
    assert.match(
      deny.body.detail,
      /^rules\.0\.action: the openstack driver applies an ACL as a Neutron security group/,
    );

    const acl = (
      await api.post('/v1/acls', {
        name: 'os-ssh',
        vnfId: vnf,
        rules: [{ direction: 'ingress', action: 'allow', protocol: 'tcp', cidr: '10.0.0.0/8', ports: '22' }],
      })
    ).body.id;
    const applied = await api.waitStatus(acl, 'APPLIED', 60_000);
    const sg = applied.properties.securityGroupId;
    const rules = (await os.call('network', `/v2.0/security-group-rules?security_group_id=${sg}`)).body
      .security_group_rules;
    assert.deepEqual(
      rules.map((r: any) => [
        r.direction,
        r.protocol,
        r.port_range_min,
        r.port_range_max,
        r.remote_ip_prefix,
        r.ethertype,
      ]),
      [['ingress', 'tcp', 22, 22, '10.0.0.0/8', 'IPv4']],
    );
    const port = (await os.call('network', `/v2.0/ports/${done.properties.portIds[0]}`)).body.port;
    assert.ok(port.security_groups.includes(sg), 'the security group is on the vnf port');
    assert.ok(port.tags.includes(`nfvo_resource_id=${vnf}`));
  });

  it('notices a server deleted behind its back; retry boots it again', async () => {
    const before = (await api.get(`/v1/resources/${vnf}`)).body.properties.serverId;
    await os.call('compute', `/servers/${before}`, { method: 'DELETE' });
    const drifted = await api.waitStatus(vnf, 'ERROR', 60_000);
    assert.equal(drifted.error, `server ${before} was deleted outside nfvo`);
    assert.equal((await api.post(`/v1/resources/${vnf}/retry`)).status, 202);
    const healed = await api.waitStatus(vnf, 'INSTANTIATED', 120_000);
    assert.notEqual(healed.properties.serverId, before);
    assert.equal((await os.call('compute', `/servers/${healed.properties.serverId}`)).body.server.status, 'ACTIVE');
  });

  it("a server no host can take ends in ERROR with Nova's fault; a quota of 0 with Nova's refusal", async () => {
    const nohost = (await api.post('/v1/vnfs', { name: 'os-nohost', vnfPackageId: pkg, flavourId: 'large' })).body.id;
    // the scheduler may take minutes to give up (it retries placement) when the cloud is busy
    const failed = await api.waitStatus(nohost, 'ERROR', 400_000);
    assert.match(failed.error, /^vnf\.boot failed: Nova: No valid host was found/);
    const project = await os.projectId();
    const quota = (await os.call('compute', `/os-quota-sets/${project}`)).body.quota_set.instances;
    await os.call('compute', `/os-quota-sets/${project}`, { method: 'PUT', body: { quota_set: { instances: 1 } } });
    try {
      const over = (await api.post('/v1/vnfs', { name: 'os-quota', vnfPackageId: pkg, flavourId: 'simple' })).body.id;
      const refused = await api.waitStatus(over, 'ERROR', 120_000);
      assert.match(refused.error, /^vnf\.boot failed: Nova: Quota exceeded for instances/);
      for (const id of [nohost, over]) await api.del(`/v1/vnfs/${id}`);
      for (const id of [nohost, over]) await api.waitStatus(id, 'DELETED', 120_000);
    } finally {
      await os.call('compute', `/os-quota-sets/${project}`, {
        method: 'PUT',
        body: { quota_set: { instances: quota } },
      });
    }
  });

  it("boots once when the worker dies between Nova's 202 and its callback", async () => {
    // a worker whose Nova answers are held back once: the first boot is made, and never heard of
    const proxy = await startHoldingProxy('http://127.0.0.1:8774', (m, p) => m === 'POST' && /\/servers$/.test(p));
    await worker.stop();
    const proxied = await spawnNfvo('worker', {
      ...env.vars,
      OPENSTACK_ENDPOINT_OVERRIDES: `compute=http://127.0.0.1:${proxy.port}/v2.1`,
    });
    try {
      const id = (await api.post('/v1/vnfs', { name: 'os-once', vnfPackageId: pkg, flavourId: 'simple' })).body.id;
      await proxy.held;
      proxied.child.kill('SIGKILL');
      await proxied.exited;
      worker = await spawnNfvo('worker', env.vars);
      procs[2] = worker;
      const done = await api.waitStatus(id, 'INSTANTIATED', 120_000);
      const servers = (await os.call('compute', `/servers/detail?tags=${encodeURIComponent(`nfvo_resource_id=${id}`)}`))
        .body.servers;
      assert.deepEqual(
        servers.map((s: any) => s.id),
        [done.properties.serverId],
        'one server, the first one',
      );
      await api.del(`/v1/vnfs/${id}`);
      await api.waitStatus(id, 'DELETED', 120_000);
    } finally {
      await proxy.close();
    }
  });

  it('terminate keeps the volume; deleting everything leaves nothing in the cloud', async () => {
    assert.equal((await api.post(`/v1/vnfs/${vnf}/terminate`)).status, 202);
    const t = await api.waitStatus(vnf, 'TERMINATED', 120_000);
    assert.equal(t.properties.serverId, undefined);
    const v = (
      await os.call('volumev3', `/volumes/${(await api.get(`/v1/resources/${vol}`)).body.properties.volumeId}`)
    ).body.volume;
    assert.equal(v.status, 'available', 'terminate detaches the volume and keeps it');
    assert.deepEqual(
      (await mine()).filter((l) => l.startsWith('server') || l.startsWith('port')),
      [],
    );
    const all = (await api.get('/v1/resources?limit=500')).body.items.filter((r: any) => r.status !== 'DELETED');
    for (const r of all.filter((x: any) => x.type === 'acl')) await api.del(`/v1/resources/${r.id}`);
    for (const r of all.filter((x: any) => x.type === 'acl')) await api.waitStatus(r.id, 'DELETED', 60_000);
    await api.del(`/v1/vnfs/${vnf}`);
    await api.waitStatus(vnf, 'DELETED', 120_000);
    await api.del(`/v1/volumes/${vol}`);
    await api.del(`/v1/vnf-packages/${pkg}`);
    await api.waitStatus(vol, 'DELETED', 120_000);
    await api.waitStatus(pkg, 'DELETED', 120_000);
    await sleep(500);
    assert.deepEqual(await mine(), [], 'nothing nfvo made is left in the cloud');
  });
});
