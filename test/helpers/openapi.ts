// Answers checked against the API's OpenAPI document: the operation of a method and a
// concrete path, its response for the status, the media type, and the body against its schema.
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { buildOpenApi, type OpenApiDocument } from '../../src/api/openapi.js';

type Json = Record<string, any>;
const DOC_ID = 'nfvo:openapi';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DATE_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)$/i;

/** Ajv (JSON Schema 2020-12, strict) knowing the document: refs as "nfvo:openapi#/components/...". */
export function makeAjv(doc: OpenApiDocument): Ajv2020 {
  const ajv = new Ajv2020({
    strict: true,
    allErrors: true,
    formats: { uuid: UUID, 'date-time': (s: string) => DATE_TIME.test(s) && !Number.isNaN(Date.parse(s)) },
  });
  // the document's own fields, read by ajv as keywords of a schema that asserts nothing
  ajv.addVocabulary([
    'openapi',
    'info',
    'jsonSchemaDialect',
    'servers',
    'paths',
    'webhooks',
    'components',
    'tags',
    'externalDocs',
    'security',
  ]);
  ajv.addSchema(doc, DOC_ID);
  return ajv;
}

/** The schema at a local ref of the document, for ajv. */
export const docRef = (ref: string) => ({ $ref: `${DOC_ID}${ref}` });

/** A JSON pointer's token, as a URI fragment has it. */
export const token = (key: string) => encodeURIComponent(key.replace(/~/g, '~0').replace(/\//g, '~1'));

/** What a local "#/..." ref points to, or undefined. */
export function resolvePointer(doc: unknown, ref: string): unknown {
  if (!ref.startsWith('#/')) return undefined;
  let at: any = doc;
  for (const part of ref.slice(2).split('/')) {
    const key = decodeURIComponent(part).replace(/~1/g, '/').replace(/~0/g, '~');
    if (at === null || typeof at !== 'object' || !(key in at)) return undefined;
    at = at[key];
  }
  return at;
}

type Template = { path: string; regex: RegExp; literal: number };

/** Each path of the document as a matcher, the most literal first (/a/b before /a/{x}). */
function templates(doc: OpenApiDocument): Template[] {
  return Object.entries(doc.paths)
    .map(([path, item]) => {
      const multi = new Set(
        Object.values(item)
          .flatMap((op: Json) => op.parameters ?? [])
          .filter((p: Json) => p.in === 'path' && p['x-multi-segment'])
          .map((p: Json) => p.name),
      );
      const source = path
        .split(/(\{\w+\})/)
        .map((part) => {
          const name = /^\{(\w+)\}$/.exec(part)?.[1];
          if (name) return multi.has(name) ? '(.+)' : '([^/]+)';
          return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        })
        .join('');
      return { path, regex: new RegExp(`^${source}/?$`), literal: path.replace(/\{\w+\}/g, '').length };
    })
    .sort((a, b) => b.literal - a.literal);
}

const isJson = (type: string) => type === 'application/json' || type.endsWith('+json');
const describeErrors = (errors: ErrorObject[] | null | undefined) =>
  (errors ?? [])
    .slice(0, 8)
    .map((e) => `${e.instancePath || '(body)'} ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`)
    .join('; ');

export type Answer = { method: string; url: string; status: number; contentType: string | null; body: string };

/** A checker of answers against `doc`: the reason an answer does not match it, or null. */
export function makeResponseChecker(doc: OpenApiDocument = buildOpenApi()) {
  const ajv = makeAjv(doc);
  const paths = templates(doc);
  const compiled = new Map<string, ValidateFunction>();
  /** The validator of the schema at a pointer of the document (its refs resolve in the document). */
  const validator = (pointer: string) => {
    const v = compiled.get(pointer) ?? ajv.compile(docRef(pointer));
    compiled.set(pointer, v);
    return v;
  };

  return function check(a: Answer): string | null {
    const method = a.method.toLowerCase();
    const pathname = new URL(a.url, 'http://x').pathname;
    const template = paths.find((t) => t.regex.test(pathname) && doc.paths[t.path]![method]);
    const type = (a.contentType ?? '').split(';')[0]!.trim().toLowerCase();
    if (!template) {
      // what no route answers: express's catch-all, a 404 problem
      if (a.status !== 404) return `no operation in the document for ${a.method} ${pathname}, answered ${a.status}`;
      if (type !== 'application/problem+json') return `${a.method} ${pathname}: a 404 of no route is ${type}`;
      return body(`${a.method} (no route) 404`, '#/components/schemas/Problem', a.body);
    }
    const name = `${a.method.toUpperCase()} ${template.path}`;
    const op = doc.paths[template.path]![method] as Json;
    const key = [String(a.status), `${String(a.status)[0]}XX`, 'default'].find((k) => k in op.responses);
    if (!key)
      return `${name} answered ${a.status}, which the document does not list (it has ${Object.keys(op.responses).join(', ')})`;
    const declared = op.responses[key] as Json;
    const at: string = declared.$ref ?? `#/paths/${token(template.path)}/${method}/responses/${key}`;
    const response = resolvePointer(doc, at) as Json;
    if (!response.content)
      return a.body === '' ? null : `${name} ${a.status} has a body, which the document does not give it`;
    const media = response.content[type];
    if (!media)
      return `${name} ${a.status} is ${type || 'without a type'}; the document says ${Object.keys(response.content).join(' or ')}`;
    if (!media.schema || !isJson(type)) return null;
    return body(`${name} ${a.status} (${type})`, `${at}/content/${token(type)}/schema`, a.body);
  };

  function body(what: string, pointer: string, text: string): string | null {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return `${what}: the body is not JSON: ${text.slice(0, 200)}`;
    }
    const validate = validator(pointer);
    return validate(parsed) ? null : `${what} does not match the OpenAPI document: ${describeErrors(validate.errors)}`;
  }
}
