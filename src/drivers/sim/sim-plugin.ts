// DRIVER=sim: its configuration and its per-request options (`simulate` in a create body).
import { z } from 'zod';
import { freeText } from '../../text.js';
import type { DriverPlugin } from '../registry.js';
import { makeSimDriver, type SimSettings } from './sim-driver.js';
import { makeLedger } from './sim-ledger.js';

const ms = z.coerce.number().int().min(0);
const flag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .default('false')
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const actionName = z.string().regex(/^[a-z]{1,32}$/, 'an action name such as "validate"');

/** The `simulate` field of a create body: faults and latencies for this resource's actions. */
export const SimOptionsSchema = z
  .object({
    /** Retryable failures to inject per action (each attempt fails until this many have). */
    fail: z.record(actionName, z.number().int().min(0).max(100)).optional(),
    /** A permanent failure, with this reason, per action. */
    refuse: z.record(actionName, freeText(200)).optional(),
    /** Latency per action, instead of SIM_LATENCY_MS. */
    latencyMs: z.record(actionName, z.number().int().min(0).max(600_000)).optional(),
    /** Steps that wait report "started, check again" instead of sleeping (as SIM_ASYNC). */
    async: z.boolean().optional(),
  })
  .strict();
export type SimOptions = z.infer<typeof SimOptionsSchema>;

export const simPlugin: DriverPlugin<SimSettings> = {
  name: 'sim',
  config: z.object({
    /** Latency of every simulated action. */
    SIM_LATENCY_MS: ms.default(0),
    /** Actions of steps that can wait complete SIM_LATENCY_MS later, checked again, instead of sleeping in the worker. */
    SIM_ASYNC: flag,
    /** Actions a worker runs at once against the simulated VIM (the rest wait their turn). */
    SIM_MAX_CONCURRENCY: z.coerce.number().int().min(1).default(1000),
  }),
  settings: (env) => ({
    latencyMs: env.SIM_LATENCY_MS as number,
    async: env.SIM_ASYNC as boolean,
    maxConcurrency: env.SIM_MAX_CONCURRENCY as number,
  }),
  options: { field: 'simulate', schema: SimOptionsSchema },
  async make(settings, deps) {
    return makeSimDriver({ ledger: makeLedger(deps.sql), ...settings });
  },
};
