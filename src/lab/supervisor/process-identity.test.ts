// A recorded pid names one process: the same pid with another start time or another argv[0] is someone else.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { isRunning, stampOf, stopRecorded } from './process-identity.ts';

it('knows a process by its pid, start time and argv[0], and stops only that one', { skip: existsSync('/proc/self/stat') ? false : 'needs /proc' }, async () => {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { argv0: 'kia-identity-test', stdio: 'ignore' });
  await new Promise((resolve) => child.once('spawn', resolve));
  const stamp = stampOf(child.pid as number);
  assert.equal(stamp?.argv0, 'kia-identity-test');
  assert.match(stamp?.startTime ?? '', /^\d+$/);
  assert.equal(isRunning(stamp!), true);
  assert.equal(isRunning({ ...stamp!, startTime: '1' }), false);
  assert.equal(isRunning({ ...stamp!, argv0: 'kube-apiserver' }), false);
  // Someone else now, as far as the record goes: left alone.
  assert.equal(await stopRecorded({ ...stamp!, startTime: '1' }), false);
  assert.equal(child.exitCode ?? child.signalCode, null);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  assert.equal(await stopRecorded(stamp!), true);
  await exited;
  assert.equal(isRunning(stamp!), false);
  assert.equal(stampOf(0), undefined);
});
