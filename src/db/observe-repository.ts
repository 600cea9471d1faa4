// What the observer compares with the VIM (live resources at their spec, with the VIM's ids),
// and what it records when something changed behind nfvo's back.
import type { Drift, Expected } from '../drivers/driver.js';
import type { Sql } from './db.js';

/** One observer at a time in a deployment (they would all see the same). */
export const OBSERVER_LOCK = 72707370;

export async function expectedInVim(
  c: Sql,
  limit: number,
): Promise<{ expected: Expected; versions: Map<string, { version: number; status: string }> }> {
  const r = await c.query<{
    id: string;
    type: string;
    status: string;
    version: number;
    server_id: string | null;
    volume_id: string | null;
  }>(
    `SELECT id, type, status, version, properties->>'serverId' AS server_id, properties->>'volumeId' AS volume_id
       FROM resources
      WHERE worker_id IS NULL AND status = spec
        AND ((type = 'vnf' AND status = 'INSTANTIATED' AND properties ? 'serverId')
          OR (type = 'volume' AND status = 'AVAILABLE' AND properties ? 'volumeId'))
      LIMIT $1`,
    [limit],
  );
  const versions = new Map(r.rows.map((x) => [x.id, { version: x.version, status: x.status }]));
  return {
    versions,
    expected: {
      vnfs: r.rows.filter((x) => x.type === 'vnf').map((x) => ({ resourceId: x.id, serverId: x.server_id! })),
      volumes: r.rows.filter((x) => x.type === 'volume').map((x) => ({ resourceId: x.id, volumeId: x.volume_id! })),
    },
  };
}

/**
 * A resource whose object changed behind nfvo's back leaves its status for ERROR, with the
 * reason and where a retry resumes; only if nothing changed it since it was looked at.
 */
export async function recordDrift(c: Sql, d: Drift, seen: { version: number; status: string }): Promise<boolean> {
  const r = await c.query(
    `WITH r AS (
       UPDATE resources SET status = 'ERROR', error = $2,
              properties = properties || jsonb_build_object('resumeFrom', $3::text), version = version + 1, updated_at = now()
        WHERE id = $1 AND version = $4 AND status = $5 AND worker_id IS NULL
       RETURNING id, type
     )
     INSERT INTO transitions (resource_id, type, from_status, to_status, action, outcome, error)
     SELECT id, type, $5, 'ERROR', 'observe', 'DRIFT', $2 FROM r`,
    [d.resourceId, d.reason, d.resumeFrom, seen.version, seen.status],
  );
  return (r.rowCount ?? 0) > 0;
}

/** Every resource not deleted, with the ids the VIM gave it (for the audit). */
export async function liveWithVimIds(
  c: Sql,
): Promise<{ id: string; type: string; status: string; vimIds: string[] }[]> {
  const r = await c.query<{ id: string; type: string; status: string; properties: Record<string, unknown> }>(
    `SELECT id, type, status, properties FROM resources WHERE status <> 'DELETED'`,
  );
  return r.rows.map((x) => {
    const p = x.properties;
    const images = ((p.softwareImages ?? []) as { vimImageId?: string; path?: string }[])
      .filter((i) => i.path && i.vimImageId)
      .map((i) => i.vimImageId!);
    const ids = [p.serverId, p.volumeId, p.securityGroupId, ...((p.portIds ?? []) as string[]), ...images].filter(
      (v): v is string => typeof v === 'string',
    );
    return { id: x.id, type: x.type, status: x.status, vimIds: ids };
  });
}
