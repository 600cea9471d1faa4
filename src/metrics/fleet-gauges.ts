// The fleet-wide gauges the API's /metrics adds to its own: resources by type and status,
// queue depths, and the processes online by role. A scrape reads resources from a snapshot
// counted in the background (from an index, every refreshS), never the table itself.
import client from 'prom-client';
import type { StatusCount } from '../db/overview-repository.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';

export type FleetSource = {
  counts(): Promise<StatusCount[]>;
  queues(): Promise<{ name: string; messages: number }[]>;
  onlineByRole(): Promise<{ role: string; count: number }[]>;
};

const ROLES = ['api', 'controller', 'worker'];

export function addFleetGauges(registry: client.Registry, source: FleetSource, refreshS: number, log: Logger) {
  let counts: StatusCount[] = [];
  let refreshing: Promise<void> | undefined;
  const refresh = () =>
    (refreshing ??= source
      .counts()
      .then((c) => void (counts = c))
      .catch((err: unknown) => log.warn({ err: errorMessage(err) }, 'could not count resources for /metrics'))
      .finally(() => (refreshing = undefined)));
  void refresh();
  const timer = setInterval(refresh, refreshS * 1000);
  timer.unref();

  new client.Gauge({
    name: 'nfvo_resources',
    help: `Resources by type and status (counted every ${refreshS} s)`,
    labelNames: ['type', 'status'],
    registers: [registry],
    collect() {
      this.reset();
      for (const c of counts) this.set({ type: c.type, status: c.status }, c.count);
    },
  });
  new client.Gauge({
    name: 'nfvo_queue_messages',
    help: 'Messages ready in each of nfvo’s RabbitMQ queues',
    labelNames: ['queue'],
    registers: [registry],
    async collect() {
      this.reset();
      try {
        for (const q of await source.queues()) this.set({ queue: q.name }, q.messages);
      } catch {
        // RabbitMQ away: no sample rather than a wrong one
      }
    },
  });
  new client.Gauge({
    name: 'nfvo_process_up',
    help: 'nfvo processes online (heartbeat fresh), by role',
    labelNames: ['role'],
    registers: [registry],
    async collect() {
      this.reset();
      try {
        const up = new Map((await source.onlineByRole()).map((r) => [r.role, r.count]));
        for (const role of ROLES) this.set({ role }, up.get(role) ?? 0);
      } catch {
        // PostgreSQL away: no sample, and the rest of the scrape still answers
      }
    },
  });
  return { stop: () => clearInterval(timer) };
}
