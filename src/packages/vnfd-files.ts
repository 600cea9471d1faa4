// A VNFD's files: the entry definitions and what it imports, parsed as YAML (bounded: no
// alias bombs), with the node types they declare.
import { parse, YAMLError } from 'yaml';
import { problem } from './problem.js';
import { basename, isUrl, resolveIn } from './paths.js';

export type Doc = Record<string, any>;

/** ETSI SOL001's type files, which packages import and may not ship (nfvo knows them, as Tacker does). */
const ETSI_TYPE_FILES = new Set(['etsi_nfv_sol001_common_types.yaml', 'etsi_nfv_sol001_vnfd_types.yaml']);
/** Standard types nfvo reads without their definitions. */
export const STANDARD_TYPES: Record<string, string | null> = {
  'tosca.nodes.nfv.VNF': 'tosca.nodes.Root',
  'tosca.nodes.nfv.Vdu.Compute': 'tosca.nodes.Root',
  'tosca.nodes.nfv.Vdu.VirtualBlockStorage': 'tosca.nodes.Root',
  'tosca.nodes.nfv.VduCp': 'tosca.nodes.Root',
  'tosca.nodes.nfv.VnfVirtualLink': 'tosca.nodes.Root',
  'tosca.nodes.Root': null,
};

const MAX_ALIASES = 100;
const MAX_FILES = 200;

export type VnfdFiles = {
  entry: string;
  /** Parsed documents by package path, the entry first. */
  docs: Map<string, Doc>;
  /** Node type name -> its definition and the file that declares it. */
  nodeTypes: Map<string, { def: Doc; file: string }>;
};

/**
 * Parsed files by their text: packages ship the same type files (ETSI SOL001's types, a
 * vendor's own) again and again, and a large one takes milliseconds to parse. Documents are
 * only read, never changed, so one parse serves every package that ships the same text.
 */
const parsed = new Map<string, Doc>();
const CACHE_FILES = 256;
const CACHE_FILE_BYTES = 1 << 20;

export function parseYaml(text: string, file: string): Doc {
  const hit = parsed.get(text);
  if (hit) return hit;
  const doc = parseFresh(text, file);
  if (text.length <= CACHE_FILE_BYTES) {
    if (parsed.size >= CACHE_FILES) parsed.delete(parsed.keys().next().value!);
    parsed.set(text, doc);
  }
  return doc;
}

function parseFresh(text: string, file: string): Doc {
  let doc: unknown;
  try {
    doc = parse(text, { maxAliasCount: MAX_ALIASES, uniqueKeys: true, prettyErrors: false });
  } catch (err) {
    if (err instanceof YAMLError || err instanceof Error) {
      const msg = err.message.split('\n')[0]!.replace(/^ReferenceError: /, '');
      throw problem(file, `not valid YAML: ${msg}`);
    }
    throw err;
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw problem(file, 'not a YAML mapping');
  return doc as Doc;
}

/** The path an import names, from a string or an import definition ({file: ...}). */
function importPath(imp: unknown, file: string): string {
  if (typeof imp === 'string') return imp;
  if (imp && typeof imp === 'object') {
    const v = Object.values(imp as Doc);
    const def =
      typeof (imp as Doc).file === 'string' ? (imp as Doc) : v.length === 1 && typeof v[0] === 'object' ? v[0] : null;
    if (def && typeof def.file === 'string') return def.file as string;
    if (v.length === 1 && typeof v[0] === 'string') return v[0];
  }
  throw problem(file, `imports: ${JSON.stringify(imp).slice(0, 100)} is not a file name`);
}

/**
 * Read the entry definitions and, transitively, what they import. `read` gives a file's text,
 * or null when the package has no such file.
 */
export function loadVnfdFiles(entry: string, read: (path: string) => string | null): VnfdFiles {
  const docs = new Map<string, Doc>();
  const nodeTypes = new Map<string, { def: Doc; file: string }>();
  const visit = (path: string, from: string | null) => {
    if (docs.has(path)) return;
    if (docs.size >= MAX_FILES) throw problem(path, `more than ${MAX_FILES} definition files imported`);
    const text = read(path);
    if (text === null) throw problem(from ?? path, from ? `imports ${path}, which is not in the package` : 'missing');
    const doc = parseYaml(text, path);
    if (typeof doc.tosca_definitions_version !== 'string') throw problem(path, 'tosca_definitions_version missing');
    docs.set(path, doc);
    for (const [name, def] of Object.entries((doc.node_types ?? {}) as Doc)) {
      if (def && typeof def === 'object') nodeTypes.set(name, { def, file: path });
    }
    const imports = doc.imports ?? [];
    if (!Array.isArray(imports)) throw problem(path, 'imports is not a list');
    for (const imp of imports) {
      const target = importPath(imp, path);
      if (isUrl(target)) {
        if (ETSI_TYPE_FILES.has(basename(target))) continue;
        throw problem(path, `imports ${target}: nfvo reads only what the package holds`);
      }
      const resolved = resolveIn(path, target);
      if (resolved === null) throw problem(path, `imports ${target}, which is outside the package`);
      if (read(resolved) === null && ETSI_TYPE_FILES.has(basename(resolved))) continue;
      visit(resolved, path);
    }
  };
  visit(entry, null);
  return { entry, docs, nodeTypes };
}

/** Whether node type `type` is `base` or derived from it (through the files' node types). */
export function isA(files: VnfdFiles, type: unknown, base: string): boolean {
  let t = typeof type === 'string' ? type : null;
  for (let depth = 0; t && depth < 32; depth++) {
    if (t === base) return true;
    const declared = files.nodeTypes.get(t)?.def.derived_from;
    t = typeof declared === 'string' ? declared : (STANDARD_TYPES[t] ?? null);
  }
  return false;
}

/** A property's default in a node type or the types it derives from. */
export function typeDefault(files: VnfdFiles, type: unknown, prop: string): unknown {
  let t = typeof type === 'string' ? type : null;
  for (let depth = 0; t && depth < 32; depth++) {
    const def = files.nodeTypes.get(t)?.def;
    const d = def?.properties?.[prop]?.default;
    if (d !== undefined) return d;
    t = typeof def?.derived_from === 'string' ? def.derived_from : null;
  }
  return undefined;
}
