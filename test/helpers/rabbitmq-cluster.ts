// The test RabbitMQ cluster of scripts/rabbitmq-cluster: start it (fast when it runs), find the
// node a process is connected to, kill and restart one node, look at a prefix's queues.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { endpointOf, splitUrls } from '../../src/broker/connection.js';
import { ROOT } from './env.js';

const run = promisify(execFile);
const SCRIPTS = path.join(ROOT, 'scripts', 'rabbitmq-cluster');

/** Why the cluster cannot run here, or undefined (its scripts run as root, with RabbitMQ installed). */
export async function clusterUnavailable(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'the test RabbitMQ cluster is started as root';
  const found = await run('sh', ['-c', 'command -v rabbitmq-server && command -v rabbitmqctl']).catch(() => null);
  return found ? undefined : 'rabbitmq-server and rabbitmqctl are not installed';
}

/** Start the cluster unless it runs (about a second then); its nodes' AMQP URLs, node 1 first. */
export async function clusterUp(): Promise<string[]> {
  const { stdout } = await run(path.join(SCRIPTS, 'up.sh'), [], { timeout: 240_000 }).catch((err) => {
    throw new Error(`scripts/rabbitmq-cluster/up.sh failed:\n${err.stderr ?? err.message}`);
  });
  return splitUrls(stdout.trim().split('\n').at(-1) ?? '');
}

/** kill: SIGKILL the node's VM; stop: a clean stop; start: start it and wait until it runs in the cluster again. */
export async function clusterNode(action: 'kill' | 'stop' | 'start', n: number): Promise<void> {
  await run(path.join(SCRIPTS, 'node.sh'), [action, String(n)], { timeout: 180_000 }).catch((err) => {
    throw new Error(`scripts/rabbitmq-cluster/node.sh ${action} ${n} failed:\n${err.stderr ?? err.message}`);
  });
}

export const nodeName = (n: number) => `nfvo-rmq${n}@localhost`;

/** The node (1-based) of `urls` at this host:port. */
export function nodeAt(urls: string[], endpoint: string | undefined): number {
  const i = urls.findIndex((u) => endpointOf(u) === endpoint);
  if (i < 0) throw new Error(`${endpoint} is none of the cluster's nodes (${urls.map(endpointOf).join(', ')})`);
  return i + 1;
}

/** rabbitmqctl against node n, its JSON output parsed. */
async function ctlJson<T>(n: number, args: string[]): Promise<T> {
  const { stdout } = await run('rabbitmqctl', ['-q', '-n', nodeName(n), ...args, '--formatter', 'json'], {
    timeout: 60_000,
    maxBuffer: 16 * 2 ** 20,
  });
  return JSON.parse(stdout) as T;
}

/** Node n listens for AMQP on PORT_BASE + n (scripts/rabbitmq-cluster/lib/common.sh). */
const PORT_BASE = Number(process.env.NFVO_RMQ_CLUSTER_PORT_BASE || 5680);

/** The cluster's connections, as node `via` lists them (every node's): each client-given name and the node (1-based) holding it. */
export async function clusterConnections(via: number): Promise<{ name: string; node: number }[]> {
  const rows = await ctlJson<{ client_properties: unknown[]; port: number }[]>(via, [
    'list_connections',
    'client_properties',
    'port',
  ]);
  // client_properties is a list of [key, type, value] triples; port is the node's side of the connection
  return rows.flatMap((r) =>
    (r.client_properties as [string, string, unknown][])
      .filter(([k]) => k === 'connection_name')
      .map(([, , v]) => ({ name: String(v), node: r.port - PORT_BASE })),
  );
}

/** The client-given names of the connections node n holds. */
export async function connectionNames(n: number): Promise<string[]> {
  return (await clusterConnections(n)).filter((c) => c.node === n).map((c) => c.name);
}

export type ClusterQueue = {
  name: string;
  type: string;
  messages: number;
  messages_unacknowledged: number;
  /** The nodes where a quorum queue's replicas are. */
  members: string[];
  /** The nodes where a quorum queue's replicas run now. */
  online: string[];
};

/** The queues under `prefix`, as node n sees them. */
export async function clusterQueues(n: number, prefix: string): Promise<ClusterQueue[]> {
  const rows = await ctlJson<ClusterQueue[]>(n, [
    'list_queues',
    'name',
    'type',
    'messages',
    'messages_unacknowledged',
    'members',
    'online',
  ]);
  return rows.filter((q) => q.name.startsWith(prefix));
}
