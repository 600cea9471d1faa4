// The chaos suite on a three-node RabbitMQ cluster with quorum queues (scripts/rabbitmq-cluster,
// started here if it is not up; AMQP_URL lists its three nodes): api, 2 controllers and 2
// workers as separate processes drive 300+ mixed resources while the node they are connected
// to is killed (SIGKILL of its VM) with work in flight, then started again; once it has
// rejoined and its replicas run again, the node they moved to is killed and started again
// (never two down at once: the queues keep their quorum); and controllers and workers are
// SIGKILLed, some while a node is down. Then the same invariants as the chaos suite: every
// resource at its spec (or in ERROR where a failure was injected on purpose), every
// non-re-entrant effect applied exactly once, nothing locked, every transition recorded once
// and in order, nothing left in a queue, unacknowledged or dead-lettered. The three nodes run
// again at the end, whatever happened. Run alone: npm run test:chaos
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ownerQueue } from '../../src/broker/topology.js';
import {
  CHAOS_ENV,
  makeFleet,
  makeProgress,
  makeWorkload,
  queueState,
  rand,
  runBeside,
  type QueueState,
} from '../helpers/chaos.js';
import { checkInvariants } from '../helpers/chaos-invariants.js';
import { makeTestEnv, sleep, waitFor, type TestEnv } from '../helpers/env.js';
import { client } from '../helpers/http.js';
import { connectAny } from '../helpers/topology.js';
import {
  clusterConnections,
  clusterNode,
  clusterQueues,
  clusterUnavailable,
  clusterUp,
  nodeName,
} from '../helpers/rabbitmq-cluster.js';

const skip = await clusterUnavailable();
const NODES = [1, 2, 3];

