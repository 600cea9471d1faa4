// Read a SOL001 VNFD: the VNF, its deployment flavours (one topology, or one file per
// flavour with substitution_mappings, as vendors and Tacker's samples write them), each
// flavour's VDUs with their compute, storage, connection points and software image.
import { problem } from './problem.js';
import { isUrl, resolveIn } from './paths.js';
import { toBytes, toGiB, toMiB } from './units.js';
import { isA, loadVnfdFiles, typeDefault, type Doc, type VnfdFiles } from './vnfd-files.js';
import type { Flavour, ReadVnfd, SoftwareImage, Vdu } from './vnfd-types.js';

const VNF = 'tosca.nodes.nfv.VNF';
const COMPUTE = 'tosca.nodes.nfv.Vdu.Compute';
const BLOCK = 'tosca.nodes.nfv.Vdu.VirtualBlockStorage';
const CP = 'tosca.nodes.nfv.VduCp';
const VNF_PROPS = ['descriptor_id', 'provider', 'product_name', 'software_version', 'descriptor_version'] as const;

type Topology = { file: string; nodes: Record<string, Doc>; substitution?: Doc };

const isFunction = (v: unknown) =>
  !!v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).some((k) => k.startsWith('get_'));
const get = (o: unknown, path: string): unknown =>
  path.split('.').reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Doc)[k] : undefined), o);

function topologyOf(file: string, doc: Doc): Topology | null {
  const t = doc.topology_template;
  if (!t || typeof t !== 'object') return null;
  const nodes = (t.node_templates ?? {}) as Record<string, Doc>;
  if (typeof nodes !== 'object' || Array.isArray(nodes)) throw problem(file, 'node_templates is not a mapping');
  return { file, nodes, substitution: t.substitution_mappings };
}

/** A node's property: the template's own value (a get_input is not a value), else its type's default. */
function prop(files: VnfdFiles, node: Doc, key: string): unknown {
  const v = node.properties?.[key];
  if (v !== undefined && !isFunction(v)) return v;
  return typeDefault(files, node.type, key);
}

/** `requirements: [{name: target}, {name: {node: target}}]` -> targets of `name`. */
function requirementTargets(node: Doc, name: string): string[] {
  const reqs = Array.isArray(node.requirements) ? node.requirements : [];
  return reqs.flatMap((r: Doc) => {
    const v = r?.[name];
    if (typeof v === 'string') return [v];
    if (v && typeof v.node === 'string') return [v.node as string];
    return [];
  });
}

function readImage(t: Topology, id: string, node: Doc, data: Doc): SoftwareImage {
  const where = `node ${id}: sw_image_data`;
  const need = (key: string) => {
    const v = data[key];
    if (v === undefined || v === null || v === '') throw problem(t.file, `${where}.${key} missing`);
    return v;
  };
  const size = (key: string, conv: (v: unknown) => number | null, optional = false) => {
    if (optional && data[key] === undefined) return 0;
    const n = conv(need(key));
    if (n === null) throw problem(t.file, `${where}.${key}: "${data[key]}" is not a size such as "1 GB"`);
    return n;
  };
  const checksum = need('checksum');
  if (typeof checksum !== 'object' || !checksum.algorithm || !checksum.hash) {
    throw problem(t.file, `${where}.checksum: needs algorithm and hash`);
  }
  const image: SoftwareImage = {
    id,
    name: String(need('name')),
    version: String(need('version')),
    containerFormat: String(need('container_format')),
    diskFormat: String(need('disk_format')),
    minDiskGb: size('min_disk', toGiB),
    minRamMb: size('min_ram', toMiB, true),
    sizeBytes: size('size', toBytes),
    checksum: { algorithm: String(checksum.algorithm).toLowerCase(), hash: String(checksum.hash).toLowerCase() },
  };
  const artifact = Object.values((node.artifacts ?? {}) as Record<string, Doc>).find(
    (a) => a && (a.type === 'tosca.artifacts.nfv.SwImage' || typeof a.file === 'string'),
  );
  const file = typeof artifact === 'string' ? artifact : artifact?.file;
  if (typeof file === 'string' && !isUrl(file)) {
    const path = resolveIn(t.file, file);
    if (path === null) throw problem(t.file, `node ${id}: artifact ${file} is outside the package`);
    image.path = path;
  }
  return image;
}

