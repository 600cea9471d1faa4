// The API's OpenAPI 3.1 document, made once at startup from the table of operations
// (openapi-operations.ts) and the zod schemas it names, as JSON Schema 2020-12 (z.toJSONSchema):
// requests as the schemas take them in, responses as the routes build them.
import { z } from 'zod';
import { RESOURCE_TYPES, type ResourceType } from '../fsm/index.js';
import { VERSION } from '../version.js';
import {
  componentSchemas,
  makeOperations,
  PATH_PARAMS,
  type Media,
  type Operation,
  type PathParam,
  type Reply,
} from './openapi-operations.js';
import { CSRF_HEADER, SESSION_COOKIE } from './auth.js';
import type { DriverOptions } from './resources-routes.js';
import { createBody } from './schemas.js';

type Json = Record<string, unknown>;
type Io = 'input' | 'output';
export type OpenApiDocument = {
  openapi: string;
  info: Json;
  paths: Record<string, Record<string, Json>>;
  components: { schemas: Record<string, Json>; responses: Record<string, Json>; securitySchemes: Record<string, Json> };
} & Json;

/** The problem+json answers, by status. */
const PROBLEMS: Record<number, [name: string, description: string]> = {
  400: ['BadRequest', 'the body is not valid JSON, or the path is not valid percent-encoding'],
  401: ['Unauthorized', 'no credentials, or a token that is unknown or revoked'],
  403: ['Forbidden', "the caller's role may not do this"],
  404: ['NotFound', 'no such resource (or not one of this collection)'],
  409: ['Conflict', 'the state of the resource, or of one it names, does not allow it now'],
  413: ['TooLarge', 'the body is larger than the limit'],
  415: ['UnsupportedMediaType', 'the body is not of a media type the operation takes'],
  422: ['Invalid', 'a field of the body or the query is invalid: errors names each'],
  500: ['Internal', 'an internal error (logged with its cause)'],
  503: ['Unavailable', 'a backing service is unavailable: try again after Retry-After seconds'],
};

const REPLIES: Record<number, string> = {
  200: 'OK',
  201: 'created',
  202: 'the change is recorded and the controller carries it out: follow the resource at its Location',
  503: 'not ready: a backing service is down',
};

const SECURITY_SCHEMES = {
  bearerAuth: {
    type: 'http',
    scheme: 'bearer',
    description:
      'An API token (nfvo_...), made by an admin with POST /v1/tokens. Roles: viewer reads, operator changes, admin also manages tokens.',
  },
  sessionCookie: {
    type: 'apiKey',
    in: 'cookie',
    name: SESSION_COOKIE,
    description: `The operator console's session, set by POST /v1/session for a token's role. A change made with it also sends the session's csrf in the ${CSRF_HEADER} header.`,
  },
  metricsToken: {
    type: 'http',
    scheme: 'bearer',
    description: 'METRICS_TOKEN, when it is set; unset, /metrics is open.',
  },
};

const DESCRIPTION = `NFV resources (VNF packages, volumes, VNFs, ACLs) as a desired state: a change is accepted
(202) and carried out by the controller and its workers; follow it with GET, or live on /v1/events.
Every error is application/problem+json (RFC 9457); a 422 names each invalid field in \`errors\`.`;

const toJson = (schema: z.ZodType, io: Io) =>
  z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as Json;

/** Without $schema and $id: a Schema Object of OpenAPI 3.1 is JSON Schema 2020-12, and a component is named by its place. */
function plain({ $schema: _s, $id: _i, ...rest }: Json): Json {
  return rest;
}

/** The named schemas as components (referring to one another), and each one's name. */
function components(named: Record<string, z.ZodType>, io: Io) {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(named)) registry.add(schema, { id });
  const out = z.toJSONSchema(registry, {
    target: 'draft-2020-12',
    io,
    unrepresentable: 'any',
    uri: (id) => `#/components/schemas/${id}`,
  }) as { schemas: Record<string, Json> };
  const schemas = Object.fromEntries(Object.entries(out.schemas).map(([k, v]) => [k, plain(v)]));
  return { schemas, names: new Map(Object.entries(named).map(([id, s]) => [s as z.ZodType, id])) };
}

