// Pure data and pure functions: which step comes next. No I/O here.
import { aclFsm } from './acl.fsm.js';
import { type FsmTable, type NextTask } from './types.js';
import { vnfPackageFsm } from './vnf-package.fsm.js';
import { vnfFsm } from './vnf.fsm.js';
import { volumeFsm } from './volume.fsm.js';

export * from './types.js';
export { applyCallback, stepCallbacks, type CallbackName } from './callbacks.js';
export { ACTION_NAMES, actionResults, isActionName, resultProblem, type ActionName } from './actions.js';

export const RESOURCE_TYPES = ['vnf_package', 'volume', 'vnf', 'acl'] as const;
export type ResourceType = (typeof RESOURCE_TYPES)[number];

/** Per type: its table, the status a new resource starts in, and the spec a create asks for. */
export const resourceKinds: Readonly<Record<ResourceType, { fsm: FsmTable; initial: string; target: string }>> = {
  vnf_package: { fsm: vnfPackageFsm, initial: 'CREATED', target: 'ONBOARDED' },
  volume: { fsm: volumeFsm, initial: 'CREATED', target: 'AVAILABLE' },
  vnf: { fsm: vnfFsm, initial: 'CREATED', target: 'INSTANTIATED' },
  acl: { fsm: aclFsm, initial: 'CREATED', target: 'APPLIED' },
};

export function isResourceType(t: string): t is ResourceType {
  return (RESOURCE_TYPES as readonly string[]).includes(t);
}

export class NoTransitionError extends Error {
  constructor(
    readonly current: string,
    readonly expected: string,
  ) {
    super(`no transition from ${current} to ${expected}`);
  }
}

/** The next step from `current` toward `expected`; throws NoTransitionError when the table has none. */
export function getNext(fsm: FsmTable, current: string, expected: string): NextTask {
  const next = fsm[current]?.[expected];
  if (!next) throw new NoTransitionError(current, expected);
  return next;
}

/** Every status that appears in a table, as a row, as a step's `next` or as its `waiting`. */
export function statusesOf(fsm: FsmTable): string[] {
  const s = new Set<string>(Object.keys(fsm));
  for (const row of Object.values(fsm)) {
    for (const t of Object.values(row)) {
      s.add(t.next);
      if (t.waiting) s.add(t.waiting);
    }
  }
  return [...s];
}
