// Packages' content in PostgreSQL: one row per upload, its bytes in 1 MiB chunks (bytea,
// stored uncompressed). Written as it arrives, a few chunks in flight; read back in ranges
// for the zip reader, or whole.
import { createHash, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { SourceError, type RangeSource } from '../content/csar.js';
import { CHUNK_BYTES, chunked, type ContentStore } from '../content/store.js';
import type { Db, Sql } from './db.js';

/** Inserts in flight while an upload streams in: enough to keep PostgreSQL busy, few enough to bound memory. */
const IN_FLIGHT = 3;

const INSERT_CHUNK = 'INSERT INTO package_chunks (upload_id, seq, data) VALUES ($1, $2, $3)';
/** The upload's row with its first chunk. */
const START_UPLOAD = `WITH u AS (INSERT INTO package_uploads (id, package_id) VALUES ($1, $2))
  INSERT INTO package_chunks (upload_id, seq, data) VALUES ($1, 0, $3)`;
const COMPLETE_UPLOAD = 'UPDATE package_uploads SET size_bytes = $2, sha256 = $3, completed_at = now() WHERE id = $1';
/** An upload of one chunk, complete. */
const WHOLE_UPLOAD = `WITH u AS (
  INSERT INTO package_uploads (id, package_id, size_bytes, sha256, completed_at) VALUES ($1, $2, $4, $5, now())
) INSERT INTO package_chunks (upload_id, seq, data) VALUES ($1, 0, $3)`;

async function chunk(c: Sql, uploadId: string, seq: number): Promise<Buffer> {
  // (bytea comes back hex-encoded and pg decodes it: a binary result is not to be had per query)
  const r = await c.query<{ data: Buffer }>({
    name: 'nfvo_package_chunk',
    text: 'SELECT data FROM package_chunks WHERE upload_id = $1 AND seq = $2',
    values: [uploadId, seq],
  });
  const row = r.rows[0];
  if (!row) throw new SourceError(`upload ${uploadId}: chunk ${seq} missing`);
  return row.data;
}

/** Bytes [start, end) of an upload, a chunk at a time; the last chunks read are kept for the next range. */
function rangeReader(c: Sql, uploadId: string, size: number): RangeSource {
  const cache = new Map<number, Promise<Buffer>>();
  const get = (seq: number) => {
    let p = cache.get(seq);
    if (!p) {
      // a failure to read the store is not the package's fault: trying again may help
      p = chunk(c, uploadId, seq).catch((err: unknown) => {
        cache.delete(seq);
        throw err instanceof SourceError
          ? err
          : new SourceError(`reading upload ${uploadId}: ${String(err)}`, { cause: err });
      });
      cache.set(seq, p);
      if (cache.size > 4) cache.delete(cache.keys().next().value!);
    }
    return p;
  };
  return {
    size,
    async readInto(buffer, offset, length, position) {
      let copied = 0;
      while (copied < length && position + copied < size) {
        const at = position + copied;
        const seq = Math.floor(at / CHUNK_BYTES);
        const data = await get(seq);
        copied += data.copy(
          buffer,
          offset + copied,
          at - seq * CHUNK_BYTES,
          at - seq * CHUNK_BYTES + (length - copied),
        );
      }
      return copied;
    },
    readRange(start, end) {
      return Readable.from(
        (async function* () {
          for (let pos = start; pos < end;) {
            const seq = Math.floor(pos / CHUNK_BYTES);
            const data = await get(seq);
            const from = pos - seq * CHUNK_BYTES;
            const to = Math.min(data.length, end - seq * CHUNK_BYTES);
            yield data.subarray(from, to);
            pos += to - from;
          }
        })(),
      );
    },
  };
}

export function makePgStore(db: Db): ContentStore {
  const pool = db.pool;
  const sizeOf = async (uploadId: string): Promise<number | null> => {
    const r = await pool.query<{ size_bytes: number }>(
      'SELECT size_bytes FROM package_uploads WHERE id = $1 AND completed_at IS NOT NULL',
      [uploadId],
    );
    return r.rows[0] ? Number(r.rows[0].size_bytes) : null;
  };
  return {
    async write(packageId, body, maxBytes) {
      const uploadId = randomUUID();
      const hash = createHash('sha256');
      let size = 0;
      const pending = new Set<Promise<unknown>>();
      try {
        let seq = 0;
        // the first chunk is held back: a package of one chunk (most are small) is stored in one statement
        let first: Buffer | null = null;
        for await (const data of chunked(body, maxBytes, (b) => {
          hash.update(b);
          size += b.length;
        })) {
          if (seq === 0) first = data;
          else {
            if (seq === 1) await pool.query(START_UPLOAD, [uploadId, packageId, first]);
            const p = pool.query(INSERT_CHUNK, [uploadId, seq, data]);
            pending.add(p);
            void p.finally(() => pending.delete(p)).catch(() => {});
            if (pending.size >= IN_FLIGHT) await Promise.race(pending);
          }
          seq++;
        }
        await Promise.all(pending);
        const sha256 = hash.digest('hex');
        if (seq <= 1) await pool.query(WHOLE_UPLOAD, [uploadId, packageId, first ?? Buffer.alloc(0), size, sha256]);
        else await pool.query(COMPLETE_UPLOAD, [uploadId, size, sha256]);
        return { uploadId, sizeBytes: size, sha256 };
      } catch (err) {
        await Promise.allSettled(pending);
        await pool.query('DELETE FROM package_uploads WHERE id = $1', [uploadId]).catch(() => {});
        throw err;
      }
    },
    size: sizeOf,
    async source(uploadId) {
      const size = await sizeOf(uploadId);
      if (size === null) throw new SourceError(`upload ${uploadId} is not stored (or not complete)`);
      return rangeReader(pool, uploadId, size);
    },
    async read(uploadId) {
      const src = await this.source(uploadId);
      return src.readRange(0, src.size);
    },
    async deleteUpload(uploadId) {
      await pool.query('DELETE FROM package_uploads WHERE id = $1', [uploadId]);
    },
    async deletePackage(packageId) {
      await pool.query('DELETE FROM package_uploads WHERE package_id = $1', [packageId]);
    },
    async purge(olderThanMs) {
      const r = await pool.query(
        `DELETE FROM package_uploads u
          WHERE u.started_at < now() - $1 * interval '1 millisecond'
            AND NOT EXISTS (SELECT 1 FROM resources r WHERE r.id = u.package_id AND r.properties->'content'->>'uploadId' = u.id::text)`,
        [olderThanMs],
      );
      return r.rowCount ?? 0;
    },
  };
}
