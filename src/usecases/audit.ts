// `nfvo audit`: what nfvo owns in the VIM against what its database says, both ways.
import type { Db } from '../db/db.js';
import { liveWithVimIds } from '../db/observe-repository.js';
import type { InventoryItem } from '../drivers/driver.js';

export type AuditReport = {
  /** Objects marked as nfvo's that no live resource owns. */
  orphaned: InventoryItem[];
  /** Live resources whose objects are gone from the VIM. */
  missing: { resourceId: string; type: string; status: string; vimIds: string[] }[];
};

export async function audit(db: Db, inventory: () => Promise<InventoryItem[]>): Promise<AuditReport> {
  const [items, live] = await Promise.all([inventory(), liveWithVimIds(db.pool)]);
  const owners = new Set(live.map((r) => r.id));
  const present = new Set(items.map((i) => i.id));
  return {
    orphaned: items.filter((i) => !i.resourceId || !owners.has(i.resourceId)),
    missing: live
      .map((r) => ({
        resourceId: r.id,
        type: r.type,
        status: r.status,
        vimIds: r.vimIds.filter((id) => !present.has(id)),
      }))
      .filter((r) => r.vimIds.length > 0),
  };
}
