// Nova: flavors, servers, volume attachments.
import type { Session } from './session.js';
import { marks, OWNER, tags as nfvoTags } from './tags.js';

export type Server = {
  id: string;
  status: string;
  name: string;
  fault?: { message?: string; details?: string };
  addresses?: Record<string, { addr: string; version: number }[]>;
  hostId?: string;
  metadata?: Record<string, string>;
  tags?: string[];
  'OS-EXT-STS:task_state'?: string | null;
};

const q = encodeURIComponent;

export function nova(s: Session) {
  return {
    /** A flavor with exactly this size, or null. */
    async findFlavor(vcpus: number, ramMb: number, diskGb: number): Promise<string | null> {
      const r = await s.call<{ flavors: { id: string; vcpus: number; ram: number; disk: number }[] }>(
        'compute',
        `/flavors/detail?minRam=${ramMb}&minDisk=${diskGb}&is_public=None`,
      );
      const exact = r.body.flavors.filter((f) => f.vcpus === vcpus && f.ram === ramMb && f.disk === diskGb);
      return exact[0]?.id ?? null;
    },
    async flavorByName(name: string): Promise<string | null> {
      const r = await s.call<{ flavors: { id: string; name: string }[] }>('compute', '/flavors?is_public=None');
      return r.body.flavors.find((f) => f.name === name || f.id === name)?.id ?? null;
    },
    async createFlavor(name: string, vcpus: number, ramMb: number, diskGb: number): Promise<string> {
      const r = await s.call<{ flavor: { id: string } }>('compute', '/flavors', {
        method: 'POST',
        body: { flavor: { name, vcpus, ram: ramMb, disk: diskGb, 'os-flavor-access:is_public': true } },
        ok: [409],
      });
      if (r.status === 409) return (await this.flavorByName(name))!;
      return r.body.flavor.id;
    },
    /** Servers with every one of these tags (all of nfvo's by default), every page. */
    async servers(tags: string[] = [OWNER]): Promise<Server[]> {
      const out: Server[] = [];
      let marker = '';
      for (;;) {
        const r = await s.call<{ servers: Server[] }>(
          'compute',
          `/servers/detail?tags=${q(tags.join(','))}&limit=500${marker ? `&marker=${marker}` : ''}`,
        );
        out.push(...r.body.servers);
        if (r.body.servers.length < 500) return out;
        marker = r.body.servers.at(-1)!.id;
      }
    },
    async server(id: string): Promise<Server | null> {
      const r = await s.call<{ server: Server }>('compute', `/servers/${id}`, { ok: [404] });
      return r.status === 404 ? null : r.body.server;
    },
    async boot(o: {
      name: string;
      imageRef: string;
      flavorRef: string;
      ports: string[];
      resourceId: string;
      key: string;
      signal?: AbortSignal;
    }): Promise<string> {
      const r = await s.call<{ server: { id: string } }>('compute', '/servers', {
        method: 'POST',
        signal: o.signal,
        body: {
          server: {
            name: o.name,
            imageRef: o.imageRef,
            flavorRef: o.flavorRef,
            networks: o.ports.length ? o.ports.map((port) => ({ port })) : 'none',
            metadata: marks(o.resourceId, o.key),
            tags: nfvoTags(o.resourceId, o.key),
          },
        },
      });
      return r.body.server.id;
    },
    async deleteServer(id: string): Promise<void> {
      await s.call('compute', `/servers/${id}`, { method: 'DELETE', ok: [404] });
    },
    async attach(serverId: string, volumeId: string): Promise<void> {
      await s.call('compute', `/servers/${serverId}/os-volume_attachments`, {
        method: 'POST',
        body: { volumeAttachment: { volumeId } },
      });
    },
    async detach(serverId: string, volumeId: string): Promise<void> {
      await s.call('compute', `/servers/${serverId}/os-volume_attachments/${volumeId}`, {
        method: 'DELETE',
        ok: [404],
      });
    },
  };
}
