// One file of a package, read out of its CSAR in the content store (for a driver streaming an
// image to its VIM, and for the API's artifacts).
import type { Readable } from 'node:stream';
import { openCsar } from './csar.js';
import type { ContentStore } from './store.js';

export type PackageFiles = {
  /** A file of the upload, as a stream; the zip is closed when the stream ends. Throws if there is no such file. */
  open(uploadId: string, path: string): Promise<{ stream: Readable; size: number }>;
};

export function packageFiles(store: ContentStore): PackageFiles {
  return {
    async open(uploadId, path) {
      const csar = await openCsar(await store.source(uploadId));
      try {
        const size = csar.entries.get(path)?.uncompressedSize;
        const stream = await csar.stream(path);
        stream.once('close', () => csar.close());
        return { stream, size: size ?? 0 };
      } catch (err) {
        csar.close();
        throw err;
      }
    },
  };
}
