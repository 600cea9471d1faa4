// TOSCA scalar units (scalar-unit.size), as a VIM counts them.
//
// Memory and disk sizes are counted as Nova and Cinder count them, and as Tacker reads
// VNFDs: in MiB and GiB, with a decimal prefix read as the binary one ("512 MB" and
// "512 MiB" are both 512 MiB; "1 GB" and "1 GiB" are both 1024 MiB). Sizes in bytes (an
// image's `size`) follow TOSCA's exact units: 1 GB is 10^9 bytes, 1 GiB is 2^30.

const EXACT: Record<string, number> = {
  b: 1,
  kb: 1e3,
  kib: 2 ** 10,
  mb: 1e6,
  mib: 2 ** 20,
  gb: 1e9,
  gib: 2 ** 30,
  tb: 1e12,
  tib: 2 ** 40,
};
/** The binary size each unit names when a VIM reads it. */
const AS_VIM: Record<string, number> = {
  b: 1,
  kb: 2 ** 10,
  kib: 2 ** 10,
  mb: 2 ** 20,
  mib: 2 ** 20,
  gb: 2 ** 30,
  gib: 2 ** 30,
  tb: 2 ** 40,
  tib: 2 ** 40,
};

/** A scalar-unit.size ("512 MB", "1.5GiB"); units are matched without regard to case, as TOSCA says. */
function parse(value: unknown): { n: number; unit: string } | null {
  if (typeof value !== 'string') return null;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]+)\s*$/.exec(value);
  if (!m) return null;
  const unit = m[2]!.toLowerCase();
  if (!(unit in EXACT)) return null;
  return { n: Number(m[1]), unit };
}

export const isSize = (value: unknown): boolean => parse(value) !== null;

/** Exact bytes ("12 GB" is 12,000,000,000). */
export function toBytes(value: unknown): number | null {
  const p = parse(value);
  return p ? Math.round(p.n * EXACT[p.unit]!) : null;
}

/** MiB as the VIM counts them (rounded up: never less than asked). */
export function toMiB(value: unknown): number | null {
  const p = parse(value);
  return p ? Math.ceil((p.n * AS_VIM[p.unit]!) / 2 ** 20) : null;
}

/** GiB as the VIM counts them (rounded up). */
export function toGiB(value: unknown): number | null {
  const p = parse(value);
  return p ? Math.ceil((p.n * AS_VIM[p.unit]!) / 2 ** 30) : null;
}
