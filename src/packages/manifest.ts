// The manifest file (.mf, SOL004 §4.3.2): its metadata, then a Source/Algorithm/Hash block
// per file. Non-MANO artifact sets and a CMS signature may follow; they are skipped here.
import { problem } from './problem.js';

export type Manifest = {
  metadata: {
    vnfProviderId: string;
    vnfProductName: string;
    vnfReleaseDateTime: string;
    vnfPackageVersion: string;
    /** Every metadata key as written. */
    all: Record<string, string>;
  };
  sources: { source: string; algorithm?: string; hash?: string }[];
};

const REQUIRED = [
  ['vnf_provider_id', 'vnfProviderId'],
  ['vnf_product_name', 'vnfProductName'],
  ['vnf_release_date_time', 'vnfReleaseDateTime'],
  ['vnf_package_version', 'vnfPackageVersion'],
] as const;

export function parseManifest(text: string, file: string): Manifest {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  let i = 0;
  const skipBlank = () => {
    while (i < lines.length && !lines[i]!.trim()) i++;
  };
  skipBlank();
  if (!/^metadata\s*:\s*$/.test(lines[i] ?? '')) throw problem(file, 'does not begin with "metadata:"');
  i++;
  const all: Record<string, string> = {};
  for (; i < lines.length && lines[i]!.trim(); i++) {
    const m = /^\s*([A-Za-z0-9_]+)\s*:\s*(.*?)\s*$/.exec(lines[i]!);
    if (!m) throw problem(file, `line ${i + 1}: not "key: value" in metadata`);
    all[m[1]!] = m[2]!;
  }
  const missing = REQUIRED.filter(([k]) => !all[k]).map(([k]) => k);
  if (missing.length) throw problem(file, `metadata: ${missing.join(', ')} missing`);
  const sources: Manifest['sources'] = [];
  let cur: Manifest['sources'][number] | null = null;
  for (; i < lines.length; i++) {
    const line = lines[i]!;
    if (/^-----BEGIN /.test(line)) break; // the signature
    if (/^\s/.test(line) || /^non_mano_artifact_sets\s*:/.test(line)) continue;
    const m = /^(Source|Algorithm|Hash)\s*:\s*(.*?)\s*$/.exec(line);
    if (!m) {
      if (line.trim()) cur = null;
      continue;
    }
    if (m[1] === 'Source') sources.push((cur = { source: m[2]! }));
    else if (!cur) throw problem(file, `line ${i + 1}: ${m[1]} without a Source before it`);
    else if (m[1] === 'Algorithm') cur.algorithm = m[2]!;
    else cur.hash = m[2]!.toLowerCase();
  }
  const [providerId, productName, releaseDateTime, packageVersion] = REQUIRED.map(([k]) => all[k]!);
  return {
    metadata: {
      vnfProviderId: providerId!,
      vnfProductName: productName!,
      vnfReleaseDateTime: releaseDateTime!,
      vnfPackageVersion: packageVersion!,
      all,
    },
    sources,
  };
}
