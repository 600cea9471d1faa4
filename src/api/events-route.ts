// GET /v1/events: Server-Sent Events of every transition, resumable with Last-Event-ID.
import type { Request, Response } from 'express';
import type { Transition } from '../model.js';
import type { UseCases } from '../usecases/index.js';
import { parse } from './problem.js';
import { transitionJson, type ProgressOut } from './responses.js';
import { EventsQuery } from './schemas.js';
import type { ProgressEvent, TransitionFeed } from '../feed/transition-feed.js';

const progressJson = (p: ProgressEvent): ProgressOut => ({ ...p, at: p.at.toISOString() });

export function makeEventsHandler(deps: { feed: TransitionFeed; uc: UseCases }) {
  return async (req: Request, res: Response): Promise<void> => {
    const header = req.header('last-event-id');
    const q = parse(EventsQuery, { ...req.query, lastEventId: header ?? req.query.lastEventId }, 'query');
    const matches = (e: { resourceId: string; type: string }) =>
      (!q.resourceId || e.resourceId === q.resourceId) && (!q.type || e.type === q.type);
    const pending: Transition[] = [];
    let replaying = true;
    let lastSent = q.lastEventId ?? 0;
    const send = (t: Transition) => {
      if (t.id <= lastSent) return;
      lastSent = t.id;
      res.write(`id: ${t.id}\nevent: transition\ndata: ${JSON.stringify(transitionJson(t))}\n\n`);
    };
    const sub = await deps.feed.subscribe((b) => {
      for (const t of b.transitions) {
        if (!matches(t)) continue;
        if (replaying) pending.push(t);
        else send(t);
      }
      for (const p of b.progress)
        if (matches(p)) res.write(`event: progress\ndata: ${JSON.stringify(progressJson(p))}\n\n`);
    });
    res.on('close', () => {
      sub.unsubscribe();
      clearInterval(ping);
    });
    res.status(200).set({
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-cache',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.flushHeaders();
    res.write(': connected\n\n');
    const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
    // replay what the watcher missed, up to where the live feed starts
    if (q.lastEventId !== undefined) {
      for (let after = q.lastEventId; ;) {
        const page = await deps.uc.transitionsAfter(after, sub.since, { resourceId: q.resourceId, type: q.type }, 500);
        page.forEach(send);
        if (page.length < 500) break;
        after = page[page.length - 1]!.id;
      }
    }
    replaying = false;
    pending.forEach(send);
  };
}
