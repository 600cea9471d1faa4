// The openstack scenario: n vnfs, each with a volume and an ACL, against the local cloud; the
// time until all are INSTANTIATED, the time inside OpenStack's API calls as nfvo saw them,
// and, as a reference a user would recognise, the same made with `openstack` CLI calls in sequence.
import { execFileSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { tackerCsar } from '../test/helpers/csar.js';
import { adminSession, cloudEnv, ensureNetwork } from '../test/helpers/openstack.js';
import { send, token } from './client.js';
import { round } from './stats.js';

const NETWORK = 'nfvo-test-net';

/** The environment the nfvo processes run with. */
export function openstackEnv(): Record<string, string> {
  return { ...cloudEnv(), DRIVER: 'openstack', OPENSTACK_NETWORK: NETWORK, OPENSTACK_MAX_CONCURRENCY: '10' };
}

/** Quotas that let n of each exist at once (the defaults allow 10 servers). */
export async function raiseQuotas(n: number): Promise<void> {
  const os = await adminSession();
  await ensureNetwork(NETWORK);
  const project = await os.projectId();
  await os.call('compute', `/os-quota-sets/${project}`, {
    method: 'PUT',
    body: { quota_set: { instances: 2 * n + 20, cores: 4 * n + 40, ram: 2048 * n + 40960 } },
  });
  await os.call('volumev3', `/os-quota-sets/${project}`, {
    method: 'PUT',
    body: { quota_set: { volumes: 2 * n + 20, gigabytes: 20 * n + 1000 } },
  });
  await os.call('network', `/v2.0/quotas/${project}`, {
    method: 'PUT',
    body: { quota: { port: 4 * n + 100, security_group: 2 * n + 20, security_group_rule: 10 * n + 200 } },
  });
}

async function post(base: string, path: string, body: unknown): Promise<string> {
  for (;;) {
    const r = await send(`${base}${path}`, 'POST', 'application/json', JSON.stringify(body));
    if (r.status === 202) return (JSON.parse(r.text) as { id: string }).id;
    throw new Error(`${path}: ${r.status} ${r.text}`);
  }
}

async function statuses(db: pg.Pool, ids: string[]) {
  const r = await db.query<{ id: string; status: string; error: string | null; worker_id: string | null }>(
    'SELECT id, status, error, worker_id FROM resources WHERE id = ANY($1)',
    [ids],
  );
  return r.rows;
}

async function until(db: pg.Pool, ids: string[], status: string, timeoutMs = 900_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const rows = await statuses(db, ids);
    const failed = rows.find((r) => r.status === 'ERROR');
    if (failed) throw new Error(`${failed.id} failed: ${failed.error}`);
    if (rows.filter((r) => r.status === status && r.worker_id === null).length === ids.length) return;
    if (Date.now() > end) throw new Error(`not all ${status} after ${timeoutMs} ms`);
    await sleep(100);
  }
}

/** n vnfs with a volume and an ACL each, all requested at once; seconds until all are up. */
export async function openstackScenario(db: pg.Pool, base: string, n: number, onStart: () => void = () => {}) {
  const csar = await tackerCsar({ image: Buffer.alloc(64 * 1024, 7) });
  const pkgReply = await send(`${base}/v1/vnf-packages?name=bench-os`, 'POST', 'application/zip', csar);
  const pkg = (JSON.parse(pkgReply.text) as { id: string }).id;
  await until(db, [pkg], 'ONBOARDED');
  onStart();
  const t0 = Date.now();
  const vols = await Promise.all(
    Array.from({ length: n }, (_, i) => post(base, '/v1/volumes', { name: `bench-vol-${i}`, sizeGb: 1 })),
  );
  // each vnf as soon as its volume is available, and its ACL right after
  const vnfs: string[] = [];
  const acls: string[] = [];
  await Promise.all(
    vols.map(async (vol, i) => {
      await until(db, [vol], 'AVAILABLE');
      const vnf = await post(base, '/v1/vnfs', { name: `bench-vnf-${i}`, vnfPackageId: pkg, volumeIds: [vol] });
      vnfs.push(vnf);
      const rules = [{ direction: 'ingress', action: 'allow', protocol: 'tcp', cidr: '10.0.0.0/8', ports: '22' }];
      acls.push(await post(base, '/v1/acls', { name: `bench-acl-${i}`, vnfId: vnf, rules }));
    }),
  );
  await until(db, vnfs, 'INSTANTIATED');
  await until(db, acls, 'APPLIED');
  const wall = (Date.now() - t0) / 1000;
  return { pkg, vols, vnfs, acls, wall };
}

/** Delete what the scenario made, through nfvo, and wait until it is gone. */
export async function cleanUp(
  db: pg.Pool,
  base: string,
  made: { pkg: string; vols: string[]; vnfs: string[]; acls: string[] },
) {
  const del = (path: string) => send(`${base}${path}`, 'DELETE', 'application/json', '');
  for (const id of made.acls) await del(`/v1/acls/${id}`);
  await until(db, made.acls, 'DELETED');
  for (const id of made.vnfs) await del(`/v1/vnfs/${id}`);
  await until(db, made.vnfs, 'DELETED');
  for (const id of made.vols) await del(`/v1/volumes/${id}`);
  await del(`/v1/vnf-packages/${made.pkg}`);
  await until(db, [...made.vols, made.pkg], 'DELETED');
}

/** The same n made with the `openstack` CLI, one call after another, as a user would; seconds. */
export function cliReference(n: number, imageId: string): number {
  const env = { ...process.env, ...cloudEnv(), OS_COMPUTE_API_VERSION: '2.79' };
  const os = (...a: string[]) => execFileSync('openstack', a, { env, encoding: 'utf8' }).trim();
  const flavor = os('flavor', 'list', '-f', 'value', '-c', 'ID', '-c', 'Name')
    .split('\n')
    .find((l) => l.endsWith('nfvo.1c.512m.1g'))
    ?.split(' ')[0];
  if (!flavor) throw new Error('no flavor nfvo.1c.512m.1g (the nfvo run creates it)');
  const t0 = Date.now();
  for (let i = 0; i < n; i++) {
    const vol = os('volume', 'create', '--size', '1', `cli-vol-${i}`, '-f', 'value', '-c', 'id');
    const sg = os('security', 'group', 'create', `cli-sg-${i}`, '-f', 'value', '-c', 'id');
    os(
      'security',
      'group',
      'rule',
      'create',
      '--ingress',
      '--protocol',
      'tcp',
      '--dst-port',
      '22',
      '--remote-ip',
      '10.0.0.0/8',
      sg,
    );
    const port = os(
      'port',
      'create',
      '--network',
      NETWORK,
      '--security-group',
      sg,
      `cli-port-${i}`,
      '-f',
      'value',
      '-c',
      'id',
    );
    os('server', 'create', '--wait', '--image', imageId, '--flavor', flavor, '--nic', `port-id=${port}`, `cli-vm-${i}`);
    os('server', 'add', 'volume', `cli-vm-${i}`, vol);
  }
  const s = (Date.now() - t0) / 1000;
  for (let i = 0; i < n; i++) {
    os('server', 'delete', '--wait', `cli-vm-${i}`);
    os('volume', 'delete', `cli-vol-${i}`);
    os('port', 'delete', `cli-port-${i}`);
    os('security', 'group', 'delete', `cli-sg-${i}`);
  }
  return round(s, 1);
}

export { token };
