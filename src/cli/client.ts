// The REST client of the CLI: fetch against NFVO_URL with NFVO_TOKEN as the bearer token.
// A problem+json answer becomes a CliError carrying the API's own words and status.
import { Readable } from 'node:stream';
import type { z } from 'zod';
import type { ClientConfig } from '../config.js';
import { CliError, EXIT } from './cli-error.js';

export type Query = Record<string, string | number | undefined>;

/** A request body: JSON, or bytes streamed as they are read (with their length when it is known). */
export type Body = { json: unknown } | { stream: Readable; type: string; length?: number };

export type Client = {
  readonly baseUrl: string;
  /** The Authorization header (empty without a token). */
  readonly headers: Record<string, string>;
  /** The parsed JSON answer of a request; an error status throws a CliError. */
  call(method: string, path: string, opts?: { query?: Query; body?: Body }): Promise<unknown>;
  /** The answer of a GET as a stream of bytes (a VNFD). */
  stream(path: string): Promise<Readable>;
};

type Problem = { title?: string; detail?: string; status?: number; errors?: { field?: string; message?: string }[] };

/** The error an answer with an error status stands for, in the API's words. */
export function problemError(status: number, statusText: string, text: string, hasToken: boolean): CliError {
  let p: Problem = {};
  try {
    p = JSON.parse(text) as Problem;
  } catch {
    /* not problem+json: say what came */
  }
  const title = p.title ?? statusText;
  const detail = p.detail ?? (text.trim().slice(0, 300) || title);
  const more = (p.errors ?? []).slice(1).map((e) => `\n  ${e.field}: ${e.message}`);
  const hint = status === 401 && !hasToken ? '\n  NFVO_TOKEN is not set: export a token (nfvo token --help)' : '';
  return new CliError(`${detail} (${status} ${title})${more.join('')}${hint}`, EXIT.failed, status);
}

function unreachable(baseUrl: string, err: unknown): CliError {
  const cause = (err as { cause?: { message?: string } }).cause?.message ?? (err as Error).message;
  return new CliError(`cannot reach nfvo at ${baseUrl}: ${cause} (set NFVO_URL)`);
}

function requestBody(body: Body): { init: RequestInit; headers: Record<string, string> } {
  if ('json' in body)
    return { init: { body: JSON.stringify(body.json) }, headers: { 'Content-Type': 'application/json' } };
  const headers: Record<string, string> = { 'Content-Type': body.type };
  // a declared length lets the API refuse a package over its limit before reading any of it
  if (body.length !== undefined) headers['Content-Length'] = String(body.length);
  // fetch streams an async iterable as it is read (Node's typings know only web streams)
  const init: RequestInit & { duplex: 'half' } = { body: body.stream as unknown as ReadableStream, duplex: 'half' };
  return { init, headers };
}

export function makeClient(config: ClientConfig): Client {
  const baseUrl = config.nfvoUrl;
  const headers: Record<string, string> = config.token ? { Authorization: `Bearer ${config.token}` } : {};

  async function send(method: string, path: string, query: Query = {}, body?: Body): Promise<Response> {
    const url = new URL(path, baseUrl);
    for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, String(v));
    const payload = body ? requestBody(body) : { init: {}, headers: {} };
    const res = await fetch(url, {
      method,
      ...payload.init,
      headers: { Accept: 'application/json', ...headers, ...payload.headers },
    }).catch((err: unknown) => {
      throw unreachable(baseUrl, err);
    });
    if (!res.ok) throw problemError(res.status, res.statusText, await res.text(), !!config.token);
    return res;
  }

  return {
    baseUrl,
    headers,
    async call(method, path, opts = {}) {
      const res = await send(method, path, opts.query, opts.body);
      const text = await res.text();
      return text ? (JSON.parse(text) as unknown) : null;
    },
    async stream(path) {
      const res = await send('GET', path);
      return Readable.fromWeb(res.body! as Parameters<typeof Readable.fromWeb>[0]);
    },
  };
}

/** An answer read with the API's response schema; one that does not fit is a failure, not a crash. */
export function expect<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw new CliError(`unexpected answer for ${what}: ${r.error.issues[0]?.message ?? 'bad shape'}`);
  return r.data;
}
