// The one bounded pool: results in input order, the limit held, no start after an abort or a failure, and a pool
// fed while it runs.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { feed, pool } from './concurrency.ts';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('pool', () => {
  it('gives results in input order with at most `limit` in flight', async () => {
    let running = 0;
    let most = 0;
    const results = await pool([30, 5, 20, 1, 10], 2, async (ms, index) => {
      most = Math.max(most, ++running);
      await tick(ms);
      running--;
      return `${index}:${ms}`;
    });
    assert.deepEqual(results, ['0:30', '1:5', '2:20', '3:1', '4:10']);
    assert.equal(most, 2);
    assert.deepEqual(await pool([], 4, async () => 1), []);
  });

  it('starts nothing once the signal aborts; what never started has no result', async () => {
    const controller = new AbortController();
    const results = await pool([1, 2, 3, 4], 1, async (n) => {
      if (n === 2) controller.abort();
      return n * 10;
    }, controller.signal);
    assert.deepEqual(Array.from(results), [10, 20, undefined, undefined]);
  });

  it('rejects with the first error and starts nothing after it', async () => {
    const started: number[] = [];
    await assert.rejects(
      pool([1, 2, 3], 1, async (n) => {
        started.push(n);
        if (n === 2) throw new Error('two failed');
        return n;
      }),
      /two failed/,
    );
    assert.deepEqual(started, [1, 2]);
  });
});

describe('feed', () => {
  it('starts items as they are added, and ends once the last added is done', async () => {
    const order: string[] = [];
    const fed = feed(2, async (item: string) => {
      order.push(`start ${item}`);
      await tick(item === 'a' ? 40 : 5);
      order.push(`done ${item}`);
      return item.toUpperCase();
    });
    fed.add('a');
    await tick(10);
    fed.add('b');
    fed.add('c');
    const ending = fed.end();
    assert.deepEqual(order, ['start a', 'start b'], 'the third waits for a free place');
    assert.deepEqual(await ending, ['A', 'B', 'C']);
    assert.deepEqual(order, ['start a', 'start b', 'done b', 'start c', 'done c', 'done a']);
  });
});
