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
): UseCases {
  return bindUseCases({
    refuse,
    store: makeResourceStore(db),
    reads: makeReadRepository(db),
    tokens: makeTokenStore(db.pool),
    publish,
    packages,
  });
}
