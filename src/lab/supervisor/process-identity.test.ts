// A recorded pid names one process: the same pid with another start time or another argv[0] is someone else.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
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

// Go's etcd exits thread by thread: the thread-group leader can show `Z` in /proc/<pid>/stat while the other threads
// still hold the process's files (its listening sockets among them, invisible in /proc/<pid>/fd). Python's main thread
// ending through pthread_exit beside a sleeping thread is the same state, made on purpose.
const PYTHON = '/usr/bin/python3';
it('counts a process whose leader thread exited as running until its last thread is gone', { skip: existsSync(PYTHON) && existsSync('/proc/self/stat') ? false : 'needs /proc and /usr/bin/python3' }, async () => {
  const script = 'import ctypes, threading, time\nthreading.Thread(target=lambda: time.sleep(1)).start()\nprint("ready", flush=True)\nctypes.CDLL(None).pthread_exit(None)\n';
  const child = spawn(PYTHON, ['-c', script], { stdio: ['ignore', 'pipe', 'ignore'] });
  await new Promise((resolve) => child.stdout.once('data', resolve));
  const pid = child.pid as number;
  // Wait for the leader to be a zombie (the precondition), its other thread still asleep.
  const state = () => readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0];
  for (let i = 0; i < 100 && state() !== 'Z'; i++) await new Promise((r) => setTimeout(r, 5));
  assert.equal(state(), 'Z');
  assert.match(readFileSync(`/proc/${pid}/status`, 'utf8'), /^Threads:\s+2$/m);
  const stamp = stampOf(pid);
  assert.ok(stamp, 'a leader-exited process with a live thread is still a process');
  assert.equal(isRunning(stamp), true);
  await new Promise((resolve) => child.once('exit', resolve));
  assert.equal(isRunning(stamp), false);
});
