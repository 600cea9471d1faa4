// The nfvo CLI as an operator uses it: a separate process talking to a running nfvo over
// NFVO_URL with NFVO_TOKEN. What it prints, and how it exits (0 ok, 1 failed, 2 bad usage).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import amqp from 'amqplib';
import { parse as parseYaml } from 'yaml';
import type { Running } from '../../src/compose.js';
import { runCli, startCli, type CliRun } from '../helpers/cli.js';
import { makeTestEnv, waitFor, type TestEnv } from '../helpers/env.js';
import type { client } from '../helpers/http.js';
import { startInProcess } from '../helpers/in-process.js';
import { onboardedPackage, smallCsar } from '../helpers/packages.js';

describe('nfvo CLI', () => {
  let env: TestEnv;
  let nfvo: Running;
  let base: string;
  let api: ReturnType<typeof client>;
  let dir: string;
  let csar: string;

  before(async () => {
    env = await makeTestEnv('cli');
    ({ nfvo, base, api } = await startInProcess(env));
    dir = await mkdtemp(path.join(tmpdir(), 'nfvo-cli-'));
    csar = path.join(dir, 'pkg.zip');
    await writeFile(csar, await smallCsar());
  });
  after(async () => {
    await nfvo.stop();
    await env.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  /** `nfvo ...args` as an operator (or `as`), against this nfvo. */
  const nfvoCli = (
    args: string[],
    opts: { as?: 'viewer' | 'operator' | 'admin' | null; input?: string | Buffer } = {},
  ) =>
    runCli(
      args,
      { NFVO_URL: base, NFVO_TOKEN: opts.as === null ? undefined : env.tokens[opts.as ?? 'operator'] },
      opts.input,
    );
  const ok = (r: CliRun, what: string) => assert.equal(r.code, 0, `${what} exits 0; stderr: ${r.stderr}`);
  const json = (r: CliRun) => JSON.parse(r.stdout) as any;
  /** A resource as `get resource <id> -o json` shows it. */
  const shown = async (id: string) => {
    const r = await nfvoCli(['get', 'resource', id, '-o', 'json']);
    ok(r, 'get resource');
    return json(r);
  };

  describe('get', () => {
    let vol: string;
    before(async () => {
      const r = await nfvoCli(['create', 'volume', '--name', 'cli-vol', '--size-gb', '2', '--wait', '-o', 'id']);
      ok(r, 'create volume --wait');
      vol = r.stdout.trim();
    });

    it('lists a created resource as a table, and with -o wide its lock, task and error columns', async () => {
      const r = await nfvoCli(['get', 'volumes']);
      ok(r, 'get volumes');
      const [head, ...rows] = r.stdout.trimEnd().split('\n');
      assert.match(head!, /^ID\s+TYPE\s+NAME\s+STATUS\s+SPEC\s+AGE$/);
      assert.ok(
        rows.some((l) => new RegExp(`^${vol}\\s+volume\\s+cli-vol\\s+AVAILABLE\\s+AVAILABLE\\s+\\d+[smhd]$`).test(l)),
        r.stdout,
      );
      const wide = await nfvoCli(['get', 'vol', '-o', 'wide']);
      assert.match(wide.stdout.split('\n')[0]!, /RETRIES\s+AWAITING\s+WORKER\s+TASK\s+UPDATED\s+ERROR/);
    });

    it('prints the API’s own resources with -o json and -o yaml', async () => {
      const asJson = json(await nfvoCli(['get', 'volume', '-o', 'json']));
      const fromJson = asJson.items.find((x: any) => x.id === vol);
      assert.equal(fromJson.status, 'AVAILABLE');
      assert.equal(fromJson.properties.sizeGb, 2);
      const asYaml = parseYaml((await nfvoCli(['get', 'volumes', '-o', 'yaml'])).stdout);
      assert.deepEqual(
        asYaml.items.find((x: any) => x.id === vol),
        fromJson,
      );
      assert.equal(parseYaml((await nfvoCli(['get', 'volume', vol, '-o', 'yaml'])).stdout).name, 'cli-vol');
    });

    it('reads every page, and filters by status', async () => {
      const ids = await Promise.all(
        [1, 2, 3, 4].map(async (i) => (await api.post('/v1/volumes', { name: `page-${i}`, sizeGb: 1 })).body.id),
      );
      for (const id of ids) await api.waitStatus(id, 'AVAILABLE');
      const r = json(await nfvoCli(['get', 'volumes', '--chunk-size', '2', '-o', 'json']));
      for (const id of [vol, ...ids])
        assert.ok(
          r.items.some((x: any) => x.id === id),
          `${id} listed`,
        );
      const limited = json(await nfvoCli(['get', 'volumes', '--chunk-size', '2', '--limit', '3', '-o', 'json']));
      assert.equal(limited.items.length, 3);
      const errors = json(await nfvoCli(['get', 'volumes', '--status', 'ERROR', '-o', 'json']));
      assert.ok(!errors.items.some((x: any) => x.id === vol));
    });

    it('--watch prints the list, then each resource again as it moves', async () => {
      const watching = startCli(['get', 'volumes', '--watch'], { NFVO_URL: base, NFVO_TOKEN: env.tokens.viewer });
      try {
        await waitFor('the list', async () => watching.output().stdout.includes(vol));
        const id = (await api.post('/v1/volumes', { name: 'watched', sizeGb: 1 })).body.id;
        await waitFor(
          'the new volume, AVAILABLE',
          async () => new RegExp(`^${id}\\s+volume\\s+watched\\s+AVAILABLE`, 'm').test(watching.output().stdout),
          30_000,
        );
        assert.equal(watching.output().stdout.match(/^ID\s+TYPE/gm)?.length, 1, 'one heading');
      } finally {
        watching.child.kill('SIGINT');
        await watching.ended;
      }
    });

    it('an unknown id exits 1 with the API’s message; a request without a token says to set one', async () => {
      const unknown = randomUUID();
      const r = await nfvoCli(['get', 'volume', unknown]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, new RegExp(`volume ${unknown} not found \\(404 Not Found\\)`));
      const anonymous = await nfvoCli(['get', 'volumes'], { as: null });
      assert.equal(anonymous.code, 1);
      assert.match(anonymous.stderr, /missing bearer token.*\(401 Unauthorized\)/);
      assert.match(anonymous.stderr, /NFVO_TOKEN is not set/);
    });
  });

  describe('bad usage exits 2, saying what is wrong', () => {
    const cases: [string, string[], RegExp][] = [
      ['an unknown kind', ['get', 'widgets'], /"widgets" is not a kind/],
      ['an unknown output format', ['get', 'vnfs', '-o', 'xml'], /Allowed choices are table, wide, json, yaml/],
      ['an id that is not one', ['describe', '../tokens'], /is not an id/],
      ['a missing flag', ['create', 'volume', '--name', 'v'], /missing --size-gb/],
      ['a malformed rule', ['create', 'acl', '--name', 'a', '--rule', 'ingress,allow'], /is not a rule/],
      ['an unknown command', ['frobnicate'], /unknown command 'frobnicate'/],
      ['an unknown option', ['get', 'vnfs', '--colour'], /unknown option '--colour'/],
      ['a group without its command', ['dlq'], /Usage: nfvo dlq/],
      ['a body that is not JSON', ['create', 'volume', '-f', '-'], /stdin: not JSON/],
    ];
    for (const [what, args, message] of cases)
      it(what, async () => {
        const r = await nfvoCli(args, { input: 'not json' });
        assert.equal(r.code, 2, r.stderr);
        assert.match(r.stderr, message);
      });

    it('--help on a command exits 0 with its usage', async () => {
      const r = await nfvoCli(['create', 'vnf', '--help']);
      ok(r, 'create vnf --help');
      assert.match(r.stdout, /Usage: nfvo create vnf \[options\]/);
      assert.match(r.stdout, /--volume <id>\s+a volume to attach \(repeatable\)/);
      const top = await nfvoCli(['--help']);
      for (const cmd of ['get', 'describe', 'create', 'delete', 'fsm', 'processes', 'dlq', 'token', 'all'])
        assert.match(top.stdout, new RegExp(`^  ${cmd}\\b`, 'm'));
    });
  });

  describe('packages', () => {
    it('create package --file --wait exits 0 once it is ONBOARDED', async () => {
      const r = await nfvoCli(['create', 'package', '--file', csar, '--name', 'cli-pkg', '--wait', '-o', 'id']);
      ok(r, 'create package --wait');
      const id = r.stdout.trim();
      assert.match(r.stderr, new RegExp(`vnf_package/${id} ONBOARDED`));
      const got = json(await nfvoCli(['get', 'package', id, '-o', 'json']));
      assert.equal(got.status, 'ONBOARDED');
      assert.equal(got.name, 'cli-pkg');
    });

    it('one created without its content waits for it: --wait says so, upload onboards it', async () => {
      const waiting = await nfvoCli(['create', 'package', '--name', 'later', '--wait', '-o', 'id']);
      assert.equal(waiting.code, 1);
      const id = waiting.stdout.trim();
      assert.match(waiting.stderr, new RegExp(`waits for its content: upload it with "nfvo upload ${id}`));
      ok(await nfvoCli(['upload', id, '--file', '-', '--wait'], { input: await smallCsar() }), 'upload from stdin');
      assert.equal((await shown(id)).status, 'ONBOARDED');
    });

    it('vnfd prints the package’s VNFD', async () => {
      const id = await onboardedPackage(api, 'vnfd-pkg');
      const r = await nfvoCli(['vnfd', id]);
      ok(r, 'vnfd');
      assert.match(parseYaml(r.stdout).tosca_definitions_version, /^tosca_simple_yaml/);
    });

    it('download saves the CSAR as it was uploaded; artifact prints one of its files', async () => {
      const id = await onboardedPackage(api, 'download-pkg');
      const out = path.join(dir, 'back.zip');
      ok(await nfvoCli(['download', id, '--output', out]), 'download');
      const { readFile } = await import('node:fs/promises');
      assert.deepEqual(await readFile(out), await smallCsar());
      const file = await nfvoCli(['artifact', id, 'Scripts/install.sh']);
      ok(file, 'artifact');
      assert.equal(file.stdout, '#!/bin/sh\necho installed\n');
      const missing = await nfvoCli(['artifact', id, 'Scripts/none.sh']);
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /404/);
    });
  });

  describe('changes, with --wait', () => {
    it('a create whose resource lands in ERROR exits 1 with its error; retry --wait brings it to its spec', async () => {
      const body = JSON.stringify({ name: 'doomed', sizeGb: 1, simulate: { fail: { create: 4 } } });
      const r = await nfvoCli(['create', 'volume', '-f', '-', '--wait', '-o', 'id'], { input: body });
      assert.equal(r.code, 1, r.stderr);
      const id = r.stdout.trim();
      assert.match(r.stderr, new RegExp(`volume/${id} is in ERROR: volume\\.create failed: simulated create failure`));
      assert.equal((await shown(id)).status, 'ERROR');
      const retried = await nfvoCli(['retry', id, '--wait']);
      ok(retried, 'retry --wait');
      assert.match(retried.stdout, new RegExp(`^volume/${id} retrying$`, 'm'));
      assert.equal((await shown(id)).status, 'AVAILABLE');
    });

    it('a vnf is created from flags, terminated and deleted, each waited for', async () => {
      const pkg = await onboardedPackage(api, 'vnf-pkg');
      const vol = (await api.post('/v1/volumes', { name: 'data', sizeGb: 1 })).body.id;
      await api.waitStatus(vol, 'AVAILABLE');
      const made = await nfvoCli(['create', 'vnf', '--name', 'cli-vnf', '--package', pkg, '--volume', vol, '--wait']);
      ok(made, 'create vnf --wait');
      const id = /^vnf\/(\S+) created$/m.exec(made.stdout)?.[1];
      assert.ok(id, made.stdout);
      const up = await shown(id);
      assert.equal(up.status, 'INSTANTIATED');
      assert.deepEqual(up.properties.volumeIds, [vol]);
      ok(await nfvoCli(['terminate', id, '--wait']), 'terminate --wait');
      assert.equal((await shown(id)).status, 'TERMINATED');
      const gone = await nfvoCli(['delete', id, '--wait', '-o', 'json']);
      ok(gone, 'delete --wait');
      assert.equal(json(gone).status, 'DELETED', 'the resource as it ended up');
    });

    it('an acl is created with --rule flags', async () => {
      const r = await nfvoCli([
        'create',
        'acl',
        '--name',
        'cli-acl',
        '--rule',
        'ingress,allow,tcp,10.0.0.0/24,22',
        '--rule',
        'egress,deny,any,0.0.0.0/0',
        '--wait',
        '-o',
        'json',
      ]);
      ok(r, 'create acl');
      const acl = json(r);
      assert.equal(acl.status, 'APPLIED');
      assert.deepEqual(acl.properties.rules, [
        { direction: 'ingress', action: 'allow', protocol: 'tcp', cidr: '10.0.0.0/24', ports: '22' },
        { direction: 'egress', action: 'deny', protocol: 'any', cidr: '0.0.0.0/0' },
      ]);
    });

    it('what the API refuses exits 1 with its reason', async () => {
      const r = await nfvoCli(['create', 'volume', '--name', 'huge', '--size-gb', '100000']);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /sizeGb: .*\(422 Unprocessable Content\)/);
      const notInError = (await api.post('/v1/volumes', { name: 'fine', sizeGb: 1 })).body.id;
      await api.waitStatus(notInError, 'AVAILABLE');
      const retry = await nfvoCli(['retry', notInError]);
      assert.equal(retry.code, 1);
      assert.match(retry.stderr, /is AVAILABLE, not ERROR.*\(409 Conflict\)/);
    });

    it('revoke stops a running task; its resource goes to ERROR', async () => {
      const id = (
        await api.post('/v1/volumes', { name: 'slow', sizeGb: 1, simulate: { latencyMs: { create: 20_000 } } })
      ).body.id;
      const task = await waitFor('its task', async () => (await api.get(`/v1/resources/${id}`)).body.taskId as string);
      const r = await nfvoCli(['revoke', task]);
      ok(r, 'revoke');
      assert.equal(r.stdout.trim(), `task/${task} revoked (resource ${id})`);
      await api.waitStatus(id, 'ERROR');
    });

    it('a viewer’s delete exits 1 with the 403 message', async () => {
      const id = (await api.post('/v1/volumes', { name: 'kept', sizeGb: 1 })).body.id;
      const r = await nfvoCli(['delete', id], { as: 'viewer' });
      assert.equal(r.code, 1);
      assert.match(r.stderr, /role viewer may not DELETE .*; needs operator \(403 Forbidden\)/);
      assert.equal((await api.get(`/v1/resources/${id}`)).body.spec, 'AVAILABLE');
    });
  });

  describe('describe and fsm', () => {
    it('describe shows spec against status, properties and the timeline', async () => {
      const id = (await api.post('/v1/volumes', { name: 'described', sizeGb: 3 })).body.id;
      await api.waitStatus(id, 'AVAILABLE');
      const r = await nfvoCli(['describe', id], { as: 'viewer' });
      ok(r, 'describe');
      assert.match(r.stdout, /^Name:\s+described$/m);
      assert.match(r.stdout, /^Spec:\s+AVAILABLE$/m);
      assert.match(r.stdout, /^Status:\s+AVAILABLE\s+\(settled\)$/m);
      assert.match(r.stdout, /^Properties:\n {2}sizeGb: 3$/m);
      assert.match(r.stdout, /^Transitions:\n\s+TIME\s+FROM\s+TO\s+ACTION\s+OUTCOME/m);
      assert.match(r.stdout, /CREATED\s+AVAILABLE\s+volume\.create\s+SUCCESS/);
      assert.match(r.stdout, /^Attempts:$/m);
      const all = json(await nfvoCli(['describe', id, '-o', 'json']));
      assert.equal(all.resource.id, id);
      assert.deepEqual(
        all.transitions.map((t: any) => `${t.from}->${t.to}`),
        ['CREATED->AVAILABLE'],
      );
    });

    it('fsm prints the table, and draws it as mermaid and dot', async () => {
      const mermaid = await nfvoCli(['fsm', 'vnf', '--format', 'mermaid'], { as: 'viewer' });
      ok(mermaid, 'fsm mermaid');
      const lines = mermaid.stdout.split('\n').map((l) => l.trim());
      assert.equal(lines[0], 'stateDiagram-v2');
      for (const line of [
        '[*] --> CREATED',
        'CREATED --> ALLOCATED : vnf.allocate',
        'BOOTING --> BOOTED : vnf.boot',
        'BOOTED --> INSTANTIATED : vnf.configure',
        'INSTANTIATED --> TERMINATED : vnf.release',
        'TERMINATED --> DELETED : vnf.delete',
      ])
        assert.ok(lines.includes(line), `${line} in\n${mermaid.stdout}`);
      const dot = (await nfvoCli(['fsm', 'package', '--format', 'dot'])).stdout;
      assert.match(dot, /^digraph "vnf_package" \{/);
      assert.match(dot, /"CREATED" -> "UPLOADED" \[label="vnfp.upload"\];/);
      const table = (await nfvoCli(['fsm', 'volume'])).stdout;
      assert.match(table, /^STATUS\s+SPEC\s+ACTION\s+NEXT\s+WAITING\s+RETRIES/m);
      assert.match(table, /^CREATED\s+AVAILABLE\s+volume\.create\s+AVAILABLE\s/m);
    });
  });

  describe('tokens', () => {
    it('an admin creates, lists and revokes tokens through the API', async () => {
      const made = await nfvoCli(['token', 'create', '--role', 'viewer', '--name', 'ci reader'], { as: 'admin' });
      ok(made, 'token create');
      const secret = made.stdout.trim();
      const id = /created viewer token (\S+) \("ci reader"\)/.exec(made.stderr)?.[1];
      assert.ok(id, made.stderr);
      const works = await runCli(['get', 'volumes'], { NFVO_URL: base, NFVO_TOKEN: secret });
      ok(works, 'the new token reads');
      const ls = await nfvoCli(['token', 'ls'], { as: 'admin' });
      ok(ls, 'token ls');
      assert.match(ls.stdout, /^ID\s+NAME\s+ROLE\s+CREATED\s+REVOKED$/m);
      assert.match(ls.stdout, new RegExp(`^${id}\\s+ci reader\\s+viewer\\s+\\S+\\s+-$`, 'm'));
      ok(await nfvoCli(['token', 'revoke', id], { as: 'admin' }), 'token revoke');
      const revoked = json(await nfvoCli(['token', 'ls', '-o', 'json'], { as: 'admin' })).items.find(
        (t: any) => t.id === id,
      );
      assert.ok(revoked.revokedAt);
    });

    it('an operator may not manage tokens through the API', async () => {
      const r = await nfvoCli(['token', 'ls']);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /needs admin \(403 Forbidden\)/);
    });

    it('with no NFVO_TOKEN, token create writes to the database: the first admin token', async () => {
      const r = await runCli(['token', 'create', '--role', 'admin', '--name', 'bootstrap'], {
        NFVO_TOKEN: undefined,
        DATABASE_URL: env.vars.DATABASE_URL,
        LOG_LEVEL: 'silent',
      });
      ok(r, 'token create (database)');
      const admin = r.stdout.trim();
      const ls = await runCli(['token', 'ls', '-o', 'json'], { NFVO_URL: base, NFVO_TOKEN: admin });
      ok(ls, 'token ls with the new admin token');
      assert.ok(json(ls).items.some((t: any) => t.name === 'bootstrap' && t.role === 'admin'));
    });
  });

  // the fleet's commands: processes, queues, the dead letters, and a resource's attempts
  describe('the fleet', () => {
    it('processes lists the running nfvo with its roles', async () => {
      const r = await nfvoCli(['processes'], { as: 'viewer' });
      ok(r, 'processes');
      assert.match(r.stdout, /^ID\s+ROLES\s+STATE\s+HOST\s+PID\s+IN-FLIGHT\s+HEARTBEAT\s+AGE$/m);
      assert.match(r.stdout, new RegExp(`\\s+api,controller,worker\\s+online\\s+\\S+\\s+${process.pid}\\s`));
      assert.equal(typeof json(await nfvoCli(['ps', '-o', 'json'])).heartbeatIntervalS, 'number');
    });

    it('queues lists nfvo’s queues with their messages and consumers', async () => {
      const r = await nfvoCli(['queues'], { as: 'viewer' });
      ok(r, 'queues');
      assert.match(r.stdout, /^NAME\s+MESSAGES\s+CONSUMERS$/m);
      assert.match(r.stdout, /^\S*api_queue\s+\d+\s+[1-9]/m);
    });

    it('dlq lists a dead letter with its reason; requeue sends it back, discard drops it', async () => {
      const conn = await amqp.connect(env.config.amqpUrl);
      try {
        const ch = await conn.createChannel();
        for (const id of ['cli-dead-1', 'cli-dead-2'])
          ch.sendToQueue(env.q('api_queue'), Buffer.from('not json'), { persistent: true, messageId: id });
        await ch.close();
      } finally {
        await conn.close();
      }
      await waitFor('two dead letters', async () => {
        const r = await nfvoCli(['dlq', 'ls', '-o', 'json'], { as: 'viewer' });
        return r.code === 0 && json(r).items.filter((d: any) => d.id.startsWith('cli-dead-')).length === 2;
      });
      const ls = await nfvoCli(['dlq', 'ls']);
      assert.match(ls.stdout, /^ID\s+QUEUE\s+REASON$/m);
      assert.match(ls.stdout, /^cli-dead-1\s+\S*api_queue\s+malformed JSON$/m);
      const requeued = await nfvoCli(['dlq', 'requeue', 'cli-dead-1'], { as: 'admin' });
      ok(requeued, 'dlq requeue');
      assert.match(requeued.stdout, /^dead-letter\/cli-dead-1 requeued \(\S*api_queue\)$/m);
      const discarded = await nfvoCli(['dlq', 'discard', 'cli-dead-2'], { as: 'admin' });
      ok(discarded, 'dlq discard');
      assert.match(discarded.stdout, /^dead-letter\/cli-dead-2 discarded/m);
      const missing = await nfvoCli(['dlq', 'discard', 'cli-dead-2'], { as: 'admin' });
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /\(404 Not Found\)/);
    });

    it('overview counts resources by type and status; task shows one task', async () => {
      const o = await nfvoCli(['overview']);
      ok(o, 'overview');
      assert.match(o.stdout, /^TYPE\s+STATUS\s+COUNT$/m);
      assert.match(o.stdout, /^vnf_package\s+ONBOARDED\s+\d+$/m);
      assert.match(o.stdout, /transitions in the last hour: [1-9]\d*/);
      const pkg = json(await nfvoCli(['get', 'packages', '-o', 'json'])).items[0];
      const transitions = (await api.get(`/v1/resources/${pkg.id}/transitions`)).body.items;
      const taskId = transitions.find((t: any) => t.taskId).taskId;
      const t = await nfvoCli(['task', taskId, '-o', 'json']);
      ok(t, 'task');
      assert.equal(json(t).id, taskId);
      assert.equal(json(t).state, 'SUCCESS');
    });

    it('describe shows the attempts of its tasks', async () => {
      const body = JSON.stringify({ name: 'flaky', sizeGb: 1, simulate: { fail: { create: 1 } } });
      const id = (await nfvoCli(['create', 'volume', '-f', '-', '--wait', '-o', 'id'], { input: body })).stdout.trim();
      const r = await nfvoCli(['describe', id]);
      ok(r, 'describe');
      assert.match(r.stdout, /^Attempts:\n\s+ACTION\s+ATTEMPT\s+CHECKS\s+OUTCOME\s+WORKER/m);
      assert.match(r.stdout, /volume\.create\s+1\s+0\s+failed\s/);
      assert.match(r.stdout, /volume\.create\s+2\s+0\s+succeeded\s/);
    });
  });
});
