// SOL004 and SOL001 rules, each with a package that breaks exactly that rule. The packages
// are read from memory here; test/integration/packages.test.ts uploads them.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { bufferSource, DEFAULT_LIMITS, type CsarLimits } from '../../src/content/csar.js';
import { readPackage } from '../../src/content/read-package.js';
import { PackageProblem } from '../../src/packages/problem.js';
import { markEncrypted, renameEntry, tackerStyle, withManifest, zip, type Files } from '../helpers/csar.js';

const read = async (files: Files | Buffer, limits?: CsarLimits) =>
  readPackage(bufferSource(Buffer.isBuffer(files) ? files : await zip(files)), limits);

/** The package is refused with exactly this reason. */
async function refused(files: Files | Buffer, reason: RegExp, limits?: CsarLimits) {
  await assert.rejects(read(files, limits), (e: unknown) => {
    assert.ok(e instanceof PackageProblem, `a PackageProblem, got ${String(e)}`);
    assert.match(e.message, reason);
    return true;
  });
}

const image = Buffer.alloc(64 * 1024, 9);
const without = (files: Files, path: string) => Object.fromEntries(Object.entries(files).filter(([p]) => p !== path));

describe('a Tacker-style package reads into its summary', () => {
  it('with two flavours from substitution_mappings, its VDUs, storage, CPs and a shipped image', async () => {
    const p = await read(tackerStyle({ image }));
    assert.equal(p.entryDefinitions, 'Definitions/sample_top.vnfd.yaml');
    assert.deepEqual(p.manifest, {
      vnfProviderId: 'Company',
      vnfProductName: 'Sample VNF',
      vnfReleaseDateTime: '2026-11-01T10:00:00+00:00',
      vnfPackageVersion: '1.0',
      all: {
        vnf_provider_id: 'Company',
        vnf_product_name: 'Sample VNF',
        vnf_release_date_time: '2026-11-01T10:00:00+00:00',
        vnf_package_version: '1.0',
      },
      file: 'manifest.mf',
    });
    assert.deepEqual(
      { ...p.vnfd, flavours: p.vnfd.flavours.map((f) => [f.id, f.description, f.vdus]) },
      {
        vnfdId: 'b1bb0ce7-ebca-4fa7-95ed-4840d70a1177',
        provider: 'Company',
        productName: 'Sample VNF',
        softwareVersion: '1.0',
        vnfdVersion: '1.0',
        flavours: [
          ['simple', 'A simple flavour', ['VDU1']],
          ['large', 'Two vCPUs and 1 GiB', ['VDU1']],
        ],
      },
    );
    assert.deepEqual(p.vdus[0], {
      id: 'VDU1',
      name: 'VDU1',
      flavourId: 'simple',
      vcpus: 1,
      memoryMb: 512,
      rootDiskGb: 1,
      swImageId: 'VDU1',
      storage: [{ id: 'VirtualStorage', sizeGb: 2 }],
      cps: [{ id: 'CP1', virtualLink: 'internalVL1' }],
    });
    assert.deepEqual([p.vdus[1]!.flavourId, p.vdus[1]!.vcpus, p.vdus[1]!.memoryMb], ['large', 2, 1024]);
    assert.deepEqual(p.softwareImages[0], {
      id: 'VDU1',
      name: 'cirros-0.5.2-x86_64-disk',
      version: '0.5.2',
      containerFormat: 'bare',
      diskFormat: 'qcow2',
      minDiskGb: 1,
      minRamMb: 256,
      sizeBytes: image.length,
      checksum: { algorithm: 'sha-512', hash: createHash('sha512').update(image).digest('hex') },
      path: 'Files/images/cirros-0.5.2-x86_64-disk.img',
    });
  });

  it('a package without TOSCA-Metadata: one YAML at the root with a metadata section, and its manifest beside it', async () => {
    const files = tackerStyle();
    const top = String(files['Definitions/sample_top.vnfd.yaml']).replace(
      /imports:\n( {2}- .*\n)+/,
      'metadata:\n  template_name: sample\nimports:\n  - Definitions/sample_types.yaml\n  - Definitions/sample_df_simple.yaml\n',
    );
    const flat = without(
      without(without(files, 'TOSCA-Metadata/TOSCA.meta'), 'manifest.mf'),
      'Definitions/sample_top.vnfd.yaml',
    );
    const withTop = withManifest({ ...flat, 'vnfd.yaml': top });
    withTop['vnfd.mf'] = withTop['manifest.mf']!;
    const p = await read(without(withTop, 'manifest.mf'));
    assert.equal(p.entryDefinitions, 'vnfd.yaml');
    assert.deepEqual(
      p.vnfd.flavours.map((f) => f.id),
      ['simple'],
    );
  });
});

