// Resource routes: thin. Parse, call a use case, shape the response.
import { Router, type Request, type Response } from 'express';
import type { z } from 'zod';
import { AppError, invalid, notFound } from '../errors.js';
import type { ResourceType } from '../fsm/index.js';
import type { Json, Resource } from '../model.js';
import type { UseCases } from '../usecases/index.js';
import { parse } from './problem.js';
import { resourceJson, taskJson, transitionJson, type RevokedTaskOut, type TransitionListOut } from './responses.js';
import { createBody, IdParam, ListQuery } from './schemas.js';

export type DriverOptions = { field: string; schema: z.ZodType } | undefined;
export type RouteDeps = { uc: UseCases; driverOptions: DriverOptions };

type Body = Record<string, unknown> & { name: string };

/** Per collection: its path, its type, and the properties a create body gives the resource. */
const COLLECTIONS: { path: string; type: ResourceType; props: (b: Body) => Json }[] = [
  {
    path: 'vnf-packages',
    type: 'vnf_package',
    props: (b) => ({ version: b.version ?? null, vendor: b.vendor ?? null }),
  },
  { path: 'volumes', type: 'volume', props: (b) => ({ sizeGb: b.sizeGb }) },
  {
    path: 'vnfs',
    type: 'vnf',
    props: (b) => ({
      vnfPackageId: b.vnfPackageId,
      volumeIds: b.volumeIds ?? [],
      ...(b.flavourId ? { flavourId: b.flavourId } : {}),
      ...(b.vduId ? { vduId: b.vduId } : {}),
    }),
  },
  { path: 'acls', type: 'acl', props: (b) => ({ vnfId: b.vnfId ?? null, rules: b.rules }) },
];

const CURSOR_PREFIX = 'r1:';
const encodeCursor = (id: string) => Buffer.from(CURSOR_PREFIX + id).toString('base64url');
function decodeCursor(c: string): string {
  const s = Buffer.from(c, 'base64url').toString('utf8');
  const id = s.slice(CURSOR_PREFIX.length);
  if (!s.startsWith(CURSOR_PREFIX) || !IdParam.safeParse(id).success) {
    throw invalid('cursor: not a cursor returned by this API', {
      errors: [{ field: 'cursor', message: 'not a cursor returned by this API' }],
    });
  }
  return id;
}

const idOf = (req: Request, what = 'resource') => {
  const r = IdParam.safeParse(req.params.id);
  if (!r.success) throw notFound(`${what} ${String(req.params.id).slice(0, 64)}`);
  return r.data;
};

const accepted = (res: Response, path: string, r: Resource) =>
  res.status(202).location(`/v1/${path}/${r.id}`).json(resourceJson(r));

export function makeResourceRoutes({ uc, driverOptions }: RouteDeps): Router {
  const router = Router();

  const list = (type?: ResourceType) => async (req: Request, res: Response) => {
    const q = parse(ListQuery, req.query, 'query');
    const after = q.cursor ? decodeCursor(q.cursor) : undefined;
    const page = await uc.list({
      type: type ?? q.type,
      status: q.status,
      q: q.q,
      order: q.order,
      stuck: q.stuck === 'true',
      limit: q.limit,
      after,
    });
    res.json({
      items: page.items.map(resourceJson),
      nextCursor: page.nextCursor ? encodeCursor(page.nextCursor) : null,
    });
  };
  const getOne = (type?: ResourceType) => async (req: Request, res: Response) => {
    res.json(resourceJson(await uc.get(idOf(req, type), type)));
  };
  const remove = (path: string, type?: ResourceType) => async (req: Request, res: Response) => {
    accepted(res, path, await uc.delete(idOf(req, type), type));
  };

  for (const c of COLLECTIONS) {
    const schema = createBody(c.type, driverOptions);
    // a package is created by its own route (JSON, or its CSAR as the body)
    if (c.type !== 'vnf_package')
      router.post(`/${c.path}`, async (req, res) => {
        if (req.body === undefined)
          throw new AppError('unsupported-media-type', 415, 'send the body as application/json');
        const body = parse(schema, req.body) as Body;
        const options = driverOptions ? ((body[driverOptions.field] as Json | undefined) ?? null) : null;
        accepted(res, c.path, await uc.create({ type: c.type, name: body.name, properties: c.props(body), options }));
      });
    router.get(`/${c.path}`, list(c.type));
    router.get(`/${c.path}/:id`, getOne(c.type));
    router.delete(`/${c.path}/:id`, remove(c.path, c.type));
  }

  router.post('/vnfs/:id/terminate', async (req, res) => {
    accepted(res, 'vnfs', await uc.terminate(idOf(req, 'vnf')));
  });
  router.get('/resources', list());
  router.get('/resources/:id', getOne());
  router.delete('/resources/:id', remove('resources'));
  router.post('/resources/:id/retry', async (req, res) => {
    accepted(res, 'resources', await uc.retry(idOf(req)));
  });
  router.get('/resources/:id/transitions', async (req, res) => {
    res.json({ items: (await uc.transitions(idOf(req))).map(transitionJson) } satisfies TransitionListOut);
  });
  router.post('/tasks/:id/revoke', async (req, res) => {
    const r = await uc.revoke(idOf(req, 'task'));
    res.status(202).json({ id: r.taskId, resourceId: r.resourceId, state: 'REVOKED' } satisfies RevokedTaskOut);
  });
  router.get('/tasks/:id', async (req, res) => {
    res.json(taskJson(await uc.task(idOf(req, 'task'))));
  });
  return router;
}
