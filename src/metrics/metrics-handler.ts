// GET /metrics: the Prometheus text format, open or behind METRICS_TOKEN.
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type client from 'prom-client';

const same = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

export function makeMetricsHandler(registry: client.Registry, token?: string) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    if (token && !same(req.headers.authorization ?? '', `Bearer ${token}`)) {
      res.writeHead(401, { 'Content-Type': 'text/plain', 'WWW-Authenticate': 'Bearer realm="nfvo-metrics"' });
      res.end('metrics need "Authorization: Bearer <METRICS_TOKEN>"\n');
      return;
    }
    registry.metrics().then(
      (text) => {
        res.writeHead(200, { 'Content-Type': registry.contentType });
        res.end(text);
      },
      (err: unknown) => {
        res.writeHead(500, { 'Content-Type': 'text/plain' });
        res.end(`could not collect metrics: ${err instanceof Error ? err.message : String(err)}\n`);
      },
    );
  };
}
