// Every message on the wire, validated with zod on receipt.
import { z } from 'zod';

const uuid = z.string().uuid();
const record = z.record(z.string(), z.unknown());

const CheckSchema = z.object({
  every: z.number().min(0),
  backoff: z.number().min(1),
  max: z.number().min(0),
  deadline: z.number().min(0),
});

export const NextTaskSchema = z.object({
  action: z.string().min(1),
  next: z.string().min(1),
  callback: z.string().nullable(),
  countdown: z.number().min(0),
  max_retry: z.number().int().min(0),
  re_entrant: z.boolean(),
  waiting: z.string().nullable().default(null),
  check: CheckSchema.nullable().default(null),
  requires: z.string().nullable().default(null),
});

/**
 * The row a create inserted, sent along so the controller can decide the first step without
 * reading it back. A hint, never the truth: the controller's write is fenced by `version`,
 * and a message without it (or a stale one) costs one read.
 */
export const CreatedSchema = z.object({
  type: z.string().min(1),
  name: z.string(),
  status: z.string().min(1),
  spec: z.string().min(1),
  version: z.number().int(),
  properties: record,
  options: record.nullable(),
  awaiting: z.string().nullable().optional(),
  createdAt: z.string().datetime({ offset: true }),
});
export type Created = z.infer<typeof CreatedSchema>;

/** api_queue: "look at this resource" (level-based: the state is read, or hinted for a create). */
export const ApiMessageSchema = z.object({
  v: z.literal(1),
  kind: z.enum(['reconcile', 'retry']),
  resourceId: uuid,
  created: CreatedSchema.optional(),
});
export type ApiMessage = z.infer<typeof ApiMessageSchema>;

/** The one way an api_queue message is built. */
export function apiMessage(kind: ApiMessage['kind'], resourceId: string, created?: Created): ApiMessage {
  return created ? { v: 1, kind, resourceId, created } : { v: 1, kind, resourceId };
}

/** What an action is run with: the resource's name, properties and driver options, and what earlier attempts recorded. */
const ArgsSchema = z
  .object({
    name: z.string(),
    properties: record,
    options: record.nullable().optional(),
    /** Messages of earlier versions carried the sim's options under this name. */
    simulate: record.nullable().optional(),
    previous: record.nullable().optional(),
  })
  .transform((a) => ({
    name: a.name,
    properties: a.properties,
    options: a.options ?? a.simulate ?? null,
    previous: a.previous ?? null,
  }));

/** work_queue: one action for a worker, with the success and error callbacks it must report to. */
export const WorkMessageSchema = z.object({
  v: z.literal(1),
  taskId: uuid,
  resourceId: uuid,
  resourceType: z.string().min(1),
  action: z.string().min(1),
  attempt: z.number().int().min(1),
  /** 0 for the attempt's first run; n for its n-th check while the action waits on the VIM. */
  check: z.number().int().min(0).default(0),
  /** Epoch ms after which the attempt must not run (it is reported as expired instead). */
  expiresAt: z.number().int().positive().optional(),
  /** Epoch ms when the attempt was due (sent, plus its countdown): its wait in the queue counts from here. */
  dueAt: z.number().int().positive().optional(),
  args: ArgsSchema,
  /** The controller that dispatched the attempt: its callbacks go to that controller's own queue while it has one. */
  replyTo: z.string().min(1).max(200).optional(),
  callbacks: z.object({
    success: z.object({ queue: z.literal('callback_queue'), nextTask: NextTaskSchema }),
    error: z.object({ queue: z.literal('callback_queue'), nextTask: NextTaskSchema }),
  }),
});
export type WorkMessage = z.infer<typeof WorkMessageSchema>;
export type WorkArgs = z.input<typeof ArgsSchema>;

const attemptOf = {
  v: z.literal(1),
  taskId: uuid,
  resourceId: uuid,
  attempt: z.number().int().min(1),
  check: z.number().int().min(0).default(0),
  nextTask: NextTaskSchema,
};

/** callback_queue: what a worker reports back about one attempt (or check) of a task. */
export const CallbackMessageSchema = z.discriminatedUnion('kind', [
  z.object({ ...attemptOf, kind: z.literal('success'), result: record }),
  z.object({
    ...attemptOf,
    kind: z.literal('error'),
    error: z.string(),
    retryable: z.boolean(),
    /** The attempt reached a worker after its expiry and was not run. */
    expired: z.boolean().optional(),
  }),
  /** The action started on the VIM and is not finished: check again (the driver's "in progress"). */
  z.object({
    ...attemptOf,
    kind: z.literal('pending'),
    /** What the action recorded, handed back to it at the next check. */
    state: record,
    checkAfterS: z.number().min(0).optional(),
    message: z.string().max(1000).optional(),
  }),
]);
export type CallbackMessage = z.infer<typeof CallbackMessageSchema>;
export type CallbackMessageInput = z.input<typeof CallbackMessageSchema>;
