// Start nfvo roles inside the test process against a test environment, ready to drive over HTTP.
import { startRoles, type Role, type Running } from '../../src/compose.js';
import type { Logger } from '../../src/log.js';
import { quiet, waitFor, type TestEnv } from './env.js';
import { client } from './http.js';

export type InProcess = { nfvo: Running; base: string; api: ReturnType<typeof client> };

/** Start `roles` (all three by default); waits until the broker is connected. The client uses an operator token. */
export async function startInProcess(
  env: TestEnv,
  roles: Role[] = ['api', 'controller', 'worker'],
  logger: Logger = quiet,
): Promise<InProcess> {
  const nfvo = await startRoles(env.config, roles, { logger });
  const base = `http://127.0.0.1:${nfvo.port}`;
  await waitFor('broker', async () => nfvo.broker.connected);
  return { nfvo, base, api: client(base, env.auth()) };
}
