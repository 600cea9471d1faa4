// Request bodies and queries, validated with zod. Unknown fields are rejected, and every
// free-text field is of one string type that PostgreSQL can store (text.ts).
import { isIPv4, isIPv6 } from 'node:net';
import { z } from 'zod';
import { RESOURCE_TYPES, type ResourceType } from '../fsm/index.js';
import { ROLES } from '../model.js';
import { freeText, storableJson } from '../text.js';

const name = z
  .string()
  .min(1)
  .max(128)
  .regex(
    /^[\p{L}\p{N}][\p{L}\p{N} ._:@/-]*$/u,
    'letters, digits, spaces and . _ : @ / - only, starting with a letter or digit',
  );
const uuid = z.string().uuid();

export const VnfPackageBody = z.object({ name: name.optional(), userDefinedData: storableJson.optional() }).strict();

/** The query of a package created with its CSAR as the body. */
export const PackageQuery = z.object({ name: name.optional() }).strict();

export const VolumeBody = z.object({ name, sizeGb: z.number().int().min(1).max(65_536) }).strict();

const nodeId = z.string().regex(/^[A-Za-z0-9_.@-]{1,128}$/, 'an id of the VNFD such as "simple" or "VDU1"');

export const VnfBody = z
  .object({
    name,
    vnfPackageId: uuid,
    flavourId: nodeId.optional(),
    vduId: nodeId.optional(),
    volumeIds: z
      .array(uuid)
      .max(16)
      .refine((a) => new Set(a).size === a.length, 'volume ids must be unique')
      .optional(),
  })
  .strict();

const cidr = z.string().refine((s) => {
  const [addr, prefix, extra] = s.split('/');
  if (extra !== undefined || addr === undefined || prefix === undefined || !/^\d{1,3}$/.test(prefix)) return false;
  const p = Number(prefix);
  return (isIPv4(addr) && p <= 32) || (isIPv6(addr) && p <= 128);
}, 'a CIDR block such as 10.0.0.0/24 or 2001:db8::/32');

const ports = z.string().refine((s) => {
  const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(s);
  if (!m) return false;
  const lo = Number(m[1]);
  const hi = m[2] === undefined ? lo : Number(m[2]);
  return lo >= 1 && hi <= 65_535 && lo <= hi;
}, 'a port (1-65535) or a range such as 8000-8080');

const Rule = z
  .object({
    direction: z.enum(['ingress', 'egress']),
    action: z.enum(['allow', 'deny']),
    protocol: z.enum(['tcp', 'udp', 'icmp', 'any']),
    cidr,
    ports: ports.optional(),
  })
  .strict()
  .refine((r) => r.ports === undefined || r.protocol === 'tcp' || r.protocol === 'udp', {
    message: 'ports apply to tcp and udp only',
    path: ['ports'],
  });

export const AclBody = z.object({ name, vnfId: uuid.optional(), rules: z.array(Rule).min(1).max(256) }).strict();

/** The create body of each type. */
export const CREATE_BODIES = {
  vnf_package: VnfPackageBody,
  volume: VolumeBody,
  vnf: VnfBody,
  acl: AclBody,
} as const satisfies Record<ResourceType, z.ZodObject<z.ZodRawShape>>;

/** A create body with the driver's per-request options field (e.g. the sim's `simulate`), when it has one. */
export function createBody(type: ResourceType, options?: { field: string; schema: z.ZodType }) {
  const base = CREATE_BODIES[type];
  return options ? base.extend({ [options.field]: options.schema.optional() }).strict() : base;
}

export const TokenBody = z.object({ name: freeText(128), role: z.enum(ROLES) }).strict();

export const ListQuery = z.object({
  type: z.enum(RESOURCE_TYPES).optional(),
  status: z
    .string()
    .regex(/^[A-Z_]{1,32}$/, 'a status such as ONBOARDED')
    .optional(),
  /** Text in the name, or the whole id. */
  q: freeText(128).optional(),
  /** Only resources away from their spec and unchanged for longer than the stuck threshold. */
  stuck: z.enum(['true', 'false']).optional(),
  /** Oldest first (asc, the default) or newest first (desc). */
  order: z.enum(['asc', 'desc']).default('asc'),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(200).optional(),
});

export const EventsQuery = z.object({
  resourceId: uuid.optional(),
  type: z.enum(RESOURCE_TYPES).optional(),
  lastEventId: z.coerce.number().int().min(0).optional(),
});

export const IdParam = uuid;

export const DeadLetterQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) }).strict();
/** A dead letter's id as the routes accept it (a message id, or the hash of one without). */
export const DeadLetterId = z.string().regex(/^[A-Za-z0-9._:-]{1,200}$/);

/** The console's sign-in: an API token, exchanged for a session. */
export const SignInBody = z.object({ token: z.string().min(1).max(200) }).strict();
