// The local cloud for the OpenStack tests: its openrc (OS_* variables in the environment, or
// the admin openrc scripts/openstack/up.sh writes), and what nfvo left in it.
import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import { openstackPlugin } from '../../src/drivers/openstack/openstack-plugin.js';
import type { InventoryItem } from '../../src/drivers/driver.js';

const OPENRC = process.env.NFVO_OPENRC ?? '/var/lib/nfvo-openstack/admin-openrc.sh';

/** The OS_* variables: from the environment if OS_AUTH_URL is set, else from the openrc file. */
export function cloudEnv(): Record<string, string> {
  if (process.env.OS_AUTH_URL) {
    return Object.fromEntries(Object.entries(process.env).filter(([k, v]) => k.startsWith('OS_') && v)) as Record<
      string,
      string
    >;
  }
  let text: string;
  try {
    text = readFileSync(OPENRC, 'utf8');
  } catch {
    throw new Error(`no cloud: set the OS_* variables, or run scripts/openstack/up.sh (it writes ${OPENRC})`);
  }
  return Object.fromEntries(
    [...text.matchAll(/^export (OS_[A-Z_]+)=(.*)$/gm)].map((m) => [m[1]!, m[2]!.replace(/^['"]|['"]$/g, '')]),
  );
}

/** Everything in the cloud marked as nfvo's (servers, volumes, images, ports, security groups). */
export async function leftovers(filter: (i: InventoryItem) => boolean = () => true): Promise<string[]> {
  const driver = await openstackPlugin.make(openstackPlugin.settings(openstackPlugin.config.parse(cloudEnv())), {
    sql: null as never,
    log: pino({ level: 'silent' }),
    packages: { open: () => Promise.reject(new Error('none')) },
  });
  return (await driver.inventory!())
    .filter(filter)
    .map((i) => `${i.kind} ${i.id} ${i.name} (resource ${i.resourceId})`);
}

/** Calls to the cloud as its admin, for what a test does behind nfvo's back. */
export async function adminSession() {
  const { makeSession } = await import('../../src/drivers/openstack/session.js');
  const { credentialsFrom } = await import('../../src/drivers/openstack/credentials.js');
  return makeSession(credentialsFrom(cloudEnv()), { log: pino({ level: 'silent' }), maxConcurrency: 4 });
}

/** A network (with a subnet) for vnf ports, made once and kept. */
export async function ensureNetwork(name = 'nfvo-test-net'): Promise<string> {
  const s = await adminSession();
  const found = (await s.call<{ networks: { id: string }[] }>('network', `/v2.0/networks?name=${name}`)).body
    .networks[0];
  if (found) return found.id;
  const net = (
    await s.call<{ network: { id: string } }>('network', '/v2.0/networks', {
      method: 'POST',
      body: { network: { name } },
    })
  ).body.network;
  await s.call('network', '/v2.0/subnets', {
    method: 'POST',
    body: { subnet: { network_id: net.id, name: `${name}-subnet`, ip_version: 4, cidr: '10.99.0.0/24' } },
  });
  return net.id;
}

/** Remove everything marked as nfvo's from the cloud (what an interrupted run left): servers first. */
export async function purgeLeftovers(): Promise<void> {
  const items = (await leftoverItems()).filter((i) => !(i.kind === 'volume' && i.name === 'conformance'));
  if (!items.length) return;
  const s = await adminSession();
  const of = (kind: string) => items.filter((i) => i.kind === kind);
  for (const i of of('server')) await s.call('compute', `/servers/${i.id}`, { method: 'DELETE', ok: [404] });
  for (let t = 0; t < 60 && (await leftoverItems()).some((i) => i.kind === 'server'); t++)
    await new Promise((r) => setTimeout(r, 1000));
  for (const i of of('port')) await s.call('network', `/v2.0/ports/${i.id}`, { method: 'DELETE', ok: [404] });
  for (const i of of('security group'))
    await s.call('network', `/v2.0/security-groups/${i.id}`, { method: 'DELETE', ok: [404, 409] });
  for (const i of of('volume')) await s.call('volumev3', `/volumes/${i.id}`, { method: 'DELETE', ok: [404, 400] });
  for (const i of of('image')) await s.call('image', `/v2/images/${i.id}`, { method: 'DELETE', ok: [404] });
}

async function leftoverItems(): Promise<InventoryItem[]> {
  const driver = await openstackPlugin.make(openstackPlugin.settings(openstackPlugin.config.parse(cloudEnv())), {
    sql: null as never,
    log: pino({ level: 'silent' }),
    packages: { open: () => Promise.reject(new Error('none')) },
  });
  return driver.inventory!();
}