describe('the zip', () => {
  it('is a zip', () => refused(Buffer.from('PK? not really a zip at all'), /^CSAR: not a zip file$/));
  it('has no entry that leaves the package (zip slip)', async () => {
    const z = await zip({ ...tackerStyle(), 'aa/evil.sh': 'x' });
    await refused(renameEntry(z, 'aa/evil.sh', '../evil.sh'), /^CSAR: .*invalid relative path.*\.\.\/evil\.sh/);
  });
  it('has no absolute path', async () => {
    const z = await zip({ ...tackerStyle(), 'xetc/passwd': 'x' });
    await refused(renameEntry(z, 'xetc/passwd', '/etc/passwd'), /^CSAR: .*absolute path.*\/etc\/passwd/);
  });
  it('has no symbolic link', async () => {
    const z = await zip({ ...tackerStyle(), 'Files/link': '/etc/shadow' }, { modes: { 'Files/link': 0o120777 } });
    await refused(z, /^Files\/link: is a symbolic link$/);
  });
  it('has no encrypted entry', async () =>
    refused(markEncrypted(await zip(tackerStyle(), { compress: true })), /: is encrypted$/));
  it('is no zip bomb: an entry compressed past 100 to 1 is refused before it is inflated', async () => {
    const z = await zip({ ...tackerStyle(), 'Files/zeros.bin': Buffer.alloc(32 * 2 ** 20) }, { compress: true });
    await refused(z, /^Files\/zeros\.bin: compressed more than 100 to 1/);
  });
  it('has at most so many entries, and at most so many bytes uncompressed', async () => {
    const files = tackerStyle();
    const count = Object.keys(files).length;
    await refused(files, new RegExp(`^CSAR: more than ${count - 1} entries$`), {
      ...DEFAULT_LIMITS,
      maxEntries: count - 1,
    });
    await refused(files, /^CSAR: uncompressed, its entries exceed 1000 bytes$/, {
      ...DEFAULT_LIMITS,
      maxUncompressedBytes: 1000,
    });
  });
});

describe('TOSCA.meta', () => {
  const meta = (edit: (m: string) => string) => {
    const f = tackerStyle();
    return { ...f, 'TOSCA-Metadata/TOSCA.meta': edit(String(f['TOSCA-Metadata/TOSCA.meta'])) };
  };
  for (const key of ['TOSCA-Meta-File-Version', 'CSAR-Version', 'Created-By', 'Entry-Definitions']) {
    it(`names ${key} (any case)`, () =>
      refused(
        meta((m) => m.replace(new RegExp(`^${key}:.*\\n`, 'im'), '')),
        new RegExp(`^TOSCA-Metadata/TOSCA\\.meta: ${key} missing$`),
      ));
  }
  it('names an entry file that is in the package', () =>
    refused(
      meta((m) => m.replace('sample_top.vnfd.yaml', 'nowhere.yaml')),
      /^TOSCA-Metadata\/TOSCA\.meta: Entry-Definitions Definitions\/nowhere\.yaml is not in the package$/,
    ));
});

describe('the manifest', () => {
  const mf = (edit: (m: string) => string) => {
    const f = tackerStyle();
    return { ...f, 'manifest.mf': edit(String(f['manifest.mf'])) };
  };
  for (const key of ['vnf_provider_id', 'vnf_product_name', 'vnf_release_date_time', 'vnf_package_version']) {
    it(`carries ${key}`, () =>
      refused(
        mf((m) => m.replace(new RegExp(`^${key}:.*\\n`, 'm'), '')),
        new RegExp(`^manifest\\.mf: metadata: ${key} missing$`),
      ));
  }
  it("every Source's digest matches its file", () =>
    refused(
      mf((m) => m.replace(/(Source: Scripts\/install\.sh\nAlgorithm: SHA-256\nHash: )\w+/, `$1${'0'.repeat(64)}`)),
      /^manifest\.mf: Scripts\/install\.sh: SHA256 digest does not match/,
    ));
  it('every Source is in the package', () =>
    refused(
      mf((m) => m.replace('Source: Scripts/install.sh', 'Source: Scripts/gone.sh')),
      /^manifest\.mf: Scripts\/gone\.sh is not in the package$/,
    ));
  it('exists', () =>
    refused(
      without(tackerStyle(), 'manifest.mf'),
      /^TOSCA-Metadata\/TOSCA\.meta: ETSI-Entry-Manifest manifest\.mf is not in the package$/,
    ));
});

