// Write a sample VNF package (a SOL004 CSAR laid out as Tacker's samples are: TOSCA-Metadata,
// a top VNFD, its types, two deployment flavours, a manifest with every digest, and a small
// software image) to try nfvo with:  npm run sample-package [-- file.zip]
import { writeFileSync } from 'node:fs';
import { tackerCsar } from '../test/helpers/csar.js';

const out = process.argv[2] ?? 'sample-vnf.zip';
const image = Buffer.alloc(1024 * 1024, 0x5a);
writeFileSync(out, await tackerCsar({ image, product: 'Sample VNF' }));
process.stderr.write(`wrote ${out}\n`);
