// The bench's HTTP client: packages created through the REST API over keep-alive connections.
import http from 'node:http';
import { tackerCsar } from '../test/helpers/csar.js';
import type { Sent } from './stats.js';

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
let authorization = '';

/** The token every request carries. */
export function useToken(token: string): void {
  authorization = `Bearer ${token}`;
}
export const token = () => authorization;

/** Create n packages named `<name>-<i>`, `concurrency` requests at a time; their ids and when each was requested. */
export async function createPackages(
  base: string,
  name: string,
  n: number,
  concurrency: number,
  extra: Record<string, unknown> = {},
  /** The CSAR of each package (its index given), or one for all. */
  csar?: Buffer | ((i: number) => Buffer),
): Promise<Sent[]> {
  const sent: Sent[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, n) }, async () => {
      while (next < n) {
        const i = next++;
        sent.push(
          await createPackage(base, `${name}-${i}`, extra, Date.now(), typeof csar === 'function' ? csar(i) : csar),
        );
      }
    }),
  );
  return sent;
}

/** The CSAR every bench package uploads: a small Tacker-style package (about 7 KB). */
let csar: Buffer;
async function benchCsar(): Promise<Buffer> {
  csar ??= await tackerCsar();
  return csar;
}

/**
 * One request over a keep-alive connection (node:http: cheaper for the client than fetch).
 * A reused connection that the server closed as idle (its keep-alive timeout, e.g. while the
 * database was vacuumed after the warm-up) fails before the server read anything: sent again.
 */
export function send(
  url: string,
  method: string,
  type: string,
  body: Buffer | string,
  again = true,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method, agent, headers: { authorization, 'content-type': type, 'content-length': Buffer.byteLength(body) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (again && req.reusedSocket && err.code === 'ECONNRESET') resolve(send(url, method, type, body, false));
      else reject(err);
    });
    req.end(body);
  });
}

/**
 * Create one package with its content: in one call (the CSAR as the body), or, with extra
 * fields such as `simulate`, created first and its content uploaded after.
 */
export async function createPackage(
  base: string,
  name: string,
  extra: Record<string, unknown> = {},
  sentAt = Date.now(),
  csar?: Buffer,
): Promise<Sent> {
  const zip = csar ?? (await benchCsar());
  const accepted = (r: { status: number; text: string }) => {
    if (r.status !== 202) throw new Error(`create failed: ${r.status} ${r.text}`);
    return (JSON.parse(r.text) as { id: string }).id;
  };
  if (!Object.keys(extra).length) {
    return { id: accepted(await send(`${base}/v1/vnf-packages?name=${name}`, 'POST', 'application/zip', zip)), sentAt };
  }
  const id = accepted(
    await send(`${base}/v1/vnf-packages`, 'POST', 'application/json', JSON.stringify({ name, ...extra })),
  );
  accepted(await send(`${base}/v1/vnf-packages/${id}/content`, 'PUT', 'application/zip', zip));
  return { id, sentAt };
}
