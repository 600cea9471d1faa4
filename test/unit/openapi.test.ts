// The OpenAPI document describes the API the app serves: every route has its operation (and
// every operation its route), the document is well formed OpenAPI 3.1 whose schemas compile
// as JSON Schema 2020-12, and the checker the integration tests run every answer through
// tells a wrong answer from a right one.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { makeApp, type ApiDeps } from '../../src/api/app.js';
import { requiredRole } from '../../src/api/auth.js';
import { CREATE_BODIES } from '../../src/api/schemas.js';
import { buildOpenApi } from '../../src/api/openapi.js';
import { makeOperations, UNDOCUMENTED } from '../../src/api/openapi-operations.js';
import { driverPlugin } from '../../src/drivers/registry.js';
import { makeConsole } from '../../src/web/console.js';
import { docRef, makeAjv, makeResponseChecker, resolvePointer, token } from '../helpers/openapi.js';

const doc = buildOpenApi(driverPlugin('sim').options);
// the document read as plain JSON
const paths = doc.paths as Record<string, Record<string, any>>;
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

/** The app as compose builds it, on dependencies that are never called: only its routes are read. */
function app() {
  const never = new Proxy({}, { get: () => () => Promise.reject(new Error('not in this test')) });
  return makeApp({
    log: pino({ level: 'silent' }),
    uc: never,
    feed: never,
    driverOptions: driverPlugin('sim').options,
    bodyLimit: '100kb',
    packageMaxBytes: 1024,
    checks: {},
    session: { hours: 1, secure: false },
    heartbeatIntervalS: 5,
    metrics: (_req: unknown, res: { end(): void }) => res.end(),
    console: makeConsole({ stuckAfterS: 300 }),
  } as unknown as ApiDeps);
}

