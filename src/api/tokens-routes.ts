// Token administration (admin role): create (the secret is returned once), list, revoke.
import { Router } from 'express';
import { z } from 'zod';
import type { Db } from '../db/db.js';
import { createToken, listTokens, revokeToken, ROLES } from '../db/token-repository.js';
import { notFound } from '../errors.js';
import { parse } from './problem.js';
import { IdParam } from './schemas.js';

const TokenBody = z.object({ name: z.string().min(1).max(128), role: z.enum(ROLES) }).strict();

export function makeTokenRoutes(db: Db): Router {
  const router = Router();
  router.post('/tokens', async (req, res) => {
    const body = parse(TokenBody, req.body ?? {});
    const { token, info } = await createToken(db.pool, body.role, body.name);
    res
      .status(201)
      .location(`/v1/tokens/${info.id}`)
      .json({ ...info, token });
  });
  router.get('/tokens', async (_req, res) => {
    res.json({ items: await listTokens(db.pool) });
  });
  router.delete('/tokens/:id', async (req, res) => {
    const id = IdParam.safeParse(req.params.id);
    const info = id.success ? await revokeToken(db.pool, id.data) : null;
    if (!info) throw notFound(`token ${String(req.params.id).slice(0, 64)}`);
    res.json(info);
  });
  return router;
}
