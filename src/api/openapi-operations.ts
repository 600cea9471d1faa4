// The API's operations, one row each: what an operator reads in /docs. The schemas are the
// ones the routes validate requests with (schemas.ts) and build responses as (responses.ts);
// openapi.ts turns the table into an OpenAPI document.
import { z } from 'zod';
import { RESOURCE_TYPES, type ResourceType } from '../fsm/index.js';
import type { Role } from '../model.js';
import { SESSION_COOKIE } from './auth.js';
import { ProblemOut } from './problem.js';
import {
  AttemptListOut,
  AttemptOut,
  DeadLetterActionOut,
  DeadLetterListOut,
  DeadLetterOut,
  FsmOut,
  FsmStepOut,
  HealthOut,
  OverviewOut,
  ProcessListOut,
  ProcessOut,
  ProgressOut,
  QueueListOut,
  QueueOut,
  ReadyOut,
  ResourceOut,
  ResourcePageOut,
  SessionOut,
  RevokedTaskOut,
  TaskOut,
  TokenCreatedOut,
  TokenListOut,
  TokenOut,
  TransitionListOut,
  TransitionOut,
} from './responses.js';
import {
  DeadLetterId,
  DeadLetterQuery,
  EventsQuery,
  IdParam,
  ListQuery,
  PackageQuery,
  SignInBody,
  TokenBody,
} from './schemas.js';

const CollectionQuery = ListQuery.omit({ type: true });
/** SOL005's upload: the CSAR as the file part package_content. */
const PackageContentForm = z.object({
  package_content: z.string().meta({ contentMediaType: 'application/zip', description: 'the CSAR, as a file part' }),
});

export type PathParam = { schema: z.ZodType; description: string; multiSegment?: boolean };
/** Media types of a body; null: bytes, described by their type alone. */
export type Media = Record<string, z.ZodType | { type: 'string'; description?: string } | null>;
/** A schema (as application/json), a description (no body), or a body (JSON, or by media type) with headers. */
export type Reply =
  z.ZodType | string | { description?: string; body?: z.ZodType; content?: Media; headers?: Record<string, string> };

export type Operation = {
  method: 'get' | 'post' | 'put' | 'delete';
  path: string;
  summary: string;
  tag: string;
  /** The least role allowed; null: open to anyone. */
  role: Role | null;
  query?: z.ZodObject;
  headers?: Record<string, { description: string }>;
  body?: z.ZodType | Media;
  responses: Record<number, Reply>;
  /** The problem+json answers beyond those every operation of its kind has. */
  errors?: number[];
  /** Path parameters named otherwise than in PATH_PARAMS. */
  params?: Record<string, PathParam>;
  /** Who may call it, when not the usual bearer token or console session (and then why, in description). */
  security?: Record<string, string[]>[];
  description?: string;
};

const FSM_TYPES = [...RESOURCE_TYPES, ...RESOURCE_TYPES.map((t) => t.replace(/_/g, '-'))];

export const PATH_PARAMS: Record<string, PathParam> = {
  id: { schema: IdParam, description: 'its id (a UUID)' },
  type: { schema: z.enum(FSM_TYPES), description: 'a resource type, as vnf_package or vnf-package' },
  path: {
    schema: z.string().min(1),
    description: "a file's path inside the CSAR, such as Scripts/install.sh: its slashes are sent as they are",
    multiSegment: true,
  },
};

/** The schemas of the document's components, by name. */
export function componentSchemas(bodies: Record<ResourceType, z.ZodType>, options?: z.ZodType) {
  return {
    inputs: {
      ...(options ? { DriverOptions: options } : {}),
      VnfPackageCreate: bodies.vnf_package,
      VolumeCreate: bodies.volume,
      VnfCreate: bodies.vnf,
      AclCreate: bodies.acl,
      TokenCreate: TokenBody,
      SignIn: SignInBody,
    },
    outputs: {
      Problem: ProblemOut,
      Resource: ResourceOut,
      ResourcePage: ResourcePageOut,
      Transition: TransitionOut,
      TransitionList: TransitionListOut,
      Progress: ProgressOut,
      Task: TaskOut,
      RevokedTask: RevokedTaskOut,
      Attempt: AttemptOut,
      AttemptList: AttemptListOut,
      FsmStep: FsmStepOut,
      Fsm: FsmOut,
      Token: TokenOut,
      TokenCreated: TokenCreatedOut,
      TokenList: TokenListOut,
      Process: ProcessOut,
      ProcessList: ProcessListOut,
      Queue: QueueOut,
      QueueList: QueueListOut,
      DeadLetter: DeadLetterOut,
      DeadLetterList: DeadLetterListOut,
      DeadLetterAction: DeadLetterActionOut,
      Overview: OverviewOut,
      Session: SessionOut,
      Health: HealthOut,
      Ready: ReadyOut,
    },
  };
}

const DEAD_LETTER_ID: PathParam = {
  schema: DeadLetterId,
  description: "the message's id, as the list shows it",
};
const bytes = (type: string, description: string): Reply => ({ description, content: { [type]: null } });
const ACCEPTED: Reply = { body: ResourceOut, headers: { Location: 'the URL of the resource' } };
const text = (description: string): Reply => ({ description, content: { 'text/plain': { type: 'string' } } });

