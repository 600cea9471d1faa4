// Packages' content in a directory: <dir>/<uploadId>.csar, written to <dir>/.incoming first
// and renamed when complete. Every worker must see the same directory (e.g. NFS).
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { SourceError } from './csar.js';
import { chunked, type ContentStore } from './store.js';

export function makeFsStore(dir: string): ContentStore {
  const incoming = path.join(dir, '.incoming');
  const file = (uploadId: string) => path.join(dir, `${uploadId}.csar`);
  const byPackage = (packageId: string) => path.join(dir, `${packageId}.uploads`);
  const sizeOf = async (uploadId: string) => (await stat(file(uploadId)).catch(() => null))?.size ?? null;
  return {
    async write(packageId, body, maxBytes) {
      await mkdir(incoming, { recursive: true });
      await mkdir(byPackage(packageId), { recursive: true });
      const uploadId = randomUUID();
      const tmp = path.join(incoming, uploadId);
      const hash = createHash('sha256');
      let size = 0;
      try {
        await pipeline(
          chunked(body, maxBytes, (b) => {
            hash.update(b);
            size += b.length;
          }),
          createWriteStream(tmp),
        );
        await rename(tmp, file(uploadId));
        // which package the upload belongs to: an empty marker file, for deletePackage
        await pipeline(async function* () {}, createWriteStream(path.join(byPackage(packageId), uploadId)));
      } catch (err) {
        await rm(tmp, { force: true });
        throw err;
      }
      return { uploadId, sizeBytes: size, sha256: hash.digest('hex') };
    },
    size: sizeOf,
    async source(uploadId) {
      const size = await sizeOf(uploadId);
      if (size === null) throw new SourceError(`upload ${uploadId} is not in ${dir}`);
      return {
        size,
        readRange: (start, end) => createReadStream(file(uploadId), { start, end: end - 1 }),
      };
    },
    async read(uploadId) {
      if ((await sizeOf(uploadId)) === null) throw new SourceError(`upload ${uploadId} is not in ${dir}`);
      return createReadStream(file(uploadId)) as Readable;
    },
    async deleteUpload(uploadId) {
      await rm(file(uploadId), { force: true });
    },
    async deletePackage(packageId) {
      const ids = await readdir(byPackage(packageId)).catch(() => [] as string[]);
      for (const id of ids) await rm(file(id), { force: true });
      await rm(byPackage(packageId), { recursive: true, force: true });
    },
    async purge(olderThanMs) {
      const names = await readdir(incoming).catch(() => [] as string[]);
      let n = 0;
      for (const name of names) {
        const s = await stat(path.join(incoming, name)).catch(() => null);
        if (s && Date.now() - s.mtimeMs > olderThanMs) {
          await rm(path.join(incoming, name), { force: true });
          n++;
        }
      }
      return n;
    },
  };
}
