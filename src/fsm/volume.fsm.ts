import { step, type FsmTable } from './types.js';

const del = step('volume.delete', 'DELETED');

// prettier-ignore
export const volumeFsm: FsmTable = {
  CREATED:   { AVAILABLE: step('volume.create', 'AVAILABLE', { callback: 'store_volume_id', re_entrant: false }), DELETED: del },
  AVAILABLE: { DELETED: del },
  ERROR:     { DELETED: del },
};
