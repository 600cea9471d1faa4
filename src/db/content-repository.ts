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
      p = chunk(c, uploadId, seq);
      p.catch(() => cache.delete(seq));
      cache.set(seq, p);
      if (cache.size > 4) cache.delete(cache.keys().next().value!);
    }
    return p;
  };
  return {
    size,
    readRange(start, end) {
      return Readable.from(
        (async function* () {
          for (let pos = start; pos < end;) {
            const seq = Math.floor(pos / CHUNK_BYTES);
            const data = await get(seq).catch((err: unknown) => {
              throw err instanceof SourceError
                ? err
                : new SourceError(`reading upload ${uploadId}: ${String(err)}`, { cause: err });
            });
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
      await pool.query('INSERT INTO package_uploads (id, package_id) VALUES ($1, $2)', [uploadId, packageId]);
      const hash = createHash('sha256');
      let size = 0;
      const pending = new Set<Promise<unknown>>();
      try {
        let seq = 0;
        for await (const data of chunked(body, maxBytes, (b) => {
          hash.update(b);
          size += b.length;
        })) {
          const p = pool.query('INSERT INTO package_chunks (upload_id, seq, data) VALUES ($1, $2, $3)', [
            uploadId,
            seq++,
            data,
          ]);
          pending.add(p);
          void p.finally(() => pending.delete(p)).catch(() => {});
          if (pending.size >= IN_FLIGHT) await Promise.race(pending);
        }
        await Promise.all(pending);
        const sha256 = hash.digest('hex');
        await pool.query(
          'UPDATE package_uploads SET size_bytes = $2, sha256 = $3, completed_at = now() WHERE id = $1',
          [uploadId, size, sha256],
        );
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