function readVdu(
  files: VnfdFiles,
  t: Topology,
  flavourId: string,
  id: string,
  node: Doc,
  images: SoftwareImage[],
): Vdu {
  const vc = 'capabilities.virtual_compute.properties';
  const mem = get(node, `${vc}.virtual_memory.virtual_mem_size`);
  if (mem === undefined) throw problem(t.file, `node ${id}: virtual_compute.virtual_memory.virtual_mem_size missing`);
  const memoryMb = toMiB(mem);
  if (memoryMb === null) throw problem(t.file, `node ${id}: virtual_mem_size "${mem}" is not a size such as "512 MB"`);
  const cpus = get(node, `${vc}.virtual_cpu.num_virtual_cpu`);
  if (cpus === undefined) throw problem(t.file, `node ${id}: virtual_compute.virtual_cpu.num_virtual_cpu missing`);
  if (!Number.isInteger(cpus) || (cpus as number) < 1) {
    throw problem(t.file, `node ${id}: num_virtual_cpu must be a whole number of at least 1`);
  }
  const local = get(node, `${vc}.virtual_local_storage`);
  const rootDiskGb = Array.isArray(local) && local[0]?.size_of_storage ? toGiB(local[0].size_of_storage) : null;
  const vdu: Vdu = {
    id,
    name: String(prop(files, node, 'name') ?? id),
    flavourId,
    vcpus: cpus as number,
    memoryMb,
    ...(rootDiskGb !== null ? { rootDiskGb } : {}),
    storage: [],
    cps: [],
  };
  if (node.properties?.sw_image_data) {
    images.push(readImage(t, id, node, node.properties.sw_image_data));
    vdu.swImageId = id;
  }
  for (const sid of requirementTargets(node, 'virtual_storage')) {
    const s = t.nodes[sid];
    if (!s || !isA(files, s.type, BLOCK))
      throw problem(t.file, `node ${id}: virtual_storage ${sid} is not a Vdu.VirtualBlockStorage`);
    const sizeGb = toGiB(get(s, 'properties.virtual_block_storage_data.size_of_storage'));
    if (sizeGb === null) throw problem(t.file, `node ${sid}: virtual_block_storage_data.size_of_storage missing`);
    vdu.storage.push({ id: sid, sizeGb });
    if (!vdu.swImageId && s.properties?.sw_image_data) vdu.swImageId = sid;
  }
  if (!vdu.swImageId)
    throw problem(t.file, `node ${id}: sw_image_data missing (on the node or a virtual storage it boots from)`);
  for (const [cpId, cp] of Object.entries(t.nodes)) {
    if (!isA(files, cp?.type, CP) || !requirementTargets(cp, 'virtual_binding').includes(id)) continue;
    const link = requirementTargets(cp, 'virtual_link')[0];
    vdu.cps.push({ id: cpId, ...(link ? { virtualLink: link } : {}) });
  }
  return vdu;
}

/** Every block storage of a topology gives its size, attached or not; images on them are read once. */
function checkStorages(files: VnfdFiles, t: Topology, images: SoftwareImage[]): void {
  for (const [id, node] of Object.entries(t.nodes)) {
    if (!isA(files, node?.type, BLOCK)) continue;
    if (toGiB(get(node, 'properties.virtual_block_storage_data.size_of_storage')) === null) {
      throw problem(t.file, `node ${id}: virtual_block_storage_data.size_of_storage missing`);
    }
    if (node.properties?.sw_image_data && !images.some((i) => i.id === id)) {
      images.push(readImage(t, id, node, node.properties.sw_image_data));
    }
  }
}

