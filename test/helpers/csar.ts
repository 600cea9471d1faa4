// CSARs for tests and the bench, built the way vendors and Tacker's samples lay them out:
// TOSCA-Metadata, a top VNFD importing its types and one file per deployment flavour
// (substitution_mappings), the ETSI type files shipped, a manifest with every file's digest,
// and optionally a software image. Each hostile variant breaks exactly one rule.
import { createHash } from 'node:crypto';
import yazl from 'yazl';

export type Files = Record<string, string | Buffer>;

const sha = (alg: 'sha256' | 'sha512', b: string | Buffer) => createHash(alg).update(b).digest('hex');

export const ETSI_TYPES = `tosca_definitions_version: tosca_simple_yaml_1_3
description: ETSI NFV SOL 001 types (the parts these packages use)
node_types:
  tosca.nodes.nfv.VNF:
    derived_from: tosca.nodes.Root
  tosca.nodes.nfv.Vdu.Compute:
    derived_from: tosca.nodes.Root
  tosca.nodes.nfv.Vdu.VirtualBlockStorage:
    derived_from: tosca.nodes.Root
  tosca.nodes.nfv.VduCp:
    derived_from: tosca.nodes.Root
`;

export type PackageOptions = {
  /** Product name and VNFD id (unique per package if wanted). */
  product?: string;
  vnfdId?: string;
  /** A software image shipped in the package (Files/images/…), with its SHA-512 in the VNFD. */
  image?: Buffer;
  /** An image the caller adds itself (too large for memory): its digests and size. */
  imageFile?: { sha256: string; sha512: string; size: number };
  /** Bytes added to Files/ so that the package reaches about this size. */
  padTo?: number;
  /** Replace text in the flavour file (to break exactly one rule). */
  flavourEdit?: (yaml: string) => string;
};

/** A Tacker-style multi-file VNF package with two flavours; VDU1 boots from a volume in "simple". */
export function tackerStyle(opts: PackageOptions = {}): Files {
  const product = opts.product ?? 'Sample VNF';
  const vnfdId = opts.vnfdId ?? 'b1bb0ce7-ebca-4fa7-95ed-4840d70a1177';
  const image = opts.image ? { sha512: sha('sha512', opts.image), size: opts.image.length } : (opts.imageFile ?? null);
  const imageData = (name: string) => `
        sw_image_data:
          name: ${name}
          version: '0.5.2'
          checksum:
            algorithm: ${image ? 'sha-512' : 'sha-256'}
            hash: ${image ? image.sha512 : '932fcae93574e242dc3d772d5235061747dfe537668443a1f0567d893614b464'}
          container_format: bare
          disk_format: qcow2
          min_disk: 1 GB
          min_ram: 256 MB
          size: ${image ? `${image.size} B` : '12 GB'}`;
  const simple = `tosca_definitions_version: tosca_simple_yaml_1_2
description: Simple deployment flavour
imports:
  - etsi_nfv_sol001_common_types.yaml
  - etsi_nfv_sol001_vnfd_types.yaml
  - sample_types.yaml
topology_template:
  substitution_mappings:
    node_type: company.provider.VNF
    properties:
      flavour_id: simple
    requirements:
      virtual_link_external: [ CP1, virtual_link ]
  node_templates:
    VNF:
      type: company.provider.VNF
      properties:
        flavour_description: A simple flavour
    VDU1:
      type: tosca.nodes.nfv.Vdu.Compute
      properties:
        name: VDU1
        description: VDU1 compute node
        vdu_profile:
          min_number_of_instances: 1
          max_number_of_instances: 1${imageData('cirros-0.5.2-x86_64-disk')}
      artifacts:
        sw_image:
          type: tosca.artifacts.nfv.SwImage
          file: ${image ? `../${IMAGE_PATH}` : 'http://images.example.com/cirros.img'}
      capabilities:
        virtual_compute:
          properties:
            virtual_memory:
              virtual_mem_size: 512 MB
            virtual_cpu:
              num_virtual_cpu: 1
            virtual_local_storage:
              - size_of_storage: 1 GB
      requirements:
        - virtual_storage: VirtualStorage
    VirtualStorage:
      type: tosca.nodes.nfv.Vdu.VirtualBlockStorage
      properties:
        virtual_block_storage_data:
          size_of_storage: 2 GiB
    CP1:
      type: tosca.nodes.nfv.VduCp
      properties:
        layer_protocols: [ ipv4 ]
      requirements:
        - virtual_binding: VDU1
        - virtual_link: internalVL1
    internalVL1:
      type: tosca.nodes.nfv.VnfVirtualLink
      properties:
        connectivity_type:
          layer_protocols: [ ipv4 ]
`;
  const large = `tosca_definitions_version: tosca_simple_yaml_1_2
description: A larger flavour
imports:
  - etsi_nfv_sol001_common_types.yaml
  - etsi_nfv_sol001_vnfd_types.yaml
  - sample_types.yaml
topology_template:
  substitution_mappings:
    node_type: company.provider.VNF
    properties:
      flavour_id: large
  node_templates:
    VNF:
      type: company.provider.VNF
      properties:
        flavour_description: Two vCPUs and 1 GiB
    VDU1:
      type: tosca.nodes.nfv.Vdu.Compute
      properties:
        name: VDU1-large${imageData('cirros-0.5.2-x86_64-disk')}
      artifacts:
        sw_image:
          type: tosca.artifacts.nfv.SwImage
          file: ${image ? `../${IMAGE_PATH}` : 'http://images.example.com/cirros.img'}
      capabilities:
        virtual_compute:
          properties:
            virtual_memory:
              virtual_mem_size: 1 GiB
            virtual_cpu:
              num_virtual_cpu: 2
`;
  const files: Files = {
    'TOSCA-Metadata/TOSCA.meta': `TOSCA-Meta-File-Version: 1.0
Created-by: nfvo tests
CSAR-Version: 1.1
Entry-Definitions: Definitions/sample_top.vnfd.yaml
ETSI-Entry-Manifest: manifest.mf
`,
    'Definitions/sample_top.vnfd.yaml': `tosca_definitions_version: tosca_simple_yaml_1_2
description: ${product}
imports:
  - etsi_nfv_sol001_common_types.yaml
  - etsi_nfv_sol001_vnfd_types.yaml
  - sample_types.yaml
  - sample_df_simple.yaml
  - sample_df_large.yaml
topology_template:
  inputs:
    selected_flavour:
      type: string
  node_templates:
    VNF:
      type: company.provider.VNF
      properties:
        flavour_id: { get_input: selected_flavour }
        descriptor_id: ${vnfdId}
        provider: Company
        product_name: ${product}
        software_version: '1.0'
        descriptor_version: '1.0'
        vnfm_info: [ Tacker ]
`,
    'Definitions/sample_types.yaml': `tosca_definitions_version: tosca_simple_yaml_1_2
imports:
  - etsi_nfv_sol001_common_types.yaml
  - etsi_nfv_sol001_vnfd_types.yaml
node_types:
  company.provider.VNF:
    derived_from: tosca.nodes.nfv.VNF
    properties:
      flavour_id:
        type: string
        default: simple
      flavour_description:
        type: string
        default: This is the default flavour description
`,
    'Definitions/sample_df_simple.yaml': opts.flavourEdit ? opts.flavourEdit(simple) : simple,
    'Definitions/sample_df_large.yaml': large,
    'Definitions/etsi_nfv_sol001_common_types.yaml': 'tosca_definitions_version: tosca_simple_yaml_1_3\n',
    'Definitions/etsi_nfv_sol001_vnfd_types.yaml': ETSI_TYPES,
    'Scripts/install.sh': '#!/bin/sh\necho installed\n',
  };
  if (opts.image) files[IMAGE_PATH] = opts.image;
  if (opts.padTo) {
    const have = Object.values(files).reduce((n, v) => n + v.length, 0);
    if (opts.padTo > have) files['Files/padding.bin'] = Buffer.alloc(opts.padTo - have, 7);
  }
  return withManifest(files, {}, opts.imageFile ? { [IMAGE_PATH]: opts.imageFile.sha256 } : {});
}

