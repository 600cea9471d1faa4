// Start nfvo roles as separate OS processes (the built CLI), capture their JSON logs.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { within } from '../../src/within.js';
import { ROOT } from './env.js';

const CLI = path.join(ROOT, 'dist', 'cli.js');

export type Proc = {
  role: string;
  child: ChildProcess;
  lines: string[];
  /** The API's port (api and all roles), once it answers /healthz. */
  port: Promise<number>;
  exited: Promise<number | null>;
  /** Signal it and wait for its exit; one that has not exited within `withinMs` is killed and this rejects. */
  stop(signal?: NodeJS.Signals, withinMs?: number): Promise<number | null>;
};

// children still running when the test process exits (a failed or timed-out test) are killed
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** A port nothing listens on right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

async function answering(port: number, isGone: () => boolean): Promise<number> {
  for (;;) {
    if (isGone()) throw new Error('the api process exited before it listened');
    if ((await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => null))?.ok) return port;
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function spawnNfvo(role: string, vars: Record<string, string>): Promise<Proc> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first (npm test does)`);
  const serves = role === 'api' || role === 'all';
  const portNumber = serves ? await freePort() : 0;
  const env = { ...process.env, ...vars, ...(serves ? { PORT: String(portNumber) } : {}) };
  const child = spawn(process.execPath, [CLI, role], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let buf = '';
  const onData = (chunk: Buffer) => {
    buf += chunk.toString();
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      lines.push(buf.slice(0, i));
      buf = buf.slice(i + 1);
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  running.add(child);
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => (running.delete(child), r(code))));
  const port = serves
    ? answering(portNumber, () => child.exitCode !== null || child.signalCode !== null)
    : new Promise<number>(() => {});
  port.catch(() => {});
  return {
    role,
    child,
    lines,
    port,
    exited,
    async stop(signal = 'SIGTERM', withinMs = 20_000) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const code = await within(exited, withinMs, 'overdue' as const);
      if (code !== 'overdue') return code;
      child.kill('SIGKILL');
      await exited;
      throw new Error(
        `${role} (pid ${child.pid}) did not exit within ${withinMs} ms of ${signal}; killed. Its last lines:\n${lines.slice(-10).join('\n')}`,
      );
    },
  };
}
