// The task registry: action name (as in the FSM tables) -> driver function.
import type { Action, Driver } from '../drivers/driver.js';

export type TaskList = Readonly<Record<string, Action>>;

export function makeTaskList(d: Driver): TaskList {
  return {
    'vnfp.upload': d.vnf_package.upload,
    'vnfp.validate': d.vnf_package.validate,
    'vnfp.register': d.vnf_package.register,
    'vnfp.delete': d.vnf_package.delete,
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
