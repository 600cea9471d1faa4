// Errors as application/problem+json (RFC 9457), from one middleware.
import type { ErrorRequestHandler, Response } from 'express';
import { z } from 'zod';
import { AppError, coerceError } from '../errors.js';
import type { Logger } from '../log.js';

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** The body of every error: RFC 9457's members, the error's code, and the fields a 422 names. */
export const ProblemOut = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int().min(400).max(599),
    detail: z.string(),
    /** A stable name for the error (e.g. not-found, conflict, invalid-body), absent on a bare 404 or body error. */
    code: z.string().optional(),
    /** Each field a 422 refuses, with why. */
    errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  })
  // and what an error adds of its own (e.g. usedBy: the vnf holding a volume)
  .catchall(z.unknown());
export type ProblemOut = z.infer<typeof ProblemOut>;

export function sendProblem(res: Response, status: number, detail: string, extra: Record<string, unknown> = {}): void {
  res
    .status(status)
    .type('application/problem+json')
    .json({ type: 'about:blank', title: TITLES[status] ?? 'Error', status, detail, ...extra });
}

/** A zod failure as a 422 naming each offending field. */
export function validationError(err: z.ZodError, where = 'body'): AppError {
  const errors = err.issues.slice(0, 20).map((i) => {
    // an unknown field is named by its own path
    const keys = i.code === 'unrecognized_keys' ? (i as { keys?: string[] }).keys : undefined;
    const path = keys?.length ? [...i.path, keys[0]!] : i.path;
    return { field: path.join('.') || where, message: i.message };
  });
  const first = errors[0]!;
  return new AppError('invalid-body', 422, `${first.field}: ${first.message}`, false, { errors });
}

/** Parse or throw a 422 naming the field. */
export function parse<S extends z.ZodType>(schema: S, value: unknown, where = 'body'): z.infer<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw validationError(r.error, where);
  return r.data;
}

const BODY_PARSER_ERRORS: Record<string, [number, string]> = {
  'entity.parse.failed': [400, 'the request body is not valid JSON'],
  'entity.too.large': [413, 'the request body is too large'],
  'encoding.unsupported': [415, 'unsupported content encoding'],
  'charset.unsupported': [415, 'unsupported charset'],
  'entity.verify.failed': [400, 'the request body could not be verified'],
  'request.aborted': [400, 'the request was aborted'],
  'request.size.invalid': [400, 'the request size did not match its Content-Length'],
};

export function errorMiddleware(log: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const bodyErr = typeof err?.type === 'string' ? BODY_PARSER_ERRORS[err.type] : undefined;
    if (bodyErr) return sendProblem(res, bodyErr[0], bodyErr[1]);
    // client errors raised by express itself (e.g. an undecodable %-escape in the path)
    const status = Number(err?.status ?? err?.statusCode);
    if (status >= 400 && status < 500 && err?.expose !== false)
      return sendProblem(res, status, String(err.message ?? 'bad request').slice(0, 200));
    const e = coerceError(err);
    const cause = e.cause instanceof Error ? e.cause : undefined;
    if (e.httpStatus === 503) {
      // a backing service that is down is an outage to watch, not a fault in this request
      log.warn(
        { err: cause?.message ?? e.message, method: req.method, url: req.originalUrl },
        'request refused: a backing service is unavailable',
      );
      res.setHeader('Retry-After', '2');
    } else if (e.httpStatus >= 500)
      log.error(
        {
          err: cause ? { message: cause.message, stack: cause.stack } : e.message,
          method: req.method,
          url: req.originalUrl,
        },
        'request failed',
      );
    sendProblem(res, e.httpStatus, e.message, { code: e.code, ...(e.details ?? {}) });
  };
}
