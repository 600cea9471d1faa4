// Create a resource: its preconditions on the resources it refers to, the insert with its
// api_queue message, and the immediate publish.
import { apiMessage, type Created } from '../broker/messages.js';
import { PRIORITY } from '../broker/topology.js';
import type { Written, ResourceTx, NewResource } from '../db/resource-repository.js';
import { resourceKinds, type ResourceType } from '../fsm/index.js';
import { uuidv7 } from '../ids.js';
import type { Json, Resource } from '../model.js';
import { conflict, fieldError, published, type UseCaseDeps } from './deps.js';

export type CreateInput = { id?: string; type: ResourceType; name: string; properties: Json; options: Json | null };

/**
 * A vnf needs an ONBOARDED package and AVAILABLE, unattached volumes, and is sized from the
 * package's VNFD (its properties are returned); an acl needs a vnf not being deleted.
 */
async function checkReferences(t: ResourceTx, r: NewResource): Promise<Json> {
  if (r.type === 'vnf') {
    const pkgId = r.properties.vnfPackageId as string;
    const pkg = await t.lock(pkgId, 'SHARE');
    if (!pkg || pkg.type !== 'vnf_package') throw fieldError('vnfPackageId', 'no vnf package with this id');
    if (pkg.status !== 'ONBOARDED' || pkg.spec !== 'ONBOARDED') {
      const spec = pkg.spec !== pkg.status ? ` (spec ${pkg.spec})` : '';
      throw conflict(`vnf package ${pkgId} is ${pkg.status}${spec}; it must be ONBOARDED`);
    }
    for (const volId of (r.properties.volumeIds as string[] | undefined) ?? []) {
      const vol = await t.lock(volId, 'UPDATE');
      if (!vol || vol.type !== 'volume') throw fieldError('volumeIds', `no volume with id ${volId}`);
      if (vol.status !== 'AVAILABLE' || vol.spec !== 'AVAILABLE') {
        throw conflict(`volume ${volId} is ${vol.status}; it must be AVAILABLE`);
      }
      const user = await t.liveVnfUsing(vol);
      if (user) throw conflict(`volume ${volId} is attached to vnf ${user}`);
    }
    return sizeFromVnfd((await t.read(pkgId)).properties, r.properties);
  }
  if (r.type === 'acl' && r.properties.vnfId) {
    const vnf = await t.lock(r.properties.vnfId as string, 'SHARE');
    if (!vnf || vnf.type !== 'vnf') throw fieldError('vnfId', 'no vnf with this id');
    if (vnf.spec === 'DELETED' || vnf.status === 'DELETED') throw conflict(`vnf ${vnf.id} is being deleted`);
  }
  return {};
}

type VduInfo = {
  id: string;
  flavourId: string;
  vcpus: number;
  memoryMb: number;
  rootDiskGb?: number;
  swImageId?: string;
  storage: unknown[];
  cps: unknown[];
};

/** The flavour and VDU a vnf is made of (the first of each unless named), with its size and image. */
function sizeFromVnfd(pkg: Json, vnf: Json): Json {
  const flavours = (pkg.vnfd as { flavours?: { id: string; vdus: string[] }[] } | undefined)?.flavours ?? [];
  const flavourId = (vnf.flavourId as string | undefined) ?? flavours[0]?.id;
  const flavour = flavours.find((f) => f.id === flavourId);
  if (!flavour) {
    throw fieldError(
      'flavourId',
      `the package has no flavour ${flavourId}; it has ${flavours.map((f) => f.id).join(', ') || 'none'}`,
    );
  }
  const vduId = (vnf.vduId as string | undefined) ?? flavour.vdus[0];
  const vdu = ((pkg.vdus ?? []) as VduInfo[]).find((v) => v.id === vduId && v.flavourId === flavour.id);
  if (!vdu)
    throw fieldError('vduId', `flavour ${flavour.id} has no VDU ${vduId}; it has ${flavour.vdus.join(', ') || 'none'}`);
  const image = ((pkg.softwareImages ?? []) as { id: string; vimImageId?: string }[]).find(
    (i) => i.id === vdu.swImageId,
  );
  return {
    flavourId: flavour.id,
    vduId: vdu.id,
    vcpus: vdu.vcpus,
    memoryMb: vdu.memoryMb,
    ...(vdu.rootDiskGb !== undefined ? { rootDiskGb: vdu.rootDiskGb } : {}),
    storage: vdu.storage,
    cps: vdu.cps,
    swImageId: vdu.swImageId ?? null,
    vimImageId: image?.vimImageId ?? null,
  };
}

const needsReferences = (r: NewResource) => r.type === 'vnf' || (r.type === 'acl' && !!r.properties.vnfId);

/** The written outbox row, published with the row as inserted (the controller then need not read it). */
function withCreatedHint(w: Written): Written {
  const r = w.resource;
  const created: Created = {
    type: r.type,
    name: r.name,
    status: r.status,
    spec: r.spec,
    version: r.version,
    properties: r.properties,
    options: r.options,
    awaiting: r.awaiting,
    createdAt: r.createdAt.toISOString(),
  };
  return { ...w, outbox: w.outbox.map((o) => ({ ...o, payload: apiMessage('reconcile', r.id, created) })) };
}

export async function createResource(deps: UseCaseDeps, input: CreateInput): Promise<Resource> {
  const kind = resourceKinds[input.type];
  const refused = deps.refuse?.(input.type, input.properties);
  if (refused) throw fieldError(refused.field, refused.message);
  // a package created without its content waits for it (not an error, no lock held)
  const awaiting = input.type === 'vnf_package' && !input.properties.content ? 'content' : null;
  const resource = { ...input, id: input.id ?? uuidv7(), status: kind.initial, spec: kind.target, awaiting };
  const msg = { queue: 'api_queue' as const, payload: apiMessage('reconcile', resource.id), priority: PRIORITY.normal };
  const w = needsReferences(resource)
    ? await deps.store.tx(async (t) => {
        const sized = await checkReferences(t, resource);
        return t.insert({ ...resource, properties: { ...resource.properties, ...sized } }, msg);
      })
    : await deps.store.insert({ resource, msg });
  return published(deps, withCreatedHint(w));
}
