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
const checksum = z.object({ algorithm: z.string().min(1), hash: z.string().min(1) }).strict();
const json = z.record(z.string(), z.unknown());

/** What each action returns when it is done (strict: an unknown field is a driver bug, and says so). */
export const actionResults = {
  'vnfp.upload': z.object({ checksum, sizeBytes: z.number().int().min(0) }).strict(),
  'vnfp.validate': z
    .object({
      entryDefinitions: z.string().min(1),
      vnfdFiles: z.array(z.string()),
      manifest: json,
      vnfd: json,
      vdus: z.array(json),
      softwareImages: z.array(json),
    })
    .strict(),
  'vnfp.register': z.object({ images: z.array(z.object({ id, vimImageId: id }).strict()) }).strict(),
  'vnfp.delete': nothing,
  'volume.create': z.object({ volumeId: id }).strict(),
  'volume.delete': nothing,
  'vnf.allocate': z
    .object({
      flavor: id,
      hostId: id.optional(),
      vcpus: z.number().int().min(1).optional(),
      memoryMb: z.number().int().min(1).optional(),
      imageId: id.nullable().optional(),
    })
    .strict(),
  'vnf.boot': z
    .object({
      serverId: id,
      portIds: z.array(id).optional(),
      addresses: z.record(z.string(), z.array(z.string())).optional(),
      hostId: z.string().optional(),
    })
    .strict(),
  'vnf.configure': nothing,
  'vnf.release': nothing,
  'vnf.delete': nothing,
  'acl.validate': nothing,
  'acl.apply': z.object({ ruleIds: z.array(id), securityGroupId: id.optional() }).strict(),
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
