// The task registry is checked by the compiler against the FSM tables: `npm run lint` runs
// tsc over this file, and each @ts-expect-error below fails it if its line compiles.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { done, type Action, type Driver } from '../../src/drivers/driver.js';
import type { ActionName } from '../../src/fsm/index.js';
import type { ContentStore } from '../../src/content/store.js';
import { makeTaskList, type TaskList, type TaskListOf } from '../../src/worker/tasks.js';

const act: Action = async () => done();
const group = <K extends string>(...keys: K[]) => Object.fromEntries(keys.map((k) => [k, act])) as Record<K, Action>;
const driver: Driver = {
  name: 'typing',
  vnf_package: group('upload', 'validate', 'register', 'delete'),
  volume: group('create', 'delete'),
  vnf: group('allocate', 'boot', 'configure', 'release', 'delete'),
  acl: group('validate', 'apply', 'delete'),
};

const content = {} as ContentStore;

describe('the task registry against the FSM tables', () => {
  it('has a task for every action the tables name', () => {
    const tasks: TaskList = makeTaskList(driver, content);
    assert.equal(Object.keys(tasks).length, 14);
  });

  it('does not compile with a table entry that has no task, nor with a task that has no entry', () => {
    // a table that names one action more than the registry has
    // @ts-expect-error Property '"vnf.reboot"' is missing
    const missing: TaskListOf<ActionName | 'vnf.reboot'> = makeTaskList(driver, content);
    // a registry with a task no table names
    // @ts-expect-error Object literal may only specify known properties
    const extra: TaskList = { ...makeTaskList(driver, content), 'vnf.reboot': act };
    assert.ok(missing && extra);
  });
});
