// Every message on the wire, validated with zod on receipt.
import { z } from 'zod';

export const QUEUES = ['api_queue', 'work_queue', 'callback_queue'] as const;
export type QueueName = (typeof QUEUES)[number];
export const DEAD_LETTER_QUEUE = 'dead_letter';
/** Where rejected messages go, with their reason, on their way to DEAD_LETTER_QUEUE. */
export const DEAD_LETTER_EXCHANGE = 'nfvo.dlx';

const uuid = z.string().uuid();
const record = z.record(z.string(), z.unknown());

export const NextTaskSchema = z.object({
  action: z.string().min(1),
  next: z.string().min(1),
  callback: z.string().nullable(),
  countdown: z.number().min(0),
  max_retry: z.number().int().min(0),
  re_entrant: z.boolean(),
});

const SimulateSchema = z.object({
  fail: z.record(z.string(), z.number().int().min(0)).optional(),
  latencyMs: z.record(z.string(), z.number().int().min(0)).optional(),
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
  simulate: SimulateSchema.nullable(),
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

/** work_queue: one action for a worker, with the callbacks it must report to. */
export const WorkMessageSchema = z.object({
  v: z.literal(1),
  taskId: uuid,
  resourceId: uuid,
  resourceType: z.string().min(1),
  action: z.string().min(1),
  attempt: z.number().int().min(1),
  /** Epoch ms after which the attempt must not run (it is reported as expired instead). */
  expiresAt: z.number().int().positive().optional(),
  args: z.object({ name: z.string(), properties: record, simulate: SimulateSchema.nullable() }),
  /** The controller that dispatched the attempt: its callbacks go to that controller's own queue while it has one. */
  replyTo: z.string().min(1).max(200).optional(),
  callbacks: z.object({
    success: z.object({ queue: z.literal('callback_queue'), nextTask: NextTaskSchema }),
    error: z.object({ queue: z.literal('callback_queue'), nextTask: NextTaskSchema }),
  }),
});
export type WorkMessage = z.infer<typeof WorkMessageSchema>;

/** callback_queue: what a worker reports back about one attempt of a task. */
export const CallbackMessageSchema = z.discriminatedUnion('kind', [
  z.object({
    v: z.literal(1),
    kind: z.literal('success'),
    taskId: uuid,
    resourceId: uuid,
    attempt: z.number().int().min(1),
    result: record,
    nextTask: NextTaskSchema,
  }),
  z.object({
    v: z.literal(1),
    kind: z.literal('error'),
    taskId: uuid,
    resourceId: uuid,
    attempt: z.number().int().min(1),
    error: z.string(),
    retryable: z.boolean(),
    /** The attempt reached a worker after its expiry and was not run. */
    expired: z.boolean().optional(),
    nextTask: NextTaskSchema,
  }),
]);
export type CallbackMessage = z.infer<typeof CallbackMessageSchema>;

/**
 * Publish priorities: operator-initiated deletes and retries overtake a backlog of creates.
 * Each queue has a second lane in RabbitMQ for them (plain queues: a priority queue costs
 * the broker about twice the CPU per message); consumers take from both lanes, each with
 * its own prefetch window, so a priority message never waits behind a backlog.
 */
export const PRIORITY = { normal: 0, operator: 5 } as const;
const PRIORITY_LANE = '.priority';
/** The lane a message of this priority goes to. */
export const laneOf = (queue: QueueName, priority = 0): string => (priority > 0 ? queue + PRIORITY_LANE : queue);
/** Both lanes of a queue, the priority lane first. */
export const lanesOf = (queue: QueueName): string[] => [laneOf(queue, PRIORITY.operator), laneOf(queue)];
/** Every queue nfvo declares, without its prefix (owners' queues expire on their own). */
export const ALL_QUEUES = [...QUEUES.flatMap(lanesOf), DEAD_LETTER_QUEUE];

/**
 * Owned queues: a consumer may also have its own queue of a shared one, for the messages
 * meant for it (callback_queue: each controller gets the callbacks of the steps it
 * dispatched, and decides from what it committed instead of reading the resource again).
 * A message for an owner goes to the `.owners` exchange with the owner as routing key; when
 * the owner has no queue, the exchange's alternate exchange (`.shared`) routes it to the
 * shared queue. An owner's queue dead-letters what waited there longer than OWNED_TTL_MS
 * into the shared queue too. An owner that stops unbinds its queue (and deletes it if it
 * is empty); one that dies leaves it bound, and RabbitMQ removes it OWNED_EXPIRES_MS after
 * its consumer left (a queue that expires drops what it holds, so this is far longer than
 * a callback can take to come back). Whatever happens to the owner, its messages reach
 * the shared queue within seconds.
 */
export const OWNED_QUEUES: readonly QueueName[] = ['callback_queue'];
export const OWNED_TTL_MS = 2_000;
export const OWNED_EXPIRES_MS = 24 * 3600_000;
export const ownersExchange = (queue: QueueName): string => `${queue}.owners`;
export const sharedExchange = (queue: QueueName): string => `${queue}.shared`;
export const ownerQueue = (queue: QueueName, owner: string): string => `${queue}.owner.${owner}`;
/** Every exchange nfvo declares, without its prefix. */
export const ALL_EXCHANGES = [
  DEAD_LETTER_EXCHANGE,
  ...OWNED_QUEUES.flatMap((q) => [ownersExchange(q), sharedExchange(q)]),
];
