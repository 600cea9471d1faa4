// Each process's Prometheus metrics (prom-client): what its roles count and time, with nfvo_
// names, seconds as the unit, and no per-resource labels. One registry per process.
import client from 'prom-client';
import { VERSION } from '../version.js';

// a step takes milliseconds on the sim, seconds to minutes on a real VIM
const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];
const CONVERGE = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];

export function makeMetrics(roles: readonly string[]) {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: 'nfvo_' });
  const opts = { registers: [registry] };
  new client.Gauge({
    name: 'nfvo_build_info',
    help: 'nfvo build: version, Node.js version and roles of this process (always 1)',
    labelNames: ['version', 'node', 'roles'],
    ...opts,
  }).set({ version: VERSION, node: process.version, roles: [...roles].sort().join(',') }, 1);
  return {
    registry,
    // controller
    tasksDispatched: new client.Counter({
      name: 'nfvo_tasks_dispatched_total',
      help: 'Attempts (and checks) of tasks sent to work_queue, by action',
      labelNames: ['action'],
      ...opts,
    }),
    tasksFinished: new client.Counter({
      name: 'nfvo_tasks_finished_total',
      help: 'Attempts of tasks that ended, by action and outcome (succeeded, failed, waiting, lost, revoked, superseded)',
      labelNames: ['action', 'outcome'],
      ...opts,
    }),
    transitions: new client.Counter({
      name: 'nfvo_resource_transitions_total',
      help: 'Status transitions committed, by resource type',
      labelNames: ['type', 'from', 'to'],
      ...opts,
    }),
    converge: new client.Histogram({
      name: 'nfvo_resource_converge_seconds',
      help: 'From the request of a spec to the resource reaching it, by resource type',
      labelNames: ['type'],
      buckets: CONVERGE,
      ...opts,
    }),
    // worker
    taskDuration: new client.Histogram({
      name: 'nfvo_task_duration_seconds',
      help: 'How long a worker ran an attempt (or check) of an action, by action',
      labelNames: ['action'],
      buckets: SECONDS,
      ...opts,
    }),
    queueWait: new client.Histogram({
      name: 'nfvo_task_queue_wait_seconds',
      help: 'From when an attempt was due (dispatched, plus its countdown) to when a worker started it, by action',
      labelNames: ['action'],
      buckets: SECONDS,
      ...opts,
    }),
    inFlight: new client.Gauge({
      name: 'nfvo_tasks_in_flight',
      help: 'Actions a worker of this process is running now',
      ...opts,
    }),
  };
}

/** The worker's driver: its calls to the VIM running now, and the most its operator allows. */
export function addDriverGauges(registry: client.Registry, load: () => { running: number; limit: number }) {
  new client.Gauge({
    name: 'nfvo_driver_calls_in_flight',
    help: "Calls to the VIM running now through this process's driver",
    registers: [registry],
    collect() {
      this.set(load().running);
    },
  });
  new client.Gauge({
    name: 'nfvo_driver_calls_limit',
    help: "The most calls to the VIM this process's driver makes at once (its operator's setting)",
    registers: [registry],
    collect() {
      this.set(load().limit);
    },
  });
}

export type Metrics = ReturnType<typeof makeMetrics>;
