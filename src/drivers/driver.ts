// The NFVI boundary: the contract every driver keeps. Drivers do not touch nfvo's tables
// or the broker; what they need is handed to them.
//
// The contract (test/drivers/ checks it against every driver):
// 1. Every effectful call receives an idempotency key (ctx.idempotencyKey, the same for every
//    attempt and check of one task) and applies its effect at most once per key: a call
//    repeated with the key (a redelivery, a retry, a worker that died before it reported)
//    finds the first effect and returns its result.
// 2. A delete of something already gone succeeds.
// 3. A long operation may report "started, check again" (inProgress) instead of blocking,
//    when ctx.canWait; the controller then calls the action again later, with what it
//    reported in ctx.previous, until it returns done or throws.
// 4. Errors say whether they are retryable: a DriverError with retryable false fails the
//    step for good; any other error is retried per the step's max_retry.
// 5. An action stops when ctx.signal is aborted (the process stops, or the task is revoked)
//    and rejects; what it has not applied yet, it does not apply.
import type { Logger } from '../log.js';
import type { Json } from '../model.js';

export type ActionInput = {
  /** The resource's name. */
  name: string;
  /** The resource's properties as the controller last committed them. */
  properties: Json;
  /** The driver's own per-request options given at create (the sim's `simulate`), or null. */
  options: Json | null;
};

export type ActionContext = {
  taskId: string;
  resourceId: string;
  resourceType: string;
  attempt: number;
  /** The task's key: an effect is applied at most once per key, whatever is redelivered or retried. */
  idempotencyKey: string;
  /** false: the table says this step's effect must not be repeated even by a fresh call (no re-entrant side effects). */
  reEntrant: boolean;
  /** The step can wait: the action may return inProgress() instead of blocking. */
  canWait: boolean;
  /** What an earlier attempt or check of this task recorded (progress, or an inProgress state); null the first time. */
  previous: Json | null;
  signal: AbortSignal;
  log: Logger;
  /** Record progress (merged into the task's; shown to operators, handed to the next attempt as `previous`). */
  progress(details: Json & { percent?: number; message?: string }): Promise<void>;
};

export type ActionOutcome =
  | { status: 'done'; result: Json }
  /** Started on the VIM and not finished: call again after `checkAfterS` (or the step's schedule), with `state` as `previous`. */
  | { status: 'in_progress'; state: Json; checkAfterS?: number; message?: string };

export const done = (result: Json = {}): ActionOutcome => ({ status: 'done', result });
export const inProgress = (state: Json, opts: { checkAfterS?: number; message?: string } = {}): ActionOutcome => ({
  status: 'in_progress',
  state,
  ...opts,
});

export type Action = (input: ActionInput, ctx: ActionContext) => Promise<ActionOutcome>;

export type Driver = {
  readonly name: string;
  vnf_package: { upload: Action; validate: Action; register: Action; delete: Action };
  volume: { create: Action; delete: Action };
  vnf: { allocate: Action; boot: Action; configure: Action; release: Action; delete: Action };
  acl: { validate: Action; apply: Action; delete: Action };
  /**
   * What became of nfvo's objects in the VIM behind its back (drift), cheaply: one list call
   * per kind, not one per resource. `expected` names what live resources should have there.
   */
  observe?(expected: Expected): Promise<Drift[]>;
  /** Every object in the VIM marked as nfvo's, with the resource it names (for `nfvo audit`). */
  inventory?(): Promise<InventoryItem[]>;
  /** Calls to the VIM running now, and the most its operator allows at once. */
  load?(): { running: number; limit: number };
  /** Release what the driver holds (connections, timers). */
  close?(): Promise<void>;
};

export type Expected = {
  vnfs: { resourceId: string; serverId: string }[];
  volumes: { resourceId: string; volumeId: string }[];
};
/** A resource whose object changed behind nfvo's back; `resumeFrom`: the status a retry goes back to. */
export type Drift = { resourceId: string; reason: string; resumeFrom: string };
export type InventoryItem = { kind: string; id: string; name: string; resourceId: string | null };

/** An action failure that says whether trying again can help. */
export class DriverError extends Error {
  constructor(
    message: string,
    readonly retryable = true,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A failure that will not go away by trying again (bad input, quota, a refusal). */
export const permanent = (message: string, cause?: unknown) => new DriverError(message, false, { cause });
/** A failure that may (an outage, a conflict in a transitional state). */
export const retryable = (message: string, cause?: unknown) => new DriverError(message, true, { cause });