/**
 * Add a flavour's images to the package's: an image already there under the same node id with
 * the same checksum is the same image; a different one gets the flavour in its id (node@flavour).
 */
function mergeImages(acc: SoftwareImage[], found: SoftwareImage[], vdus: Vdu[], flavourId: string): void {
  for (const img of found) {
    const same = acc.find((i) => i.id === img.id);
    if (!same) acc.push(img);
    else if (same.checksum.hash !== img.checksum.hash || same.path !== img.path) {
      const id = `${img.id}@${flavourId}`;
      acc.push({ ...img, id });
      for (const v of vdus) if (v.swImageId === img.id) v.swImageId = id;
    }
  }
}

function readFlavour(
  files: VnfdFiles,
  t: Topology,
  id: string,
  vnfType: unknown,
  acc: { vdus: Vdu[]; images: SoftwareImage[] },
): Flavour {
  const vnfNode = Object.values(t.nodes).find((n) => isA(files, n?.type, VNF));
  const description = vnfNode
    ? prop(files, vnfNode, 'flavour_description')
    : typeDefault(files, vnfType, 'flavour_description');
  const flavour: Flavour = { id, ...(typeof description === 'string' ? { description } : {}), vdus: [] };
  const images: SoftwareImage[] = [];
  const vdus: Vdu[] = [];
  for (const [nodeId, node] of Object.entries(t.nodes)) {
    if (!node || typeof node !== 'object' || !isA(files, node.type, COMPUTE)) continue;
    vdus.push(readVdu(files, t, id, nodeId, node, images));
    flavour.vdus.push(nodeId);
  }
  checkStorages(files, t, images);
  mergeImages(acc.images, images, vdus, id);
  acc.vdus.push(...vdus);
  return flavour;
}

/** Read the VNFD whose entry definitions are `entry`; `read` gives a package file's text, or null. */
export function readVnfd(entry: string, read: (path: string) => string | null): ReadVnfd {
  const files = loadVnfdFiles(entry, read);
  const top = topologyOf(entry, files.docs.get(entry)!);
  if (!top) throw problem(entry, 'topology_template missing');
  const vnfs = Object.entries(top.nodes).filter(([, n]) => isA(files, n?.type, VNF));
  if (vnfs.length !== 1) throw problem(entry, `exactly one ${VNF} node template expected, found ${vnfs.length}`);
  const [vnfId, vnf] = vnfs[0]!;
  const value = (key: string) => {
    const v = prop(files, vnf, key);
    if (v === undefined || v === null || v === '' || typeof v === 'object') {
      throw problem(entry, `node ${vnfId}: ${key} missing`);
    }
    return String(v);
  };
  const [vnfdId, provider, productName, softwareVersion, vnfdVersion] = VNF_PROPS.map(value);
  const acc = { vdus: [] as Vdu[], images: [] as SoftwareImage[] };
  const flavours: Flavour[] = [];
  for (const [file, doc] of files.docs) {
    const t = file === entry ? null : topologyOf(file, doc);
    if (!t?.substitution || !isA(files, t.substitution.node_type, VNF)) continue;
    const fid = t.substitution.properties?.flavour_id ?? typeDefault(files, t.substitution.node_type, 'flavour_id');
    if (typeof fid !== 'string' || !fid) throw problem(file, 'substitution_mappings.properties.flavour_id missing');
    if (flavours.some((f) => f.id === fid)) throw problem(file, `flavour ${fid} is defined twice`);
    flavours.push(readFlavour(files, t, fid, vnf.type, acc));
  }
  if (!flavours.length) flavours.push(readFlavour(files, top, value('flavour_id'), vnf.type, acc));
  return {
    vnfd: {
      vnfdId: vnfdId!,
      provider: provider!,
      productName: productName!,
      softwareVersion: softwareVersion!,
      vnfdVersion: vnfdVersion!,
      flavours,
    },
    vdus: acc.vdus,
    softwareImages: acc.images,
    files: [...files.docs.keys()],
  };
}
