// Property-based: whatever a client sends to any endpoint, the answer is never a 5xx, an
// error is always problem+json naming the problem, and a rejected request writes nothing.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { startRoles, type Running } from '../../src/compose.js';
import { makeTestEnv, quiet, type TestEnv } from '../helpers/env.js';

const ROUTES: [string, string][] = [
  ['POST', '/v1/vnf-packages'],
  ['POST', '/v1/volumes'],
  ['POST', '/v1/vnfs'],
  ['POST', '/v1/acls'],
  ['POST', '/v1/tokens'],
  ['GET', '/v1/resources'],
  ['GET', '/v1/vnf-packages'],
  ['GET', '/v1/resources/{id}'],
  ['GET', '/v1/resources/{id}/transitions'],
  ['DELETE', '/v1/resources/{id}'],
  ['POST', '/v1/vnfs/{id}/terminate'],
  ['POST', '/v1/resources/{id}/retry'],
  ['GET', '/v1/tasks/{id}'],
  ['GET', '/v1/fsm/{id}'],
  ['GET', '/v1/events'],
  ['POST', '/v1/tasks/{id}/revoke'],
  ['PUT', '/v1/vnf-packages/{id}/content'],
  ['GET', '/v1/vnf-packages/{id}/content'],
  ['GET', '/v1/vnf-packages/{id}/vnfd'],
  ['GET', '/v1/vnf-packages/{id}/artifacts/{id}'],
];

const nasty = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.constantFrom(
    "'; DROP TABLE resources; --",
    '../../etc/passwd',
    '%00',
    '\u0000',
    '<script>alert(1)</script>',
    '{{7*7}}',
    '${jndi:ldap://x}',
    '\ud800',
    'NaN',
    '-1',
    '1e309',
    ' '.repeat(300),
  ),
);
const jsonValue = fc.jsonValue({ maxDepth: 4 });
const deep = fc.integer({ min: 50, max: 5000 }).map((n) => '['.repeat(n) + ']'.repeat(n));
const bodyArb = fc.oneof(
  jsonValue.map((v) => JSON.stringify(v)),
  fc
    .record(
      {
        name: nasty,
        version: fc.option(nasty),
        sizeGb: fc.oneof(fc.integer(), fc.double(), nasty),
        vnfPackageId: nasty,
        rules: fc.oneof(jsonValue, fc.array(fc.dictionary(nasty, jsonValue), { maxLength: 3 })),
        role: nasty,
        extra: jsonValue,
      },
      { requiredKeys: [] },
    )
    .map((v) => JSON.stringify(v)),
  fc.string(), // not JSON at all
  deep,
  fc.constant('{"name": "' + 'x'.repeat(200_000) + '"}'), // larger than the body limit
);
const pathArg = fc.oneof(
  fc.uuid(),
  nasty.map((s) => encodeURIComponent((s as string & { toWellFormed(): string }).toWellFormed())),
  fc.constantFrom('vnf_package', '%E0%A4%A', '%', '..%2F..%2F'),
);
const queryArb = fc.dictionary(fc.constantFrom('type', 'status', 'limit', 'cursor', 'resourceId', 'x'), nasty, {
  maxKeys: 3,
});

/** Strings PostgreSQL refuses (a NUL, a lone surrogate half), somewhere inside an otherwise ordinary string. */
const unstorable = fc
  .tuple(
    fc.string({ maxLength: 10 }),
    fc.constantFrom('\u0000', '\ud800', '\udfff', '\udbff\u0041'),
    fc.string({ maxLength: 10 }),
  )
  .map(([a, bad, b]) => a + bad + b);

/** A valid create body per route, to mutate one field of. */
const VALID: Record<string, Record<string, unknown>> = {
  '/v1/vnf-packages': {
    name: 'pkg',
    userDefinedData: { owner: 'a', tags: ['x'] },
    simulate: { refuse: { upload: 'no' } },
  },
  '/v1/volumes': { name: 'vol', sizeGb: 1 },
  '/v1/acls': { name: 'acl', rules: [{ direction: 'ingress', action: 'allow', protocol: 'tcp', cidr: '10.0.0.0/8' }] },
  '/v1/tokens': { name: 'tok', role: 'viewer' },
};

/** Every path to a string or number leaf of a body (the fields a mutation may replace). */
function leaves(v: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (v && typeof v === 'object')
    return Object.entries(v).flatMap(([k, x]) => leaves(x, [...path, Array.isArray(v) ? Number(k) : k]));
  return [path];
}

