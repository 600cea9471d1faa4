// From a plan to what the step repository writes: the resource, task and transition rows,
// and the work_queue message of its dispatch, naming its success and error callbacks.
import type { WorkArgs, WorkMessage } from '../broker/messages.js';
import { PRIORITY } from '../broker/topology.js';
import type { OutboxInsert } from '../db/outbox-repository.js';
import type { StepWrite } from '../db/step-repository.js';
import type { Resource } from '../model.js';
import type { Plan } from './plan.js';

/** Specs an operator asks for: their steps overtake a backlog of creates. */
const OPERATOR_SPECS = new Set(['DELETED', 'TERMINATED']);

/** The work_queue message for a plan's dispatch, carrying its callbacks and arguments. */
export function workMessage(r: Resource, plan: Plan, expiresSeconds = 0, replyTo?: string): OutboxInsert {
  const d = plan.dispatch!;
  const args: WorkArgs = {
    name: r.name,
    properties: plan.write?.properties ?? r.properties,
    options: r.options,
    previous: d.previous,
  };
  const msg: Omit<WorkMessage, 'args'> & { args: WorkArgs } = {
    v: 1,
    taskId: d.taskId,
    resourceId: r.id,
    resourceType: r.type,
    action: d.action,
    attempt: d.attempt,
    check: d.check,
    ...(expiresSeconds > 0 ? { expiresAt: Date.now() + d.delayMs + expiresSeconds * 1000 } : {}),
    dueAt: Date.now() + d.delayMs,
    args,
    ...(replyTo ? { replyTo } : {}),
    callbacks: {
      success: { queue: 'callback_queue', nextTask: d.step },
      error: { queue: 'callback_queue', nextTask: d.step },
    },
  };
  return {
    queue: 'work_queue',
    payload: msg,
    delayMs: d.delayMs,
    priority: OPERATOR_SPECS.has(r.spec) ? PRIORITY.operator : PRIORITY.normal,
  };
}

/** What the step repository writes for a plan decided on `r` (a plan that writes nothing has no StepWrite). */
export function stepWrite(r: Resource, plan: Plan, msg: OutboxInsert | null): StepWrite {
  if (!plan.write) throw new Error('a plan that changes anything must write the resource');
  return {
    resourceId: r.id,
    version: r.version,
    resource: plan.write,
    newTask: plan.newTask,
    taskWrite: plan.taskWrite,
    transitions: plan.transitions,
    outbox: msg,
  };
}
