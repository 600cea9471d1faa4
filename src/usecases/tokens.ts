// API tokens: create one (its secret is shown once), list them, revoke one.
import type { TokenInfo } from '../db/token-repository.js';
import type { Role } from '../model.js';
import { freeText } from '../text.js';
import { fieldError, notFound, type UseCaseDeps } from './deps.js';

const TokenName = freeText(128);

export async function createToken(
  deps: UseCaseDeps,
  role: Role,
  name: string,
): Promise<{ token: string; info: TokenInfo }> {
  const n = TokenName.safeParse(name);
  if (!n.success) throw fieldError('name', n.error.issues[0]!.message);
  return deps.tokens.create(role, n.data);
}

export const listTokens = (deps: UseCaseDeps): Promise<TokenInfo[]> => deps.tokens.list();

export async function revokeToken(deps: UseCaseDeps, id: string): Promise<TokenInfo> {
  const info = await deps.tokens.revoke(id);
  if (!info) throw notFound(`token ${id}`);
  return info;
}

/** The role of a live token, or null. */
export const findRole = (deps: UseCaseDeps, token: string) => deps.tokens.findRole(token);
