// The console's sessions: a random id in an HttpOnly cookie, kept here only as its hash, for
// a live API token (a revoked token ends its sessions), with the CSRF token its changes send.
import { createHash, randomBytes } from 'node:crypto';
import type { Role } from '../model.js';
import type { Sql } from './db.js';

const hash = (id: string) => createHash('sha256').update(id, 'utf8').digest('hex');

export async function createSession(
  c: Sql,
  tokenId: string,
  hours: number,
): Promise<{ id: string; csrf: string; expiresAt: Date }> {
  const id = randomBytes(32).toString('base64url');
  const csrf = randomBytes(24).toString('base64url');
  const r = await c.query(
    `INSERT INTO console_sessions (id_hash, token_id, csrf, expires_at) VALUES ($1, $2, $3, now() + $4 * interval '1 hour')
     RETURNING expires_at`,
    [hash(id), tokenId, csrf, hours],
  );
  // expired sessions are dropped as new ones begin
  await c.query(`DELETE FROM console_sessions WHERE expires_at < now() - interval '1 day'`);
  return { id, csrf, expiresAt: r.rows[0].expires_at };
}

/** The live session of a cookie's id, with its token's role. */
export async function findSession(c: Sql, id: string): Promise<{ role: Role; csrf: string; tokenId: string } | null> {
  const r = await c.query({
    name: 'nfvo_find_session',
    text: `SELECT t.role, s.csrf, s.token_id FROM console_sessions s JOIN api_tokens t ON t.id = s.token_id
            WHERE s.id_hash = $1 AND s.expires_at > now() AND t.revoked_at IS NULL`,
    values: [hash(id)],
  });
  const row = r.rows[0];
  return row ? { role: row.role, csrf: row.csrf, tokenId: row.token_id } : null;
}

export async function deleteSession(c: Sql, id: string): Promise<void> {
  await c.query('DELETE FROM console_sessions WHERE id_hash = $1', [hash(id)]);
}
