// The version nfvo reports (its package's), read once.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));

export const VERSION: string = (
  JSON.parse(readFileSync(path.resolve(HERE, '..', 'package.json'), 'utf8')) as { version: string }
).version;
