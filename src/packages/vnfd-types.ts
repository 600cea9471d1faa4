// What nfvo reads out of a VNFD: the summary stored in a package's properties.

export type Checksum = { algorithm: string; hash: string };

export type SoftwareImage = {
  /** The node whose sw_image_data it is (a Vdu.Compute, or a Vdu.VirtualBlockStorage it boots from). */
  id: string;
  name: string;
  version: string;
  containerFormat: string;
  diskFormat: string;
  minDiskGb: number;
  minRamMb: number;
  sizeBytes: number;
  checksum: Checksum;
  /** The image's file inside the package, when it is shipped in it. */
  path?: string;
};

export type Vdu = {
  id: string;
  name: string;
  flavourId: string;
  vcpus: number;
  memoryMb: number;
  /** virtual_local_storage's first size, if given. */
  rootDiskGb?: number;
  swImageId?: string;
  storage: { id: string; sizeGb: number }[];
  cps: { id: string; virtualLink?: string }[];
};

export type Flavour = { id: string; description?: string; vdus: string[] };

export type VnfdSummary = {
  vnfdId: string;
  provider: string;
  productName: string;
  softwareVersion: string;
  vnfdVersion: string;
  flavours: Flavour[];
};

export type ReadVnfd = {
  vnfd: VnfdSummary;
  vdus: Vdu[];
  softwareImages: SoftwareImage[];
  /** The definition files read, the entry first. */
  files: string[];
};
