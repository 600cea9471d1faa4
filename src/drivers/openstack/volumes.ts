// volume create/delete -> Cinder: created with metadata naming the nfvo resource, waited for
// until available (error ends it with Cinder's reason); deleted once detached, until gone.
import { permanent, retryable, type Action } from '../driver.js';
import { settle, type Ctx } from './context.js';

export function volumeActions(c: Ctx): { create: Action; delete: Action } {
  return {
    create: async (input, ctx) => {
      const key = ctx.idempotencyKey;
      const found = (await c.cinder.find({ nfvo_task: key })).find(
        (v) => v.status !== 'deleting' && v.status !== 'error',
      );
      const id =
        found?.id ??
        (await c.cinder.create({
          name: input.name,
          sizeGb: input.properties.sizeGb as number,
          resourceId: ctx.resourceId,
          key,
          signal: ctx.signal,
        }));
      return settle(c, ctx, async () => {
        const v = await c.cinder.volume(id);
        if (!v) throw retryable(`Cinder: volume ${id} disappeared while it was being created`);
        if (v.status === 'available') return { done: true, result: { volumeId: id } };
        if (v.status === 'error') {
          const why = (await c.cinder.why(id)) ?? 'the volume went to error';
          await c.cinder.delete(id);
          // just after a restart the scheduler may not know its backends yet: that passes
          const passing = /no valid (weighted )?backend/i.test(why);
          throw (passing ? retryable : permanent)(`Cinder: ${why}`);
        }
        return { done: false, state: { volumeId: id }, message: `volume ${id} is ${v.status}` };
      });
    },

    delete: async (_input, ctx) =>
      settle(c, ctx, async () => {
        const vols = await c.cinder.find({ nfvo_resource_id: ctx.resourceId });
        if (!vols.length) return { done: true, result: {} };
        for (const v of vols) {
          if (v.status === 'in-use') for (const a of v.attachments ?? []) await c.nova.detach(a.server_id, v.id);
          else if (['available', 'error', 'error_deleting'].includes(v.status)) await c.cinder.delete(v.id);
        }
        return { done: false, state: {}, message: `volume ${vols.map((v) => `${v.id} ${v.status}`).join(', ')}` };
      }),
  };
}
