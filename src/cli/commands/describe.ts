// `nfvo describe <id>`: one resource, its spec against its status, and its timeline
// (the transitions it made and the attempts of its tasks).
import { Option, type Command } from 'commander';
import { stringify } from 'yaml';
import { z } from 'zod';
import { AttemptListOut, ResourceOut, TransitionOut, type AttemptOut } from '../../api/responses.js';
import { CliError } from '../cli-error.js';
import { expect, type Client } from '../client.js';
import type { Cli } from '../context.js';
import { parseId } from '../args.js';
import { age, cell, renderData, renderTable, type Column } from '../output.js';

const TransitionListOut = z.object({ items: z.array(TransitionOut) });

/** An ISO time as a person reads it: 2026-05-01 12:00:00.123. */
const when = (iso: string | null) => (iso ? iso.replace('T', ' ').replace(/Z$/, '') : '-');

const TRANSITION_COLUMNS: Column<TransitionOut>[] = [
  { head: 'TIME', cell: (t) => when(t.at) },
  { head: 'FROM', cell: (t) => t.from },
  { head: 'TO', cell: (t) => t.to },
  { head: 'ACTION', cell: (t) => cell(t.action) },
  { head: 'OUTCOME', cell: (t) => t.outcome },
  { head: 'DURATION', cell: (t) => (t.durationMs === null ? '-' : `${t.durationMs}ms`) },
  { head: 'ERROR', cell: (t) => cell(t.error) },
];

const ATTEMPT_COLUMNS: Column<AttemptOut>[] = [
  { head: 'ACTION', cell: (a) => a.action },
  { head: 'ATTEMPT', cell: (a) => String(a.attempt) },
  { head: 'CHECKS', cell: (a) => String(a.checks) },
  { head: 'OUTCOME', cell: (a) => a.outcome },
  { head: 'WORKER', cell: (a) => cell(a.worker) },
  { head: 'STARTED', cell: (a) => when(a.startedAt) },
  { head: 'FINISHED', cell: (a) => when(a.finishedAt) },
  { head: 'ERROR', cell: (a) => cell(a.error) },
];

/** The attempts, or null when the API is one that does not report them yet (no such route). */
async function attemptsOf(client: Client, id: string): Promise<unknown[] | null> {
  try {
    const answer = await client.call('GET', `/v1/resources/${id}/attempts`);
    expect(AttemptListOut, answer, 'attempts');
    return (answer as { items: unknown[] }).items;
  } catch (err) {
    if (err instanceof CliError && err.httpStatus === 404 && /no route/.test(err.message)) return null;
    throw err;
  }
}

function standing(r: ResourceOut): string {
  if (r.status === r.spec) return r.workerId ? 'at its spec, lock still held' : 'settled';
  if (r.status === 'ERROR') return r.workerId ? `in ERROR, on its way to ${r.spec}` : 'in ERROR (nfvo retry <id>)';
  if (r.awaiting) return `waits for its ${r.awaiting}`;
  return `on its way to ${r.spec}`;
}

const indent = (text: string) =>
  text
    .trimEnd()
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');

function render(r: ResourceOut, transitions: TransitionOut[], attempts: AttemptOut[] | null): string {
  const fields: [string, string][] = [
    ['Name', r.name || '-'],
    ['ID', r.id],
    ['Type', r.type],
    ['Spec', r.spec],
    ['Status', `${r.status}  (${standing(r)})`],
    ['Locked by', cell(r.workerId)],
    ['Task', cell(r.taskId)],
    ['Retries', String(r.retryCount)],
    ['Awaiting', cell(r.awaiting)],
    ['Error', cell(r.error)],
    ['Created', `${when(r.createdAt)}  (${age(r.createdAt)} ago)`],
    ['Updated', `${when(r.updatedAt)}  (${age(r.updatedAt)} ago)`],
  ];
  const props = Object.keys(r.properties).length ? indent(stringify(r.properties, { lineWidth: 0 })) : '  -';
  return (
    [
      ...fields.map(([k, v]) => `${`${k}:`.padEnd(11)}${v}`),
      `Properties:\n${props}`,
      `Transitions:\n${transitions.length ? indent(renderTable(transitions, TRANSITION_COLUMNS)) : '  none yet'}`,
      `Attempts:\n${
        attempts === null
          ? '  (this API does not report attempts)'
          : attempts.length
            ? indent(renderTable(attempts, ATTEMPT_COLUMNS))
            : '  none yet'
      }`,
    ].join('\n') + '\n'
  );
}

async function describe(cli: Cli, id: string, opts: { output: 'text' | 'json' | 'yaml' }): Promise<void> {
  const client = cli.client();
  const raw = await client.call('GET', `/v1/resources/${id}`);
  const r = expect(ResourceOut, raw, `resource ${id}`);
  const [ts, attempts] = await Promise.all([
    client.call('GET', `/v1/resources/${id}/transitions`),
    attemptsOf(client, id),
  ]);
  const transitions = expect(TransitionListOut, ts, 'transitions').items;
  if (opts.output !== 'text') {
    const all = { resource: raw, transitions: (ts as { items: unknown[] }).items, attempts };
    return void cli.out.write(renderData(all, opts.output));
  }
  const parsedAttempts = attempts && expect(AttemptListOut, { items: attempts }, 'attempts').items;
  cli.out.write(render(r, transitions, parsedAttempts));
}

export function registerDescribe(program: Command, cli: Cli): void {
  program
    .command('describe')
    .summary('a resource: spec against status, its timeline')
    .description(
      'Show one resource of any kind: its spec against its status, its properties, the\n' +
        'transitions it made and the attempts of its tasks (who ran them, how they ended).',
    )
    .argument('<id>', 'a resource id', parseId)
    .addOption(new Option('-o, --output <format>', 'how to print it').choices(['text', 'json', 'yaml']).default('text'))
    .action((id: string, opts: { output: 'text' | 'json' | 'yaml' }) => describe(cli, id, opts));
}