describe('cluster chaos', { skip, timeout: 480_000 }, () => {
  let env: TestEnv;
  const fleet = makeFleet(() => env.vars);
  const { procs, kill } = fleet;
  /** The nodes this run has killed and not started again. */
  const down = new Set<number>();
  const counts = { nodeKills: 0, nodeRestarts: 0 };
  /** Per node kill: the node, the processes connected to it, the resources locked by work in flight. */
  const nodeKills: { node: number; connected: number; inFlight: number; movedInMs: number }[] = [];
  const progress = makeProgress('cluster chaos');
  const { at, enter } = progress;

  before(async () => {
    const urls = await clusterUp();
    assert.equal(urls.length, 3, 'up.sh names three nodes');
    env = await makeTestEnv('cluster_chaos', { ...CHAOS_ENV, AMQP_URL: urls.join(','), QUEUE_TYPE: 'quorum' });
    await fleet.start('api', 'api');
    for (const n of ['controller-a', 'controller-b']) await fleet.start(n, 'controller');
    for (const n of ['worker-a', 'worker-b']) await fleet.start(n, 'worker');
  });

  after(async () => {
    // whatever happened, the cluster is left whole for the next run
    for (const n of down) await clusterNode('start', n).catch((err) => console.error(err));
    await clusterUp().catch((err) => console.error(err));
    const unclean = await fleet.stopAll();
    // the callback queues of the controllers it killed (those that stopped deleted their own)
    await env?.cleanup(fleet.controllerIds().map((id) => ownerQueue('callback_queue', id)));
    assert.deepEqual(unclean, [], 'every process stops cleanly (exit 0) on SIGTERM');
  });

  it('survives the loss of the node in use, twice, and process kills; loses and duplicates nothing', async () => {
    try {
      await run();
    } catch (err) {
      const nodes = await connectedNodes().catch((e) => String(e));
      console.log(
        `cluster chaos failed; workload: ${at.workload}; schedule: ${at.schedule}; nodes down: [${[...down]}]; ` +
          `connected: ${JSON.stringify(nodes instanceof Map ? Object.fromEntries(nodes) : nodes)}\n${fleet.warnings()}`,
      );
      throw err;
    }
  });

  /** The node each running process is connected to, found by its connection's name (nfvo-<role>-<host>-<pid>-<hex>). */
  async function connectedNodes(): Promise<Map<string, number>> {
    const byPid = new Map([...procs].map(([name, p]) => [p.child.pid, name]));
    const found = new Map<string, number>();
    for (const c of await clusterConnections(NODES.find((n) => !down.has(n))!)) {
      const name = byPid.get(Number(/-(\d+)-[0-9a-f]+$/.exec(c.name)?.[1]));
      if (name) found.set(name, c.node);
    }
    return found;
  }

  /** Wait until every running process is connected to a node; where they are. */
  const allConnected = (what: string) =>
    waitFor(
      what,
      async () => {
        const found = await connectedNodes();
        return found.size === procs.size && found;
      },
      60_000,
    );

  /** The node most processes are connected to, among `among`; how many are. */
  async function busiest(among: number[]): Promise<{ node: number; connected: number }> {
    const found = await allConnected('every process connected');
    const per = among.map((node) => ({ node, connected: [...found.values()].filter((n) => n === node).length }));
    return per.sort((a, b) => b.connected - a.connected)[0]!;
  }

  /** Resources locked by a step dispatched and not yet reported: work in flight. */
  const locked = async () =>
    (await env.pool.query(`SELECT count(*)::int AS n FROM resources WHERE worker_id IS NOT NULL`)).rows[0].n as number;

  /** SIGKILL `node` while work is in flight; returns once every process is connected to another node. */
  async function killNode(node: number, connected: number) {
    const inFlight = await waitFor('work in flight', locked, 30_000);
    await clusterNode('kill', node);
    down.add(node);
    counts.nodeKills++;
    const killedAt = Date.now();
    enter('schedule', `${nodeName(node)} killed (${connected} processes on it, ${inFlight} resources locked)`);
    const found = await allConnected('every process connected to a node that is up');
    assert.ok(![...found.values()].includes(node), `no process on the killed node ${node}`);
    nodeKills.push({ node, connected, inFlight, movedInMs: Date.now() - killedAt });
    enter('schedule', `every process on another node: ${JSON.stringify(Object.fromEntries(found))}`);
  }

  /** Start `node` again; returns once each queue's replica on it runs again (it has caught up, its quorum is whole). */
  async function restartNode(node: number) {
    await clusterNode('start', node);
    down.delete(node);
    counts.nodeRestarts++;
    await waitFor(
      `the replicas on ${nodeName(node)} online again`,
      async () =>
        (await clusterQueues(node, env.q(''))).every(
          (q) => !q.members.includes(nodeName(node)) || q.online.includes(nodeName(node)),
        ),
      60_000,
    );
    enter('schedule', `${nodeName(node)} started again; its replicas are online`);
  }

  /**
   * The broker's side once the run has settled. What a killed controller's own queue held moves
   * to the shared queue by its TTL: those queues are waited for until they are empty (their
   * depth asked of each queue). A quorum queue's counts in list_queues are its leader's as of
   * its last tick (every 5 s), so a message in flight just before the settling can still be
   * counted as unacknowledged: they are read until they say none is, for three ticks at most.
   */
  async function brokerState(): Promise<QueueState> {
    const owners = (await clusterQueues(1, env.q(''))).filter((q) => q.name.startsWith(env.q('callback_queue.owner.')));
    let held: string[] = [];
    const depths = async () => {
      const conn = await connectAny(env.config.amqpUrl);
      held = [];
      try {
        for (const q of owners) {
          const ch = await conn.createChannel();
          ch.on('error', () => {}); // a queue deleted meanwhile closes the channel
          const n = (await ch.checkQueue(q.name).catch(() => null))?.messageCount ?? 0;
          if (n) held.push(`${q.name}: ${n}`);
          await ch.close().catch(() => {});
        }
      } finally {
        await conn.close();
      }
      return held.length === 0;
    };
    await waitFor("the owners' queues to be empty", depths, 15_000).catch(() => {});
    assert.deepEqual(held, [], "messages left in an owner's queue");
    let unacked = 0;
    const none = async () =>
      (unacked = (await clusterQueues(1, env.q(''))).reduce((n, q) => n + q.messages_unacknowledged, 0)) === 0;
    await waitFor('no message unacknowledged', none, 15_000).catch(() => {});
    return queueState(env, async () => unacked);
  }

  async function run() {
    enter('workload', 'waiting for the api');
    const api = client(`http://127.0.0.1:${await procs.get('api')!.port}`, env.auth());
    await waitFor('api ready', async () => (await api.get('/readyz')).status === 200, 30_000);
    const workload = makeWorkload(api, env);

    enter('workload', 'wave 1: packages and volumes');
    await workload.wave1(10, 40);

    let scheduleDone = false;
    const schedule = async (pause: (ms: number) => Promise<void>) => {
      try {
        await pause(1_500);
        enter('schedule', 'kills');
        await kill('worker-a');
        await pause(1_000);
        await kill('controller-b');
        await pause(1_000);

        // the node the processes are connected to (all of them, at first: node 1 comes first in AMQP_URL)
        const first = await busiest(NODES);
        await killNode(first.node, first.connected);
        // started while a node is down: a process connects to one that is up
        await kill('worker-b');
        await kill('controller-a');
        await pause(1_000);
        await restartNode(first.node);
        await pause(1_000);

        // the node they moved to (processes started since the restart may be back on the first)
        const second = await busiest(NODES.filter((n) => n !== first.node));
        assert.ok(second.connected > 0, 'processes are connected to the second node killed');
        await killNode(second.node, second.connected);
        await kill('controller-b');
        await pause(1_000);
        await restartNode(second.node);

        enter('schedule', 'more kills');
        for (let i = 0; i < 4; i++) {
          await pause(500 + rand(1_500));
          await kill(['worker-a', 'worker-b', 'controller-a', 'controller-b'][rand(4)]!);
        }
      } finally {
        scheduleDone = true;
      }
    };

    // wave 2, the bulk, then packages and volumes for as long as the schedule runs: each fault
    // finds work in flight however long a node takes to start
    enter('workload', 'wave 2: the bulk, beside the chaos schedule');
    let extra = 0;
    await runBeside(schedule, async () => {
      await workload.wave2({ packages: 120, vnfs: 80, acls: 80, terminated: 15, paceMs: 60 });
      enter('workload', 'more packages and volumes until the schedule is done');
      for (; !scheduleDone && extra < 300; extra++) {
        await sleep(150);
        if (extra % 2) await workload.create('/v1/volumes', 'volume', { name: `late-vol-${extra}`, sizeGb: 1 });
        else await workload.create('/v1/vnf-packages', 'vnf_package', { name: `late-pkg-${extra}` });
      }
    });
    enter('schedule', 'done');

    // no process ended on its own (the only exits are the schedule's SIGKILLs): a crash is the
    // cause of whatever follows, so it is reported first
    assert.deepEqual(fleet.crashed(), [], 'processes that exited on their own');

    const c = await checkInvariants({
      env,
      ids: workload.ids,
      progress,
      lines: fleet.allLines,
      queues: brokerState,
    });
    const connectionsLost = fleet.allLines().filter((l) => l.includes('RabbitMQ connection lost')).length;
    console.log(
      `cluster chaos: resources=${c.resources} transitions=${c.transitions} node_kills=${counts.nodeKills} node_restarts=${counts.nodeRestarts} ` +
        `killed_nodes=${nodeKills.map((k) => k.node).join(',')} processes_on_killed_nodes=${nodeKills.map((k) => k.connected).join(',')} ` +
        `locked_at_node_kills=${nodeKills.map((k) => k.inFlight).join(',')} moved_in_ms=${nodeKills.map((k) => k.movedInMs).join(',')} ` +
        `connections_lost=${connectionsLost} kills=${fleet.counts.kills} restarts=${fleet.counts.restarts} late_resources=${extra} ` +
        `errors_injected=${c.errorsInjected} errors_unexpected=${c.errorsUnexpected} rerun_attempts=${c.rerunAttempts} takeovers=${c.takeovers} effects_deduplicated=${c.effectsDeduplicated} ` +
        `lost=${c.lost} duplicated=${c.duplicated}`,
    );
  }
});
