import { step, type FsmTable } from './types.js';

const del = step('vnf.delete', 'DELETED', { waiting: 'DELETING' });
const release = step('vnf.release', 'TERMINATED', { callback: 'clear_compute', waiting: 'TERMINATING' });
const boot = step('vnf.boot', 'BOOTED', { callback: 'store_server_id', re_entrant: false, waiting: 'BOOTING' });
const configure = step('vnf.configure', 'INSTANTIATED', { waiting: 'CONFIGURING' });

// prettier-ignore
export const vnfFsm = {
  CREATED:      { INSTANTIATED: step('vnf.allocate', 'ALLOCATED', { callback: 'store_allocation', re_entrant: false }), TERMINATED: release, DELETED: del },
  ALLOCATED:    { INSTANTIATED: boot, TERMINATED: release, DELETED: del },
  BOOTING:      { INSTANTIATED: boot, TERMINATED: release, DELETED: del },
  BOOTED:       { INSTANTIATED: configure, TERMINATED: release, DELETED: del },
  CONFIGURING:  { INSTANTIATED: configure, TERMINATED: release, DELETED: del },
  INSTANTIATED: { TERMINATED: release, DELETED: del },
  TERMINATING:  { TERMINATED: release, DELETED: del },
  TERMINATED:   { DELETED: del },
  DELETING:     { DELETED: del },
  ERROR:        { DELETED: del },
} as const satisfies FsmTable;