/** The four operations of a collection of one resource type. */
function collection(path: string, type: ResourceType, what: string, tag: string, create?: z.ZodType): Operation[] {
  const ops: Operation[] = [
    {
      method: 'get',
      path: `/v1/${path}`,
      summary: `List ${what}s`,
      tag,
      role: 'viewer',
      query: CollectionQuery,
      responses: { 200: ResourcePageOut },
    },
    {
      method: 'get',
      path: `/v1/${path}/{id}`,
      summary: `Get a ${what}`,
      tag,
      role: 'viewer',
      responses: { 200: ResourceOut },
      errors: [404],
    },
    {
      method: 'delete',
      path: `/v1/${path}/{id}`,
      summary: `Delete a ${what}`,
      tag,
      role: 'operator',
      responses: { 202: ACCEPTED },
      errors: [404, 409],
    },
  ];
  if (create)
    ops.unshift({
      method: 'post',
      path: `/v1/${path}`,
      summary: `Create a ${what}`,
      tag,
      role: 'operator',
      body: create,
      responses: { 202: ACCEPTED },
      errors: type === 'volume' ? [] : [409],
    });
  return ops;
}

// prettier-ignore
export function makeOperations(bodies: Record<ResourceType, z.ZodType>): Operation[] {
  return [
    { method: 'get', path: '/healthz', summary: 'Liveness: the process answers', tag: 'System', role: null, responses: { 200: HealthOut } },
    { method: 'get', path: '/readyz', summary: 'Readiness: every backing service is up', tag: 'System', role: null, responses: { 200: ReadyOut, 503: ReadyOut } },
    { method: 'get', path: '/openapi.json', summary: 'This document', tag: 'System', role: null, responses: { 200: { description: 'OpenAPI 3.1', content: { 'application/json': null } } } },
    { method: 'get', path: '/metrics', summary: 'Prometheus metrics', tag: 'System', role: null, security: [{}, { metricsToken: [] }],
      responses: { 200: text('the Prometheus text format'), 401: text('METRICS_TOKEN is set, and the request did not send it'), 500: text('the metrics could not be collected') } },

    { method: 'get', path: '/v1/resources', summary: 'List resources of every type', tag: 'Resources', role: 'viewer', query: ListQuery, responses: { 200: ResourcePageOut } },
    { method: 'get', path: '/v1/resources/{id}', summary: 'Get a resource of any type', tag: 'Resources', role: 'viewer', responses: { 200: ResourceOut }, errors: [404] },
    { method: 'delete', path: '/v1/resources/{id}', summary: 'Delete a resource of any type', tag: 'Resources', role: 'operator', responses: { 202: ACCEPTED }, errors: [404, 409] },
    { method: 'post', path: '/v1/resources/{id}/retry', summary: 'Retry a resource in ERROR', tag: 'Resources', role: 'operator', responses: { 202: ACCEPTED }, errors: [404, 409] },
    { method: 'get', path: '/v1/resources/{id}/transitions', summary: "A resource's transitions, oldest first", tag: 'Resources', role: 'viewer', responses: { 200: TransitionListOut }, errors: [404] },
    { method: 'get', path: '/v1/resources/{id}/attempts', summary: "Each attempt of a resource's tasks: its timeline", tag: 'Resources', role: 'viewer', responses: { 200: AttemptListOut }, errors: [404] },

    { method: 'post', path: '/v1/vnf-packages', summary: 'Create a VNF package, empty (JSON) or with its CSAR as the body', tag: 'VNF packages', role: 'operator', query: PackageQuery,
      body: { 'application/json': bodies.vnf_package, 'application/zip': null }, responses: { 202: ACCEPTED } },
    ...collection('vnf-packages', 'vnf_package', 'VNF package', 'VNF packages'),
    { method: 'put', path: '/v1/vnf-packages/{id}/content', summary: "Upload a package's CSAR", tag: 'VNF packages', role: 'operator',
      body: { 'application/zip': null, 'multipart/form-data': PackageContentForm },
      responses: { 202: ACCEPTED }, errors: [404, 409] },
    { method: 'get', path: '/v1/vnf-packages/{id}/content', summary: "Download a package's CSAR", tag: 'VNF packages', role: 'viewer', responses: { 200: bytes('application/zip', 'the CSAR as uploaded') }, errors: [404, 409] },
    { method: 'get', path: '/v1/vnf-packages/{id}/vnfd', summary: "A validated package's main VNFD", tag: 'VNF packages', role: 'viewer', responses: { 200: bytes('application/yaml', 'the VNFD, as in the CSAR') }, errors: [404, 409] },
    { method: 'get', path: '/v1/vnf-packages/{id}/artifacts/{path}', summary: 'A file of the CSAR', tag: 'VNF packages', role: 'viewer', responses: { 200: bytes('application/octet-stream', 'the file, as in the CSAR') }, errors: [404, 409] },

    ...collection('volumes', 'volume', 'volume', 'Volumes', bodies.volume),
    ...collection('vnfs', 'vnf', 'VNF', 'VNFs', bodies.vnf),
    { method: 'post', path: '/v1/vnfs/{id}/terminate', summary: 'Terminate a VNF', tag: 'VNFs', role: 'operator', responses: { 202: ACCEPTED }, errors: [404, 409] },
    ...collection('acls', 'acl', 'ACL', 'ACLs', bodies.acl),

    { method: 'get', path: '/v1/tasks/{id}', summary: 'Get a task', tag: 'Tasks', role: 'viewer', responses: { 200: TaskOut }, errors: [404] },
    { method: 'post', path: '/v1/tasks/{id}/revoke', summary: 'Revoke a queued or running task', tag: 'Tasks', role: 'operator', responses: { 202: RevokedTaskOut }, errors: [404, 409] },
    { method: 'get', path: '/v1/fsm/{type}', summary: "A resource type's FSM table", tag: 'Resources', role: 'viewer', responses: { 200: FsmOut }, errors: [404] },
    { method: 'get', path: '/v1/events', summary: 'Transitions and progress, live (Server-Sent Events)', tag: 'Events', role: 'viewer', query: EventsQuery,
      headers: { 'Last-Event-ID': { description: 'resume after this transition id (as lastEventId)' } },
      responses: { 200: { description: 'a stream of events', content: { 'text/event-stream': { type: 'string', description:
        '"event: transition" with "id: <its id>" and a Transition as data (resumable); "event: progress" with a Progress as data (the latest only); ": ping" comments' } } } } },

    { method: 'post', path: '/v1/tokens', summary: 'Create an API token (its secret is shown once)', tag: 'Tokens', role: 'admin', body: TokenBody, responses: { 201: { body: TokenCreatedOut, headers: { Location: 'the URL of the token' } } } },
    { method: 'get', path: '/v1/tokens', summary: 'List API tokens (never their secrets)', tag: 'Tokens', role: 'admin', responses: { 200: TokenListOut } },
    { method: 'delete', path: '/v1/tokens/{id}', summary: 'Revoke an API token', tag: 'Tokens', role: 'admin', responses: { 200: TokenOut }, errors: [404] },

    { method: 'get', path: '/v1/overview', summary: 'Counts by type and status, throughput, failures', tag: 'Operations', role: 'viewer', responses: { 200: OverviewOut } },
    { method: 'get', path: '/v1/processes', summary: 'The processes that report in', tag: 'Operations', role: 'viewer', responses: { 200: ProcessListOut } },
    { method: 'get', path: '/v1/queues', summary: "Each queue's depth and consumers", tag: 'Operations', role: 'viewer', responses: { 200: QueueListOut } },
    { method: 'get', path: '/v1/dead-letters', summary: 'The dead-letter queue, first messages first', tag: 'Operations', role: 'viewer', query: DeadLetterQuery, responses: { 200: DeadLetterListOut } },
    { method: 'post', path: '/v1/dead-letters/{id}/requeue', summary: 'Send a dead letter back to its queue', tag: 'Operations', role: 'admin', params: { id: DEAD_LETTER_ID }, responses: { 200: DeadLetterActionOut }, errors: [404, 409] },
    { method: 'delete', path: '/v1/dead-letters/{id}', summary: 'Discard a dead letter', tag: 'Operations', role: 'admin', params: { id: DEAD_LETTER_ID }, responses: { 200: DeadLetterActionOut }, errors: [404] },

    { method: 'post', path: '/v1/session', summary: "Sign in to the console with an API token (sets the session's cookie)", tag: 'Console', role: null,
      body: { 'application/json': SignInBody }, responses: { 201: { body: SessionOut, headers: { 'Set-Cookie': `${SESSION_COOKIE}: the session (HttpOnly, SameSite=Strict)` } } }, errors: [401] },
    { method: 'get', path: '/v1/session', summary: 'Who is signed in, and the CSRF token their changes send', tag: 'Console', role: null, security: [{ sessionCookie: [] }],
      description: 'Needs the session cookie.', responses: { 200: SessionOut }, errors: [401] },
    { method: 'delete', path: '/v1/session', summary: 'Sign out', tag: 'Console', role: null, security: [{}, { sessionCookie: [] }],
      description: 'Ends the session of the cookie, if there is one, and clears the cookie.', responses: { 204: 'signed out' } },
  ];
}

/** Routes left out of the document on purpose: pages and files for a browser, not the API. A path
 *  ending in /** stands for every path under it. */
export const UNDOCUMENTED: { method: string; path: string; why: string }[] = [
  { method: 'get', path: '/docs', why: 'the HTML page showing this document' },
  { method: 'get', path: '/docs/init.js', why: 'the script of that page' },
  { method: 'get', path: '/docs/assets/**', why: "Swagger UI's files" },
  ...['/', '/resources', '/resources/{id}', '/processes', '/queues', '/signin'].map((path) => ({
    method: 'get',
    path,
    why: "a page of the operator console (HTML; its scripts read the API's JSON)",
  })),
  { method: 'get', path: '/assets/**', why: "the console's scripts, styles and pictures" },
];
