// A tiny JSON client for the REST API. Every answer it receives is checked against the API's
// OpenAPI document (its operation, status, media type and body): one that does not match fails.
import { makeResponseChecker } from './openapi.js';

export type Reply<T = any> = { status: number; body: T; headers: Headers };

/** A request the API has not answered within this long fails (a test must not hang on it). */
const REQUEST_TIMEOUT_MS = 30_000;

let checker: ReturnType<typeof makeResponseChecker> | undefined;
function conform(method: string, path: string, res: Response, body: string): void {
  checker ??= makeResponseChecker();
  const why = checker({ method, url: path, status: res.status, contentType: res.headers.get('content-type'), body });
  if (why) throw new Error(`${method} ${path}: ${why}`);
}

export function client(baseUrl: string, defaultHeaders: Record<string, string> = {}) {
  async function call<T = any>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Reply<T>> {
    const init: RequestInit = {
      method,
      headers: { ...defaultHeaders, ...headers },
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    };
    if (body !== undefined) {
      const raw = typeof body === 'string' || Buffer.isBuffer(body);
      init.body = raw ? (body as string) : JSON.stringify(body);
      (init.headers as Record<string, string>)['content-type'] ??= Buffer.isBuffer(body)
        ? 'application/zip'
        : 'application/json';
    }
    const [res, text] = await fetch(new URL(path, baseUrl), init)
      .then(async (r) => [r, await r.text()] as const)
      .catch((err: Error) => {
        throw new Error(
          `${method} ${path}: ${err.name === 'TimeoutError' ? `no answer within ${REQUEST_TIMEOUT_MS} ms` : err.message}`,
          { cause: err },
        );
      });
    conform(method, path, res, text);
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON */
    }
    return { status: res.status, body: parsed as T, headers: res.headers };
  }
  return {
    call,
    get: <T = any>(p: string, h?: Record<string, string>) => call<T>('GET', p, undefined, h),
    post: <T = any>(p: string, b?: unknown, h?: Record<string, string>) => call<T>('POST', p, b ?? {}, h),
    del: <T = any>(p: string, h?: Record<string, string>) => call<T>('DELETE', p, undefined, h),
    put: <T = any>(p: string, b: Buffer, h?: Record<string, string>) => call<T>('PUT', p, b, h),
    /** GET a body as bytes. */
    async bytes(
      p: string,
      h: Record<string, string> = {},
    ): Promise<{ status: number; body: Buffer; headers: Headers }> {
      const res = await fetch(new URL(p, baseUrl), {
        headers: { ...defaultHeaders, ...h },
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      const body = Buffer.from(await res.arrayBuffer());
      conform('GET', p, res, body.toString('utf8'));
      return { status: res.status, body, headers: res.headers };
    },
    /** Wait until the resource has `status` (and no lock); returns it. */
    async waitStatus(id: string, status: string, timeoutMs = 20_000): Promise<any> {
      const end = Date.now() + timeoutMs;
      let last: any;
      while (Date.now() < end) {
        last = (await call('GET', `/v1/resources/${id}`)).body;
        if (last?.status === status && last.workerId === null) return last;
        await new Promise((r) => setTimeout(r, 30));
      }
      throw new Error(`resource ${id} did not reach ${status}; last: ${JSON.stringify(last)}`);
    },
  };
}
