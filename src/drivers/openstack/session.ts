// A Keystone v3 session: a token reused until shortly before it expires (and renewed on a
// 401), endpoints from its catalog, and every call through one limiter per cloud, timed, its
// failures told apart as an operator needs them (retryable or not, with the service's words).
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../../log.js';
import { DriverError } from '../driver.js';
import type { Credentials } from './credentials.js';
import { makeLimiter } from '../limiter.js';

export type Service = 'compute' | 'image' | 'volumev3' | 'network';
const NAMES: Record<Service, string> = { compute: 'Nova', image: 'Glance', volumev3: 'Cinder', network: 'Neutron' };
/** Microversions nfvo speaks (tags at create, attachments, messages). */
const VERSION_HEADERS: Partial<Record<Service, Record<string, string>>> = {
  compute: { 'OpenStack-API-Version': 'compute 2.79', 'X-OpenStack-Nova-API-Version': '2.79' },
  volumev3: { 'OpenStack-API-Version': 'volume 3.27' },
};
const RENEW_BEFORE_MS = 5 * 60_000;
const CALL_TIMEOUT_MS = 60_000;

type Token = { value: string; expiresAt: number; catalog: CatalogEntry[]; projectId: string };
type CatalogEntry = {
  type: string;
  endpoints: { interface: string; region?: string; region_id?: string; url: string }[];
};

export type CallOptions = {
  method?: string;
  body?: unknown;
  /** A stream or bytes sent as they are (an image's data), with this content type. */
  raw?: { body: NodeJS.ReadableStream | Buffer; type: string; length?: number };
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Statuses that are answers, not failures (e.g. 404 on a delete). */
  ok?: number[];
};

export type Reply<T = any> = { status: number; body: T; headers: Headers };

/**
 * Time spent in calls to the cloud, as nfvo saw them: `ms` summed over calls (which overlap),
 * `busyMs` while at least one was in flight.
 */
export type CallStats = { calls: number; ms: number; busyMs: number };