type Layer = {
  route?: { path: string | string[] | RegExp; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
  rawPath?: unknown;
};

/** Express's "/a/:id/*rest" as OpenAPI's "/a/{id}/{rest}". */
function template(path: string): string {
  const t = path.replace(/[:*](\w+)/g, '{$1}');
  assert.doesNotMatch(t.replace(/\{\w+\}/g, ''), /[{}()?*:]/, `a route path this test cannot read: ${path}`);
  return t;
}

/** Every (method, path) the app routes, with the prefixes its routers are mounted at. */
function routesOf(stack: Layer[], prefix = ''): { method: string; path: string }[] {
  return stack.flatMap((layer) => {
    if (layer.route) {
      const { path, methods } = layer.route;
      assert.ok(!(path instanceof RegExp), `a route by regular expression under ${prefix}`);
      return [path].flat().flatMap((p) =>
        Object.keys(methods)
          .filter((m) => methods[m] && m !== '_all')
          .map((method) => ({ method, path: template(prefix + p) })),
      );
    }
    if (!layer.handle?.stack) return [];
    // a router's mount path (express 5 keeps it as the layer's rawPath)
    assert.equal(typeof layer.rawPath, 'string', 'a mounted router whose path this test cannot read');
    const mount = layer.rawPath === '/' ? '' : (layer.rawPath as string);
    return routesOf(layer.handle.stack, prefix + mount);
  });
}

const operations = () =>
  Object.entries(paths).flatMap(([path, item]) =>
    Object.keys(item)
      .filter((m) => METHODS.includes(m))
      .map((method) => ({ method, path })),
  );

describe('the OpenAPI document', () => {
  const routes = routesOf((app() as unknown as { router: { stack: Layer[] } }).router.stack);
  const key = (r: { method: string; path: string }) => `${r.method.toUpperCase()} ${r.path}`;

  it('has an operation for every route of the app (but the pages for a browser, listed as such)', () => {
    assert.ok(routes.length > 40, `read ${routes.length} routes`);
    assert.ok(
      routes.some((r) => r.path === '/resources/{id}'),
      "the console's routes are read",
    );
    const documented = new Set(operations().map(key));
    const undocumented = (r: { method: string; path: string }) =>
      UNDOCUMENTED.some(
        (u) =>
          u.method === r.method &&
          (u.path.endsWith('/**') ? r.path.startsWith(u.path.slice(0, -2)) : u.path === r.path),
      );
    const missing = routes.filter((r) => !documented.has(key(r)) && !undocumented(r)).map(key);
    assert.deepEqual(missing, [], 'routes without an operation in the document');
  });

  it('describes no operation the app does not route', () => {
    const routed = new Set(routes.map(key));
    assert.deepEqual(
      operations()
        .filter((o) => !routed.has(key(o)))
        .map(key),
      [],
    );
  });

  it('names the role the authorization asks of each operation', () => {
    for (const op of makeOperations(CREATE_BODIES))
      if (op.role && op.path.startsWith('/v1/')) {
        const under = op.path.slice('/v1'.length).replace(/\{\w+\}/g, 'x');
        assert.equal(op.role, requiredRole(op.method.toUpperCase(), under), `${op.method} ${op.path}`);
      }
  });

  it('is OpenAPI 3.1: every ref resolves, every operation is named once and answers', () => {
    assert.match(doc.openapi, /^3\.1\.\d+$/);
    assert.ok(doc.info.title && doc.info.version);
    const refs: string[] = [];
    (function walk(v: unknown) {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object')
        for (const [k, x] of Object.entries(v)) {
          if (k === '$ref' && typeof x === 'string') refs.push(x);
          else walk(x);
        }
    })(doc);
    assert.ok(refs.length > 50);
    assert.deepEqual(
      refs.filter((r) => resolvePointer(doc, r) === undefined),
      [],
      'refs that point nowhere',
    );
    const ids = Object.values(paths).flatMap((item) => Object.values(item).map((op) => op.operationId));
    assert.equal(new Set(ids).size, ids.length, 'operationIds are unique');
    for (const [path, item] of Object.entries(paths))
      for (const [method, op] of Object.entries(item)) {
        const responses = Object.entries(op.responses as Record<string, { $ref?: string; description?: string }>);
        assert.ok(
          responses.some(([s]) => s.startsWith('2')),
          `${method} ${path} has a 2xx`,
        );
        for (const [s, r] of responses) assert.ok(r.$ref || r.description, `${method} ${path} ${s} has a description`);
        const inPath = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
        const declared = ((op.parameters ?? []) as { in: string; name: string }[])
          .filter((p) => p.in === 'path')
          .map((p) => p.name)
          .sort();
        assert.deepEqual(declared, inPath, `${method} ${path} declares its path parameters`);
      }
    for (const op of Object.values(paths).flatMap((i) => Object.values(i)))
      for (const s of Object.values((op.security ?? []) as Record<string, string[]>[]).flatMap(Object.keys))
        assert.ok(s in doc.components.securitySchemes, `security scheme ${s}`);
  });

  it('every schema compiles as JSON Schema 2020-12 (strict)', () => {
    const ajv = makeAjv(doc);
    const pointers = Object.keys(doc.components.schemas).map((n) => `#/components/schemas/${token(n)}`);
    for (const [path, item] of Object.entries(paths))
      for (const [method, op] of Object.entries(item)) {
        const at = `#/paths/${token(path)}/${method}`;
        (op.parameters ?? []).forEach((_: unknown, i: number) => pointers.push(`${at}/parameters/${i}/schema`));
        const media = [
          ...Object.entries(op.requestBody?.content ?? {}).map(([t, m]) => [
            `${at}/requestBody/content/${token(t)}`,
            m,
          ]),
          ...Object.entries(op.responses as Record<string, { content?: object }>).flatMap(([s, r]) =>
            Object.entries(r.content ?? {}).map(([t, m]) => [`${at}/responses/${s}/content/${token(t)}`, m]),
          ),
        ] as [string, { schema?: object }][];
        for (const [p, m] of media) if (m.schema) pointers.push(`${p}/schema`);
      }
    assert.ok(pointers.length > 80, `${pointers.length} schemas`);
    for (const p of pointers) assert.doesNotThrow(() => ajv.compile(docRef(p)), p);
  });

  it("has the running driver's options field in the create bodies, and none without a driver's", () => {
    assert.ok(doc.paths['/openapi.json']?.get);
    const vnf = doc.components.schemas.VnfCreate as { properties: Record<string, unknown> };
    assert.deepEqual(vnf.properties.simulate, { $ref: '#/components/schemas/DriverOptions' });
    assert.equal((buildOpenApi().components.schemas.VnfCreate as typeof vnf).properties.simulate, undefined);
  });
});

describe('checking an answer against the document', () => {
  const check = makeResponseChecker(doc);
  const json = 'application/json; charset=utf-8';
  const at = '2026-01-02T03:04:05.678Z';
  const id = '01a1fc00-0000-7000-8000-00000000beef';
  const resource = {
    id,
    type: 'volume',
    name: 'v',
    status: 'AVAILABLE',
    spec: 'AVAILABLE',
    workerId: null,
    taskId: null,
    retryCount: 0,
    properties: { sizeGb: 1 },
    error: null,
    awaiting: null,
    createdAt: at,
    updatedAt: at,
  };
  const problem = (status: number) => JSON.stringify({ type: 'about:blank', title: 'x', status, detail: 'why' });
  const answer = (method: string, url: string, status: number, contentType: string | null, body: unknown) =>
    check({ method, url, status, contentType, body: typeof body === 'string' ? body : JSON.stringify(body) });

  it('passes an answer as documented', () => {
    assert.equal(answer('GET', `/v1/volumes/${id}?x=1`, 200, json, resource), null);
    assert.equal(answer('POST', '/v1/volumes', 202, json, resource), null);
    assert.equal(answer('GET', `/v1/resources/${id}`, 404, 'application/problem+json', problem(404)), null);
    assert.equal(answer('DELETE', '/v1/session', 204, null, ''), null);
  });

  it('names the operation and the field of a body that does not match', () => {
    const { workerId: _, ...partial } = resource;
    const why = answer('GET', `/v1/resources/${id}`, 200, json, { ...partial, createdAt: 'yesterday' }) ?? '';
    assert.match(why, /^GET \/v1\/resources\/\{id\} 200/);
    assert.match(why, /workerId/);
    assert.match(why, /\/createdAt/);
    assert.match(answer('GET', `/v1/resources/${id}`, 200, json, { ...resource, extra: 1 }) ?? '', /extra/);
  });

  it('refuses a status, a media type or a route the document does not have', () => {
    assert.match(answer('GET', `/v1/resources/${id}`, 418, json, {}) ?? '', /does not list/);
    assert.match(answer('GET', `/v1/resources/${id}`, 200, 'text/html', '<p>') ?? '', /text\/html/);
    assert.match(answer('GET', `/v1/resources/${id}`, 404, json, problem(404)) ?? '', /application\/json/);
    assert.match(answer('GET', '/v1/nothing', 200, json, {}) ?? '', /no operation/);
    assert.equal(answer('GET', '/v1/nothing', 404, 'application/problem+json', problem(404)), null);
  });

  it('matches a path parameter with slashes where the document says it has them, and only there', () => {
    const file = `/v1/vnf-packages/${id}/artifacts/Scripts/sub/install.sh`;
    assert.equal(answer('GET', file, 200, 'application/octet-stream', 'bytes'), null);
    assert.match(answer('GET', file, 200, json, {}) ?? '', /^GET \/v1\/vnf-packages\/\{id\}\/artifacts\/\{path\}/);
    assert.match(answer('GET', `/v1/resources/${id}/x/y`, 200, json, resource) ?? '', /no operation/);
    assert.match(
      answer('GET', `/v1/resources/${id}/transitions`, 200, json, resource) ?? '',
      /^GET \/v1\/resources\/\{id\}\/transitions 200/,
    );
  });
});
