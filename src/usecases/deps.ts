// What every use case is given: the repositories it writes and reads through, and the
// hand-over of committed outbox rows to the relay (published at once, not after its grace).
import type { ContentStore } from '../content/store.js';
import type { OutboxRow } from '../db/outbox-repository.js';
import type { ReadRepository } from '../db/read-repository.js';
import type { ResourceStore, Written } from '../db/resource-repository.js';
import type { TokenStore } from '../db/token-repository.js';
import type { Role } from '../model.js';
import type { FleetDeps } from './fleet.js';
import type { Json, Resource } from '../model.js';

export type SessionStore = {
  create(tokenId: string, hours: number): Promise<{ id: string; csrf: string; expiresAt: Date }>;
  find(id: string): Promise<{ role: Role; csrf: string; tokenId: string } | null>;
  remove(id: string): Promise<void>;
};

export type Publish = (rows: OutboxRow[]) => void;

/** Where packages' content goes, and how large a package may be. */
export type PackageDeps = { content: ContentStore; maxBytes: number };

export type UseCaseDeps = {
  store: ResourceStore;
  reads: ReadRepository;
  tokens: TokenStore;
  publish: Publish;
  packages: PackageDeps;
  sessions: SessionStore;
  /** Processes, queues, timelines and the overview (absent where only resources are served). */
  fleet?: FleetDeps;
  /** The driver's refusal of a resource it cannot carry out (a 422 naming the field), if any. */
  refuse?: (type: string, properties: Json) => { field: string; message: string } | null;
};

/** Hand a write's outbox rows to the relay and return the resource as written. */
export function published(deps: UseCaseDeps, w: Written): Resource {
  deps.publish(w.outbox);
  return w.resource;
}

export { conflict, fieldError, notFound } from '../errors.js';
