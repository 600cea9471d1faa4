// The package steps nfvo does itself, around the driver's: upload finds the content in the
// store, validate reads the CSAR (SOL004, SOL001), delete removes the content once the driver
// has removed what it registered. A broken package fails for good, naming the file.
import { readPackage } from '../content/read-package.js';
import type { ContentStore } from '../content/store.js';
import { done, permanent, type Action, type ActionInput, type Driver } from '../drivers/driver.js';
import type { Json } from '../model.js';
import { PackageProblem } from '../packages/problem.js';

type Content = { uploadId: string; sizeBytes: number; checksum: { algorithm: string; hash: string } };

function contentOf(input: ActionInput): Content {
  const c = input.properties.content as Content | undefined;
  if (!c?.uploadId) throw permanent('the package has no content');
  return c;
}

/** nfvo's part, then the driver's with what nfvo found in its properties; the results together. */
const around =
  (own: (input: ActionInput, resourceId: string) => Promise<Json>, driver: Action): Action =>
  async (input, ctx) => {
    const mine = await own(input, ctx.resourceId);
    const out = await driver({ ...input, properties: { ...input.properties, ...mine } }, ctx);
    return out.status === 'done' ? done({ ...mine, ...out.result }) : out;
  };

export function makePackageTasks(store: ContentStore, d: Driver) {
  return {
    upload: around(async (input) => {
      const c = contentOf(input);
      const size = await store.size(c.uploadId);
      if (size === null) throw permanent(`the package's content (upload ${c.uploadId}) is not in the package store`);
      if (size !== c.sizeBytes)
        throw permanent(`the package's content is ${size} bytes in the store, ${c.sizeBytes} when uploaded`);
      return { checksum: c.checksum, sizeBytes: size };
    }, d.vnf_package.upload),

    validate: around(async (input) => {
      const c = contentOf(input);
      try {
        const { files, ...summary } = await readPackage(await store.source(c.uploadId));
        return { ...summary, vnfdFiles: files } as unknown as Json;
      } catch (err) {
        if (err instanceof PackageProblem) throw permanent(err.message);
        throw err;
      }
    }, d.vnf_package.validate),

    /** The driver removes what it registered first; the content goes only once that is done. */
    delete: (async (input, ctx) => {
      const out = await d.vnf_package.delete(input, ctx);
      if (out.status === 'done') await store.deletePackage(ctx.resourceId);
      return out;
    }) satisfies Action,
  };
}
