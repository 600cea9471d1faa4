// Where packages' content (their CSARs) is kept: readable by every worker on every machine.
// The default keeps it in PostgreSQL in chunks, so nothing else has to run; a directory
// (shared by every machine, e.g. NFS) is the other choice. An upload counts as a package's
// content only once the package's properties name it (content.uploadId): an interrupted
// upload leaves nothing that counts, and is purged later.
import type { Readable } from 'node:stream';
import type { RangeSource } from './csar.js';

export type Upload = { uploadId: string; sizeBytes: number; sha256: string };

/** The body was larger than allowed; nothing of it was kept. */
export class TooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`the package is larger than ${maxBytes} bytes (PACKAGE_MAX_BYTES)`);
  }
}

export interface ContentStore {
  /** Store a new upload of `packageId`'s CSAR from `body`, hashing it as it goes (never whole in memory). */
  write(packageId: string, body: Readable, maxBytes: number): Promise<Upload>;
  /** The upload's size, if it exists and is complete. */
  size(uploadId: string): Promise<number | null>;
  /** Random access to an upload, for reading the zip. */
  source(uploadId: string): Promise<RangeSource>;
  /** The upload, byte for byte. */
  read(uploadId: string): Promise<Readable>;
  deleteUpload(uploadId: string): Promise<void>;
  /** Every upload of a package. */
  deletePackage(packageId: string): Promise<void>;
  /** Uploads older than `olderThanMs` that no package names (interrupted, or refused at commit). */
  purge(olderThanMs: number): Promise<number>;
}

/** Size of the pieces content is written and read in. */
export const CHUNK_BYTES = 1 << 20;

/** Cut a stream into CHUNK_BYTES pieces (the last one shorter), counting and hashing on the way. */
export async function* chunked(body: Readable, maxBytes: number, onData: (b: Buffer) => void): AsyncGenerator<Buffer> {
  let parts: Buffer[] = [];
  let have = 0;
  let total = 0;
  for await (const raw of body) {
    let b = raw as Buffer;
    total += b.length;
    if (total > maxBytes) throw new TooLargeError(maxBytes);
    onData(b);
    while (have + b.length >= CHUNK_BYTES) {
      const take = CHUNK_BYTES - have;
      parts.push(b.subarray(0, take));
      yield Buffer.concat(parts, CHUNK_BYTES);
      b = b.subarray(take);
      parts = [];
      have = 0;
    }
    if (b.length) {
      parts.push(b);
      have += b.length;
    }
  }
  if (have) yield Buffer.concat(parts, have);
}
