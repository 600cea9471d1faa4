// Run the nfvo CLI as a user does: a child process (from the sources, through tsx), with its
// environment, its stdin, and what it printed and how it exited.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { ROOT } from './env.js';

const ENTRY = path.join(ROOT, 'src', 'cli.ts');
/** A command that has not ended by then is killed and its run fails (a test must not hang on it). */
const RUN_TIMEOUT_MS = 60_000;

export type CliRun = { code: number | null; stdout: string; stderr: string };

// children left running by a failed test are killed when the test process exits
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** The child's environment: this one's, with `vars` over it; a variable given as undefined is removed. */
function childEnv(vars: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...vars };
  for (const [k, v] of Object.entries(vars)) if (v === undefined) delete env[k];
  return env;
}

export type Started = {
  child: ChildProcess;
  /** What it printed so far. */
  output(): CliRun;
  ended: Promise<CliRun>;
};

export function startCli(args: string[], vars: Record<string, string | undefined>, input?: string | Buffer): Started {
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, ...args], {
    cwd: ROOT,
    env: childEnv(vars),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  running.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  child.stdin!.end(input ?? '');
  const ended = new Promise<CliRun>((resolve) =>
    child.on('close', (code) => {
      running.delete(child);
      resolve({ code, stdout, stderr });
    }),
  );
  return { child, output: () => ({ code: child.exitCode, stdout, stderr }), ended };
}

/** Run `nfvo ...args` to its end. */
export async function runCli(
  args: string[],
  vars: Record<string, string | undefined>,
  input?: string | Buffer,
): Promise<CliRun> {
  const started = startCli(args, vars, input);
  const timer = setTimeout(() => started.child.kill('SIGKILL'), RUN_TIMEOUT_MS);
  const run = await started.ended;
  clearTimeout(timer);
  if (run.code === null)
    throw new Error(`nfvo ${args.join(' ')} did not end within ${RUN_TIMEOUT_MS} ms: ${run.stderr}`);
  return run;
}
