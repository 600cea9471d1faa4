// Validate a CSAR as SOL004 and SOL001 ask, and read what nfvo keeps of it: the entry
// definitions, the manifest's metadata, the VNFD summary, its VDUs and software images.
// Every failure is a PackageProblem naming the file; a failure to read the store is not.
import { parseManifest, type Manifest } from '../packages/manifest.js';
import { isUrl, resolveIn } from '../packages/paths.js';
import { problem } from '../packages/problem.js';
import { parseToscaMeta, TOSCA_META } from '../packages/tosca-meta.js';
import { readVnfd } from '../packages/vnfd.js';
import type { ReadVnfd } from '../packages/vnfd-types.js';
import { parseYaml } from '../packages/vnfd-files.js';
import { DEFAULT_LIMITS, openCsar, type Csar, type CsarLimits, type RangeSource } from './csar.js';

export type PackageSummary = ReadVnfd & {
  entryDefinitions: string;
  manifest: Manifest['metadata'] & { file: string };
};

/** SOL004's digest names, as node's crypto knows them. */
const ALGORITHMS: Record<string, string> = {
  'sha-256': 'sha256',
  sha256: 'sha256',
  'sha-384': 'sha384',
  sha384: 'sha384',
  'sha-512': 'sha512',
  sha512: 'sha512',
};

const isYaml = (p: string) => /\.ya?ml$/i.test(p);

/** The entry definitions and the manifest's path, with or without TOSCA-Metadata. */
async function entryPoints(csar: Csar): Promise<{ entry: string; manifest: string | null; digests: Digest[] }> {
  if (csar.has(TOSCA_META)) {
    const meta = parseToscaMeta(await csar.readText(TOSCA_META));
    const entry = resolveIn('', meta.entryDefinitions);
    if (entry === null || !csar.has(entry)) {
      throw problem(TOSCA_META, `Entry-Definitions ${meta.entryDefinitions} is not in the package`);
    }
    const digests = meta.digests.map((d) => ({
      file: TOSCA_META,
      source: d.name,
      algorithm: d.algorithm,
      hash: d.hash,
    }));
    if (meta.entryManifest) {
      const m = resolveIn('', meta.entryManifest);
      if (m === null || !csar.has(m))
        throw problem(TOSCA_META, `ETSI-Entry-Manifest ${meta.entryManifest} is not in the package`);
      return { entry, manifest: m, digests };
    }
    return { entry, manifest: rootManifest(csar, entry), digests };
  }
  const roots = [...csar.entries.keys()].filter((p) => !p.includes('/') && isYaml(p));
  const withMetadata: string[] = [];
  for (const p of roots) if (parseYaml(await csar.readText(p), p).metadata) withMetadata.push(p);
  if (withMetadata.length !== 1) {
    throw problem(
      'CSAR',
      `no TOSCA-Metadata, and ${withMetadata.length} YAML files with a metadata section at the root (one expected)`,
    );
  }
  return { entry: withMetadata[0]!, manifest: rootManifest(csar, withMetadata[0]!), digests: [] };
}

/** The manifest at the root named after the entry definitions, else the only .mf at the root. */
function rootManifest(csar: Csar, entry: string): string | null {
  const base = entry.slice(entry.lastIndexOf('/') + 1).replace(/\.ya?ml$/i, '.mf');
  if (csar.has(base)) return base;
  const mfs = [...csar.entries.keys()].filter((p) => !p.includes('/') && p.toLowerCase().endsWith('.mf'));
  return mfs.length === 1 ? mfs[0]! : null;
}

/** A digest some file declares for `source`; `of` says whose it is in the message (an image's node). */
type Digest = { file: string; source: string; algorithm: string; hash: string; of?: string };

