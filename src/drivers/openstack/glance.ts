// Glance: images, their data streamed in, their checksums.
import type { Readable } from 'node:stream';
import type { Session } from './session.js';

export type Image = {
  id: string;
  status: string;
  checksum?: string | null;
  os_hash_algo?: string | null;
  os_hash_value?: string | null;
  size?: number | null;
  [property: string]: unknown;
};

const q = encodeURIComponent;

export function glance(s: Session) {
  return {
    /** Images whose properties have these values (every page). */
    async find(properties: Record<string, string>): Promise<Image[]> {
      const filter = Object.entries(properties)
        .map(([k, v]) => `${q(k)}=${q(v)}`)
        .join('&');
      const out: Image[] = [];
      let next: string | null = `/v2/images?${filter}&limit=500`;
      while (next) {
        const r: { body: { images: Image[]; next?: string } } = await s.call<{ images: Image[]; next?: string }>(
          'image',
          next,
        );
        out.push(...r.body.images);
        next = r.body.next ?? null;
      }
      return out;
    },
    async byName(name: string): Promise<Image[]> {
      return (await s.call<{ images: Image[] }>('image', `/v2/images?name=${q(name)}`)).body.images;
    },
    async image(id: string): Promise<Image | null> {
      const r = await s.call<Image>('image', `/v2/images/${id}`, { ok: [404] });
      return r.status === 404 ? null : r.body;
    },
    async create(o: {
      name: string;
      diskFormat: string;
      containerFormat: string;
      minDiskGb: number;
      minRamMb: number;
      properties: Record<string, string>;
    }): Promise<Image> {
      return (
        await s.call<Image>('image', '/v2/images', {
          method: 'POST',
          body: {
            name: o.name,
            disk_format: o.diskFormat,
            container_format: o.containerFormat,
            min_disk: o.minDiskGb,
            min_ram: o.minRamMb,
            visibility: 'private',
            ...o.properties,
          },
        })
      ).body;
    },
    async upload(id: string, data: Readable, size: number, signal?: AbortSignal): Promise<void> {
      await s.call('image', `/v2/images/${id}/file`, {
        method: 'PUT',
        raw: { body: data, type: 'application/octet-stream', length: size },
        signal,
      });
    },
    async delete(id: string): Promise<void> {
      await s.call('image', `/v2/images/${id}`, { method: 'DELETE', ok: [404] });
    },
  };
}
