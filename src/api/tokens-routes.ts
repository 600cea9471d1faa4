// Token administration (admin role): create (the secret is returned once), list, revoke.
import { Router } from 'express';
import { notFound } from '../errors.js';
import type { UseCases } from '../usecases/index.js';
import { parse } from './problem.js';
import { IdParam, TokenBody } from './schemas.js';

export function makeTokenRoutes(uc: UseCases): Router {
  const router = Router();
  router.post('/tokens', async (req, res) => {
    const body = parse(TokenBody, req.body ?? {});
    const { token, info } = await uc.tokens.create(body.role, body.name);
    res
      .status(201)
      .location(`/v1/tokens/${info.id}`)
      .json({ ...info, token });
  });
  router.get('/tokens', async (_req, res) => {
    res.json({ items: await uc.tokens.list() });
  });
  router.delete('/tokens/:id', async (req, res) => {
    const id = IdParam.safeParse(req.params.id);
    if (!id.success) throw notFound(`token ${String(req.params.id).slice(0, 64)}`);
    res.json(await uc.tokens.revoke(id.data));
  });
  return router;
}
