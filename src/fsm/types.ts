// The shape of an FSM table: FSM[current_status][expected_status] -> next_task.
// Field names follow the original system so operators recognise them.

export type NextTask = {
  /** Worker action to run, e.g. "vnfp.upload". */
  readonly action: string;
  /** Status the resource takes when the action succeeds. */
  readonly next: string;
  /** Named pure function applied to the resource's properties with the action's result, or null. */
  readonly callback: string | null;
  /** Seconds to wait before the action is run. */
  readonly countdown: number;
  /** Retries after the first failed attempt before the resource goes to ERROR. */
  readonly max_retry: number;
  /** false: a redelivered action whose effect was already applied is not applied again. */
  readonly re_entrant: boolean;
};

export type FsmTable = Readonly<Record<string, Readonly<Record<string, NextTask>>>>;

export type StepOptions = Partial<Omit<NextTask, 'action' | 'next'>>;

/** Build a table entry with the defaults every table shares. */
export function step(action: string, next: string, opts: StepOptions = {}): NextTask {
  return {
    action,
    next,
    callback: opts.callback ?? null,
    countdown: opts.countdown ?? 0,
    max_retry: opts.max_retry ?? 3,
    re_entrant: opts.re_entrant ?? true,
  };
}

export const ERROR = 'ERROR';
export const DELETED = 'DELETED';
