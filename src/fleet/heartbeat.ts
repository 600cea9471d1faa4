// A process reports in: it records itself as it starts, refreshes its record every interval
// with what it has in flight, says it stopped when it stops, and drops the records of
// processes long gone. A process silent for three intervals is shown offline.
import type { Db } from '../db/db.js';
import {
  heartbeat,
  markStopped,
  purgeProcesses,
  registerProcess,
  type ProcessRecord,
} from '../db/process-repository.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';

/** A heartbeat older than this many intervals means the process is offline. */
export const OFFLINE_AFTER_INTERVALS = 3;
const PURGE_EVERY_BEATS = 60;

export type HeartbeatDeps = {
  db: Db;
  record: ProcessRecord;
  /** Messages or actions in flight now. */
  inFlight: () => number;
  intervalS: number;
  retentionS: number;
  log: Logger;
};

export function makeHeartbeat(deps: HeartbeatDeps) {
  const { db, record, log } = deps;
  let timer: NodeJS.Timeout | undefined;
  let beats = 0;
  let failing = false;
  let beating: Promise<void> | undefined;

  async function beat(): Promise<void> {
    try {
      if (!(await heartbeat(db.pool, record.id, deps.inFlight()))) await registerProcess(db.pool, record);
      if (++beats % PURGE_EVERY_BEATS === 0) {
        const n = await purgeProcesses(db.pool, deps.retentionS);
        if (n) log.info({ processes: n, retentionS: deps.retentionS }, 'dropped the records of processes long gone');
      }
      if (failing) log.info('heartbeat recorded again');
      failing = false;
    } catch (err) {
      // PostgreSQL is away: the process goes on, and is shown offline until it is back
      if (!failing) log.warn({ err: errorMessage(err) }, 'could not record the heartbeat; will try again');
      failing = true;
    }
  }

  return {
    async start(): Promise<void> {
      try {
        await registerProcess(db.pool, record);
      } catch (err) {
        failing = true;
        log.warn({ err: errorMessage(err) }, 'could not record this process yet; will try again');
      }
      log.info({ processId: record.id, roles: record.roles, intervalS: deps.intervalS }, 'process reports in');
      timer = setInterval(() => {
        beating ??= beat().finally(() => (beating = undefined));
      }, deps.intervalS * 1000);
      timer.unref();
    },
    async stop(): Promise<void> {
      clearInterval(timer);
      await beating;
      await markStopped(db.pool, record.id).catch((err: unknown) =>
        log.warn({ err: errorMessage(err) }, 'could not record that this process stopped'),
      );
    },
  };
}
