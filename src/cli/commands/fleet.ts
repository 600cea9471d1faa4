// The fleet behind the API: its processes, its queues, and the dead-letter queue.
import { InvalidArgumentError, type Command } from 'commander';
import {
  DeadLetterActionOut,
  DeadLetterListOut,
  OverviewOut,
  ProcessListOut,
  QueueListOut,
  type DeadLetterOut,
  type ProcessOut,
} from '../../api/responses.js';
import { expect } from '../client.js';
import type { Cli } from '../context.js';
import { age, cell, clip, outputOption, printResult, type Column, type Format } from '../output.js';

const PROCESS_COLUMNS: Column<ProcessOut>[] = [
  { head: 'ID', cell: (p) => p.id },
  { head: 'ROLES', cell: (p) => p.roles.join(',') },
  { head: 'STATE', cell: (p) => p.state },
  { head: 'HOST', cell: (p) => p.host },
  { head: 'PID', cell: (p) => String(p.pid) },
  { head: 'IN-FLIGHT', cell: (p) => String(p.inFlight) },
  { head: 'HEARTBEAT', cell: (p) => `${age(p.heartbeatAt)} ago` },
  { head: 'AGE', cell: (p) => age(p.startedAt) },
  { head: 'VERSION', cell: (p) => p.version, wide: true },
  {
    head: 'CONCURRENCY',
    cell: (p) =>
      Object.entries(p.concurrency)
        .map(([k, v]) => `${k}=${v}`)
        .join(',') || '-',
    wide: true,
  },
  { head: 'STOPPED', cell: (p) => cell(p.stoppedAt), wide: true },
];

type Queue = { name: string; messages: number; consumers: number };
const QUEUE_COLUMNS: Column<Queue>[] = [
  { head: 'NAME', cell: (q) => q.name },
  { head: 'MESSAGES', cell: (q) => String(q.messages) },
  { head: 'CONSUMERS', cell: (q) => String(q.consumers) },
];

const DEAD_LETTER_COLUMNS: Column<DeadLetterOut>[] = [
  { head: 'ID', cell: (d) => d.id },
  { head: 'QUEUE', cell: (d) => cell(d.queue) },
  { head: 'REASON', cell: (d) => clip(d.reason, 80) },
  { head: 'PAYLOAD', cell: (d) => clip(JSON.stringify(d.payload) ?? '', 120), wide: true },
];

/** A message id, as a path segment (".." would climb out of the route). */
function parseMessageId(id: string): string {
  if (!id || id === '.' || id === '..') throw new InvalidArgumentError(`"${id}" is not a message id`);
  return encodeURIComponent(id);
}

function registerDlq(program: Command, cli: Cli): void {
  const dlq = program
    .command('dlq')
    .summary('the dead-letter queue: list, requeue, discard')
    .description(
      'Messages nfvo could not handle, with why: list them (a viewer may), send one back to its\n' +
        'queue or drop it (an admin may).',
    );
  dlq
    .command('ls')
    .alias('list')
    .summary('list dead letters')
    .addOption(outputOption())
    .action(async (opts: { output: Format }) => {
      const raw = await cli.client().call('GET', '/v1/dead-letters');
      const list = expect(DeadLetterListOut, raw, 'dead letters');
      printResult(cli.out, opts.output, { raw, rows: list.items, columns: DEAD_LETTER_COLUMNS });
      if (list.total > list.items.length && opts.output !== 'json' && opts.output !== 'yaml')
        cli.err.write(`(the first ${list.items.length} of ${list.total})\n`);
    });
  for (const [name, method, verb] of [
    ['requeue', 'POST', 'send a dead letter back to the queue it came from'],
    ['discard', 'DELETE', 'drop a dead letter for good'],
  ] as const)
    dlq
      .command(name)
      .summary(verb)
      .argument('<id>', 'its message id (nfvo dlq ls)', parseMessageId)
      .action(async (id: string) => {
        const path = `/v1/dead-letters/${id}${name === 'requeue' ? '/requeue' : ''}`;
        const r = expect(DeadLetterActionOut, await cli.client().call(method, path), name);
        cli.out.write(`dead-letter/${r.id} ${r.action}${r.queue ? ` (${r.queue})` : ''}\n`);
      });
}

export function registerFleetCommands(program: Command, cli: Cli): void {
  program
    .command('processes')
    .alias('ps')
    .summary('the nfvo processes (api, controller, worker)')
    .addOption(outputOption())
    .action(async (opts: { output: Format }) => {
      const raw = await cli.client().call('GET', '/v1/processes');
      const rows = expect(ProcessListOut, raw, 'processes').items;
      printResult(cli.out, opts.output, { raw, rows, columns: PROCESS_COLUMNS });
    });

  program
    .command('queues')
    .summary("nfvo's queues: messages waiting, consumers")
    .addOption(outputOption())
    .action(async (opts: { output: Format }) => {
      const raw = await cli.client().call('GET', '/v1/queues');
      const rows = expect(QueueListOut, raw, 'queues').items;
      printResult(cli.out, opts.output, { raw, rows, columns: QUEUE_COLUMNS });
    });

  program
    .command('overview')
    .summary('resources by type and status, transitions in the last hour, failures, the oldest stuck')
    .addOption(outputOption())
    .action(async (opts: { output: Format }) => {
      const raw = await cli.client().call('GET', '/v1/overview');
      const o = expect(OverviewOut, raw, 'overview');
      if (opts.output === 'json' || opts.output === 'yaml')
        return printResult(cli.out, opts.output, { raw, rows: [], columns: [] });
      printResult(cli.out, opts.output, { raw, rows: o.resources, columns: COUNT_COLUMNS });
      const hour = o.transitionsPerMinute.reduce((n, m) => n + m.count, 0);
      cli.out.write(`\ntransitions in the last hour: ${hour}\nattempts failed in the last hour: ${o.failedLastHour}\n`);
      const s = o.oldestStuck;
      cli.out.write(
        s
          ? `oldest away from its spec: ${s.type}/${s.id} ${s.name} ${s.status} -> ${s.spec}, since ${s.since}\n`
          : 'nothing away from its spec\n',
      );
    });

  registerDlq(program, cli);
}

type Count = { type: string; status: string; count: number };
const COUNT_COLUMNS: Column<Count>[] = [
  { head: 'TYPE', cell: (c) => c.type },
  { head: 'STATUS', cell: (c) => c.status },
  { head: 'COUNT', cell: (c) => String(c.count) },
];
