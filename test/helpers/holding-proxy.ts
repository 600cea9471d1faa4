// An HTTP proxy in front of a service that passes every call on, and holds back the answer
// to the first call that matches: the service has done what was asked, and the client never
// hears it (as when a worker dies between Nova's 202 and its callback).
import http from 'node:http';

export type HoldingProxy = { port: number; held: Promise<void>; close(): Promise<void> };

export async function startHoldingProxy(
  target: string,
  match: (method: string, path: string) => boolean,
): Promise<HoldingProxy> {
  const base = new URL(target);
  let hold = true;
  let onHeld!: () => void;
  const held = new Promise<void>((r) => (onHeld = r));
  const server = http.createServer((req, res) => {
    const up = http.request(
      {
        host: base.hostname,
        port: base.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: base.host },
      },
      (upRes) => {
        if (hold && match(req.method ?? 'GET', req.url ?? '')) {
          hold = false;
          upRes.resume();
          upRes.on('end', onHeld); // done by the service; the answer goes nowhere
          return;
        }
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
      },
    );
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as { port: number }).port,
    held,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
