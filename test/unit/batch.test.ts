// makeBatcher: calls made in one turn share a batch call; batches grow with the load.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeBatcher } from '../../src/batch.js';

describe('makeBatcher', () => {
  it('serves calls made in the same turn with one batch call, each getting its own result', async () => {
    const calls: number[][] = [];
    const double = makeBatcher(async (xs: number[]) => {
      calls.push(xs);
      return xs.map((x) => x * 2);
    });
    assert.deepEqual(await Promise.all([1, 2, 3].map(double)), [2, 4, 6]);
    assert.deepEqual(calls, [[1, 2, 3]]);
  });

  it('splits at maxBatch and runs at most maxInFlight batch calls at once; the rest waits and joins the next', async () => {
    let inFlight = 0;
    let most = 0;
    const sizes: number[] = [];
    const fn = makeBatcher(
      async (xs: number[]) => {
        inFlight++;
        most = Math.max(most, inFlight);
        sizes.push(xs.length);
        await new Promise((r) => setTimeout(r, 5));
        inFlight--;
        return xs;
      },
      { maxBatch: 4, maxInFlight: 2 },
    );
    const out = await Promise.all(Array.from({ length: 10 }, (_, i) => fn(i)));
    assert.deepEqual(
      out,
      Array.from({ length: 10 }, (_, i) => i),
    );
    assert.equal(most, 2);
    assert.deepEqual(sizes, [4, 4, 2]);
  });

  it('rejects every call of a failed batch, and goes on with the next', async () => {
    let fail = true;
    const fn = makeBatcher(async (xs: string[]) => {
      if (fail) throw new Error('batch failed');
      return xs;
    });
    const results = await Promise.allSettled(['a', 'b'].map(fn));
    assert.deepEqual(
      results.map((r) => r.status),
      ['rejected', 'rejected'],
    );
    fail = false;
    assert.equal(await fn('c'), 'c');
  });
});