export function makeSession(
  creds: Credentials,
  opts: { log: Logger; maxConcurrency: number; overrides?: Partial<Record<Service, string>> },
) {
  const limit = makeLimiter(opts.maxConcurrency);
  const stats: CallStats = { calls: 0, ms: 0, busyMs: 0 };
  let inFlight = 0;
  let busySince = 0;
  let token: Token | null = null;
  let issuing: Promise<Token> | null = null;

  async function issue(): Promise<Token> {
    const identity =
      creds.kind === 'password'
        ? {
            methods: ['password'],
            password: {
              user: { name: creds.username, domain: { name: creds.userDomainName }, password: creds.password },
            },
          }
        : { methods: ['application_credential'], application_credential: { id: creds.id, secret: creds.secret } };
    const scope =
      creds.kind === 'password'
        ? { project: { name: creds.projectName, domain: { name: creds.projectDomainName } } }
        : undefined;
    const url = `${creds.authUrl.replace(/\/v3$/, '')}/v3/auth/tokens`;
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ auth: { identity, ...(scope ? { scope } : {}) } }),
        signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
      });
    } catch (err) {
      throw new DriverError(`Keystone: ${reach(err)} (${url})`, true, { cause: err });
    }
    const text = await res.text();
    if (res.status !== 201) {
      const why = message(text) ?? `${res.status}`;
      // wrong credentials will stay wrong; an overloaded Keystone may recover
      throw new DriverError(`Keystone: ${why}`, res.status >= 500 || res.status === 429);
    }
    const body = JSON.parse(text) as {
      token: { expires_at: string; catalog?: CatalogEntry[]; project?: { id: string } };
    };
    opts.log.debug({ expiresAt: body.token.expires_at }, 'Keystone token issued');
    return {
      value: res.headers.get('x-subject-token') ?? '',
      expiresAt: Date.parse(body.token.expires_at),
      catalog: body.token.catalog ?? [],
      projectId: body.token.project?.id ?? '',
    };
  }

  async function current(renew = false): Promise<Token> {
    if (!renew && token && token.expiresAt - Date.now() > RENEW_BEFORE_MS) return token;
    issuing ??= issue().finally(() => (issuing = null));
    token = await issuing;
    return token;
  }

  function endpoint(t: Token, service: Service): string {
    const override = opts.overrides?.[service];
    if (override) return override.replace(/\/+$/, '');
    const types = service === 'volumev3' ? ['volumev3', 'block-storage'] : [service];
    const entry = t.catalog.find((e) => types.includes(e.type));
    const ep = entry?.endpoints.find(
      (e) =>
        e.interface === creds.interface && (!creds.region || e.region === creds.region || e.region_id === creds.region),
    );
    if (!ep)
      throw new DriverError(
        `Keystone: no ${creds.interface} ${service} endpoint in the catalog${creds.region ? ` of ${creds.region}` : ''}`,
        false,
      );
    return ep.url.replace(/\/+$/, '');
  }

  /** One call to a service; a DriverError naming the service and what it said when it fails. */
  async function call<T = any>(service: Service, pathOrUrl: string, o: CallOptions = {}): Promise<Reply<T>> {
    const name = NAMES[service];
    return limit(async () => {
      for (let attempt = 0; ; attempt++) {
        const t = await current(attempt > 0);
        const url = /^https?:/.test(pathOrUrl) ? pathOrUrl : `${endpoint(t, service)}${pathOrUrl}`;
        const headers: Record<string, string> = {
          'x-auth-token': t.value,
          accept: 'application/json',
          ...VERSION_HEADERS[service],
          ...o.headers,
        };
        let body: BodyInit | undefined;
        if (o.raw) {
          headers['content-type'] = o.raw.type;
          if (o.raw.length !== undefined) headers['content-length'] = String(o.raw.length);
          body = o.raw.body as BodyInit;
        } else if (o.body !== undefined) {
          headers['content-type'] = 'application/json';
          body = JSON.stringify(o.body);
        }
        const t0 = Date.now();
        if (inFlight++ === 0) busySince = t0;
        let res: Response;
        let text: string;
        try {
          const timeout = AbortSignal.timeout(CALL_TIMEOUT_MS * 10);
          const signal = o.signal ? AbortSignal.any([o.signal, timeout]) : timeout;
          res = await fetch(url, {
            method: o.method ?? 'GET',
            headers,
            body,
            signal,
            ...(o.raw ? { duplex: 'half' } : {}),
          } as RequestInit);
          text = await res.text();
        } catch (err) {
          o.signal?.throwIfAborted();
          throw new DriverError(`${name}: ${reach(err)} (${o.method ?? 'GET'} ${url})`, true, { cause: err });
        } finally {
          stats.calls++;
          stats.ms += Date.now() - t0;
          if (--inFlight === 0) stats.busyMs += Date.now() - busySince;
        }
        if (res.status === 401 && attempt === 0 && !o.raw) continue; // the token went stale: a new one, once
        if (res.ok || o.ok?.includes(res.status)) {
          return { status: res.status, body: (text ? safeJson(text) : null) as T, headers: res.headers };
        }
        throw failure(name, o.method ?? 'GET', res, text);
      }
    }, o.signal);
  }

  return {
    call,
    stats,
    load: limit.load,
    projectId: async () => (await current()).projectId,
    /** Wait, honouring an abort. */
    pause: (ms: number, signal?: AbortSignal) => sleep(ms, undefined, { signal }),
  };
}

export type Session = ReturnType<typeof makeSession>;

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function reach(err: unknown): string {
  const e = err as { cause?: { code?: string; message?: string }; name?: string; message?: string };
  if (e?.name === 'TimeoutError') return 'no answer in time';
  return e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err);
}

/** The message a service put in its error body (Nova, Cinder, Neutron and Glance each nest it their way). */
export function message(text: string): string | null {
  const body = safeJson(text);
  const find = (v: unknown, depth = 0): string | null => {
    if (!v || typeof v !== 'object' || depth > 3) return null;
    const o = v as Record<string, unknown>;
    if (typeof o.message === 'string') return o.message;
    if (typeof o.detail === 'string' && o.detail) return o.detail;
    for (const x of Object.values(o)) {
      const m = find(x, depth + 1);
      if (m) return m;
    }
    return null;
  };
  const found = find(body);
  if (found) return found.replace(/<[^>]+>/g, '').trim();
  return typeof body === 'string' && body.trim()
    ? body
        .replace(/<[^>]+>/g, ' ')
        .replace(/\s+/g, ' ')
        .trim()
        .slice(0, 300)
    : null;
}

/**
 * Retryable: 5xx, 429, a 409 (a transitional state: "while it is in task_state ..."). Permanent:
 * other 4xx (a bad request, a refusal, a quota). The reason is the service's own.
 */
function failure(name: string, method: string, res: Response, text: string): DriverError {
  const why = message(text) ?? res.statusText;
  const retryable = res.status >= 500 || res.status === 429 || res.status === 409;
  const after = res.headers.get('retry-after');
  const hint = res.status === 429 && after ? ` (retry after ${after} s)` : '';
  return Object.assign(new DriverError(`${name}: ${why}${hint}`, retryable), { status: res.status, method });
}