function makeBuilder(named: { inputs: Record<string, z.ZodType>; outputs: Record<string, z.ZodType> }) {
  const inputs = components(named.inputs, 'input');
  const outputs = components(named.outputs, 'output');
  const schemaOf = (s: z.ZodType, io: Io): Json => {
    const name = (io === 'input' ? inputs : outputs).names.get(s);
    return name ? { $ref: `#/components/schemas/${name}` } : plain(toJson(s, io));
  };
  const content = (m: Media, io: Io): Json =>
    Object.fromEntries(
      Object.entries(m).map(([type, s]) => [
        type,
        s === null ? {} : { schema: s instanceof z.ZodType ? schemaOf(s, io) : s },
      ]),
    );
  const media = (b: z.ZodType | Media, io: Io) => content(b instanceof z.ZodType ? { 'application/json': b } : b, io);

  function reply(status: number, r: Reply): Json {
    if (typeof r === 'string') return { description: r };
    const { description, body, content, headers } = r instanceof z.ZodType ? { body: r } : r;
    const payload = body ?? content;
    return {
      description: description ?? REPLIES[status] ?? 'OK',
      ...(headers && {
        headers: Object.fromEntries(
          Object.entries(headers).map(([name, d]) => [name, { description: d, schema: { type: 'string' } }]),
        ),
      }),
      ...(payload && { content: media(payload, 'output') }),
    };
  }

  function parameters(op: Operation): Json[] {
    const path = [...op.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => {
      const p: PathParam | undefined = op.params?.[name!] ?? PATH_PARAMS[name!];
      if (!p) throw new Error(`${op.method} ${op.path}: no description of the path parameter ${name}`);
      return {
        name,
        in: 'path',
        required: true,
        description: p.description,
        schema: plain(toJson(p.schema, 'input')),
        ...(p.multiSegment ? { 'x-multi-segment': true } : {}),
      };
    });
    const q = op.query ? plain(toJson(op.query, 'input')) : { properties: {} };
    const required = new Set((q.required as string[] | undefined) ?? []);
    const query = Object.entries(q.properties as Record<string, Json>).map(([name, { description, ...schema }]) => ({
      name,
      in: 'query',
      required: required.has(name),
      ...(description ? { description } : {}),
      schema,
    }));
    const headers = Object.entries(op.headers ?? {}).map(([name, h]) => ({
      name,
      in: 'header',
      required: false,
      description: h.description,
      schema: { type: 'string' },
    }));
    return [...path, ...query, ...headers];
  }

  function operation(op: Operation): Json {
    const params = parameters(op);
    const replies = Object.entries(op.responses).map(([s, r]) => [s, reply(Number(s), r)]);
    const problems = errorStatuses(op).map((s) => [String(s), { $ref: `#/components/responses/${PROBLEMS[s]![0]}` }]);
    return {
      operationId: operationId(op),
      summary: op.summary,
      description:
        op.description ?? (op.role ? `Needs the ${op.role} role (or above).` : 'Open: no credentials needed.'),
      tags: [op.tag],
      ...(params.length ? { parameters: params } : {}),
      ...(op.body ? { requestBody: { required: true, content: media(op.body, 'input') } } : {}),
      responses: Object.fromEntries([...problems, ...replies].sort(([a], [b]) => Number(a) - Number(b))),
      ...(op.security ? { security: op.security } : op.role ? {} : { security: [] }),
    };
  }

  return { operation, schemas: { ...inputs.schemas, ...outputs.schemas } };
}

/** The problem+json statuses of an operation: its own, and those of every operation of its kind. */
function errorStatuses(op: Operation): number[] {
  const s = new Set(op.errors ?? []);
  if (op.path.startsWith('/v1/')) {
    if (op.role) s.add(401);
    // below the role, or a change made with the session cookie but without its CSRF token
    if (op.role && (op.role !== 'viewer' || op.method !== 'get')) s.add(403);
    // every /v1 body goes through the JSON parser: malformed, too large, or of an unknown charset
    if (op.method !== 'get') [400, 413, 415].forEach((x) => s.add(x));
    if (op.path.includes('{')) s.add(400);
    if (op.body || op.query) s.add(422);
    s.add(500).add(503);
  }
  return [...s].sort((a, b) => a - b);
}

/** e.g. GET /v1/resources/{id}/transitions -> getResourcesByIdTransitions */
function operationId(op: Operation): string {
  const words = op.path
    .replace(/^\/v1\//, '/')
    .split(/[/-]/)
    .filter(Boolean)
    .map((w) => (w.startsWith('{') ? `By${cap(w.slice(1, -1))}` : cap(w.replace(/\W/g, ''))));
  return op.method + words.join('');
}
const cap = (w: string) => w.charAt(0).toUpperCase() + w.slice(1);

/** The document, for the driver's per-request options field of the create bodies (if it has one). */
export function buildOpenApi(driverOptions?: DriverOptions): OpenApiDocument {
  const bodies = Object.fromEntries(
    RESOURCE_TYPES.map((t): [ResourceType, z.ZodType] => [t, createBody(t, driverOptions)]),
  ) as Record<ResourceType, z.ZodType>;
  const ops = makeOperations(bodies);
  const build = makeBuilder(componentSchemas(bodies, driverOptions?.schema));
  const paths: OpenApiDocument['paths'] = {};
  for (const op of ops) {
    const item = (paths[op.path] ??= {});
    if (item[op.method]) throw new Error(`${op.method} ${op.path} is in the table twice`);
    item[op.method] = build.operation(op);
  }
  const tags = [...new Set(ops.map((o) => o.tag))].map((name) => ({ name }));
  return {
    openapi: '3.1.1',
    info: {
      title: 'nfvo',
      version: VERSION,
      description: DESCRIPTION,
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    tags,
    security: [{ bearerAuth: [] }, { sessionCookie: [] }],
    paths,
    components: {
      schemas: build.schemas,
      responses: Object.fromEntries(
        Object.values(PROBLEMS).map(([name, description]) => [
          name,
          {
            description,
            content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
          },
        ]),
      ),
      securitySchemes: SECURITY_SCHEMES,
    },
  };
}
