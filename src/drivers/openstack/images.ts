// vnf package register/delete -> Glance: each software image shipped in the package created
// with the VNFD's formats and minimums, its data streamed from the package store, waited
// for until active, and its checksum compared with the VNFD's.
import { createHash } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { permanent, type Action } from '../driver.js';
import { settle, type Ctx } from './context.js';
import type { Image } from './glance.js';
import { marks } from './tags.js';

type SoftwareImage = {
  id: string;
  name: string;
  version: string;
  containerFormat: string;
  diskFormat: string;
  minDiskGb: number;
  minRamMb: number;
  sizeBytes: number;
  checksum: { algorithm: string; hash: string };
  path?: string;
};

/** Glance's digests of what it received: md5 (its `checksum`), and its os_hash (sha512 by default). */
function matches(img: SoftwareImage, g: Image, md5: string | undefined): boolean {
  const alg = img.checksum.algorithm.replace('-', '');
  if (g.os_hash_algo && g.os_hash_value && alg === g.os_hash_algo) return g.os_hash_value === img.checksum.hash;
  return md5 === undefined || !g.checksum || g.checksum === md5;
}

export function imageActions(c: Ctx): { register: Action; delete: Action } {
  /** The image in Glance for this package's software image: created (once per task) and its data uploaded. */
  async function ensure(
    pkgName: string,
    resourceId: string,
    key: string,
    uploadId: string,
    img: SoftwareImage,
    signal: AbortSignal,
  ) {
    let g = (await c.glance.find({ nfvo_task: key, nfvo_image: img.id }))[0];
    g ??= await c.glance.create({
      name: `${pkgName}-${img.name}`.slice(0, 255),
      diskFormat: img.diskFormat,
      containerFormat: img.containerFormat,
      minDiskGb: img.minDiskGb,
      minRamMb: img.minRamMb,
      properties: { ...marks(resourceId, key), nfvo_image: img.id, nfvo_image_version: img.version },
    });
    let md5: string | undefined;
    if (g.status === 'queued') {
      const { stream, size } = await c.packages.open(uploadId, img.path!);
      const hash = createHash('md5');
      const tap = new PassThrough();
      tap.on('data', (b: Buffer) => hash.update(b));
      const done = pipeline(stream, tap, { signal });
      await c.glance.upload(g.id, tap, size, signal);
      await done;
      md5 = hash.digest('hex');
    }
    return { id: g.id, md5 };
  }

  return {
    register: async (input, ctx) => {
      const images = (input.properties.softwareImages ?? []) as SoftwareImage[];
      const uploadId = (input.properties.content as { uploadId?: string } | undefined)?.uploadId ?? '';
      const made: { id: string; vimImageId: string; md5?: string; owned: boolean }[] = [];
      for (const img of images) {
        if (!img.path) {
          // not shipped: an image the operator registered, by name
          const found = (await c.glance.byName(img.name)).find((g) => g.status === 'active');
          if (!found) throw permanent(`Glance: image ${img.name} is not in the package nor in Glance`);
          made.push({ id: img.id, vimImageId: found.id, owned: false });
          continue;
        }
        const g = await ensure(input.name, ctx.resourceId, ctx.idempotencyKey, uploadId, img, ctx.signal);
        made.push({ id: img.id, vimImageId: g.id, md5: g.md5, owned: true });
      }
      return settle(c, ctx, async () => {
        for (const m of made.filter((x) => x.owned)) {
          const g = await c.glance.image(m.vimImageId);
          const img = images.find((i) => i.id === m.id)!;
          if (!g || g.status === 'killed' || g.status === 'deleted')
            throw permanent(`Glance: image ${m.vimImageId} is ${g?.status ?? 'gone'}`);
          if (g.status !== 'active') return { done: false, state: {}, message: `image ${m.vimImageId} is ${g.status}` };
          if (!matches(img, g, m.md5)) {
            await c.glance.delete(g.id);
            throw permanent(`Glance: image ${img.name}: the checksum Glance computed does not match the VNFD's`);
          }
        }
        return { done: true, result: { images: made.map((m) => ({ id: m.id, vimImageId: m.vimImageId })) } };
      });
    },

    delete: async (_input, ctx) => {
      for (const g of await c.glance.find({ nfvo_resource_id: ctx.resourceId })) await c.glance.delete(g.id);
      return settle(c, ctx, async () => {
        const left = await c.glance.find({ nfvo_resource_id: ctx.resourceId });
        return left.length
          ? { done: false, state: {}, message: `${left.length} image(s) being deleted` }
          : { done: true, result: {} };
      });
    },
  };
}
