// Paths inside a package: POSIX, relative to its root, never leaving it.

/** `rel` resolved against the directory of `from` (a file's path); null if it leaves the package. */
export function resolveIn(from: string, rel: string): string | null {
  if (rel.startsWith('/') || /^[A-Za-z]:[\\/]/.test(rel)) return null;
  const dir = from.includes('/') ? from.slice(0, from.lastIndexOf('/')).split('/') : [];
  const out = [...dir];
  for (const part of rel.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (!out.length) return null;
      out.pop();
    } else out.push(part);
  }
  return out.join('/');
}

export const isUrl = (s: string) => /^[a-z][a-z0-9+.-]*:\/\//i.test(s);
export const basename = (p: string) => p.slice(p.lastIndexOf('/') + 1);
