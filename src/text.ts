// Free text that PostgreSQL can store: one string type for every field a client writes.
// PostgreSQL refuses the NUL character in text and jsonb, and a lone UTF-16 surrogate
// cannot be encoded as UTF-8; either would fail the insert (a 500) instead of a 422.
import { z } from 'zod';

// a NUL, or a surrogate half without its other half
// eslint-disable-next-line no-control-regex -- the NUL is what it looks for
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why a string cannot be stored, or null. */
export function unstorable(s: string): string | null {
  const m = UNSTORABLE.exec(s);
  if (!m) return null;
  return m[0] === '\u0000' ? 'must not contain the NUL character' : 'must not contain a lone UTF-16 surrogate';
}

/** A string of 1..max characters that PostgreSQL can store (422 naming the field otherwise). */
export const freeText = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .superRefine((s, ctx) => {
      const why = unstorable(s);
      if (why) ctx.addIssue({ code: 'custom', message: why });
    });

/** The first path in a JSON value (keys included) holding a string PostgreSQL cannot store, with why. */
export function unstorableIn(
  value: unknown,
  path: (string | number)[] = [],
): { path: (string | number)[]; why: string } | null {
  if (typeof value === 'string') {
    const why = unstorable(value);
    return why ? { path, why } : null;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const bad = unstorableIn(value[i], [...path, i]);
      if (bad) return bad;
    }
    return null;
  }
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const keyWhy = unstorable(k);
      if (keyWhy) return { path: [...path, k], why: `key ${keyWhy}` };
      const bad = unstorableIn(v, [...path, k]);
      if (bad) return bad;
    }
  }
  return null;
}

/** Any JSON object whose strings and keys PostgreSQL can store. */
export const storableJson = z.record(z.string(), z.unknown()).superRefine((v, ctx) => {
  const bad = unstorableIn(v);
  if (bad) ctx.addIssue({ code: 'custom', message: bad.why, path: bad.path });
});
