// Retry a resource in ERROR: the controller moves it back to where it failed and drives it on.
import { apiMessage } from '../broker/messages.js';
import { PRIORITY } from '../broker/topology.js';
import type { Resource } from '../model.js';
import { conflict, notFound, published, type UseCaseDeps } from './deps.js';

export async function retryResource(deps: UseCaseDeps, id: string): Promise<Resource> {
  const w = await deps.store.tx(async (t) => {
    const cur = await t.lock(id, 'UPDATE');
    if (!cur) throw notFound(`resource ${id}`);
    if (cur.status !== 'ERROR') {
      throw conflict(`${cur.type} ${id} is ${cur.status}, not ERROR; only a resource in ERROR can be retried`);
    }
    const row = await t.enqueue({ queue: 'api_queue', payload: apiMessage('retry', id), priority: PRIORITY.operator });
    return { resource: await t.read(id), outbox: [row] };
  });
  return published(deps, w);
}
