// Bearer-token authentication and role-based authorization for /v1.
//   viewer   read and watch
//   operator + create, delete, terminate, retry, revoke
//   admin    + tokens
import type { RequestHandler } from 'express';
import type { Role } from '../model.js';
import { AppError } from '../errors.js';

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };
const CACHE_MS = 5_000;

export type FindRole = (token: string) => Promise<{ id: string; role: Role } | null>;

/** The role a request needs: admin for tokens, viewer to read, operator to change. */
export function requiredRole(method: string, path: string): Role {
  if (path === '/tokens' || path.startsWith('/tokens/')) return 'admin';
  return method === 'GET' || method === 'HEAD' ? 'viewer' : 'operator';
}

const unauthorized = (why: string) => new AppError('unauthorized', 401, why);

export function makeAuthMiddleware(find: FindRole): RequestHandler {
  // a short cache keeps a lookup off every request; a revoked token stops working within CACHE_MS
  const cache = new Map<string, { role: Role | null; until: number }>();
  return async (req, res, next) => {
    res.setHeader('WWW-Authenticate', 'Bearer realm="nfvo"');
    const header = req.header('authorization');
    if (!header) throw unauthorized('missing bearer token: send "Authorization: Bearer <token>"');
    const m = /^Bearer ([A-Za-z0-9._~+/=-]{1,200})$/.exec(header);
    if (!m) throw unauthorized('malformed Authorization header: expected "Bearer <token>"');
    const token = m[1]!;
    let hit = cache.get(token);
    if (!hit || hit.until < Date.now()) {
      const found = await find(token);
      hit = { role: found?.role ?? null, until: Date.now() + CACHE_MS };
      if (cache.size > 10_000) cache.clear();
      cache.set(token, hit);
    }
    if (!hit.role) throw unauthorized('invalid or revoked token');
    const needed = requiredRole(req.method, req.path);
    if (RANK[hit.role] < RANK[needed])
      throw new AppError(
        'forbidden',
        403,
        `role ${hit.role} may not ${req.method} ${req.path.slice(0, 100)}; needs ${needed}`,
      );
    res.removeHeader('WWW-Authenticate');
    res.locals.role = hit.role;
    next();
  };
}
