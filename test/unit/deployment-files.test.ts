// The deployment files in deploy/ say what nfvo accepts: every process's environment parses,
// the RabbitMQ cluster is listed whole with quorum queues, and every command is a role.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config.js';
import { ROOT } from '../helpers/env.js';

const DEPLOY = path.join(ROOT, 'deploy');
const ROLES = ['api', 'controller', 'worker', 'all', 'migrate'];

describe('deploy/docker-compose.cluster.yml', () => {
  const compose = parse(readFileSync(path.join(DEPLOY, 'docker-compose.cluster.yml'), 'utf8'), { merge: true }) as {
    services: Record<string, { command?: string[]; environment?: Record<string, string>; build?: unknown }>;
  };
  const nfvo = Object.entries(compose.services).filter(([, s]) => s.build);

  it('runs each role, and each one’s environment is a valid configuration with quorum queues on all three nodes', () => {
    assert.deepEqual(nfvo.map(([n]) => n).sort(), ['api', 'controller', 'migrate', 'worker']);
    const rabbits = Object.keys(compose.services).filter((n) => n.startsWith('rabbitmq'));
    assert.equal(rabbits.length, 3);
    for (const [name, s] of nfvo) {
      assert.ok(ROLES.includes(s.command![0]!), `${name} runs a role`);
      const c = loadConfig(s.environment!);
      assert.equal(c.queueType, 'quorum', name);
      const hosts = c.amqpUrl.split(',').map((u) => new URL(u).hostname);
      assert.deepEqual(hosts.sort(), rabbits.sort(), `${name} lists every node`);
    }
  });
});

describe('deploy/systemd', () => {
  const dir = path.join(DEPLOY, 'systemd');
  const env = Object.fromEntries(
    readFileSync(path.join(dir, 'nfvo.env'), 'utf8')
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );

  it('the shared environment file is a valid configuration', () => {
    const c = loadConfig(env);
    assert.equal(c.queueType, 'quorum');
    assert.equal(c.amqpUrl.split(',').length, 3);
  });

  it('every unit runs a role of nfvo with that environment, and does not restart on a refusal to start', () => {
    const units = readdirSync(dir).filter((f) => f.endsWith('.service'));
    assert.deepEqual(units.sort(), ['nfvo-api.service', 'nfvo-controller@.service', 'nfvo-worker@.service']);
    for (const u of units) {
      const text = readFileSync(path.join(dir, u), 'utf8');
      const role = /^ExecStart=\S+ \S+cli\.js (\w+)$/m.exec(text)?.[1];
      assert.ok(role && ROLES.includes(role), `${u} runs a role`);
      assert.match(text, /^EnvironmentFile=\/etc\/nfvo\/nfvo\.env$/m);
      assert.match(text, /^RestartPreventExitStatus=2$/m, `${u}: exit 2 is a configuration error`);
      const port = /^Environment=METRICS_PORT=(\S+)$/m.exec(text)?.[1];
      if (port) assert.doesNotThrow(() => loadConfig({ ...env, METRICS_PORT: port.replace('%i', '1') }));
    }
  });
});
