// The kinds of resource the CLI names, with the words an operator may type for each.
import { InvalidArgumentError } from 'commander';
import type { ResourceOut } from '../api/responses.js';
import { age, cell, clip, type Column } from './output.js';

export type Kind = {
  /** The API's collection (/v1/<collection>). */
  collection: string;
  /** The resource type (null: every type, /v1/resources). */
  type: string | null;
  aliases: readonly string[];
};

const KINDS: readonly Kind[] = [
  {
    collection: 'vnf-packages',
    type: 'vnf_package',
    aliases: ['packages', 'package', 'pkg', 'vnf-packages', 'vnf-package', 'vnfp'],
  },
  { collection: 'volumes', type: 'volume', aliases: ['volumes', 'volume', 'vol'] },
  { collection: 'vnfs', type: 'vnf', aliases: ['vnfs', 'vnf'] },
  { collection: 'acls', type: 'acl', aliases: ['acls', 'acl'] },
  { collection: 'resources', type: null, aliases: ['resources', 'resource', 'res', 'all'] },
];

export const KIND_WORDS = 'packages, volumes, vnfs, acls or resources';

export function kindOf(word: string): Kind | undefined {
  const w = word.toLowerCase().replace(/_/g, '-');
  return KINDS.find((k) => k.aliases.includes(w));
}

/** A commander argument parser: the kind a word names, or a usage error naming the kinds. */
export function parseKind(word: string): Kind {
  const k = kindOf(word);
  if (!k) throw new InvalidArgumentError(`"${word}" is not a kind; the kinds are ${KIND_WORDS}`);
  return k;
}

/** A resource's columns: kubectl's, then with -o wide who holds it, its task, its error. */
export const RESOURCE_COLUMNS: Column<ResourceOut>[] = [
  { head: 'ID', cell: (r) => r.id },
  { head: 'TYPE', cell: (r) => r.type },
  { head: 'NAME', cell: (r) => r.name || '-' },
  { head: 'STATUS', cell: (r) => r.status },
  { head: 'SPEC', cell: (r) => r.spec },
  { head: 'AGE', cell: (r) => age(r.createdAt) },
  { head: 'RETRIES', cell: (r) => String(r.retryCount), wide: true },
  { head: 'AWAITING', cell: (r) => cell(r.awaiting), wide: true },
  { head: 'WORKER', cell: (r) => cell(r.workerId), wide: true },
  { head: 'TASK', cell: (r) => cell(r.taskId), wide: true },
  { head: 'UPDATED', cell: (r) => r.updatedAt, wide: true },
  { head: 'ERROR', cell: (r) => clip(r.error), wide: true },
];
