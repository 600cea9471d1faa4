// Create a resource: its preconditions on the resources it refers to, the insert with its
// api_queue message, and the immediate publish.
import { apiMessage, type Created } from '../broker/messages.js';
import { PRIORITY } from '../broker/topology.js';
import type { Written, ResourceTx, NewResource } from '../db/resource-repository.js';
import { resourceKinds, type ResourceType } from '../fsm/index.js';
import { uuidv7 } from '../ids.js';
import type { Json, Resource } from '../model.js';
import { conflict, fieldError, published, type UseCaseDeps } from './deps.js';

export type CreateInput = { type: ResourceType; name: string; properties: Json; options: Json | null };

/** A vnf needs an ONBOARDED package and AVAILABLE, unattached volumes; an acl, a vnf not being deleted. */
async function checkReferences(t: ResourceTx, r: NewResource): Promise<void> {
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
  }
  if (r.type === 'acl' && r.properties.vnfId) {
    const vnf = await t.lock(r.properties.vnfId as string, 'SHARE');
    if (!vnf || vnf.type !== 'vnf') throw fieldError('vnfId', 'no vnf with this id');
    if (vnf.spec === 'DELETED' || vnf.status === 'DELETED') throw conflict(`vnf ${vnf.id} is being deleted`);
  }
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
    createdAt: r.createdAt.toISOString(),
  };
  return { ...w, outbox: w.outbox.map((o) => ({ ...o, payload: apiMessage('reconcile', r.id, created) })) };
}

export async function createResource(deps: UseCaseDeps, input: CreateInput): Promise<Resource> {
  const kind = resourceKinds[input.type];
  const resource = { ...input, id: uuidv7(), status: kind.initial, spec: kind.target };
  const msg = { queue: 'api_queue' as const, payload: apiMessage('reconcile', resource.id), priority: PRIORITY.normal };
  const w = needsReferences(resource)
    ? await deps.store.tx(async (t) => {
        await checkReferences(t, resource);
        return t.insert(resource, msg);
      })
    : await deps.store.insert({ resource, msg });
  return published(deps, withCreatedHint(w));
}
