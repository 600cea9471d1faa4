// A CSAR opened for reading, wherever its bytes are (a range reader over the package store):
// its entries checked before anything is read (names, links, encryption, counts, sizes and
// compression ratios, against zip bombs), small text files read whole, large ones streamed.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import { PackageProblem, problem } from '../packages/problem.js';

/** A failure to read the package's bytes (the store, not the package): trying again may help. */
export class SourceError extends Error {}

/** Random access to a package's bytes; its streams fail with a SourceError. */
export type RangeSource = {
  size: number;
  /** A stream of bytes [start, end). */
  readRange(start: number, end: number): Readable;
  /** Copy bytes at `position` into `buffer` (what the zip reader does for headers); bytes copied. */
  readInto?(buffer: Buffer, offset: number, length: number, position: number): Promise<number>;
};

export type CsarLimits = {
  maxEntries: number;
  /** Sum of the entries' uncompressed sizes. */
  maxUncompressedBytes: number;
  /** Largest uncompressed/compressed ratio of an entry over 1 MiB. */
  maxRatio: number;
  /** Largest text file (a YAML, the manifest) read whole. */
  maxTextBytes: number;
};

export const DEFAULT_LIMITS: CsarLimits = {
  maxEntries: 10_000,
  maxUncompressedBytes: 16 * 2 ** 30,
  maxRatio: 100,
  maxTextBytes: 16 * 2 ** 20,
};

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;

class SourceReader extends yauzl.RandomAccessReader {
  constructor(private readonly src: RangeSource) {
    super();
  }
  _readStreamForRange(start: number, end: number): Readable {
    return this.src.readRange(start, end);
  }
  // headers and the central directory are read in small pieces: straight from the source, no stream
  read(buffer: Buffer, offset: number, length: number, position: number, cb: (err: Error | null, n?: number) => void) {
    if (!this.src.readInto) return super.read(buffer, offset, length, position, cb);
    this.src.readInto(buffer, offset, length, position).then(
      (n) => cb(null, n),
      (err: Error) => cb(err),
    );
  }
}

export type Csar = {
  /** File entries by name (directories left out). */
  entries: Map<string, Entry>;
  has(path: string): boolean;
  /** A file's text (UTF-8), refused over `maxTextBytes`. */
  readText(path: string): Promise<string>;
  /** A file's bytes as a stream (inflated). */
  stream(path: string): Promise<Readable>;
  /** Digests of a file in the given algorithms (e.g. sha256, sha512), in one pass. */
  digests(path: string, algorithms: string[]): Promise<Record<string, string>>;
  close(): void;
};

/** What a zip error means: the store failed (as is), or the package is broken (a PackageProblem). */
function zipProblem(err: unknown, file = 'CSAR'): Error {
  if (err instanceof SourceError || err instanceof PackageProblem) return err;
  const msg = err instanceof Error ? err.message : String(err);
  if (/end of central directory record signature not found/i.test(msg)) return problem(file, 'not a zip file');
  return problem(file, msg);
}

/** Open and check a CSAR; throws a PackageProblem naming what breaks the rules. */
export async function openCsar(src: RangeSource, limits: CsarLimits = DEFAULT_LIMITS): Promise<Csar> {
  let zip: ZipFile;
  try {
    zip = await yauzl.fromRandomAccessReaderPromise(new SourceReader(src), src.size, {
      strictFileNames: true,
      validateEntrySizes: true,
      autoClose: false,
    });
  } catch (err) {
    throw zipProblem(err);
  }
  const entries = new Map<string, Entry>();
  let total = 0;
  let count = 0;
  try {
    for await (const e of zip.eachEntry()) {
      if (++count > limits.maxEntries) throw problem('CSAR', `more than ${limits.maxEntries} entries`);
      const name = e.fileName;
      if (((e.externalFileAttributes >>> 16) & S_IFMT) === S_IFLNK) throw problem(name, 'is a symbolic link');
      if (e.isEncrypted()) throw problem(name, 'is encrypted');
      if (name.endsWith('/')) continue;
      total += e.uncompressedSize;
      if (total > limits.maxUncompressedBytes) {
        throw problem('CSAR', `uncompressed, its entries exceed ${limits.maxUncompressedBytes} bytes`);
      }
      if (e.uncompressedSize > 2 ** 20 && e.uncompressedSize > limits.maxRatio * Math.max(1, e.compressedSize)) {
        throw problem(name, `compressed more than ${limits.maxRatio} to 1 (a zip bomb?)`);
      }
      if (entries.has(name)) throw problem(name, 'appears twice in the zip');
      entries.set(name, e);
    }
  } catch (err) {
    zip.close();
    throw zipProblem(err);
  }
  // the bytes of the small files read whole, so that their digests need not read them again
  const whole = new Map<string, Buffer>();
  const entry = (path: string) => {
    const e = entries.get(path);
    if (!e) throw problem(path, 'missing from the package');
    return e;
  };
  const stream = async (path: string): Promise<Readable> => {
    try {
      return await zip.openReadStreamPromise(entry(path));
    } catch (err) {
      throw zipProblem(err, path);
    }
  };
  return {
    entries,
    has: (path) => entries.has(path),
    async readText(path) {
      const e = entry(path);
      if (e.uncompressedSize > limits.maxTextBytes) throw problem(path, `larger than ${limits.maxTextBytes} bytes`);
      const chunks: Buffer[] = [];
      try {
        for await (const c of await stream(path)) chunks.push(c as Buffer);
      } catch (err) {
        throw zipProblem(err, path);
      }
      const bytes = Buffer.concat(chunks);
      whole.set(path, bytes);
      return bytes.toString('utf8');
    },
    stream,
    async digests(path, algorithms) {
      const hashes = algorithms.map((a) => createHash(a));
      const known = whole.get(path);
      if (known) return Object.fromEntries(algorithms.map((a, i) => [a, hashes[i]!.update(known).digest('hex')]));
      try {
        for await (const c of await stream(path)) for (const h of hashes) h.update(c as Buffer);
      } catch (err) {
        throw zipProblem(err, path);
      }
      return Object.fromEntries(algorithms.map((a, i) => [a, hashes[i]!.digest('hex')]));
    },
    close: () => zip.close(),
  };
}

/** A RangeSource over bytes in memory (small packages, tests). */
export function bufferSource(buf: Buffer): RangeSource {
  return {
    size: buf.length,
    readRange: (start, end) => Readable.from([buf.subarray(start, end)]),
    readInto: async (buffer, offset, length, position) => buf.copy(buffer, offset, position, position + length),
  };
}
