// Ask for a new spec: delete any resource, terminate a vnf. A package or volume a live vnf
// uses cannot be deleted; a resource being deleted cannot be asked for anything else.
import { apiMessage } from '../broker/messages.js';
import { PRIORITY } from '../broker/topology.js';
import type { Resource } from '../model.js';
import { conflict, notFound, published, type UseCaseDeps } from './deps.js';

async function requestSpec(deps: UseCaseDeps, id: string, spec: string, type?: string): Promise<Resource> {
  const w = await deps.store.tx(async (t) => {
    const cur = await t.lock(id, 'UPDATE');
    if (!cur || (type && cur.type !== type)) throw notFound(`${type ?? 'resource'} ${id}`);
    if (cur.spec === 'DELETED' && spec !== 'DELETED') throw conflict(`${cur.type} ${id} is being deleted`);
    // asked already: nothing to do, nothing to publish
    if (cur.spec === spec) return { resource: await t.read(id), outbox: [] };
    if (spec === 'DELETED' && (cur.type === 'vnf_package' || cur.type === 'volume')) {
      const user = await t.liveVnfUsing(cur);
      if (user) {
        const what = cur.type === 'volume' ? `volume ${id} is attached to` : `vnf package ${id} is used by`;
        throw conflict(`${what} vnf ${user}; delete or terminate the vnf first`, { usedBy: user });
      }
    }
    const msg = { queue: 'api_queue' as const, payload: apiMessage('reconcile', id), priority: PRIORITY.operator };
    return t.updateSpec(id, spec, msg);
  });
  return published(deps, w);
}

/** Delete a resource (of `type`, when given): idempotent once asked. */
export const deleteResource = (deps: UseCaseDeps, id: string, type?: string) => requestSpec(deps, id, 'DELETED', type);

/** Terminate a vnf: its compute is released, its volumes kept. */
export const terminateVnf = (deps: UseCaseDeps, id: string) => requestSpec(deps, id, 'TERMINATED', 'vnf');
