import { step, type FsmTable } from './types.js';

const del = step('volume.delete', 'DELETED', { waiting: 'DELETING' });
const create = step('volume.create', 'AVAILABLE', {
  callback: 'store_volume_id',
  re_entrant: false,
  waiting: 'CREATING',
});

// prettier-ignore
export const volumeFsm = {
  CREATED:   { AVAILABLE: create, DELETED: del },
  CREATING:  { AVAILABLE: create, DELETED: del },
  AVAILABLE: { DELETED: del },
  DELETING:  { DELETED: del },
  ERROR:     { DELETED: del },
} as const satisfies FsmTable;
