// `nfvo watch [id]`: follow /v1/events and print each transition, like `kubectl get -w`.
import type { Writable } from 'node:stream';
import { ProgressOut, TransitionOut } from './api/responses.js';

type Event = TransitionOut;

export function formatEvent(e: Event): string {
  const time = e.at.slice(11, 23);
  const err = e.error ? `  ${e.error}` : '';
  return `${time}  ${e.type.padEnd(11)} ${e.resourceId}  ${e.from.padEnd(12)} -> ${e.to.padEnd(12)} ${(e.action ?? '-').padEnd(14)} ${e.outcome}${err}`;
}

type Progress = ProgressOut;

export function formatProgress(p: Progress): string {
  const pct = p.progress?.percent !== undefined ? `${p.progress.percent}%` : '';
  return `${p.at.slice(11, 23)}  ${p.type.padEnd(11)} ${p.resourceId}  ${p.action} attempt ${p.attempt} ${pct} ${p.progress?.message ?? ''}`.trimEnd();
}

/** One event of the stream as a line, read with the API's own response shapes. */
function formatData(kind: string, data: string): string {
  const json: unknown = JSON.parse(data);
  if (kind === 'progress') {
    const p = ProgressOut.safeParse(json);
    return p.success ? formatProgress(p.data) : `(unreadable progress event: ${data.slice(0, 200)})`;
  }
  const t = TransitionOut.safeParse(json);
  return t.success ? formatEvent(t.data) : `(unreadable event: ${data.slice(0, 200)})`;
}

export type StreamEvent = { kind: 'transition'; data: TransitionOut } | { kind: 'progress'; data: ProgressOut };

export type FollowOptions = {
  baseUrl: string;
  resourceId?: string;
  type?: string;
  signal?: AbortSignal;
  headers?: Record<string, string>;
  /** Called when the stream breaks (it reconnects a second later, resuming with Last-Event-ID). */
  onBreak?: (err: Error) => void;
  /** Called each time the stream is open: events from then on are not missed. */
  onOpen?: () => void;
};

/** The raw events of /v1/events, in order, across reconnections, until the signal aborts; a refusal (4xx) is thrown. */
async function* followRaw(opts: FollowOptions): AsyncGenerator<{ kind: string; data: string }> {
  let lastId: string | undefined;
  while (!opts.signal?.aborted) {
    const url = new URL('/v1/events', opts.baseUrl);
    if (opts.resourceId) url.searchParams.set('resourceId', opts.resourceId);
    if (opts.type) url.searchParams.set('type', opts.type);
    try {
      const res = await fetch(url, {
        headers: { Accept: 'text/event-stream', ...(lastId ? { 'Last-Event-ID': lastId } : {}), ...opts.headers },
        signal: opts.signal,
      });
      if (res.status >= 400 && res.status < 500) throw new StreamRefused(res.status, await res.text());
      if (!res.ok || !res.body) throw new Error(`${res.status} ${await res.text()}`);
      opts.onOpen?.();
      let buf = '';
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buf += Buffer.from(chunk).toString('utf8');
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const id = /^id: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          const kind = /^event: (.*)$/m.exec(block)?.[1] ?? 'transition';
          if (id) lastId = id;
          if (data) yield { kind, data };
        }
      }
    } catch (err) {
      if (opts.signal?.aborted) return;
      if (err instanceof StreamRefused) throw err;
      opts.onBreak?.(err as Error);
    }
    await new Promise((r) => setTimeout(r, 1_000));
  }
}

/** The stream refused the request (bad token, bad filter): reconnecting would not help. */
export class StreamRefused extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`${status} ${body}`);
  }
}

/** The events of /v1/events read with the API's own response shapes; unreadable ones are skipped. */
export async function* followEvents(opts: FollowOptions): AsyncGenerator<StreamEvent> {
  for await (const { kind, data } of followRaw(opts)) {
    const json: unknown = JSON.parse(data);
    if (kind === 'progress') {
      const p = ProgressOut.safeParse(json);
      if (p.success) yield { kind: 'progress', data: p.data };
    } else {
      const t = TransitionOut.safeParse(json);
      if (t.success) yield { kind: 'transition', data: t.data };
    }
  }
}

export async function watch(opts: {
  baseUrl: string;
  resourceId?: string;
  out: Writable;
  signal?: AbortSignal;
  headers?: Record<string, string>;
}): Promise<void> {
  opts.out.write(
    `TIME          TYPE        RESOURCE                              FROM            TO           ACTION         OUTCOME\n`,
  );
  const events = followRaw({
    ...opts,
    onBreak: (err) => process.stderr.write(`watch: ${err.message}; reconnecting\n`),
  });
  for await (const { kind, data } of events) opts.out.write(formatData(kind, data) + '\n');
}
