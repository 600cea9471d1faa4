// Every action the FSM tables name, with the result its driver must return. The worker
// checks a driver's result against its action's schema before it reports success, so a
// driver that returns `server_id` where `serverId` is read fails the step, naming the field.
import { z } from 'zod';
import { aclFsm } from './acl.fsm.js';
import type { ActionOf } from './types.js';
import { vnfPackageFsm } from './vnf-package.fsm.js';
import { vnfFsm } from './vnf.fsm.js';
import { volumeFsm } from './volume.fsm.js';

/** The union of every action named in a table: the worker's task registry must have exactly these. */
export type ActionName =
  ActionOf<typeof vnfPackageFsm> | ActionOf<typeof volumeFsm> | ActionOf<typeof vnfFsm> | ActionOf<typeof aclFsm>;

const nothing = z.object({}).strict();
const id = z.string().min(1).max(255);

/** What each action returns when it is done (strict: an unknown field is a driver bug, and says so). */
export const actionResults = {
  'vnfp.upload': z.object({ artifactUri: z.string().min(1), checksum: z.string().min(1) }).strict(),
  'vnfp.validate': z.object({ descriptor: z.record(z.string(), z.unknown()) }).strict(),
  'vnfp.register': z.object({ catalogId: id }).strict(),
  'vnfp.delete': nothing,
  'volume.create': z.object({ backendVolumeId: id }).strict(),
  'volume.delete': nothing,
  'vnf.allocate': z.object({ flavor: id, hostId: id }).strict(),
  'vnf.boot': z.object({ serverId: id }).strict(),
  'vnf.configure': nothing,
  'vnf.release': nothing,
  'vnf.delete': nothing,
  'acl.validate': nothing,
  'acl.apply': z.object({ ruleIds: z.array(id) }).strict(),
  'acl.delete': nothing,
} as const satisfies Record<ActionName, z.ZodType<Record<string, unknown>>>;

export const ACTION_NAMES = Object.keys(actionResults) as ActionName[];

export function isActionName(name: string): name is ActionName {
  return Object.hasOwn(actionResults, name);
}

/** Why a driver's result does not match its action's schema, naming each field; null when it does. */
export function resultProblem(action: ActionName, result: unknown): string | null {
  const r = actionResults[action].safeParse(result);
  if (r.success) return null;
  const issues = r.error.issues.slice(0, 5).map((i) => {
    const keys = (i as { keys?: string[] }).keys;
    const field = [...i.path, ...(keys ?? [])].join('.') || '(result)';
    return `${field}: ${i.message}`;
  });
  return `${action} returned an invalid result: ${issues.join('; ')}`;
}
