// TOSCA-Metadata/TOSCA.meta (SOL004 §4.3, TOSCA CSAR): "Key: Value" lines in blocks. The
// first block names the CSAR; later blocks may give a file's digest (Name/Algorithm/Hash).
// Keys are matched without regard to case: real packages write "Created-by".
import { problem } from './problem.js';

export const TOSCA_META = 'TOSCA-Metadata/TOSCA.meta';

export type ToscaMeta = {
  metaVersion: string;
  csarVersion: string;
  createdBy: string;
  entryDefinitions: string;
  entryManifest?: string;
  entryChangeLog?: string;
  entryLicenses?: string;
  entryCertificate?: string;
  /** Files whose digest TOSCA.meta gives. */
  digests: { name: string; algorithm: string; hash: string }[];
};

/** Blocks of "Key: Value" lines separated by blank lines; keys lower-cased. */
export function keyValueBlocks(text: string, file: string): Map<string, string>[] {
  const blocks: Map<string, string>[] = [];
  let cur: Map<string, string> | null = null;
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((line, i) => {
    if (!line.trim()) {
      cur = null;
      return;
    }
    const m = /^([A-Za-z0-9_.-]+)\s*:\s*(.*?)\s*$/.exec(line);
    if (!m) throw problem(file, `line ${i + 1}: not "Key: Value"`);
    if (!cur) blocks.push((cur = new Map()));
    cur.set(m[1]!.toLowerCase(), m[2]!);
  });
  return blocks;
}

export function parseToscaMeta(text: string): ToscaMeta {
  const blocks = keyValueBlocks(text, TOSCA_META);
  const first = blocks[0];
  if (!first) throw problem(TOSCA_META, 'empty');
  const need = (key: string, name: string) => {
    const v = first.get(key);
    if (!v) throw problem(TOSCA_META, `${name} missing`);
    return v;
  };
  const meta: ToscaMeta = {
    metaVersion: need('tosca-meta-file-version', 'TOSCA-Meta-File-Version'),
    csarVersion: need('csar-version', 'CSAR-Version'),
    createdBy: need('created-by', 'Created-By'),
    entryDefinitions: need('entry-definitions', 'Entry-Definitions'),
    entryManifest: first.get('etsi-entry-manifest'),
    entryChangeLog: first.get('etsi-entry-change-log'),
    entryLicenses: first.get('etsi-entry-licenses'),
    entryCertificate: first.get('etsi-entry-certificate'),
    digests: [],
  };
  for (const b of blocks.slice(1)) {
    const name = b.get('name');
    const algorithm = b.get('algorithm');
    const hash = b.get('hash');
    if (name && algorithm && hash) meta.digests.push({ name, algorithm, hash });
  }
  return meta;
}