function setAt(v: unknown, path: (string | number)[], value: unknown): unknown {
  if (!path.length) return value;
  const copy: any = Array.isArray(v) ? [...v] : { ...(v as object) };
  copy[path[0]!] = setAt(copy[path[0]!], path.slice(1), value);
  return copy;
}

describe('hostile input', () => {
  let env: TestEnv;
  let nfvo: Running;
  let base: string;
  before(async () => {
    env = await makeTestEnv('hostile');
    nfvo = await startRoles(env.config, ['api'], { logger: quiet });
    base = `http://127.0.0.1:${nfvo.port}`;
  });
  after(async () => {
    await nfvo.stop();
    await env.cleanup();
  });

  const count = async () =>
    (
      await env.pool.query(
        'SELECT (SELECT count(*) FROM resources) + (SELECT count(*) FROM outbox) + (SELECT count(*) FROM api_tokens) AS n',
      )
    ).rows[0].n;

  /** Send a JSON body as an admin; the response, and whether it wrote anything. */
  async function send(method: string, path: string, body: string) {
    const before = await count();
    const res = await fetch(new URL(path, base), {
      method,
      headers: { ...env.auth('admin'), 'content-type': 'application/json' },
      body,
    });
    const text = await res.text();
    return {
      status: res.status,
      type: res.headers.get('content-type')?.split(';')[0],
      text,
      wrote: (await count()) !== before,
    };
  }

  it('a valid body with one field made unstorable (a NUL, a lone surrogate, in a value or a key) is a 422 naming it', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...Object.keys(VALID)),
        fc.nat(),
        unstorable,
        fc.boolean(),
        async (path, pick, bad, key) => {
          const valid = VALID[path]!;
          const at = leaves(valid)[pick % leaves(valid).length]!;
          // a key can be made unstorable where the leaf sits in an object (an array's are its indexes)
          const asKey = key && typeof at.at(-1) === 'string';
          const body = asKey ? setAt(valid, [...at.slice(0, -1), bad], 'x') : setAt(valid, at, bad);
          const r = await send('POST', path, JSON.stringify(body));
          assert.ok(r.status < 500, `${path} ${JSON.stringify(at)}: ${r.status} ${r.text.slice(0, 300)}`);
          assert.equal(r.type, 'application/problem+json', `${path}: ${r.status} ${r.text.slice(0, 200)}`);
          assert.equal(r.status, 422, `${path} ${JSON.stringify(at)}: ${r.text.slice(0, 300)}`);
          assert.equal(r.wrote, false);
          const fields = (JSON.parse(r.text).errors as { field: string }[]).map((e) => e.field);
          const named = asKey ? at.slice(0, -1) : at;
          assert.ok(
            fields.some((f) => f.startsWith(named.join('.')) || named.join('.').startsWith(f)),
            `${JSON.stringify(fields)} names ${named.join('.')}`,
          );
        },
      ),
      { numRuns: Number(process.env.FAST_CHECK_RUNS ?? 300) },
    );
  });

  it('never answers 5xx, always problem+json for errors, and writes nothing it rejects', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ROUTES),
        pathArg,
        queryArb,
        bodyArb,
        fc.constantFrom('application/json', 'text/plain', 'application/json; charset=latin1', ''),
        async ([method, route], arg, query, body, ctype) => {
          const before = await count();
          const url = new URL(route.replace('{id}', arg), base);
          for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
          const ctl = new AbortController();
          const headers: Record<string, string> = { ...env.auth('admin') };
          if (ctype) headers['content-type'] = ctype;
          const res = await fetch(url, {
            method,
            headers,
            body: method === 'GET' ? undefined : body,
            signal: ctl.signal,
          });
          if (url.pathname === '/v1/events' && res.status === 200) {
            ctl.abort();
            return;
          }
          const text = await res.text();
          assert.ok(res.status < 500, `${method} ${url.pathname}: ${res.status} ${text.slice(0, 300)}`);
          if (res.status >= 400) {
            assert.equal(
              res.headers.get('content-type')?.split(';')[0],
              'application/problem+json',
              `${method} ${url.pathname} ${res.status}`,
            );
            const p = JSON.parse(text);
            assert.equal(p.status, res.status);
            assert.ok(typeof p.detail === 'string' && p.detail.length > 0);
            assert.equal(await count(), before, 'a rejected request wrote something');
          }
        },
      ),
      {
        numRuns: Number(process.env.FAST_CHECK_RUNS ?? 300),
        seed: process.env.FAST_CHECK_SEED ? Number(process.env.FAST_CHECK_SEED) : undefined,
      },
    );
  });
});
