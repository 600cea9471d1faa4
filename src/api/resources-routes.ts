// Resource routes: thin. Parse, call the repository, hand committed outbox rows to the relay.
import { Router, type Request, type Response } from 'express';
import type { z } from 'zod';
import type { ResourceRepository } from '../db/resource-repository.js';
import type { OutboxRow } from '../db/outbox-repository.js';
import { AppError, invalid, notFound } from '../errors.js';
import { resourceKinds, type ResourceType } from '../fsm/index.js';
import type { Resource } from '../model.js';
import { transitionJson } from './events-route.js';
import { parse } from './problem.js';
import { AclBody, IdParam, ListQuery, VnfBody, VnfPackageBody, VolumeBody } from './schemas.js';

export type RouteDeps = { repo: ResourceRepository; publish: (rows: OutboxRow[]) => void; driver: string };

export function resourceJson(r: Resource) {
  return {
    id: r.id,
    type: r.type,
    name: r.name,
    status: r.status,
    spec: r.spec,
    workerId: r.workerId,
    taskId: r.taskId,
    retryCount: r.retryCount,
    properties: r.properties,
    error: r.error,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  };
}

const COLLECTIONS: {
  path: string;
  type: ResourceType;
  body: z.ZodType;
  props: (b: Record<string, unknown>) => Record<string, unknown>;
}[] = [
  {
    path: 'vnf-packages',
    type: 'vnf_package',
    body: VnfPackageBody,
    props: (b) => ({ version: b.version ?? null, vendor: b.vendor ?? null }),
  },
  { path: 'volumes', type: 'volume', body: VolumeBody, props: (b) => ({ sizeGb: b.sizeGb }) },
  {
    path: 'vnfs',
    type: 'vnf',
    body: VnfBody,
    props: (b) => ({ vnfPackageId: b.vnfPackageId, volumeIds: b.volumeIds ?? [] }),
  },
  { path: 'acls', type: 'acl', body: AclBody, props: (b) => ({ vnfId: b.vnfId ?? null, rules: b.rules }) },
];

const CURSOR_PREFIX = 'r1:';
const encodeCursor = (id: string) => Buffer.from(CURSOR_PREFIX + id).toString('base64url');
function decodeCursor(c: string): string {
  const s = Buffer.from(c, 'base64url').toString('utf8');
  const id = s.slice(CURSOR_PREFIX.length);
  if (!s.startsWith(CURSOR_PREFIX) || !IdParam.safeParse(id).success)
    throw invalid('cursor: not a cursor returned by this API', {
      errors: [{ field: 'cursor', message: 'not a cursor returned by this API' }],
    });
  return id;
}

const idOf = (req: Request) => {
  const r = IdParam.safeParse(req.params.id);
  if (!r.success) throw notFound(`resource ${String(req.params.id).slice(0, 64)}`);
  return r.data;
};

export function makeResourceRoutes(deps: RouteDeps): Router {
  const { repo } = deps;
  const router = Router();

  const accepted = (res: Response, path: string, r: Resource) =>
    res.status(202).location(`/v1/${path}/${r.id}`).json(resourceJson(r));

  const list = (type?: ResourceType) => async (req: Request, res: Response) => {
    const q = parse(ListQuery, req.query, 'query');
    const page = await repo.list({
      type: type ?? q.type,
      status: q.status,
      limit: q.limit,
      after: q.cursor ? decodeCursor(q.cursor) : undefined,
    });
    res.json({
      items: page.items.map(resourceJson),
      nextCursor: page.nextCursor ? encodeCursor(page.nextCursor) : null,
    });
  };

  const getOne = (type?: ResourceType) => async (req: Request, res: Response) => {
    const r = await repo.get(idOf(req));
    if (!r || (type && r.type !== type)) throw notFound(`${type ?? 'resource'} ${req.params.id}`);
    res.json(resourceJson(r));
  };

  const remove = (path: string, type?: ResourceType) => async (req: Request, res: Response) => {
    const { resource, outbox } = await repo.requestSpec(idOf(req), 'DELETED', { type });
    deps.publish(outbox);
    accepted(res, path, resource);
  };

  for (const c of COLLECTIONS) {
    router.post(`/${c.path}`, async (req, res) => {
      if (req.body === undefined)
        throw new AppError('unsupported-media-type', 415, 'send the body as application/json');
      const body = parse(c.body, req.body) as Record<string, unknown> & {
        name: string;
        simulate?: Resource['simulate'];
      };
      if (body.simulate && deps.driver !== 'sim')
        throw invalid(
          `simulate: fault injection needs the sim driver; this orchestrator runs the ${deps.driver} driver`,
          { errors: [{ field: 'simulate', message: 'only with the sim driver' }] },
        );
      const kind = resourceKinds[c.type];
      const { resource, outbox } = await repo.create({
        type: c.type,
        name: body.name,
        status: kind.initial,
        spec: kind.target,
        properties: c.props(body),
        simulate: body.simulate ?? null,
      });
      deps.publish(outbox);
      accepted(res, c.path, resource);
    });
    router.get(`/${c.path}`, list(c.type));
    router.get(`/${c.path}/:id`, getOne(c.type));
    router.delete(`/${c.path}/:id`, remove(c.path, c.type));
  }

  router.post('/vnfs/:id/terminate', async (req, res) => {
    const { resource, outbox } = await repo.requestSpec(idOf(req), 'TERMINATED', { type: 'vnf' });
    deps.publish(outbox);
    accepted(res, 'vnfs', resource);
  });

  router.get('/resources', list());
  router.get('/resources/:id', getOne());
  router.delete('/resources/:id', remove('resources'));
  router.post('/resources/:id/retry', async (req, res) => {
    const { resource, outbox } = await repo.requestRetry(idOf(req));
    deps.publish(outbox);
    accepted(res, 'resources', resource);
  });
  router.get('/resources/:id/transitions', async (req, res) => {
    const id = idOf(req);
    if (!(await repo.get(id))) throw notFound(`resource ${id}`);
    res.json({ items: (await repo.transitions(id)).map(transitionJson) });
  });
  router.post('/tasks/:id/revoke', async (req, res) => {
    const r = await deps.repo.requestRevoke(idOf(req));
    deps.publish(r.outbox);
    res.status(202).json({ id: r.taskId, resourceId: r.resourceId, state: 'REVOKED' });
  });
  router.get('/tasks/:id', async (req, res) => {
    const t = await repo.task(idOf(req));
    if (!t) throw notFound(`task ${req.params.id}`);
    res.json({
      id: t.id,
      name: t.name,
      resourceId: t.resourceId,
      state: t.state,
      attempt: t.attempt,
      from: t.fromStatus,
      to: t.toStatus,
      step: t.step,
      progress: t.progress,
      result: t.result,
      error: t.error,
      createdAt: t.createdAt,
      startedAt: t.startedAt,
      finishedAt: t.finishedAt,
      updatedAt: t.updatedAt,
    });
  });
  return router;
}