/** Check every declared digest, reading each file once whatever number of algorithms it needs. */
async function checkDigests(csar: Csar, digests: Digest[]): Promise<void> {
  const byPath = new Map<string, Digest[]>();
  for (const d of digests) {
    const algorithm = ALGORITHMS[d.algorithm.toLowerCase()];
    if (!algorithm) throw problem(d.file, `${d.source}: unknown digest algorithm ${d.algorithm}`);
    const path = resolveIn('', d.source);
    if (path === null) throw problem(d.file, `${d.source} is outside the package`);
    if (!csar.has(path)) throw problem(d.file, `${d.source} is not in the package`);
    byPath.set(path, [...(byPath.get(path) ?? []), { ...d, algorithm }]);
  }
  for (const [path, ds] of byPath) {
    const got = await csar.digests(path, [...new Set(ds.map((d) => d.algorithm))]);
    for (const d of ds) {
      if (got[d.algorithm] !== d.hash.toLowerCase()) {
        const what = d.of
          ? `${d.algorithm.toUpperCase()} digest does not match the checksum ${d.of} declares`
          : `${d.source}: ${d.algorithm.toUpperCase()} digest does not match`;
        throw problem(
          d.file,
          `${what} (declared ${d.hash.slice(0, 16)}…, computed ${got[d.algorithm]!.slice(0, 16)}…)`,
        );
      }
    }
  }
}

/** Read every YAML file of the package that is small enough, for the VNFD's imports. */
async function yamlFiles(csar: Csar, limits: CsarLimits): Promise<Map<string, string | Error>> {
  const out = new Map<string, string | Error>();
  let total = 0;
  for (const [path, e] of csar.entries) {
    if (!isYaml(path)) continue;
    total += e.uncompressedSize;
    if (e.uncompressedSize > limits.maxTextBytes || total > 4 * limits.maxTextBytes) {
      out.set(path, problem(path, `larger than nfvo reads as a definition (${limits.maxTextBytes} bytes)`));
    } else out.set(path, await csar.readText(path));
  }
  return out;
}

/** The VNF's product name, read as lightly as can be (no digests); null if the package does not give one. */
export async function peekProductName(src: RangeSource, limits: CsarLimits = DEFAULT_LIMITS): Promise<string | null> {
  let csar: Csar | undefined;
  try {
    csar = await openCsar(src, limits);
    const { entry } = await entryPoints(csar);
    const yamls = await yamlFiles(csar, limits);
    const v = readVnfd(entry, (p) => {
      const y = yamls.get(p);
      if (y instanceof Error) throw y;
      return y ?? null;
    });
    return v.vnfd.productName;
  } catch {
    return null;
  } finally {
    csar?.close();
  }
}

/** Validate the CSAR behind `src`; returns its summary, or throws what is wrong with it. */
export async function readPackage(src: RangeSource, limits: CsarLimits = DEFAULT_LIMITS): Promise<PackageSummary> {
  const csar = await openCsar(src, limits);
  try {
    const { entry, manifest: mfPath, digests } = await entryPoints(csar);
    if (!mfPath) throw problem('CSAR', 'no manifest (.mf) file: ETSI-Entry-Manifest, or one at the root');
    const manifest = parseManifest(await csar.readText(mfPath), mfPath);
    const declared: Digest[] = [...digests];
    for (const s of manifest.sources) {
      if (isUrl(s.source) || !s.algorithm || !s.hash) continue;
      declared.push({ file: mfPath, source: s.source, algorithm: s.algorithm, hash: s.hash });
    }
    const yamls = await yamlFiles(csar, limits);
    const vnfd = readVnfd(entry, (p) => {
      const v = yamls.get(p);
      if (v instanceof Error) throw v;
      return v ?? null;
    });
    for (const img of vnfd.softwareImages) {
      if (!img.path) continue;
      if (!csar.has(img.path)) throw problem(img.path, `the software image of node ${img.id} is not in the package`);
      const of = `node ${img.id}`;
      declared.push({
        file: img.path,
        source: img.path,
        algorithm: img.checksum.algorithm,
        hash: img.checksum.hash,
        of,
      });
    }
    await checkDigests(csar, declared);
    return { ...vnfd, entryDefinitions: entry, manifest: { ...manifest.metadata, file: mfPath } };
  } finally {
    csar.close();
  }
}
