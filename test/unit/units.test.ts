// TOSCA sizes as a VIM counts them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toBytes, toGiB, toMiB } from '../../src/packages/units.js';

describe('TOSCA scalar units', () => {
  it('memory in MiB reads a decimal prefix as the binary one, as Nova and Tacker do', () => {
    assert.deepEqual(
      ['512 MB', '512 MiB', '1 GB', '1 GiB', '2048 KB', '0.5 GB', '1 gb'].map(toMiB),
      [512, 512, 1024, 1024, 2, 512, 1024],
    );
  });
  it('disk in GiB likewise, rounded up (never less than asked)', () => {
    assert.deepEqual(['1 GB', '1 GiB', '10 GB', '512 MB', '1.5 GB'].map(toGiB), [1, 1, 10, 1, 2]);
  });
  it('bytes follow the exact units', () => {
    assert.deepEqual(['12 GB', '1 GiB', '1 kB', '1 KiB', '100 B'].map(toBytes), [12e9, 2 ** 30, 1000, 1024, 100]);
  });
  it('what is not a size is null', () => {
    assert.deepEqual(['512', 'lots', '5 parsecs', 512, null].map(toMiB), [null, null, null, null, null]);
  });
});
