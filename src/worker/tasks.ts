// The task registry: action name (as in the FSM tables) -> driver function. Typed by the
// actions the tables name, so a table entry without a task, or a task without an entry,
// does not compile.
import type { ContentStore } from '../content/store.js';
import type { Action, Driver } from '../drivers/driver.js';
import type { ActionName } from '../fsm/index.js';
import { makePackageTasks } from './package-tasks.js';

export type TaskListOf<A extends string> = { readonly [K in A]: Action };
export type TaskList = TaskListOf<ActionName>;

export function makeTaskList(d: Driver, content: ContentStore): TaskList {
  const pkg = makePackageTasks(content, d);
  return {
    'vnfp.upload': pkg.upload,
    'vnfp.validate': pkg.validate,
    'vnfp.register': d.vnf_package.register,
    'vnfp.delete': pkg.delete,
    'volume.create': d.volume.create,
    'volume.delete': d.volume.delete,
    'vnf.allocate': d.vnf.allocate,
    'vnf.boot': d.vnf.boot,
    'vnf.configure': d.vnf.configure,
    'vnf.release': d.vnf.release,
    'vnf.delete': d.vnf.delete,
    'acl.validate': d.acl.validate,
    'acl.apply': d.acl.apply,
    'acl.delete': d.acl.delete,
  };
}
