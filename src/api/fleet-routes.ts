// Fleet routes: the processes that report in, the queues, the dead letters (an admin sends
// one back or discards it), a resource's timeline of attempts, and the overview.
import { Router, type Request } from 'express';
import { notFound } from '../errors.js';
import type { UseCases } from '../usecases/index.js';
import { parse } from './problem.js';
import { attemptJson, processJson, type DeadLetterOut, type OverviewOut } from './responses.js';
import { DeadLetterId, DeadLetterQuery, IdParam } from './schemas.js';

const dlId = (req: Request) => {
  const r = DeadLetterId.safeParse(req.params.id);
  if (!r.success) throw notFound(`dead letter ${String(req.params.id).slice(0, 64)}`);
  return r.data;
};

export function makeFleetRoutes(uc: UseCases, heartbeatIntervalS: number): Router {
  const router = Router();
  router.get('/processes', async (_req, res) => {
    res.json({ items: (await uc.processes()).map(processJson), heartbeatIntervalS });
  });
  router.get('/queues', async (_req, res) => {
    res.json({ items: await uc.queues() });
  });
  router.get('/dead-letters', async (req, res) => {
    const q = parse(DeadLetterQuery, req.query, 'query');
    const { items, total } = await uc.deadLetters(q.limit);
    res.json({ items: items satisfies DeadLetterOut[], total });
  });
  router.post('/dead-letters/:id/requeue', async (req, res) => {
    const d = await uc.settleDeadLetter(dlId(req), 'requeue');
    res.json({ id: d.id, action: 'requeued', queue: d.queue });
  });
  router.delete('/dead-letters/:id', async (req, res) => {
    const d = await uc.settleDeadLetter(dlId(req), 'discard');
    res.json({ id: d.id, action: 'discarded', queue: d.queue });
  });
  router.get('/resources/:id/attempts', async (req, res) => {
    const id = IdParam.safeParse(req.params.id);
    if (!id.success) throw notFound(`resource ${String(req.params.id).slice(0, 64)}`);
    res.json({ items: (await uc.attempts(id.data)).map(attemptJson) });
  });
  router.get('/overview', async (_req, res) => {
    const o = await uc.overview();
    const out: OverviewOut = {
      resources: o.resources,
      transitionsPerMinute: o.transitionsPerMinute.map((x) => ({ at: x.at.toISOString(), count: x.count })),
      failedLastHour: o.failedLastHour,
      oldestStuck: o.oldestStuck ? { ...o.oldestStuck, since: o.oldestStuck.since.toISOString() } : null,
    };
    res.json(out);
  });
  return router;
}
