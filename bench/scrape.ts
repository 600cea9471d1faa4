// The console's and the scraper's reads on a big table: GET /metrics, the overview, the
// stuck and text filters of the resource list, and the background count behind the
// nfvo_resources gauge, each timed over several calls.
import type pg from 'pg';
import { countByTypeAndStatus } from '../src/db/overview-repository.js';
import { token } from './client.js';
import { median, round } from './stats.js';

async function timed(times: number, f: () => Promise<unknown>): Promise<{ median_ms: number; max_ms: number }> {
  const ms: number[] = [];
  for (let i = 0; i < times; i++) {
    const t0 = performance.now();
    await f();
    ms.push(performance.now() - t0);
  }
  return { median_ms: round(median(ms), 2), max_ms: round(Math.max(...ms), 2) };
}

async function get(url: string, headers: Record<string, string> = {}): Promise<string> {
  const r = await fetch(url, { headers });
  if (!r.ok) throw new Error(`GET ${url}: ${r.status}`);
  return r.text();
}

export async function scrapeScenario(db: pg.Pool, base: string, rows: number) {
  const auth = { authorization: token() };
  // the gauge's snapshot is counted at start: the first scrapes wait for nothing
  const body = await get(`${base}/metrics`);
  return {
    resources: rows,
    metrics_bytes: Buffer.byteLength(body),
    metrics_samples: body.split('\n').filter((l) => l && !l.startsWith('#')).length,
    scrape: await timed(20, () => get(`${base}/metrics`)),
    background_count: await timed(5, () => countByTypeAndStatus(db)),
    overview: await timed(10, () => get(`${base}/v1/overview`, auth)),
    list_stuck: await timed(10, () => get(`${base}/v1/resources?stuck=true&order=desc`, auth)),
    list_text: await timed(10, () => get(`${base}/v1/resources?q=filler-99999&order=desc`, auth)),
    list_page: await timed(10, () => get(`${base}/v1/resources?order=desc&limit=50`, auth)),
  };
}
