// Percentiles, medians and rounding for the bench's figures.
export const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]! : NaN;
};
export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
export const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
/** The latency figures every scenario reports. */
export const latencyMs = (xs: number[]) => ({ p50: pct(xs, 50), p99: pct(xs, 99), max: Math.max(...xs) });

/** A request the bench sent: the id it was answered with, and when it was sent (ms since the epoch). */
export type Sent = { id: string; sentAt: number };

/**
 * When one package's request passed each point of its path (ms since the epoch): requested,
 * written by the API, and per step k (0-based) dispatched by the controller, started by the
 * worker and its effect written; `dispatched` has one more entry, the write that ends the path.
 */
export type Timeline = {
  requested: number;
  apiWrite: number;
  dispatched: number[];
  started: number[];
  effect: number[];
};

/** The mean time of each segment of the path, the three steps' segments averaged together. */
export function pathMs(timelines: Timeline[]) {
  const mean = (xs: number[]) => round(xs.reduce((a, b) => a + b, 0) / xs.length, 2);
  const perStep = (f: (t: Timeline, k: number) => number) =>
    mean(timelines.flatMap((t) => t.started.map((_, k) => f(t, k))));
  return {
    request_to_api_write: mean(timelines.map((t) => t.apiWrite - t.requested)),
    api_write_to_first_dispatch: mean(timelines.map((t) => t.dispatched[0]! - t.apiWrite)),
    per_step: {
      dispatch_to_start: perStep((t, k) => t.started[k]! - t.dispatched[k]!),
      start_to_effect: perStep((t, k) => t.effect[k]! - t.started[k]!),
      effect_to_next_dispatch: perStep((t, k) => t.dispatched[k + 1]! - t.effect[k]!),
    },
  };
}
