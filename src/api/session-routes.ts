// The console's session: sign in with an API token (it goes into no URL and no script's
// reach: the browser keeps only an HttpOnly, SameSite=Strict cookie), read it, sign out.
import express, { Router } from 'express';
import { z } from 'zod';
import { AppError } from '../errors.js';
import type { UseCases } from '../usecases/index.js';
import { SESSION_COOKIE, sessionCookie } from './auth.js';
import { parse } from './problem.js';
import { SignInBody } from './schemas.js';
import type { SessionOut } from './responses.js';

export type SessionSettings = { hours: number; secure: boolean };

export function makeSessionRoutes(uc: UseCases, settings: SessionSettings): Router {
  const router = Router();
  const cookie = { httpOnly: true, sameSite: 'strict' as const, secure: settings.secure, path: '/' };
  // JSON only: a cross-site form (urlencoded) cannot sign a browser in with someone else's token
  router.post('/session', express.json({ limit: '4kb' }), async (req, res) => {
    const body = parse(SignInBody, req.body ?? {});
    const s = await uc.sessions.signIn(body.token.trim(), settings.hours);
    res.cookie(SESSION_COOKIE, s.id, { ...cookie, expires: s.expiresAt });
    const out: z.infer<typeof SessionOut> = { role: s.role, csrf: s.csrf };
    res.status(201).json(out);
  });
  router.get('/session', async (req, res) => {
    const id = sessionCookie(req);
    const s = id ? await uc.sessions.find(id) : null;
    if (!s) throw new AppError('unauthorized', 401, 'not signed in');
    const out: z.infer<typeof SessionOut> = { role: s.role, csrf: s.csrf };
    res.json(out);
  });
  router.delete('/session', async (req, res) => {
    const id = sessionCookie(req);
    if (id) await uc.sessions.signOut(id);
    res.clearCookie(SESSION_COOKIE, cookie);
    res.status(204).end();
  });
  return router;
}
