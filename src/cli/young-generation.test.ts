// The young-generation cap, in fresh Node processes (this one's heap has already grown): with it, V8's new space
// stays at two 4 MB semi-spaces however much short-lived garbage a process makes; without it, V8 grows them to 16 MB.
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import assert from 'node:assert/strict';

const MODULE = new URL('./young-generation.ts', import.meta.url).href;

/** Churns through short-lived objects (some survive a scavenge or two) and prints the new space's size in bytes. */
function newSpaceAfterChurn(capped: boolean): Promise<number> {
  const script = `
    import { getHeapSpaceStatistics } from 'node:v8';
    ${capped ? `const { capYoungGeneration } = await import(${JSON.stringify(MODULE)}); capYoungGeneration(4);` : ''}
    const kept = [];
    for (let round = 0; round < 3000; round++) {
      const batch = [];
      for (let i = 0; i < 2000; i++) batch.push({ i, text: 'x' + i });
      kept.push(batch);
      if (kept.length > 30) kept.shift();
      // A server's turn of the event loop: the observer's callbacks come on one.
      await new Promise((resolve) => setImmediate(resolve));
    }
    process.stdout.write(String(getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size));
  `;
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { timeout: 60_000 }, (error, stdout) => (error ? reject(error) : resolve(Number(stdout))));
  });
}

test('capped, the new space stays at two 4 MB semi-spaces; uncapped, V8 grows it past them', async () => {
  const [capped, uncapped] = await Promise.all([newSpaceAfterChurn(true), newSpaceAfterChurn(false)]);
  assert.ok(capped <= 8 * 1024 * 1024 + 512 * 1024, `capped new space ${capped} bytes`);
  assert.ok(uncapped > 16 * 1024 * 1024, `uncapped new space ${uncapped} bytes`);
});
