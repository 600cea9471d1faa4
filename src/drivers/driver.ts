// The NFVI boundary: one method per action per resource type. Drivers do not touch
// the database or the broker; what they need is handed to them.
import type { Logger } from '../log.js';
import type { Json, Simulate } from '../model.js';

export type ActionInput = { name: string; properties: Json; simulate: Simulate | null };

export type ActionContext = {
  taskId: string;
  resourceId: string;
  resourceType: string;
  attempt: number;
  /** false: the effect must be applied at most once for this task, even if redelivered. */
  reEntrant: boolean;
  signal: AbortSignal;
  log: Logger;
  progress(p: { percent: number; message?: string }): Promise<void>;
};

export type Action = (input: ActionInput, ctx: ActionContext) => Promise<Json>;

export type Driver = {
  readonly name: string;
  vnf_package: { upload: Action; validate: Action; register: Action; delete: Action };
  volume: { create: Action; delete: Action };
  vnf: { allocate: Action; boot: Action; configure: Action; release: Action; delete: Action };
  acl: { validate: Action; apply: Action; delete: Action };
};

/** An action failure; retryable failures are retried per the step's max_retry. */
export class DriverError extends Error {
  constructor(
    message: string,
    readonly retryable = true,
  ) {
    super(message);
  }
}
