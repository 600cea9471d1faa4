// Drift and inventory: what the cloud holds of nfvo's objects, one list call per kind.
import type { Drift, Expected, InventoryItem } from '../driver.js';
import type { Ctx } from './context.js';
import { OWNER } from './tags.js';

const resourceOf = (tags: string[] | undefined) =>
  tags?.find((t) => t.startsWith('nfvo_resource_id='))?.slice('nfvo_resource_id='.length) ?? null;

export async function observe(c: Ctx, expected: Expected): Promise<Drift[]> {
  const drift: Drift[] = [];
  if (expected.vnfs.length) {
    const servers = new Map((await c.nova.servers([OWNER])).map((s) => [s.id, s]));
    for (const e of expected.vnfs) {
      const s = servers.get(e.serverId);
      if (!s || s.status === 'DELETED') {
        drift.push({
          resourceId: e.resourceId,
          reason: `server ${e.serverId} was deleted outside nfvo`,
          resumeFrom: 'ALLOCATED',
        });
      } else if (s.status === 'ERROR') {
        const fault = s.fault?.message ? `: ${s.fault.message}` : '';
        drift.push({
          resourceId: e.resourceId,
          reason: `server ${e.serverId} went to ERROR outside nfvo${fault}`,
          resumeFrom: 'ALLOCATED',
        });
      }
    }
  }
  if (expected.volumes.length) {
    const volumes = new Map((await c.cinder.find({ nfvo_owner: OWNER })).map((v) => [v.id, v]));
    for (const e of expected.volumes) {
      const v = volumes.get(e.volumeId);
      if (!v)
        drift.push({
          resourceId: e.resourceId,
          reason: `volume ${e.volumeId} was deleted outside nfvo`,
          resumeFrom: 'CREATED',
        });
      else if (v.status.startsWith('error')) {
        drift.push({
          resourceId: e.resourceId,
          reason: `volume ${e.volumeId} went to ${v.status} outside nfvo`,
          resumeFrom: 'CREATED',
        });
      }
    }
  }
  return drift;
}

export async function inventory(c: Ctx): Promise<InventoryItem[]> {
  const [servers, volumes, images, ports, groups] = await Promise.all([
    c.nova.servers([OWNER]),
    c.cinder.find({ nfvo_owner: OWNER }),
    c.glance.find({ nfvo_owner: OWNER }),
    c.neutron.ports([OWNER]),
    c.neutron.groups([OWNER]),
  ]);
  return [
    ...servers
      .filter((s) => s.status !== 'DELETED')
      .map((s) => ({
        kind: 'server',
        id: s.id,
        name: s.name,
        resourceId: resourceOf(s.tags) ?? s.metadata?.nfvo_resource_id ?? null,
      })),
    ...volumes.map((v) => ({
      kind: 'volume',
      id: v.id,
      name: String((v as { name?: string }).name ?? ''),
      resourceId: v.metadata?.nfvo_resource_id ?? null,
    })),
    ...images.map((i) => ({
      kind: 'image',
      id: i.id,
      name: String(i.name ?? ''),
      resourceId: (i.nfvo_resource_id as string | undefined) ?? null,
    })),
    ...ports.map((p) => ({ kind: 'port', id: p.id, name: p.name, resourceId: resourceOf(p.tags) })),
    ...groups.map((g) => ({ kind: 'security group', id: g.id, name: g.name, resourceId: resourceOf(g.tags) })),
  ];
}
