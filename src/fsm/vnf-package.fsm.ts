import { step, type FsmTable } from './types.js';

const del = step('vnfp.delete', 'DELETED');

// prettier-ignore
export const vnfPackageFsm: FsmTable = {
  CREATED:   { ONBOARDED: step('vnfp.upload', 'UPLOADED', { callback: 'store_artifact', re_entrant: false }), DELETED: del },
  UPLOADED:  { ONBOARDED: step('vnfp.validate', 'VALIDATED', { callback: 'store_descriptor' }), DELETED: del },
  VALIDATED: { ONBOARDED: step('vnfp.register', 'ONBOARDED', { callback: 'store_catalog_id', re_entrant: false }), DELETED: del },
  ONBOARDED: { DELETED: del },
  ERROR:     { DELETED: del },
};