/** Where the image of a Tacker-style package is. */
export const IMAGE_PATH = 'Files/images/cirros-0.5.2-x86_64-disk.img';

/** Add manifest.mf: the metadata, and each file's SHA-256 (the TOSCA.meta and the manifest itself left out). */
export function withManifest(
  files: Files,
  meta: Record<string, string> = {},
  added: Record<string, string> = {},
): Files {
  const metadata = {
    vnf_provider_id: 'Company',
    vnf_product_name: 'Sample VNF',
    vnf_release_date_time: '2026-11-01T10:00:00+00:00',
    vnf_package_version: '1.0',
    ...meta,
  };
  const lines = ['metadata:', ...Object.entries(metadata).map(([k, v]) => `${k}: ${v}`), ''];
  for (const [path, content] of Object.entries(files)) {
    if (path.startsWith('TOSCA-Metadata/') || path.endsWith('.mf')) continue;
    lines.push(`Source: ${path}`, 'Algorithm: SHA-256', `Hash: ${sha('sha256', content)}`, '');
  }
  // files the caller adds to the zip itself, with their SHA-256
  for (const [path, hash] of Object.entries(added))
    lines.push(`Source: ${path}`, 'Algorithm: SHA-256', `Hash: ${hash}`, '');
  return { ...files, 'manifest.mf': lines.join('\n') };
}

export type ZipOptions = { compress?: boolean; modes?: Record<string, number> };

/** The files as a zip (entries stored, uncompressed, unless `compress`). */
export function zip(files: Files, opts: ZipOptions = {}): Promise<Buffer> {
  const z = new yazl.ZipFile();
  for (const [path, content] of Object.entries(files)) {
    const buf = typeof content === 'string' ? Buffer.from(content) : content;
    z.addBuffer(buf, path, { compress: opts.compress ?? false, mode: opts.modes?.[path] });
  }
  z.end();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    z.outputStream.on('data', (c: Buffer) => chunks.push(c)).on('end', () => resolve(Buffer.concat(chunks)));
    z.outputStream.on('error', reject);
  });
}

/** A Tacker-style CSAR as bytes. */
export const tackerCsar = (opts: PackageOptions = {}) => zip(tackerStyle(opts));

/** Rename an entry in a built zip, in its local header and the central directory (names of the same length). */
export function renameEntry(buf: Buffer, from: string, to: string): Buffer {
  if (from.length !== to.length) throw new Error('renameEntry needs names of the same length');
  const out = Buffer.from(buf);
  for (let i = out.indexOf(from); i >= 0; i = out.indexOf(from, i + 1)) out.write(to, i, 'latin1');
  return out;
}

/** Set the "encrypted" flag of every entry (general purpose bit 0), in local headers and the central directory. */
export function markEncrypted(buf: Buffer): Buffer {
  const out = Buffer.from(buf);
  for (let i = 0; i < out.length - 4; i++) {
    const sig = out.readUInt32LE(i);
    if (sig === 0x04034b50) out.writeUInt16LE(out.readUInt16LE(i + 6) | 1, i + 6);
    else if (sig === 0x02014b50) out.writeUInt16LE(out.readUInt16LE(i + 8) | 1, i + 8);
  }
  return out;
}