describe('the VNFD', () => {
  const top = 'Definitions/sample_top.vnfd.yaml';
  const edit = (path: string, fn: (s: string) => string) => {
    const f = tackerStyle();
    return withManifest(without({ ...f, [path]: fn(String(f[path])) }, 'manifest.mf'));
  };
  const flavour = (fn: (s: string) => string) => tackerStyle({ flavourEdit: fn });

  it('parses as YAML', () =>
    refused(
      edit(top, (s) => s + '\n  bad: [unclosed\n'),
      /^Definitions\/sample_top\.vnfd\.yaml: not valid YAML/,
    ));
  it('has no alias bomb', () => {
    const lol = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 9; i++)
      lol.push(
        `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9)
          .fill(`*${String.fromCharCode(96 + i)}`)
          .join(',')}]`,
      );
    return refused(
      edit(top, (s) => `${s}\nbomb:\n${lol.map((l) => '  ' + l).join('\n')}\n`),
      /^Definitions\/sample_top\.vnfd\.yaml: not valid YAML: .*alias/i,
    );
  });
  it('imports only what the package holds', () =>
    refused(
      edit(top, (s) => s.replace('  - sample_types.yaml', '  - sample_types.yaml\n  - missing_types.yaml')),
      /^Definitions\/sample_top\.vnfd\.yaml: imports Definitions\/missing_types\.yaml, which is not in the package$/,
    ));
  it('imports nothing outside the package', () =>
    refused(
      edit(top, (s) => s.replace('  - sample_types.yaml', '  - ../../outside.yaml')),
      /imports \.\.\/\.\.\/outside\.yaml, which is outside the package$/,
    ));
  it('has exactly one VNF node template', () =>
    refused(
      edit(top, (s) =>
        s.replace('    VNF:\n      type: company.provider.VNF', '    VNF:\n      type: tosca.nodes.Root'),
      ),
      /^Definitions\/sample_top\.vnfd\.yaml: exactly one tosca\.nodes\.nfv\.VNF node template expected, found 0$/,
    ));
  for (const key of ['descriptor_id', 'provider', 'product_name', 'software_version', 'descriptor_version']) {
    it(`gives the VNF's ${key}`, () =>
      refused(
        edit(top, (s) => s.replace(new RegExp(`^        ${key}:.*\\n`, 'm'), '')),
        new RegExp(`^Definitions/sample_top\\.vnfd\\.yaml: node VNF: ${key} missing$`),
      ));
  }
  it("gives each VDU's memory", () =>
    refused(
      flavour((s) => s.replace(/ {12}virtual_memory:\n {14}virtual_mem_size: 512 MB\n/, '')),
      /^Definitions\/sample_df_simple\.yaml: node VDU1: virtual_compute\.virtual_memory\.virtual_mem_size missing$/,
    ));
  it("gives each VDU's vCPUs", () =>
    refused(
      flavour((s) => s.replace(/ {12}virtual_cpu:\n {14}num_virtual_cpu: 1\n/, '')),
      /^Definitions\/sample_df_simple\.yaml: node VDU1: virtual_compute\.virtual_cpu\.num_virtual_cpu missing$/,
    ));
  it("gives each VDU's software image", () =>
    refused(
      flavour((s) => s.replace(/ {8}sw_image_data:[\s\S]*?size: 12 GB\n/, '')),
      /^Definitions\/sample_df_simple\.yaml: node VDU1: sw_image_data missing/,
    ));
  it('gives each block storage its size', () =>
    refused(
      flavour((s) => s.replace('          size_of_storage: 2 GiB', '          rdma_enabled: false')),
      /^Definitions\/sample_df_simple\.yaml: node VirtualStorage: virtual_block_storage_data\.size_of_storage missing$/,
    ));
  it('ships an image that matches its declared checksum', async () => {
    const f = tackerStyle({ image });
    const tampered = withManifest(
      without({ ...f, 'Files/images/cirros-0.5.2-x86_64-disk.img': Buffer.alloc(image.length, 8) }, 'manifest.mf'),
    );
    await refused(
      tampered,
      /^Files\/images\/cirros-0\.5\.2-x86_64-disk\.img: SHA512 digest does not match the checksum node VDU1 declares/,
    );
  });
  it('ships the image its artifact names', async () => {
    const f = tackerStyle({ image });
    await refused(
      withManifest(without(without(f, 'Files/images/cirros-0.5.2-x86_64-disk.img'), 'manifest.mf')),
      /^Files\/images\/cirros-0\.5\.2-x86_64-disk\.img: the software image of node VDU1 is not in the package$/,
    );
  });
});
