// Authentication and role-based authorization for /v1: a bearer token (clients, the CLI), or
// the console's session cookie (a browser). A change made with the cookie must also carry
// the session's CSRF token in X-CSRF-Token: another site can make a browser send the cookie,
// but cannot read the token.
//   viewer   read and watch
//   operator + create, delete, terminate, retry, revoke
//   admin    + tokens, dead letters
import type { Request, RequestHandler } from 'express';
import type { Role } from '../model.js';
import { AppError } from '../errors.js';

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };
const CACHE_MS = 5_000;
export const SESSION_COOKIE = 'nfvo_session';
export const CSRF_HEADER = 'x-csrf-token';

/** The console's session id, from its cookie (cookie-parser has read them). */
export const sessionCookie = (req: Request): string | undefined =>
  (req.cookies as Record<string, string> | undefined)?.[SESSION_COOKIE];

export type FindRole = (token: string) => Promise<{ id: string; role: Role } | null>;
export type FindSession = (id: string) => Promise<{ role: Role; csrf: string } | null>;

const SAFE = new Set(['GET', 'HEAD']);

/** The role a request needs: admin for tokens and dead letters, viewer to read, operator to change. */
export function requiredRole(method: string, rawPath: string): Role {
  // express matches routes whatever their case: so must this
  const path = rawPath.toLowerCase();
  if (path === '/tokens' || path.startsWith('/tokens/')) return 'admin';
  if (path.startsWith('/dead-letters/') && !SAFE.has(method)) return 'admin';
  return SAFE.has(method) ? 'viewer' : 'operator';
}

/** Whether `role` may do what `requiredRole` asks. */
export const allows = (role: Role, needed: Role) => RANK[role] >= RANK[needed];

const unauthorized = (why: string) => new AppError('unauthorized', 401, why);

/** A short cache keeps a lookup off every request; a revoked token stops working within CACHE_MS. */
function cached<T>(find: (key: string) => Promise<T | null>) {
  const cache = new Map<string, { value: T | null; until: number }>();
  return async (key: string): Promise<T | null> => {
    let hit = cache.get(key);
    if (!hit || hit.until < Date.now()) {
      hit = { value: await find(key), until: Date.now() + CACHE_MS };
      if (cache.size > 10_000) cache.clear();
      cache.set(key, hit);
    }
    return hit.value;
  };
}

export function makeAuthMiddleware(findToken: FindRole, findSession?: FindSession): RequestHandler {
  const token = cached(findToken);
  const session = findSession ? cached(findSession) : undefined;
  return async (req, res, next) => {
    res.setHeader('WWW-Authenticate', 'Bearer realm="nfvo"');
    const header = req.header('authorization');
    const cookie = sessionCookie(req);
    let role: Role;
    if (header) {
      const m = /^Bearer ([A-Za-z0-9._~+/=-]{1,200})$/.exec(header);
      if (!m) throw unauthorized('malformed Authorization header: expected "Bearer <token>"');
      const found = await token(m[1]!);
      if (!found) throw unauthorized('invalid or revoked token');
      role = found.role;
    } else if (cookie && session) {
      const s = await session(cookie);
      if (!s) throw unauthorized('the session has ended: sign in again');
      if (!SAFE.has(req.method) && req.header(CSRF_HEADER) !== s.csrf)
        throw new AppError('forbidden', 403, `a change made with the session cookie needs its ${CSRF_HEADER} header`);
      role = s.role;
    } else throw unauthorized('missing bearer token: send "Authorization: Bearer <token>"');
    const needed = requiredRole(req.method, req.path);
    if (!allows(role, needed))
      throw new AppError(
        'forbidden',
        403,
        `role ${role} may not ${req.method} ${req.path.slice(0, 100)}; needs ${needed}`,
      );
    res.removeHeader('WWW-Authenticate');
    res.locals.role = role;
    next();
  };
}
