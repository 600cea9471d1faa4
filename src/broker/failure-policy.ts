// What becomes of a message whose handler threw: pure, so it can be read and tested alone.
import { errorMessage } from '../errors.js';

/** Thrown by a handler for a message that can never be processed: it is dead-lettered at once. */
export class PoisonMessageError extends Error {}

/** Tells whether an error means "a backing service is unreachable right now" (passed in by the composition root). */
export type IsTransient = (err: unknown) => boolean;

export type FailureAction =
  /** Keep the message where it is: requeue it after a pause (the service it needs is down). */
  | { kind: 'requeue'; delayMs: number }
  /** Publish a copy with the delivery count, after a backoff, and ack the original. */
  | { kind: 'redeliver'; delayMs: number }
  /** Send it to the dead-letter queue with the reason, and ack it. */
  | { kind: 'dead-letter'; reason: string };

export const MAX_FAILED_DELIVERIES = 10;
const REQUEUE_PAUSE_MS = 1_000;
const MAX_BACKOFF_MS = 5_000;

/**
 * A poison message is dead-lettered at once; an outage of the database or broker keeps the
 * message (requeued after a pause, not counted); any other failure is tried again with a
 * doubling backoff, and dead-lettered after MAX_FAILED_DELIVERIES with the last error.
 */
export function onHandlerFailure(
  err: unknown,
  deliveries: number,
  isTransient: IsTransient,
  backoffBaseMs = 100,
  requeuePauseMs = REQUEUE_PAUSE_MS,
): FailureAction {
  if (err instanceof PoisonMessageError) return { kind: 'dead-letter', reason: err.message };
  if (isTransient(err)) return { kind: 'requeue', delayMs: requeuePauseMs };
  if (deliveries >= MAX_FAILED_DELIVERIES) {
    return { kind: 'dead-letter', reason: `failed ${deliveries} times; last error: ${errorMessage(err)}` };
  }
  return { kind: 'redeliver', delayMs: Math.min(MAX_BACKOFF_MS, backoffBaseMs * 2 ** deliveries) };
}
