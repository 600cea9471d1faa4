#!/usr/bin/env node
// nfvo: one entry for every role and every operator action (the program is src/cli/main.ts).
import { run } from './cli/main.js';

void run(process.argv.slice(2)).then((code) => {
  // a server role keeps running once started; anything else ends when its work is done
  if (code !== 0) process.exit(code);
});
