// The drivers nfvo can run with, by DRIVER name. Each declares its own configuration (parsed
// and reported like the rest of the environment), its own per-request options (a field of
// the create bodies, stored with the resource and handed to every action), and builds itself
// with its own storage.
import type { z } from 'zod';
import type { Logger } from '../log.js';
import type { Driver } from './driver.js';
import { openstackPlugin } from './openstack/openstack-plugin.js';
import { simPlugin } from './sim/sim-plugin.js';

export type DriverPlugin<C = unknown> = {
  readonly name: string;
  /** This driver's environment variables (an object schema; keys are the variable names). */
  readonly config: z.ZodObject<z.ZodRawShape>;
  /** What it takes from the parsed variables. */
  settings(env: Record<string, unknown>): C;
  /** Per-request options: the field of a create body, and its schema; absent when the driver takes none. */
  readonly options?: { readonly field: string; readonly schema: z.ZodType };
  /** Why this driver cannot carry out a resource as asked (a 422 at create, naming the field), or null. */
  refuse?(type: string, properties: Record<string, unknown>): { field: string; message: string } | null;
  /** Build the driver (and its storage, in its own tables: `sql` is the process's database pool). */
  make(settings: C, deps: DriverDeps): Promise<Driver>;
};

/** A query interface to the database, for a driver's own tables (a pg Pool has it). */
export type SqlPool = {
  query(q: { name?: string; text: string; values?: unknown[] } | string, values?: unknown[]): Promise<{ rows: any[] }>;
};

/** A file of a package's CSAR, as a stream (an image a driver hands to its VIM). */
export type PackageFileReader = {
  open(uploadId: string, path: string): Promise<{ stream: import('node:stream').Readable; size: number }>;
};

export type DriverDeps = { sql: SqlPool; log: Logger; packages: PackageFileReader };

export const DRIVERS: Readonly<Record<string, DriverPlugin<any>>> = { sim: simPlugin, openstack: openstackPlugin };

export function driverPlugin(name: string): DriverPlugin<unknown> {
  const p = DRIVERS[name];
  if (!p) throw new Error(`unknown driver "${name}"; drivers: ${Object.keys(DRIVERS).join(', ')}`);
  return p;
}
