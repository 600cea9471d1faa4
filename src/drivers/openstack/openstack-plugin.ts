// DRIVER=openstack: configured as operators already write it (an openrc's OS_* variables,
// application credentials, or OS_CLOUD with a clouds.yaml), plus nfvo's own OPENSTACK_*.
import { z } from 'zod';
import type { Json } from '../../model.js';
import type { DriverPlugin } from '../registry.js';
import { credentialsFrom } from './credentials.js';
import { makeOpenStackDriver, type DriverSettings } from './openstack-driver.js';
import type { Service } from './session.js';

const text = z.string().optional();
const SERVICES: Service[] = ['compute', 'image', 'volumev3', 'network'];

/** "a=b,c=d" (or a JSON object) as a map. */
function pairs(v: string | undefined, what: string): Record<string, string> {
  if (!v) return {};
  if (v.trim().startsWith('{')) return JSON.parse(v) as Record<string, string>;
  return Object.fromEntries(
    v.split(',').map((p) => {
      const i = p.indexOf('=');
      if (i < 1) throw new Error(`${what}: "${p}" is not key=value`);
      return [p.slice(0, i).trim(), p.slice(i + 1).trim()];
    }),
  );
}

export const openstackPlugin: DriverPlugin<DriverSettings> = {
  name: 'openstack',
  config: z.object({
    OS_CLOUD: text,
    OS_CLIENT_CONFIG_FILE: text,
    OS_AUTH_URL: text,
    OS_USERNAME: text,
    OS_PASSWORD: text,
    OS_PROJECT_NAME: text,
    OS_TENANT_NAME: text,
    OS_USER_DOMAIN_NAME: text,
    OS_PROJECT_DOMAIN_NAME: text,
    OS_REGION_NAME: text,
    OS_INTERFACE: text,
    OS_APPLICATION_CREDENTIAL_ID: text,
    OS_APPLICATION_CREDENTIAL_SECRET: text,
    HOME: text,
    XDG_CONFIG_HOME: text,
    /** The network of vnf ports, by name or id. */
    OPENSTACK_NETWORK: text,
    /** Concurrent API calls per cloud. */
    OPENSTACK_MAX_CONCURRENCY: z.coerce.number().int().min(1).default(10),
    /** A VDU's size to an existing flavor: "1x512x1=m1.tiny,2x4096x40=m1.medium" (vcpus x MiB x GiB). */
    OPENSTACK_FLAVOR_MAP: text,
    /** Endpoints instead of the catalog's: "compute=http://…,image=http://…". */
    OPENSTACK_ENDPOINT_OVERRIDES: text,
    /** How long an action whose step cannot wait polls the cloud in place, in seconds. */
    OPENSTACK_INLINE_WAIT_S: z.coerce.number().int().min(1).default(600),
  }),
  settings(env) {
    const e = env as Record<string, string | undefined>;
    const overrides = pairs(e.OPENSTACK_ENDPOINT_OVERRIDES, 'OPENSTACK_ENDPOINT_OVERRIDES');
    for (const k of Object.keys(overrides)) {
      if (!SERVICES.includes(k as Service))
        throw new Error(`OPENSTACK_ENDPOINT_OVERRIDES: unknown service ${k} (${SERVICES.join(', ')})`);
    }
    return {
      credentials: credentialsFrom(e),
      network: e.OPENSTACK_NETWORK || undefined,
      maxConcurrency: Number(env.OPENSTACK_MAX_CONCURRENCY),
      flavorMap: pairs(e.OPENSTACK_FLAVOR_MAP, 'OPENSTACK_FLAVOR_MAP'),
      endpointOverrides: overrides,
      inlineWaitS: Number(env.OPENSTACK_INLINE_WAIT_S),
    };
  },
  /** Security groups only allow: an ACL with a deny rule cannot be applied faithfully. */
  refuse(type: string, properties: Json) {
    if (type !== 'acl') return null;
    const rules = (properties.rules ?? []) as { action?: string }[];
    const i = rules.findIndex((r) => r.action === 'deny');
    if (i < 0) return null;
    return {
      field: `rules.${i}.action`,
      message:
        'the openstack driver applies an ACL as a Neutron security group, which can only allow traffic; ' +
        'deny is what a security group does to everything it does not allow',
    };
  },
  async make(settings, deps) {
    return makeOpenStackDriver(settings, { log: deps.log, packages: deps.packages });
  },
};
