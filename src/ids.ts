import { randomFillSync } from 'node:crypto';

// random bytes are drawn from the CSPRNG in blocks (one system call per 512 ids, as node's randomUUID does)
const POOL_IDS = 512;
const pool = Buffer.alloc(16 * POOL_IDS);
let next = POOL_IDS;

/** UUIDv7 (RFC 9562): time-ordered, so ids sort by creation and B-tree inserts stay local. */
export function uuidv7(now = Date.now()): string {
  if (next === POOL_IDS) {
    randomFillSync(pool);
    next = 0;
  }
  const b = pool.subarray(16 * next, 16 * ++next); // used once
  b.writeUIntBE(now, 0, 6);
  b[6] = (b[6]! & 0x0f) | 0x70;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
