// The package stores: PostgreSQL (the default) and a shared directory. A package onboards and
// reads back from either; uploads no package names are purged, the one it names stays.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { type Running } from '../../src/compose.js';
import { makePgStore } from '../../src/db/content-repository.js';
import { makeDb, type Db } from '../../src/db/db.js';
import { tackerCsar } from '../helpers/csar.js';
import { makeTestEnv, quiet, type TestEnv } from '../helpers/env.js';
import { client } from '../helpers/http.js';
import { startInProcess } from '../helpers/in-process.js';

describe('package store in a directory (PACKAGE_STORE=fs)', () => {
  let env: TestEnv;
  let nfvo: Running;
  let api: ReturnType<typeof client>;
  let dir: string;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'nfvo-packages-'));
    env = await makeTestEnv('fsstore', { PACKAGE_STORE: 'fs', PACKAGE_DIR: dir });
    ({ nfvo, api } = await startInProcess(env));
  });
  after(async () => {
    await nfvo.stop();
    await env.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  it('onboards a package whose content is a file there, reads it back, and removes it with the package', async () => {
    const csar = await tackerCsar({ image: Buffer.alloc(100_000, 1) });
    const { body } = await api.post('/v1/vnf-packages?name=on-disk', csar);
    const done = await api.waitStatus(body.id, 'ONBOARDED');
    assert.equal(done.properties.sizeBytes, csar.length);
    assert.ok((await readdir(dir)).includes(`${done.properties.content.uploadId}.csar`));
    assert.equal(
      (await env.pool.query('SELECT count(*)::int AS n FROM package_uploads')).rows[0].n,
      0,
      'nothing in PostgreSQL',
    );
    assert.ok((await api.bytes(`/v1/vnf-packages/${body.id}/content`)).body.equals(csar));
    await api.del(`/v1/vnf-packages/${body.id}`);
    await api.waitStatus(body.id, 'DELETED');
    assert.ok(!(await readdir(dir)).includes(`${done.properties.content.uploadId}.csar`), 'its file is gone');
  });
});

describe('purging uploads no package names', () => {
  let env: TestEnv;
  let db: Db;
  before(async () => {
    env = await makeTestEnv('purge');
    db = makeDb({ url: env.config.databaseUrl, poolSize: 2, log: quiet, appName: 'nfvo-test-purge' });
  });
  after(async () => {
    await db.close();
    await env.cleanup();
  });

  it('removes an interrupted or refused upload, keeps the one its package names', async () => {
    const store = makePgStore(db);
    const pkg = '01a1fc00-0000-7000-8000-0000000000aa';
    const kept = await store.write(pkg, Readable.from([Buffer.from('kept')]), 1000);
    const orphan = await store.write(pkg, Readable.from([Buffer.from('orphan')]), 1000);
    await env.pool.query(
      `INSERT INTO resources (id, type, name, status, spec, properties) VALUES ($1, 'vnf_package', 'p', 'CREATED', 'ONBOARDED', $2)`,
      [pkg, { content: { uploadId: kept.uploadId } }],
    );
    assert.equal(await store.purge(0), 1);
    assert.equal(await store.size(kept.uploadId), 4);
    assert.equal(await store.size(orphan.uploadId), null);
    assert.equal(await store.purge(3_600_000), 0, 'nothing younger than the limit');
  });
});
