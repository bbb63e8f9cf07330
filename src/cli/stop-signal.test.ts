import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { stopSignal } from './stop-signal.ts';

describe('stopSignal', () => {
  it('hears a real SIGINT sent to this process from the moment it is called, then lets go of it', async () => {
    const before = process.listenerCount('SIGINT');
    const stop = stopSignal();
    assert.equal(stop.received, undefined);
    assert.equal(process.listenerCount('SIGINT'), before + 1);
    // Without the handler, this would end the test process. Node's signal handles keep no loop alive: a timer does.
    const alive = setInterval(() => undefined, 1000);
    process.kill(process.pid, 'SIGINT');
    assert.equal(await stop.promise, 'SIGINT');
    clearInterval(alive);
    assert.equal(stop.received, 'SIGINT');
    assert.equal(process.listenerCount('SIGINT'), before);
    assert.equal(process.listenerCount('SIGTERM'), 0);
  });

  it('dispose() removes every handler it installed', () => {
    const counts = () => (['SIGINT', 'SIGTERM', 'SIGHUP'] as const).map((s) => process.listenerCount(s));
    const before = counts();
    const stop = stopSignal(['SIGINT', 'SIGTERM', 'SIGHUP']);
    assert.deepEqual(counts(), before.map((n) => n + 1));
    stop.dispose();
    assert.deepEqual(counts(), before);
  });
});
