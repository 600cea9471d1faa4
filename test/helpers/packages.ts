// VNF packages for tests: created with their content, the way an operator onboards them.
import { tackerCsar, type PackageOptions } from './csar.js';
import type { client } from './http.js';

type Api = ReturnType<typeof client>;

let small: Promise<Buffer> | undefined;
/** A small Tacker-style CSAR (built once). */
export const smallCsar = () => (small ??= tackerCsar());

/**
 * Create a package (202) with its content: in one call, or, with `simulate` (a JSON field),
 * created first and its content uploaded after.
 */
export async function createPackage(
  api: Api,
  name: string,
  opts: { simulate?: Record<string, unknown>; csar?: PackageOptions } = {},
): Promise<any> {
  const csar = opts.csar ? await tackerCsar(opts.csar) : await smallCsar();
  if (!opts.simulate) {
    const r = await api.post(`/v1/vnf-packages?name=${encodeURIComponent(name)}`, csar);
    if (r.status !== 202) throw new Error(`create package ${name}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  }
  const created = await api.post('/v1/vnf-packages', { name, simulate: opts.simulate });
  if (created.status !== 202)
    throw new Error(`create package ${name}: ${created.status} ${JSON.stringify(created.body)}`);
  const up = await api.put(`/v1/vnf-packages/${created.body.id}/content`, csar);
  if (up.status !== 202) throw new Error(`upload package ${name}: ${up.status} ${JSON.stringify(up.body)}`);
  return up.body;
}

/** A package created and onboarded; its id. */
export async function onboardedPackage(api: Api, name: string, opts: { csar?: PackageOptions } = {}): Promise<string> {
  const { id } = await createPackage(api, name, opts);
  await api.waitStatus(id, 'ONBOARDED');
  return id;
}
