// What the commands that change a resource share: --wait, --timeout, -o, and how the API's
// 202 answer is reported.
import { Option, type Command } from 'commander';
import { ResourceOut } from '../api/responses.js';
import { expect } from './client.js';
import type { Cli } from './context.js';
import { positiveInt } from './args.js';
import { renderData } from './output.js';
import { waitSettled } from './wait.js';

export type ChangeOpts = { wait?: boolean; timeout?: number; output: 'text' | 'id' | 'json' | 'yaml' };

/** The options of a command that changes a resource. */
export function changeOptions(cmd: Command): Command {
  return cmd
    .option('--wait', 'wait until its status is its spec (exit 1 if it lands in ERROR)')
    .option('--timeout <seconds>', 'with --wait: give up after this long (exit 1)', positiveInt)
    .addOption(
      new Option('-o, --output <format>', 'how to print it (id: the id alone, for scripts)')
        .choices(['text', 'id', 'json', 'yaml'])
        .default('text'),
    );
}

/**
 * Report the resource the API accepted a change of (`verb`: "created", "deleting", ...), then
 * with --wait follow it until it settles; json and yaml print it as it ends up.
 */
export async function reportChange(cli: Cli, answer: unknown, verb: string, opts: ChangeOpts): Promise<void> {
  const accepted = expect(ResourceOut, answer, 'the change');
  if (opts.output === 'text') cli.out.write(`${accepted.type}/${accepted.id} ${verb}\n`);
  if (opts.output === 'id') cli.out.write(`${accepted.id}\n`);
  const final = opts.wait ? await waitSettled(cli.client(), answer, { err: cli.err, timeoutS: opts.timeout }) : answer;
  if (opts.output === 'json' || opts.output === 'yaml') cli.out.write(renderData(final, opts.output));
}
