// Asking for a new spec or another try: delete, terminate, retry; and revoking a task.
import type { Command } from 'commander';
import { z } from 'zod';
import { parseId } from '../args.js';
import { changeOptions, reportChange, type ChangeOpts } from '../change.js';
import { expect } from '../client.js';
import type { Cli } from '../context.js';
import { TaskOut } from '../../api/responses.js';
import { outputOption, renderData, renderTable, type Column, type Format } from '../output.js';

const RevokeOut = z.object({ id: z.string(), resourceId: z.string(), state: z.string() });

/** Each change: its command, what it asks of the API, and how its answer is reported. */
type Change = {
  name: string;
  arg: string;
  summary: string;
  description: string;
  verb: string;
  request: (id: string) => [string, string];
};

const CHANGES: Change[] = [
  {
    name: 'delete',
    arg: '<id>',
    summary: 'delete a resource of any kind',
    description:
      'Delete a resource of any kind: the controller releases what it holds in the VIM, then it is\n' +
      'DELETED (and stays readable). A package or volume a live vnf uses cannot be deleted.',
    verb: 'deleting',
    request: (id) => ['DELETE', `/v1/resources/${id}`],
  },
  {
    name: 'terminate',
    arg: '<vnf-id>',
    summary: 'terminate a vnf (release its compute)',
    description: 'Terminate a vnf: its server is released, its volumes are kept; it is then TERMINATED.',
    verb: 'terminating',
    request: (id) => ['POST', `/v1/vnfs/${id}/terminate`],
  },
  {
    name: 'retry',
    arg: '<id>',
    summary: 'retry a resource in ERROR',
    description: 'Retry a resource in ERROR: it goes back to where it failed and on toward its spec.',
    verb: 'retrying',
    request: (id) => ['POST', `/v1/resources/${id}/retry`],
  },
];

const TASK_COLUMNS: Column<TaskOut>[] = [
  { head: 'ID', cell: (t) => t.id },
  { head: 'ACTION', cell: (t) => t.name },
  { head: 'STATE', cell: (t) => t.state },
  { head: 'ATTEMPT', cell: (t) => String(t.attempt) },
  { head: 'FROM', cell: (t) => `${t.from} -> ${t.to}` },
  { head: 'ERROR', cell: (t) => t.error ?? '-' },
  { head: 'RESOURCE', cell: (t) => t.resourceId, wide: true },
];

export function registerOpsCommands(program: Command, cli: Cli): void {
  for (const c of CHANGES)
    changeOptions(
      program.command(c.name).summary(c.summary).description(c.description).argument(c.arg, 'a resource id', parseId),
    ).action(async (id: string, opts: ChangeOpts) => {
      const [method, path] = c.request(id);
      await reportChange(cli, await cli.client().call(method, path), c.verb, opts);
    });

  program
    .command('task')
    .summary('a task: its state, attempt, progress, result and error')
    .argument('<task-id>', 'a task id', parseId)
    .addOption(outputOption())
    .action(async (id: string, opts: { output: Format }) => {
      const raw = await cli.client().call('GET', `/v1/tasks/${id}`);
      const t = expect(TaskOut, raw, 'task');
      if (opts.output === 'json' || opts.output === 'yaml') return void cli.out.write(renderData(raw, opts.output));
      cli.out.write(renderTable([t], TASK_COLUMNS, opts.output === 'wide'));
    });

  program
    .command('revoke')
    .summary('revoke a queued or running task')
    .description(
      'Revoke a task that has not finished: a queued attempt does not start, a running one is aborted;\n' +
        'its resource then goes to ERROR (see nfvo describe <resource-id> for task ids).',
    )
    .argument('<task-id>', 'a task id', parseId)
    .action(async (id: string) => {
      const r = expect(RevokeOut, await cli.client().call('POST', `/v1/tasks/${id}/revoke`), 'revoke');
      cli.out.write(`task/${r.id} ${r.state.toLowerCase()} (resource ${r.resourceId})\n`);
    });
}
