// The shape of an FSM table: FSM[current_status][expected_status] -> next_task.
// Field names follow the original system so operators recognise them.
import type { CallbackName } from './callbacks.js';

/**
 * How a step that waits on the VIM is checked again. After the driver says "started, check
 * again", the controller re-dispatches the action after `every` seconds, then `backoff`
 * times longer each time, at most `max` seconds apart (or when the driver says, if sooner
 * than `max`), until the action is done or fails, or `deadline` seconds have passed since it
 * started waiting: then the step fails. No worker slot is held while the step waits.
 */
export type Check = {
  readonly every: number;
  readonly backoff: number;
  readonly max: number;
  readonly deadline: number;
};

export type NextTask<A extends string = string> = {
  /** Worker action to run, e.g. "vnfp.validate". */
  readonly action: A;
  /** Status the resource takes when the action succeeds. */
  readonly next: string;
  /** Named pure function applied to the resource's properties with the action's result, or null. */
  readonly callback: CallbackName | null;
  /** Seconds to wait before the action is run. */
  readonly countdown: number;
  /** Retries after the first failed attempt before the resource goes to ERROR. */
  readonly max_retry: number;
  /** false: a redelivered action whose effect was already applied is not applied again. */
  readonly re_entrant: boolean;
  /** Status the resource shows while the action waits on the VIM (e.g. BOOTING); null: the step does not wait. */
  readonly waiting: string | null;
  /** How a waiting step is checked again; null: the action must finish in one go. */
  readonly check: Check | null;
  /** A property the step needs before it can run (a package's content): until a user gives it, the resource waits, unlocked. */
  readonly requires: string | null;
};

export type FsmTable = Readonly<Record<string, Readonly<Record<string, NextTask>>>>;

export type StepOptions = Partial<Omit<NextTask, 'action' | 'next' | 'check' | 'waiting' | 'requires'>> & {
  /** The property the step needs first. */
  requires?: string;
  /** The step waits on the VIM, showing this status meanwhile, checked as `check` says (default WAIT). */
  waiting?: string;
  check?: Check;
};

/** The checks of a step that waits, unless its entry says otherwise: every 1 s, doubling, at most 10 s, for 10 minutes. */
export const WAIT: Check = { every: 1, backoff: 2, max: 10, deadline: 600 };

/** Build a table entry with the defaults every table shares. */
export function step<A extends string>(action: A, next: string, opts: StepOptions = {}): NextTask<A> {
  return {
    action,
    next,
    callback: opts.callback ?? null,
    countdown: opts.countdown ?? 0,
    max_retry: opts.max_retry ?? 3,
    re_entrant: opts.re_entrant ?? true,
    waiting: opts.waiting ?? null,
    check: opts.waiting ? (opts.check ?? WAIT) : null,
    requires: opts.requires ?? null,
  };
}

/** The actions a table names (a union of string literals, for the compiler). */
export type ActionOf<T extends FsmTable> = { [S in keyof T]: T[S][keyof T[S]] }[keyof T]['action'];

export const ERROR = 'ERROR';
export const DELETED = 'DELETED';
