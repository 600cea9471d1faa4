// Real VNF packages through the REST API: a package waits for its content, the CSAR uploads
// (as the body, as multipart, or with the create), is validated and its images registered;
// its content, VNFD and files read back; a vnf is sized from a flavour; hostile packages end
// in ERROR naming the file, or are refused at upload; nothing of a refused upload is kept.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { type Running } from '../../src/compose.js';
import { markEncrypted, renameEntry, tackerCsar, tackerStyle, withManifest, zip } from '../helpers/csar.js';
import { makeTestEnv, sleep, type TestEnv } from '../helpers/env.js';
import { client } from '../helpers/http.js';
import { startInProcess } from '../helpers/in-process.js';

const MAX = 1024 * 1024;

describe('VNF packages', () => {
  let env: TestEnv;
  let nfvo: Running;
  let api: ReturnType<typeof client>;
  let base: string;
  const image = Buffer.alloc(256 * 1024, 3);

  before(async () => {
    env = await makeTestEnv('packages', { PACKAGE_MAX_BYTES: String(MAX) });
    ({ nfvo, api, base } = await startInProcess(env));
  });
  after(async () => {
    await nfvo.stop();
    await env.cleanup();
  });

  const uploads = async () =>
    (await env.pool.query('SELECT count(*)::int AS n FROM package_uploads')).rows[0].n as number;

  it('created without content, a package waits in CREATED with no lock and no task; its upload onboards it', async () => {
    const created = await api.post('/v1/vnf-packages', { name: 'waits', userDefinedData: { owner: 'team-a' } });
    assert.equal(created.status, 202);
    assert.deepEqual(
      [created.body.status, created.body.spec, created.body.awaiting],
      ['CREATED', 'ONBOARDED', 'content'],
    );
    await sleep(1_000); // several sweeps and resyncs pass
    const idle = (await api.get(`/v1/resources/${created.body.id}`)).body;
    assert.deepEqual([idle.status, idle.workerId, idle.error], ['CREATED', null, null]);
    assert.equal(
      (await env.pool.query('SELECT count(*)::int AS n FROM tasks WHERE resource_id = $1', [created.body.id])).rows[0]
        .n,
      0,
    );

    const csar = await tackerCsar({ image });
    const up = await api.put(`/v1/vnf-packages/${created.body.id}/content`, csar);
    assert.equal(up.status, 202, JSON.stringify(up.body));
    const done = await api.waitStatus(created.body.id, 'ONBOARDED');
    const p = done.properties;
    assert.deepEqual(p.checksum, { algorithm: 'SHA-256', hash: createHash('sha256').update(csar).digest('hex') });
    assert.equal(p.sizeBytes, csar.length);
    assert.deepEqual(p.userDefinedData, { owner: 'team-a' });
    assert.equal(p.vnfd.productName, 'Sample VNF');
    assert.deepEqual(
      p.vnfd.flavours.map((f: any) => f.id),
      ['simple', 'large'],
    );
    assert.equal(p.vdus.length, 2);
    assert.ok(p.softwareImages.length >= 1);
    assert.ok(
      p.softwareImages.every((i: any) => typeof i.vimImageId === 'string'),
      'each image has its id in the VIM',
    );
    assert.equal(p.softwareImages[0].path, 'Files/images/cirros-0.5.2-x86_64-disk.img');
    assert.deepEqual(
      (await api.get(`/v1/resources/${created.body.id}/transitions`)).body.items.map((t: any) => `${t.from}->${t.to}`),
      ['CREATED->UPLOADED', 'UPLOADED->VALIDATED', 'VALIDATED->ONBOARDED'],
    );

    // read back: the CSAR byte for byte, the entry VNFD, one file
    const content = await api.bytes(`/v1/vnf-packages/${created.body.id}/content`);
    assert.equal(content.status, 200);
    assert.equal(content.headers.get('content-type'), 'application/zip');
    assert.ok(content.body.equals(csar), 'the content is the CSAR as uploaded');
    const vnfd = await api.bytes(`/v1/vnf-packages/${created.body.id}/vnfd`);
    assert.equal(vnfd.headers.get('content-type')?.split(';')[0], 'application/yaml');
    assert.equal(vnfd.body.toString(), tackerStyle({ image })['Definitions/sample_top.vnfd.yaml']);
    const script = await api.bytes(`/v1/vnf-packages/${created.body.id}/artifacts/Scripts/install.sh`);
    assert.equal(script.body.toString(), '#!/bin/sh\necho installed\n');
    assert.equal((await api.get(`/v1/vnf-packages/${created.body.id}/artifacts/Scripts/nope.sh`)).status, 404);

    // a second upload is refused, and what it sent is not kept
    const before = await uploads();
    assert.equal((await api.put(`/v1/vnf-packages/${created.body.id}/content`, csar)).status, 409);
    assert.equal(await uploads(), before);
  });

  it('reading content before an upload is a 409; so is the VNFD before validation', async () => {
    const { body } = await api.post('/v1/vnf-packages', { name: 'empty' });
    const c = await api.get(`/v1/vnf-packages/${body.id}/content`);
    assert.equal(c.status, 409);
    assert.equal(c.headers.get('content-type')?.split(';')[0], 'application/problem+json');
    assert.equal((await api.get(`/v1/vnf-packages/${body.id}/vnfd`)).status, 409);
  });

  it("accepts SOL005's multipart/form-data upload with one file part", async () => {
    const { body } = await api.post('/v1/vnf-packages', { name: 'multipart' });
    const csar = await tackerCsar();
    const boundary = 'nfvo-boundary-1234';
    const form = Buffer.concat([
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="pkg.zip"\r\nContent-Type: application/zip\r\n\r\n`,
      ),
      csar,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const r = await api.put(`/v1/vnf-packages/${body.id}/content`, form, {
      'content-type': `multipart/form-data; boundary=${boundary}`,
    });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    const done = await api.waitStatus(body.id, 'ONBOARDED');
    assert.equal(done.properties.sizeBytes, csar.length);
  });

  it('created and uploaded in one call: named by the query, or else by the VNFD', async () => {
    const named = await api.post('/v1/vnf-packages?name=my-fw', await tackerCsar());
    assert.equal(named.status, 202);
    assert.equal(named.body.name, 'my-fw');
    const unnamed = await api.post('/v1/vnf-packages', await tackerCsar({ product: 'Firewall X' }));
    assert.equal(unnamed.body.name, 'Firewall X');
    await api.waitStatus(unnamed.body.id, 'ONBOARDED');
  });

  it('a body over PACKAGE_MAX_BYTES is refused with 413, and nothing of it is kept', async () => {
    const before = {
      uploads: await uploads(),
      chunks: (await env.pool.query('SELECT count(*)::int AS n FROM package_chunks')).rows[0].n,
    };
    const big = await tackerCsar({ padTo: MAX + 200_000 });
    const r = await api.post('/v1/vnf-packages', big);
    assert.equal(r.status, 413);
    assert.equal(r.headers.get('content-type')?.split(';')[0], 'application/problem+json');
    // without a Content-Length, refused as it streams in
    const { body } = await api.post('/v1/vnf-packages', { name: 'big' });
    const chunked = await streamed(`${base}/v1/vnf-packages/${body.id}/content`, big, env.auth());
    assert.equal(chunked, 413);
    assert.deepEqual(
      {
        uploads: await uploads(),
        chunks: (await env.pool.query('SELECT count(*)::int AS n FROM package_chunks')).rows[0].n,
      },
      before,
    );
    assert.equal((await api.get(`/v1/resources/${body.id}`)).body.awaiting, 'content');
  });

  it('an upload interrupted half-way leaves nothing that counts; the next one onboards', async () => {
    const { body } = await api.post('/v1/vnf-packages', { name: 'interrupted' });
    const csar = await tackerCsar({ padTo: 600_000 });
    await interrupted(`${base}/v1/vnf-packages/${body.id}/content`, csar, env.auth());
    await sleep(300);
    const r = (await api.get(`/v1/resources/${body.id}`)).body;
    assert.deepEqual([r.status, r.awaiting, r.properties.content], ['CREATED', 'content', undefined]);
    assert.equal(
      (await env.pool.query('SELECT count(*)::int AS n FROM package_uploads WHERE package_id = $1', [body.id])).rows[0]
        .n,
      0,
    );
    assert.equal((await api.put(`/v1/vnf-packages/${body.id}/content`, csar)).status, 202);
    await api.waitStatus(body.id, 'ONBOARDED');
  });

  it('a vnf is sized from a flavour of the package: the sim records its vcpus, memory and image', async () => {
    const { body: pkg } = await api.post('/v1/vnf-packages?name=sized', await tackerCsar({ image }));
    const onboarded = await api.waitStatus(pkg.id, 'ONBOARDED');
    const large =
      onboarded.properties.softwareImages.find((i: any) => i.id === 'VDU1@large') ??
      onboarded.properties.softwareImages[0];
    const vnf = await api.post('/v1/vnfs', { name: 'big-one', vnfPackageId: pkg.id, flavourId: 'large' });
    assert.equal(vnf.status, 202, JSON.stringify(vnf.body));
    const done = await api.waitStatus(vnf.body.id, 'INSTANTIATED');
    assert.deepEqual(
      [
        done.properties.flavourId,
        done.properties.vduId,
        done.properties.vcpus,
        done.properties.memoryMb,
        done.properties.flavor,
      ],
      ['large', 'VDU1', 2, 1024, 'sim.2vcpu.1024mb'],
    );
    assert.equal(done.properties.imageId, large.vimImageId);
    const bad = await api.post('/v1/vnfs', { name: 'no-such', vnfPackageId: pkg.id, flavourId: 'huge' });
    assert.equal(bad.status, 422);
    assert.match(bad.body.detail, /^flavourId: the package has no flavour huge; it has simple, large$/);
    // a package a live vnf uses cannot be deleted; once the vnf is gone it can, with its content
    assert.equal((await api.del(`/v1/vnf-packages/${pkg.id}`)).status, 409);
    await api.del(`/v1/vnfs/${vnf.body.id}`);
    await api.waitStatus(vnf.body.id, 'DELETED');
    assert.equal((await api.del(`/v1/vnf-packages/${pkg.id}`)).status, 202);
    await api.waitStatus(pkg.id, 'DELETED');
    assert.equal(
      (await env.pool.query('SELECT count(*)::int AS n FROM package_uploads WHERE package_id = $1', [pkg.id])).rows[0]
        .n,
      0,
    );
    const ledger = (
      await env.pool.query(`SELECT action FROM sim_ledger WHERE resource_id = $1 AND outcome = 'applied' ORDER BY id`, [
        pkg.id,
      ])
    ).rows;
    assert.deepEqual(
      ledger.map((l) => l.action).slice(-1),
      ['vnf_package.delete'],
      'the sim removed what register made',
    );
  });

  describe('hostile packages end in ERROR, naming the file; the worker keeps running', () => {
    const cases: [string, () => Promise<Buffer>, RegExp][] = [
      [
        'a non-zip',
        async () => Buffer.from('just some text, not a zip'),
        /^vnfp\.validate failed: CSAR: not a zip file$/,
      ],
      [
        'zip slip',
        async () => renameEntry(await zip({ ...tackerStyle(), 'aa/evil.sh': 'x' }), 'aa/evil.sh', '../evil.sh'),
        /^vnfp\.validate failed: CSAR: .*invalid relative path/,
      ],
      [
        'a zip bomb',
        () => zip({ ...tackerStyle(), 'Files/zeros.bin': Buffer.alloc(8 * 2 ** 20) }, { compress: true }),
        /^vnfp\.validate failed: Files\/zeros\.bin: compressed more than 100 to 1/,
      ],
      ['an encrypted entry', async () => markEncrypted(await zip(tackerStyle(), { compress: true })), /is encrypted$/],
      [
        'a wrong manifest hash',
        () => zip({ ...tackerStyle(), 'Scripts/install.sh': '#!/bin/sh\nrm -rf /\n' }),
        /^vnfp\.validate failed: manifest\.mf: Scripts\/install\.sh: SHA256 digest does not match/,
      ],
      [
        'a missing entry file',
        () =>
          zip({
            ...tackerStyle(),
            'TOSCA-Metadata/TOSCA.meta':
              'TOSCA-Meta-File-Version: 1.0\nCreated-by: x\nCSAR-Version: 1.1\nEntry-Definitions: Definitions/gone.yaml\n',
          }),
        /^vnfp\.validate failed: TOSCA-Metadata\/TOSCA\.meta: Entry-Definitions Definitions\/gone\.yaml is not in the package$/,
      ],
      [
        'a YAML alias bomb',
        () => {
          const bomb =
            'a: &a [x,x,x,x,x,x,x,x,x]\n' +
            Array.from(
              { length: 8 },
              (_, i) =>
                `${'bcdefghi'[i]}: &${'bcdefghi'[i]} [${Array(9)
                  .fill('*' + 'abcdefgh'[i])
                  .join(',')}]`,
            ).join('\n');
          const f = tackerStyle();
          return zip(
            withManifest(
              Object.fromEntries(
                Object.entries({
                  ...f,
                  'Definitions/sample_types.yaml': `${f['Definitions/sample_types.yaml']}\n${bomb}\n`,
                }).filter(([p]) => p !== 'manifest.mf'),
              ),
            ),
          );
        },
        /^vnfp\.validate failed: Definitions\/sample_types\.yaml: not valid YAML: .*alias/i,
      ],
    ];
    for (const [what, build, reason] of cases) {
      it(what, async () => {
        const r = await api.post(`/v1/vnf-packages?name=${encodeURIComponent(what)}`, await build());
        assert.equal(r.status, 202, JSON.stringify(r.body));
        const failed = await api.waitStatus(r.body.id, 'ERROR');
        assert.match(failed.error, reason);
      });
    }
    it('and a good package onboards after them', async () => {
      const r = await api.post('/v1/vnf-packages?name=after-hostile', await tackerCsar());
      await api.waitStatus(r.body.id, 'ONBOARDED');
    });
  });
});

/** Upload without a Content-Length (chunked), as a client that streams; the status it got. */
function streamed(url: string, body: Buffer, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: 'PUT', headers: { ...headers, 'content-type': 'application/zip' } },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', (err) =>
      (err as NodeJS.ErrnoException).code === 'EPIPE' || (err as NodeJS.ErrnoException).code === 'ECONNRESET'
        ? undefined
        : reject(err),
    );
    for (let i = 0; i < body.length; i += 64 * 1024) req.write(body.subarray(i, i + 64 * 1024));
    req.end();
  });
}

/** Send half of the body, then drop the connection. */
function interrupted(url: string, body: Buffer, headers: Record<string, string>): Promise<void> {
  return new Promise((resolve) => {
    const req = http.request(url, {
      method: 'PUT',
      headers: { ...headers, 'content-type': 'application/zip', 'content-length': String(body.length) },
    });
    req.on('error', () => resolve());
    req.write(body.subarray(0, body.length / 2), () => {
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 100);
    });
  });
}
