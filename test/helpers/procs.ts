// Start nfvo roles as separate OS processes (the built CLI), capture their JSON logs.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './env.js';

const CLI = path.join(ROOT, 'dist', 'cli.js');

export type Proc = {
  role: string;
  child: ChildProcess;
  lines: string[];
  /** Resolves with the API port once the process logs it (api and all roles). */
  port: Promise<number>;
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
};

export function spawnNfvo(role: string, vars: Record<string, string>): Proc {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first (npm test does)`);
  const child = spawn(process.execPath, [CLI, role], { env: { ...process.env, ...vars }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let resolvePort!: (p: number) => void;
  const port = new Promise<number>((r) => (resolvePort = r));
  let buf = '';
  const onData = (chunk: Buffer) => {
    buf += chunk.toString();
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      lines.push(line);
      if (line.includes('"api listening"')) resolvePort(JSON.parse(line).port);
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return {
    role,
    child,
    lines,
    port,
    exited,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
