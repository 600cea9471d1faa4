// Resource and task ids: UUIDv7, unique, and ordered by creation time.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UUID_RE, uuidv7 } from '../../src/ids.js';

describe('uuidv7', () => {
  it('is a version 7, variant 1 UUID carrying its millisecond', () => {
    const id = uuidv7(0x0123456789ab);
    assert.match(id, UUID_RE);
    assert.equal(id.slice(0, 13), '01234567-89ab');
    assert.equal(id[14], '7');
    assert.ok('89ab'.includes(id[19]!));
  });

  it('never repeats, across many blocks of random bytes', () => {
    const ids = Array.from({ length: 5_000 }, () => uuidv7(1_000));
    assert.equal(new Set(ids).size, ids.length);
    assert.equal(new Set(ids.map((id) => id.slice(15))).size, ids.length, 'the random part differs');
  });

  it('sorts by creation time', () => {
    const ids = [3, 1, 2].map((ms) => uuidv7(ms * 1_000));
    assert.deepEqual([...ids].sort(), [ids[1], ids[2], ids[0]]);
  });
});
