// Cinder: volumes, and the messages that say why one failed.
import type { Session } from './session.js';
import { marks } from './tags.js';

export type Volume = {
  id: string;
  status: string;
  size: number;
  metadata?: Record<string, string>;
  attachments?: { server_id: string; attachment_id?: string }[];
};

const q = encodeURIComponent;

export function cinder(s: Session) {
  return {
    /** Volumes whose metadata has these entries (one call; every page). */
    async find(metadata: Record<string, string>): Promise<Volume[]> {
      const out: Volume[] = [];
      let marker = '';
      for (;;) {
        const r = await s.call<{ volumes: Volume[] }>(
          'volumev3',
          `/volumes/detail?metadata=${q(JSON.stringify(metadata))}&limit=500${marker ? `&marker=${marker}` : ''}`,
        );
        out.push(...r.body.volumes);
        if (r.body.volumes.length < 500) return out;
        marker = r.body.volumes.at(-1)!.id;
      }
    },
    async volume(id: string): Promise<Volume | null> {
      const r = await s.call<{ volume: Volume }>('volumev3', `/volumes/${id}`, { ok: [404] });
      return r.status === 404 ? null : r.body.volume;
    },
    async create(o: {
      name: string;
      sizeGb: number;
      resourceId: string;
      key: string;
      signal?: AbortSignal;
    }): Promise<string> {
      const r = await s.call<{ volume: { id: string } }>('volumev3', '/volumes', {
        method: 'POST',
        signal: o.signal,
        body: { volume: { size: o.sizeGb, name: o.name, metadata: marks(o.resourceId, o.key) } },
      });
      return r.body.volume.id;
    },
    async delete(id: string): Promise<void> {
      await s.call('volumev3', `/volumes/${id}`, { method: 'DELETE', ok: [404] });
    },
    /** Why a volume went to error, in Cinder's own words (its messages API), if it says. */
    async why(id: string): Promise<string | null> {
      const r = await s.call<{ messages: { user_message: string }[] }>('volumev3', `/messages?resource_uuid=${id}`, {
        headers: { 'OpenStack-API-Version': 'volume 3.3' },
        ok: [404],
      });
      return r.status === 404 ? null : (r.body.messages.at(-1)?.user_message ?? null);
    },
  };
}
