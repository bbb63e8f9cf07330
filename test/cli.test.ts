// The kia executable as a user runs it: one-line errors with exit code 2, a detached lab with status and down.
import { describe, it, after, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const KIA = path.join(process.cwd(), 'bin/kia.js');

function kia(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [KIA, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('kia CLI', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kia-cli-'));
  after(() => {
    kia('lab', 'down', '--dir', dir);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('answers --version and each command\'s --help alone, the command loaded for itself (help lists them all)', () => {
    const version = kia('--version');
    assert.equal(version.status, 0);
    assert.equal(version.stdout, '0.1.0\n');
    const help = kia('--help');
    assert.equal(help.status, 0);
    const listed = help.stdout.split('Commands:\n')[1]?.split('\n').flatMap((line) => /^ {2}([a-z-]+)/.exec(line)?.[1] ?? []);
    const commands = ['catalog', 'lab', 'hunt', 'demo', 'metrics', 'etcd', 'proxy', 'controller-manager', 'scheduler', 'apiserver', 'get', 'kubelet', 'health', 'serve', 'agent', 'report', 'completion'];
    assert.deepEqual(listed, [...commands, 'help']);
    for (const name of commands) {
      const own = kia(name, '--help');
      assert.equal(own.status, 0, `${name}: ${own.stderr}`);
      assert.match(own.stdout, new RegExp(`^Usage: kia ${name} `), name);
    }
    const typo = kia('etc');
    assert.equal(typo.status, 2);
    assert.match(typo.stderr, /unknown command 'etc'\n\(Did you mean etcd\?\)/);
  });

  it('rejects an unknown component with one line and exit code 2', () => {
    const res = kia('catalog', 'kubelett');
    assert.equal(res.status, 2);
    assert.match(res.stderr, /^kia: unknown component "kubelett"/);
    assert.equal(res.stderr.trim().split('\n').length, 1);
  });

  it('rejects bad lab flags with exit code 2 and no stack trace', () => {
    for (const args of [['--nodes', '0'], ['--kubernetes-version', '1.99'], ['--profile', 'open'], ['--network', '64']]) {
      const res = kia('lab', 'up', '--dir', dir, ...args);
      assert.equal(res.status, 2, args.join(' '));
      assert.doesNotMatch(res.stderr, /\n\s+at /);
    }
  });

  it('says there is no lab where there is none (exit 2)', () => {
    const res = kia('lab', 'status', '--dir', path.join(dir, 'nowhere'));
    assert.equal(res.status, 2);
    assert.match(res.stderr, /^kia: no lab in (.*nowhere): lab\.json not found \(start one with `kia lab up --dir \1`\)\n$/);
  });

  it('says the same for --lab, and that a file is not a lab folder (exit 2)', () => {
    for (const command of ['hunt', 'health']) {
      const res = kia(command, '--lab', path.join(dir, 'nowhere'));
      assert.equal(res.status, 2, command);
      assert.match(res.stderr, /^kia: no lab in (.*nowhere): lab\.json not found \(start one with `kia lab up --dir \1`\)\n$/, command);
    }
    const file = path.join(dir, 'a-file');
    fs.writeFileSync(file, 'x');
    const res = kia('health', '--lab', file);
    assert.equal(res.status, 2);
    assert.equal(res.stderr, `kia: ${file} is a file, not a lab folder\n`);
  });

  it('prints the kubelet routes of the catalog, and the catalog as JSON', () => {
    const table = kia('catalog', 'kubelet');
    assert.equal(table.status, 0);
    assert.match(table.stdout, /10250/);
    assert.match(table.stdout, /\/containerLogs\/\{namespace\}\/\{pod\}\/\{container\}/);
    const data = JSON.parse(kia('catalog', 'etcd', '-o', 'json').stdout);
    const ports = (Array.isArray(data) ? data : [data]).flatMap((c: { ports: { port: number }[] }) => c.ports.map((p) => p.port));
    assert.deepEqual(ports.sort(), [2379, 2380, 2381]);
  });

  it('starts a detached lab, reports it listening, and stops it', () => {
    const up = kia('lab', 'up', '--dir', dir, '--nodes', '2', '--network', '54', '--detach');
    assert.equal(up.status, 0, up.stderr);
    assert.match(up.stdout, /kia-control-plane\s+127\.108\.1\.1\s+local 127\.109\.1\.1/);
    const status = kia('lab', 'status', '--dir', dir);
    assert.equal(status.status, 0, status.stdout);
    assert.match(status.stdout, /(\d+)\/\1 endpoints listening/);
    const down = kia('lab', 'down', '--dir', dir);
    assert.equal(down.status, 0);
    const after = kia('lab', 'status', '--dir', dir);
    assert.equal(after.status, 3);
    assert.match(after.stdout, /0\/\d+ endpoints listening/);
  });

  /** `kia lab up` in the foreground in a folder of its own (stopped and removed after the test), its output kept. */
  function foregroundLab(t: TestContext, prefix: string) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    t.after(() => {
      kia('lab', 'down', '--dir', dir);
      fs.rmSync(dir, { recursive: true, force: true });
    });
    const child = spawn(process.execPath, [KIA, 'lab', 'up', '--dir', dir, '--nodes', '2', '--network', '55'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const out = { stdout: '', stderr: '' };
    child.stdout.on('data', (chunk: Buffer) => (out.stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out.stderr += chunk.toString()));
    const exited = new Promise<string>((resolve) => child.once('exit', (code, signal) => resolve(`${code} ${signal}`)));
    return { dir, child, out, exited };
  }

  it('stops a foreground lab on Ctrl-C and leaves nothing listening', async (t) => {
    const { dir, child, out, exited } = foregroundLab(t, 'kia-cli-fg-');
    await new Promise<void>((resolve, reject) => {
      child.stderr.on('data', () => out.stderr.includes('ready:') && resolve());
      void exited.then((how) => reject(new Error(`lab up exited early (${how}): ${out.stderr}`)));
    });
    const listening = () => fs.readFileSync('/proc/net/tcp', 'utf8').split('\n').filter((l) => / 0A /.test(l) && /:[0-9A-F]{4} /.test(l)).filter((l) => {
      const hex = l.trim().split(/\s+/)[1]?.split(':')[0] ?? '';
      return hex.endsWith('6E7F') || hex.endsWith('6F7F'); // 127.110.x.y and 127.111.x.y, little-endian
    });
    assert.ok(listening().length > 0);
    child.kill('SIGINT');
    assert.equal(await exited, '0 null', out.stderr);
    assert.match(out.stderr, /lab stopped/);
    assert.deepEqual(listening(), []);
    assert.equal(fs.existsSync(path.join(dir, 'control.sock')), false);
  });

  it('a Ctrl-C while the lab starts stops it once it is up: exit 130, nothing listening, no records or control socket left', async (t) => {
    const { dir, child, out, exited } = foregroundLab(t, 'kia-cli-early-');
    // The folder is claimed early in the start, seconds before the lab is ready.
    const claim = path.join(dir, 'run', 'supervisor.json');
    while (!fs.existsSync(claim)) {
      assert.equal(child.exitCode, null, out.stderr);
      await new Promise((r) => setTimeout(r, 5));
    }
    child.kill('SIGINT');
    assert.equal(await exited, '130 null', out.stderr);
    assert.doesNotMatch(out.stderr, /ready:/);
    assert.equal(out.stdout, '');
    assert.match(out.stderr, /lab stopped\n$/);
    assert.deepEqual(fs.readdirSync(path.join(dir, 'run')), []);
    assert.equal(fs.existsSync(path.join(dir, 'control.sock')), false);
    assert.match(fs.readFileSync(path.join(dir, 'lab.json'), 'utf8'), /"state": "stopped"/);
    const status = kia('lab', 'status', '--dir', dir);
    assert.equal(status.status, 3, status.stdout);
    assert.match(status.stdout, /0\/20 endpoints listening/);
  });

  it('kia demo stops its lab on a Ctrl-C while the lab starts: exit 130, the lab stopped, no records left', async (t) => {
    const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'kia-cli-demo-'));
    const dir = path.join(parent, 'lab');
    t.after(() => {
      kia('lab', 'down', '--dir', dir);
      fs.rmSync(parent, { recursive: true, force: true });
    });
    const child = spawn(process.execPath, [KIA, 'demo', '--dir', dir, '--nodes', '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<string>((resolve) => child.once('exit', (code, signal) => resolve(`${code} ${signal}`)));
    while (!fs.existsSync(path.join(dir, 'run', 'supervisor.json'))) {
      assert.equal(child.exitCode, null, stderr);
      await new Promise((r) => setTimeout(r, 5));
    }
    child.kill('SIGINT');
    assert.equal(await exited, '130 null', stderr);
    assert.match(stderr, /lab stopped\n$/);
    assert.deepEqual(fs.readdirSync(path.join(dir, 'run')), []);
    assert.match(fs.readFileSync(path.join(dir, 'lab.json'), 'utf8'), /"state": "stopped"/);
  });
});
