// The use cases, bound to their dependencies: what every front door (the REST API, the
// CLI, the console) calls. One module per operation group.
import type { Readable } from 'node:stream';
import type { Db } from '../db/db.js';
import { makeReadRepository } from '../db/read-repository.js';
import { makeResourceStore } from '../db/resource-repository.js';
import { makeTokenStore } from '../db/token-repository.js';
import { deleteResource, terminateVnf } from './change-spec.js';
import { createResource, type CreateInput } from './create-resource.js';
import type { PackageDeps, Publish, UseCaseDeps } from './deps.js';
import * as q from './queries.js';
import { retryResource } from './retry-resource.js';
import { revokeTask } from './revoke-task.js';
import * as tokens from './tokens.js';
import * as fleet from './fleet.js';
import * as sessions from './sessions.js';
import { createSession, deleteSession, findSession } from '../db/session-repository.js';
import { countOnlineByRole, listProcesses } from '../db/process-repository.js';
import { attemptSpans } from '../db/timeline-repository.js';
import {
  countByTypeAndStatus,
  failedAttemptsSince,
  oldestAway,
  transitionsPerMinute,
} from '../db/overview-repository.js';
import * as content from './package-content.js';

export type { CreateInput } from './create-resource.js';
export type { ListQuery } from './queries.js';

export function bindUseCases(deps: UseCaseDeps) {
  return {
    create: (input: CreateInput) => createResource(deps, input),
    delete: (id: string, type?: string) => deleteResource(deps, id, type),
    terminate: (id: string) => terminateVnf(deps, id),
    retry: (id: string) => retryResource(deps, id),
    revoke: (taskId: string) => revokeTask(deps, taskId),
    get: (id: string, type?: string) => q.getResource(deps, id, type),
    list: (query: q.ListQuery) => q.listResources(deps, query),
    transitions: (id: string) => q.resourceTransitions(deps, id),
    transitionsAfter: (
      afterId: number,
      upTo: number | null,
      filter: { resourceId?: string; type?: string },
      limit: number,
    ) => q.transitionsAfter(deps, afterId, upTo, filter, limit),
    task: (id: string) => q.getTask(deps, id),
    packages: {
      upload: (id: string, body: Readable) => content.uploadContent(deps, id, body),
      createWithContent: (body: Readable, given: Parameters<typeof content.createWithContent>[2]) =>
        content.createWithContent(deps, body, given),
      content: (id: string) => content.packageContent(deps, id),
      vnfd: (id: string) => content.packageVnfd(deps, id),
      file: (id: string, path: string) => content.packageFile(deps, id, path),
    },
    processes: () => fleet.listProcesses(deps),
    queues: () => fleet.listQueues(deps),
    deadLetters: (limit: number) => fleet.listDeadLetters(deps, limit),
    settleDeadLetter: (id: string, action: 'requeue' | 'discard') => fleet.settleDeadLetter(deps, id, action),
    attempts: (id: string) => fleet.resourceAttempts(deps, id),
    overview: () => fleet.overview(deps),
    sessions: {
      signIn: (token: string, hours: number) => sessions.signIn(deps, token, hours),
      find: (id: string) => sessions.findSession(deps, id),
      signOut: (id: string) => sessions.signOut(deps, id),
    },
    tokens: {
      create: (role: Parameters<typeof tokens.createToken>[1], name: string) => tokens.createToken(deps, role, name),
      list: () => tokens.listTokens(deps),
      revoke: (id: string) => tokens.revokeToken(deps, id),
      findRole: (token: string) => tokens.findRole(deps, token),
    },
  };
}

export type UseCases = ReturnType<typeof bindUseCases>;

/** The use cases on a database, publishing through `publish` (the outbox relay's fast path). */
export function makeUseCases(
  db: Db,
  publish: Publish,
  packages: PackageDeps,
  refuse?: UseCaseDeps['refuse'],
  fleet?: { broker?: fleet.BrokerView; offlineAfterS: number; stuckAfterS: number },
): UseCases {
  return bindUseCases({
    refuse,
    sessions: {
      create: (tokenId, hours) => createSession(db.pool, tokenId, hours),
      find: (id) => findSession(db.pool, id),
      remove: (id) => deleteSession(db.pool, id),
    },
    ...(fleet
      ? {
          fleet: {
            ...fleet,
            reads: {
              processes: (offlineAfterS) => listProcesses(db.pool, offlineAfterS),
              attempts: (id, limit) => attemptSpans(db.pool, id, limit),
              counts: () => countByTypeAndStatus(db.pool),
              transitionsPerMinute: (m) => transitionsPerMinute(db.pool, m),
              failedSince: (m) => failedAttemptsSince(db.pool, m),
              oldestAway: () => oldestAway(db.pool),
              onlineByRole: (offlineAfterS) => countOnlineByRole(db.pool, offlineAfterS),
            },
          },
        }
      : {}),
    store: makeResourceStore(db),
    reads: makeReadRepository(db),
    tokens: makeTokenStore(db.pool),
    publish,
    packages,
  });
}
