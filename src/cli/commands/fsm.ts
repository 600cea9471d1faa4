// `nfvo fsm <kind>`: a resource type's table, as the controller reads it (table[status][spec] =
// the step to run), or drawn: Mermaid's stateDiagram-v2 or Graphviz's dot.
import { InvalidArgumentError, Option, type Command } from 'commander';
import { z } from 'zod';
import { expect } from '../client.js';
import type { Cli } from '../context.js';
import { kindOf } from '../kinds.js';
import { cell, renderData, renderTable, type Column } from '../output.js';

const Step = z.object({
  action: z.string(),
  next: z.string(),
  callback: z.string().nullable(),
  countdown: z.number(),
  max_retry: z.number(),
  waiting: z.string().nullable(),
  requires: z.string().nullable(),
});
const FsmOut = z.object({
  type: z.string(),
  initial: z.string(),
  target: z.string(),
  table: z.record(z.string(), z.record(z.string(), Step)),
});
type FsmOut = z.infer<typeof FsmOut>;

type Entry = z.infer<typeof Step> & { from: string; spec: string };
type Edge = { from: string; to: string; label: string };

const entries = (fsm: FsmOut): Entry[] =>
  Object.entries(fsm.table).flatMap(([from, row]) => Object.entries(row).map(([spec, s]) => ({ ...s, from, spec })));

/**
 * The arrows of the diagram: from a status to the one its step leads to, once per action. A
 * status a waiting step shows meanwhile (BOOTING) is a row of its own: its arrows start there.
 */
function edgesOf(fsm: FsmOut): Edge[] {
  const seen = new Map<string, Edge>();
  for (const e of entries(fsm))
    seen.set(`${e.from}>${e.next}>${e.action}`, { from: e.from, to: e.next, label: e.action });
  return [...seen.values()];
}

function mermaid(fsm: FsmOut): string {
  const lines = [`stateDiagram-v2`, `  [*] --> ${fsm.initial}`];
  for (const e of edgesOf(fsm)) lines.push(`  ${e.from} --> ${e.to} : ${e.label}`);
  return lines.join('\n') + '\n';
}

const q = (s: string) => JSON.stringify(s);

function dot(fsm: FsmOut): string {
  const lines = [
    `digraph ${q(fsm.type)} {`,
    '  rankdir=LR;',
    '  node [shape=box, style=rounded];',
    '  start [shape=point];',
    `  start -> ${q(fsm.initial)};`,
    `  ${q(fsm.target)} [peripheries=2];`,
  ];
  for (const e of edgesOf(fsm)) lines.push(`  ${q(e.from)} -> ${q(e.to)} [label=${q(e.label)}];`);
  return lines.join('\n') + '\n}\n';
}

const COLUMNS: Column<Entry>[] = [
  { head: 'STATUS', cell: (e) => e.from },
  { head: 'SPEC', cell: (e) => e.spec },
  { head: 'ACTION', cell: (e) => e.action },
  { head: 'NEXT', cell: (e) => e.next },
  { head: 'WAITING', cell: (e) => cell(e.waiting) },
  { head: 'RETRIES', cell: (e) => String(e.max_retry) },
  { head: 'CALLBACK', cell: (e) => cell(e.callback) },
  { head: 'REQUIRES', cell: (e) => cell(e.requires) },
];

const FORMATS = ['table', 'mermaid', 'dot', 'json', 'yaml'] as const;

function parseFsmKind(word: string): string {
  const type = kindOf(word)?.type;
  if (!type) throw new InvalidArgumentError(`"${word}" has no FSM; the types are package, volume, vnf and acl`);
  return type;
}

export function registerFsm(program: Command, cli: Cli): void {
  program
    .command('fsm')
    .summary("a type's state machine (table, mermaid, dot)")
    .description(
      'Print the table the controller follows for a type: in STATUS, toward SPEC, it runs ACTION and the\n' +
        'resource becomes NEXT (showing WAITING while the VIM works). Types: package, volume, vnf, acl.',
    )
    .argument('<type>', 'package, volume, vnf or acl', parseFsmKind)
    .addOption(new Option('--format <format>', 'how to print it').choices(FORMATS).default('table'))
    .addHelpText(
      'after',
      '\nExample:\n  nfvo fsm vnf --format mermaid > vnf.mmd\n  nfvo fsm vnf --format dot | dot -Tsvg > vnf.svg',
    )
    .action(async (type: string, opts: { format: (typeof FORMATS)[number] }) => {
      const raw = await cli.client().call('GET', `/v1/fsm/${type}`);
      const fsm = expect(FsmOut, raw, `the ${type} FSM`);
      if (opts.format === 'json' || opts.format === 'yaml') return void cli.out.write(renderData(raw, opts.format));
      if (opts.format === 'mermaid') return void cli.out.write(mermaid(fsm));
      if (opts.format === 'dot') return void cli.out.write(dot(fsm));
      cli.out.write(`${fsm.type}: starts ${fsm.initial}, created toward ${fsm.target}\n`);
      cli.out.write(renderTable(entries(fsm), COLUMNS));
    });
}
