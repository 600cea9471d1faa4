// DRIVER=openstack: nfvo's actions on a real cloud (Glance, Cinder, Nova, Neutron).
import type { Logger } from '../../log.js';
import type { Driver } from '../driver.js';
import type { PackageFileReader } from '../registry.js';
import { aclActions } from './acls.js';
import { makeContext, type OpenStackSettings } from './context.js';
import type { Credentials } from './credentials.js';
import { imageActions } from './images.js';
import { inventory, observe } from './observe.js';
import { serverActions } from './servers.js';
import { makeSession, type Service } from './session.js';
import { volumeActions } from './volumes.js';

export type DriverSettings = OpenStackSettings & {
  credentials: Credentials;
  maxConcurrency: number;
  endpointOverrides: Partial<Record<Service, string>>;
};

export function makeOpenStackDriver(
  settings: DriverSettings,
  deps: { log: Logger; packages: PackageFileReader },
): Driver {
  const session = makeSession(settings.credentials, {
    log: deps.log,
    maxConcurrency: settings.maxConcurrency,
    overrides: settings.endpointOverrides,
  });
  const c = makeContext(session, settings, deps.packages, deps.log);
  const images = imageActions(c);
  const volumes = volumeActions(c);
  const servers = serverActions(c);
  const acls = aclActions(c);
  const nothing = async () => ({ status: 'done' as const, result: {} });
  return {
    name: 'openstack',
    vnf_package: { upload: nothing, validate: nothing, register: images.register, delete: images.delete },
    volume: volumes,
    vnf: servers,
    acl: { validate: nothing, apply: acls.apply, delete: acls.delete },
    observe: (expected) => observe(c, expected),
    inventory: () => inventory(c),
    load: session.load,
    async close() {
      // the time spent in OpenStack's API calls, as the driver saw them (the bench reads this line)
      const { calls, ms, busyMs } = session.stats;
      deps.log.info({ calls, ms, busyMs }, 'openstack api calls');
    },
  };
}
