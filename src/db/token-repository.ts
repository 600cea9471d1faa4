// API tokens: created once (the secret is shown once), stored as a SHA-256 hash.
import { createHash, randomBytes } from 'node:crypto';
import { uuidv7 } from '../ids.js';
import type { Sql } from './db.js';

import { ROLES, type Role } from '../model.js';

export { ROLES, type Role };
export type TokenInfo = { id: string; name: string; role: Role; createdAt: Date; revokedAt: Date | null };

export const hashToken = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

export async function createToken(c: Sql, role: Role, name: string): Promise<{ token: string; info: TokenInfo }> {
  const token = `nfvo_${randomBytes(32).toString('base64url')}`;
  const r = await c.query(
    `INSERT INTO api_tokens (id, name, role, token_hash) VALUES ($1, $2, $3, $4) RETURNING id, name, role, created_at, revoked_at`,
    [uuidv7(), name, role, hashToken(token)],
  );
  return { token, info: toInfo(r.rows[0]!) };
}

/** The role of a live token, or null. */
export async function findRole(c: Sql, token: string): Promise<{ id: string; role: Role } | null> {
  const r = await c.query<{ id: string; role: Role }>({
    name: 'nfvo_find_token',
    text: 'SELECT id, role FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL',
    values: [hashToken(token)],
  });
  return r.rows[0] ?? null;
}

export async function listTokens(c: Sql): Promise<TokenInfo[]> {
  const r = await c.query('SELECT id, name, role, created_at, revoked_at FROM api_tokens ORDER BY id');
  return r.rows.map(toInfo);
}

export async function revokeToken(c: Sql, id: string): Promise<TokenInfo | null> {
  const r = await c.query(
    'UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, now()) WHERE id = $1 RETURNING id, name, role, created_at, revoked_at',
    [id],
  );
  return r.rows[0] ? toInfo(r.rows[0]) : null;
}

function toInfo(x: Record<string, unknown>): TokenInfo {
  return {
    id: x.id as string,
    name: x.name as string,
    role: x.role as Role,
    createdAt: x.created_at as Date,
    revokedAt: (x.revoked_at as Date | null) ?? null,
  };
}

/** The token queries on one pool. */
export function makeTokenStore(c: Sql) {
  return {
    create: (role: Role, name: string) => createToken(c, role, name),
    findRole: (token: string) => findRole(c, token),
    list: () => listTokens(c),
    revoke: (id: string) => revokeToken(c, id),
  };
}

export type TokenStore = ReturnType<typeof makeTokenStore>;
