// `kia kubelet <node> exec -i -t … -- sh` under a real pseudo-terminal (tmux): raw mode, the remote shell's view of
// the terminal size, a resize, and the remote exit status as kia's.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { startLab, type Lab } from '../src/lab/index.ts';

const run = promisify(execFile);
const SESSION = `kia-tty-${process.pid}`;
const tmux = (...args: string[]) => run('tmux', args);

async function screenUntil(pattern: RegExp, timeoutMs = 15_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { stdout } = await tmux('capture-pane', '-p', '-t', SESSION);
    if (pattern.test(stdout)) return stdout;
    if (Date.now() > deadline) throw new Error(`screen never matched ${pattern}:\n${stdout}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('exec -i -t under tmux', () => {
  let lab: Lab;
  let dir: string;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kia-tty-'));
    lab = await startLab({ dir, nodes: 2, network: 11, inProcess: true });
  });
  after(async () => {
    await tmux('kill-session', '-t', SESSION).catch(() => undefined);
    await lab?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('sees the terminal size, follows a resize, and exits with the remote status', async () => {
    const node = lab.plan.nodes[1]!;
    const pod = node.pods.find((p) => p.name.startsWith('web-'))!;
    const kia = [process.execPath, path.join(process.cwd(), 'bin/kia.js'), 'kubelet', node.ip, 'exec', '-i', '-t', '--cert', lab.plan.files.adminCert, '--key', lab.plan.files.adminKey, '--insecure-skip-tls-verify', `${pod.namespace}/${pod.name}/web`, '--', 'sh'];
    const command = `${kia.map((a) => `'${a}'`).join(' ')}; echo KIA_EXIT=$?; sleep 30`;
    await tmux('new-session', '-d', '-s', SESSION, '-x', '100', '-y', '30', 'sh', '-c', command);
    await screenUntil(/^# ?$/m);
    await tmux('send-keys', '-t', SESSION, 'stty size', 'Enter');
    await screenUntil(/^30 100$/m);
    await tmux('resize-window', '-t', SESSION, '-x', '120', '-y', '40');
    await tmux('send-keys', '-t', SESSION, 'clear', 'Enter');
    await tmux('send-keys', '-t', SESSION, 'stty size', 'Enter');
    await screenUntil(/^40 120$/m);
    await tmux('send-keys', '-t', SESSION, 'exit 3', 'Enter');
    const last = await screenUntil(/KIA_EXIT=\d+/);
    assert.match(last, /^KIA_EXIT=3$/m);
  });
});
