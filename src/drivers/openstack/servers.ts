// vnf allocate, boot, configure, release, delete -> Nova and Neutron: a flavor for the VDU,
// a port per connection point on the configured network, the server booted from the
// package's image and waited for until ACTIVE (ERROR ends it with Nova's fault), the volumes
// attached until in-use; release and delete remove the server and its ports, not the volumes.
import { permanent, retryable, type Action, type ActionInput } from '../driver.js';
import { vnfTag } from './acls.js';
import { settle, type Ctx } from './context.js';
import type { Server } from './nova.js';
import { resourceTag, tags as nfvoTags, taskTag } from './tags.js';

const gone = (s: Server) =>
  s.status === 'DELETED' || s.status === 'SOFT_DELETED' || s['OS-EXT-STS:task_state'] === 'deleting';

/** The Cinder volumes of the nfvo volumes a vnf uses (found by their metadata). */
async function cinderVolumes(c: Ctx, input: ActionInput) {
  const ids = (input.properties.volumeIds ?? []) as string[];
  return Promise.all(
    ids.map(async (id) => {
      const v = (await c.cinder.find({ nfvo_resource_id: id })).find((x) => x.status !== 'deleting');
      if (!v) throw permanent(`Cinder: no volume for nfvo volume ${id}`);
      return v;
    }),
  );
}

export function serverActions(c: Ctx): Record<'allocate' | 'boot' | 'configure' | 'release' | 'delete', Action> {
  /** Delete the vnf's servers, then (once they are gone) its ports. */
  const teardown: Action = async (_input, ctx) => {
    for (const s of await c.nova.servers([resourceTag(ctx.resourceId)])) if (!gone(s)) await c.nova.deleteServer(s.id);
    return settle(c, ctx, async () => {
      const left = (await c.nova.servers([resourceTag(ctx.resourceId)])).filter((s) => s.status !== 'DELETED');
      if (left.length)
        return { done: false, state: {}, message: `server ${left.map((s) => s.id).join(', ')} being deleted` };
      for (const p of await c.neutron.ports([resourceTag(ctx.resourceId)])) await c.neutron.deletePort(p.id);
      return { done: true, result: {} };
    });
  };

  return {
    allocate: async (input) => {
      const vcpus = (input.properties.vcpus as number | undefined) ?? 1;
      const ramMb = (input.properties.memoryMb as number | undefined) ?? 512;
      const diskGb = (input.properties.rootDiskGb as number | undefined) ?? 1;
      const size = `${vcpus}x${ramMb}x${diskGb}`;
      const mapped = c.settings.flavorMap[size];
      let flavor: string | null;
      if (mapped) {
        flavor = await c.nova.flavorByName(mapped);
        if (!flavor) throw permanent(`Nova: OPENSTACK_FLAVOR_MAP maps ${size} to ${mapped}, which does not exist`);
      } else {
        flavor =
          (await c.nova.findFlavor(vcpus, ramMb, diskGb)) ??
          (await c.nova.createFlavor(`nfvo.${vcpus}c.${ramMb}m.${diskGb}g`, vcpus, ramMb, diskGb));
      }
      const imageId = (input.properties.vimImageId as string | null | undefined) ?? null;
      return { status: 'done', result: { flavor, vcpus, memoryMb: ramMb, imageId } };
    },

    boot: async (input, ctx) => {
      const key = ctx.idempotencyKey;
      const p = input.properties;
      // a server this vnf had in ERROR (its boot failed, or it failed since) goes first
      for (const s of await c.nova.servers([resourceTag(ctx.resourceId)]))
        if (s.status === 'ERROR' && !gone(s)) await c.nova.deleteServer(s.id);
      const network = await c.network();
      const ports: string[] = [];
      if (network) {
        const groups = (await c.neutron.groups([vnfTag(ctx.resourceId)])).map((g) => g.id);
        const cps = ((p.cps ?? []) as { id: string }[]).map((x) => x.id);
        for (const cp of cps.length ? cps : ['port']) {
          // one port per connection point of the vnf, whichever task made it (a retried boot reuses it)
          const name = `nfvo-${ctx.resourceId}-${cp}`.slice(0, 255);
          const port =
            (await c.neutron.portsByName(name))[0] ??
            (await c.neutron.createPort({ networkId: network, name, tags: nfvoTags(ctx.resourceId, key) }));
          if (groups.some((g) => !port.security_groups.includes(g))) {
            await c.neutron.setPortGroups(port.id, [...new Set([...port.security_groups, ...groups])]);
          }
          ports.push(port.id);
        }
      }
      const image = p.imageId ?? p.vimImageId;
      if (!image) throw permanent('the vnf has no image in the VIM (was its package registered?)');
      const mine = (await c.nova.servers([taskTag(key)])).find((s) => !gone(s) && s.status !== 'ERROR');
      const id =
        mine?.id ??
        (await c.nova.boot({
          name: input.name,
          imageRef: String(image),
          flavorRef: String(p.flavor),
          ports,
          resourceId: ctx.resourceId,
          key,
          signal: ctx.signal,
        }));
      return settle(c, ctx, async () => {
        const s = await c.nova.server(id);
        if (!s || gone(s)) throw retryable(`Nova: server ${id} disappeared while it was being built`);
        if (s.status === 'ACTIVE') {
          const addresses = Object.fromEntries(
            Object.entries(s.addresses ?? {}).map(([net, a]) => [net, a.map((x) => x.addr)]),
          );
          return { done: true, result: { serverId: id, portIds: ports, addresses, hostId: s.hostId || 'unknown' } };
        }
        if (s.status === 'ERROR') {
          await c.nova.deleteServer(id);
          throw permanent(`Nova: ${s.fault?.message ?? 'the server went to ERROR'}`);
        }
        return { done: false, state: { serverId: id }, message: `server ${id} is ${s.status}` };
      });
    },

    configure: async (input, ctx) => {
      const serverId = String(input.properties.serverId);
      for (const v of await cinderVolumes(c, input)) {
        const mine = (v.attachments ?? []).some((a) => a.server_id === serverId);
        if (!mine && v.status === 'available') await c.nova.attach(serverId, v.id);
      }
      return settle(c, ctx, async () => {
        const vols = await cinderVolumes(c, input);
        const bad = vols.find((v) => v.status.startsWith('error'));
        if (bad) throw permanent(`Cinder: volume ${bad.id} is ${bad.status} while being attached`);
        const waiting = vols.filter(
          (v) => v.status !== 'in-use' || !(v.attachments ?? []).some((a) => a.server_id === serverId),
        );
        if (waiting.length)
          return { done: false, state: {}, message: `volume ${waiting.map((v) => `${v.id} ${v.status}`).join(', ')}` };
        return { done: true, result: {} };
      });
    },

    release: teardown,
    delete: teardown,
  };
}
