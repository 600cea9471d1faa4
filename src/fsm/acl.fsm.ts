import { step, type FsmTable } from './types.js';

const del = step('acl.delete', 'DELETED');

// prettier-ignore
export const aclFsm = {
  CREATED:   { APPLIED: step('acl.validate', 'VALIDATED'), DELETED: del },
  VALIDATED: { APPLIED: step('acl.apply', 'APPLIED', { callback: 'store_rule_ids', re_entrant: false }), DELETED: del },
  APPLIED:   { DELETED: del },
  ERROR:     { DELETED: del },
} as const satisfies FsmTable;
