// --wait: follow a resource until its status is its spec, showing where it is on the way.
// On a terminal one progress line is rewritten in place; elsewhere each change is a line.
import { setTimeout as sleep } from 'node:timers/promises';
import { ResourceOut } from '../api/responses.js';
import { CliError } from './cli-error.js';
import { expect, type Client } from './client.js';

const POLL_MS = 250;

/** What identifies one state of a resource: a retry that fails again within a poll still differs. */
const fingerprint = (r: ResourceOut) => [r.status, r.spec, r.workerId, r.taskId, r.retryCount, r.updatedAt].join('|');

/** Where a resource is, for a person reading a progress line. */
const describeState = (r: ResourceOut) =>
  `${r.type}/${r.id} ${r.status === r.spec ? r.status : `${r.status} -> ${r.spec}`}` +
  (r.retryCount ? ` (retry ${r.retryCount})` : '');

/** Settled: at its spec and unlocked. Failed: unlocked in ERROR, having changed since it was asked. */
function verdict(r: ResourceOut, asked: string): 'done' | 'failed' | 'stuck' | null {
  if (r.workerId !== null) return null;
  if (r.status === r.spec) return 'done';
  // a resource the request found in ERROR (a retry, a delete) is judged once the controller has moved it
  if (r.status === 'ERROR' && fingerprint(r) !== asked) return 'failed';
  if (r.awaiting) return 'stuck';
  return null;
}

function why(r: ResourceOut, state: 'failed' | 'stuck'): string {
  const it = `${r.type}/${r.id}`;
  if (state === 'failed') return `${it} is in ERROR: ${r.error ?? 'no reason recorded'}`;
  const hint = r.awaiting === 'content' ? `: upload it with "nfvo upload ${r.id} --file <package.zip>"` : '';
  return `${it} waits for its ${r.awaiting}${hint}`;
}

/** A progress line: rewritten in place on a terminal (with the time waited), a line per change elsewhere. */
function makeProgress(err: NodeJS.WriteStream) {
  const started = Date.now();
  let shown = '';
  return {
    elapsedS: () => (Date.now() - started) / 1000,
    show(line: string) {
      if (err.isTTY) err.write(`\r\x1b[K${line}  ${Math.round((Date.now() - started) / 1000)}s`);
      else if (line !== shown) err.write(`${line}\n`);
      shown = line;
    },
    end(line: string) {
      if (err.isTTY) err.write(`\r\x1b[K${line}\n`);
      else if (line !== shown) err.write(`${line}\n`);
    },
  };
}

/**
 * Wait until the resource a request answered with settles. Returns the API's last answer, at its
 * spec; throws a CliError (exit 1) when it lands in ERROR, waits for something only a user can
 * give, or time runs out.
 */
export async function waitSettled(
  client: Client,
  answer: unknown,
  opts: { err: NodeJS.WriteStream; timeoutS?: number },
): Promise<unknown> {
  const progress = makeProgress(opts.err);
  let raw = answer;
  let r = expect(ResourceOut, raw, 'the change');
  const asked = fingerprint(r);
  for (;;) {
    const state = verdict(r, asked);
    if (state === 'done') return (progress.end(describeState(r)), raw);
    if (state) {
      progress.end(describeState(r));
      throw new CliError(why(r, state));
    }
    if (opts.timeoutS && progress.elapsedS() > opts.timeoutS) {
      progress.end(describeState(r));
      throw new CliError(`${r.type}/${r.id} did not settle within ${opts.timeoutS}s`);
    }
    progress.show(describeState(r));
    await sleep(POLL_MS);
    raw = await client.call('GET', `/v1/resources/${r.id}`);
    r = expect(ResourceOut, raw, `resource ${r.id}`);
  }
}
