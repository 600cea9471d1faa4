import { step, type FsmTable } from './types.js';

const del = step('vnfp.delete', 'DELETED', { waiting: 'DELETING' });
const register = step('vnfp.register', 'ONBOARDED', {
  callback: 'store_vim_images',
  re_entrant: false,
  waiting: 'REGISTERING',
});

// prettier-ignore
export const vnfPackageFsm = {
  CREATED:     { ONBOARDED: step('vnfp.upload', 'UPLOADED', { callback: 'store_artifact', re_entrant: false, requires: 'content' }), DELETED: del },
  UPLOADED:    { ONBOARDED: step('vnfp.validate', 'VALIDATED', { callback: 'store_descriptor' }), DELETED: del },
  VALIDATED:   { ONBOARDED: register, DELETED: del },
  REGISTERING: { ONBOARDED: register, DELETED: del },
  ONBOARDED:   { DELETED: del },
  DELETING:    { DELETED: del },
  ERROR:       { DELETED: del },
} as const satisfies FsmTable;
