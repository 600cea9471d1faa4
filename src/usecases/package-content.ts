// A package's content: upload it (streamed into the content store while it is hashed, never
// whole in memory), create a package with it in one call, and read it back: the CSAR byte for
// byte, its entry VNFD, one of its files.
import type { Readable } from 'node:stream';
import { apiMessage } from '../broker/messages.js';
import { PRIORITY } from '../broker/topology.js';
import { packageFiles } from '../content/package-files.js';
import { peekProductName } from '../content/read-package.js';
import { TooLargeError, type Upload } from '../content/store.js';
import { AppError } from '../errors.js';
import { uuidv7 } from '../ids.js';
import type { Json, Resource } from '../model.js';
import { PackageProblem } from '../packages/problem.js';
import { createResource } from './create-resource.js';
import { conflict, notFound, published, type UseCaseDeps } from './deps.js';

export const contentProperty = (u: Upload) => ({
  uploadId: u.uploadId,
  sizeBytes: u.sizeBytes,
  checksum: { algorithm: 'SHA-256', hash: u.sha256 },
});

const tooLarge = (err: TooLargeError) => new AppError('too-large', 413, err.message);

/** Store the body; a body over the limit is refused (413) with nothing of it kept. */
async function store(deps: UseCaseDeps, packageId: string, body: Readable): Promise<Upload> {
  try {
    return await deps.packages.content.write(packageId, body, deps.packages.maxBytes);
  } catch (err) {
    if (err instanceof TooLargeError) throw tooLarge(err);
    throw err;
  }
}

/** A name for a package created without one: the VNFD's product name, else its id. */
async function nameFor(deps: UseCaseDeps, packageId: string, upload: Upload): Promise<string> {
  const name = await peekProductName(await deps.packages.content.source(upload.uploadId)).catch(() => null);
  const clean = name
    ?.replace(/[^\p{L}\p{N} ._:@/-]/gu, '')
    .trim()
    .slice(0, 128);
  return clean && /^[\p{L}\p{N}]/u.test(clean) ? clean : `package-${packageId.slice(-12)}`;
}

function vnfPackage(r: { type: string } | null, id: string) {
  if (!r || r.type !== 'vnf_package') throw notFound(`vnf_package ${id}`);
}

/** PUT /vnf-packages/:id/content: 409 once content was given; onboarding goes on from CREATED. */
export async function uploadContent(deps: UseCaseDeps, id: string, body: Readable): Promise<Resource> {
  const before = await deps.reads.resource(id);
  vnfPackage(before, id);
  if (before!.properties.content) throw conflict(`vnf package ${id} has its content already`);
  if (before!.spec === 'DELETED') throw conflict(`vnf package ${id} is being deleted`);
  const upload = await store(deps, id, body);
  const name = before!.name ? undefined : await nameFor(deps, id, upload);
  try {
    const w = await deps.store.tx(async (t) => {
      const cur = await t.read(id);
      // uploaded meanwhile by another request, or deleted: this upload does not count
      if (cur.properties.content) throw conflict(`vnf package ${id} has its content already`);
      if (cur.spec === 'DELETED') throw conflict(`vnf package ${id} is being deleted`);
      const msg = { queue: 'api_queue' as const, payload: apiMessage('reconcile', id), priority: PRIORITY.normal };
      return t.updateGiven(id, { name, properties: { content: contentProperty(upload) }, awaiting: null }, msg);
    });
    return published(deps, w);
  } catch (err) {
    await deps.packages.content.deleteUpload(upload.uploadId).catch(() => {});
    throw err;
  }
}

/** POST /vnf-packages with a CSAR: the content is stored first, so a refused upload leaves no package behind. */
export async function createWithContent(
  deps: UseCaseDeps,
  body: Readable,
  given: { name?: string; options: Json | null; userDefinedData?: Json },
): Promise<Resource> {
  const id = uuidv7();
  const upload = await store(deps, id, body);
  try {
    const name = given.name ?? (await nameFor(deps, id, upload));
    const properties = {
      content: contentProperty(upload),
      ...(given.userDefinedData ? { userDefinedData: given.userDefinedData } : {}),
    };
    return await createResource(deps, { id, type: 'vnf_package', name, properties, options: given.options });
  } catch (err) {
    await deps.packages.content.deleteUpload(upload.uploadId).catch(() => {});
    throw err;
  }
}

async function withContent(deps: UseCaseDeps, id: string): Promise<{ r: Resource; uploadId: string }> {
  const r = await deps.reads.resource(id);
  vnfPackage(r, id);
  const uploadId = (r!.properties.content as { uploadId?: string } | undefined)?.uploadId;
  if (!uploadId)
    throw conflict(`vnf package ${id} has no content yet; upload it with PUT /v1/vnf-packages/${id}/content`);
  return { r: r!, uploadId };
}

/** The CSAR as uploaded. */
export async function packageContent(deps: UseCaseDeps, id: string): Promise<{ stream: Readable; sizeBytes: number }> {
  const { uploadId } = await withContent(deps, id);
  const size = await deps.packages.content.size(uploadId);
  if (size === null) throw notFound(`the content of vnf package ${id}`);
  return { stream: await deps.packages.content.read(uploadId), sizeBytes: size };
}

/** One file of the package (404 if it has none such). */
export async function packageFile(
  deps: UseCaseDeps,
  id: string,
  path: string,
): Promise<{ stream: Readable; size: number }> {
  const { uploadId } = await withContent(deps, id);
  try {
    return await packageFiles(deps.packages.content).open(uploadId, path);
  } catch (err) {
    if (err instanceof PackageProblem) throw notFound(`${path} in vnf package ${id}`);
    throw err;
  }
}

/** The entry VNFD file (once validated). */
export async function packageVnfd(
  deps: UseCaseDeps,
  id: string,
): Promise<{ stream: Readable; size: number; path: string }> {
  const { r } = await withContent(deps, id);
  const path = r.properties.entryDefinitions as string | undefined;
  if (!path) throw conflict(`vnf package ${id} is ${r.status}; its VNFD is known once it is validated`);
  return { ...(await packageFile(deps, id, path)), path };
}
