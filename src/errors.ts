// One error type for the whole service (practica's AppError shape).

export class AppError extends Error {
  constructor(
    readonly code: string,
    readonly httpStatus: number,
    message: string,
    readonly retryable = false,
    readonly details?: Record<string, unknown>,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export const notFound = (what: string) => new AppError('not-found', 404, `${what} not found`);
export const conflict = (message: string, details?: Record<string, unknown>) =>
  new AppError('conflict', 409, message, false, details);
export const invalid = (message: string, details?: Record<string, unknown>) =>
  new AppError('invalid-body', 422, message, false, details);
/** A 422 naming one field of the request. */
export const fieldError = (field: string, message: string) =>
  invalid(`${field}: ${message}`, { errors: [{ field, message }] });
export const unavailable = (message: string, cause?: unknown) =>
  new AppError('unavailable', 503, message, true, undefined, { cause });

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08003',
  '08006',
  '08001',
  '08004',
  'P1001',
  'P1002',
  'P1017',
  'P2024',
]);

/** True when an error means "the database or broker is not reachable right now". */
export function isConnectionError(err: unknown): boolean {
  for (let e: unknown = err, i = 0; e && i < 5; e = (e as { cause?: unknown }).cause, i++) {
    const o = e as { code?: unknown; message?: unknown; name?: unknown };
    if (typeof o.code === 'string' && CONNECTION_CODES.has(o.code)) return true;
    const msg = typeof o.message === 'string' ? o.message : '';
    if (
      /Connection terminated|connect ECONNREFUSED|timeout exceeded when trying to connect|Can't reach database|terminating connection|Client has encountered a connection error|the database system is (starting up|shutting down)/i.test(
        msg,
      )
    )
      return true;
  }
  return false;
}

/** A database error that goes away when the work is simply tried again (deadlock, serialization, lock timeout). */
export function isTransientDbError(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return code === '40P01' || code === '40001' || code === '55P03';
}

/** The database or broker is unreachable, or a transaction met a transient conflict: try again later. */
export const isBackingServiceDown = (err: unknown): boolean => isConnectionError(err) || isTransientDbError(err);

/** Turn anything thrown into an AppError; unknown errors become 500 and keep their cause. */
export function coerceError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (isConnectionError(err)) return unavailable('a backing service is unavailable; try again shortly', err);
  return new AppError('internal', 500, 'internal error', false, undefined, { cause: err });
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
