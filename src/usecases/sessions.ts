// Console sign-in: an API token is exchanged for a session (its id goes into a cookie), so the
// token itself is never kept by the browser nor sent in a URL.
import { AppError } from '../errors.js';
import type { Role } from '../model.js';
import type { UseCaseDeps } from './deps.js';

export async function signIn(deps: UseCaseDeps, token: string, hours: number) {
  const found = await deps.tokens.findRole(token);
  if (!found) throw new AppError('unauthorized', 401, 'invalid or revoked token');
  const s = await deps.sessions.create(found.id, hours);
  return { ...s, role: found.role as Role };
}

export const findSession = (deps: UseCaseDeps, id: string) => deps.sessions.find(id);
export const signOut = (deps: UseCaseDeps, id: string) => deps.sessions.remove(id);
