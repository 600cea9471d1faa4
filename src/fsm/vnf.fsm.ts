import { step, type FsmTable } from './types.js';

const del = step('vnf.delete', 'DELETED');
const release = step('vnf.release', 'TERMINATED', { callback: 'clear_compute' });

// prettier-ignore
export const vnfFsm: FsmTable = {
  CREATED:      { INSTANTIATED: step('vnf.allocate', 'ALLOCATED', { callback: 'store_allocation', re_entrant: false }), TERMINATED: release, DELETED: del },
  ALLOCATED:    { INSTANTIATED: step('vnf.boot', 'BOOTED', { callback: 'store_server_id', re_entrant: false }), TERMINATED: release, DELETED: del },
  BOOTED:       { INSTANTIATED: step('vnf.configure', 'INSTANTIATED'), TERMINATED: release, DELETED: del },
  INSTANTIATED: { TERMINATED: release, DELETED: del },
  TERMINATED:   { DELETED: del },
  ERROR:        { DELETED: del },
};
