// The shared flag sets as a user meets them: the built CLI as a child process against a lab (network 61: node IPs
// 127.122.1.x, node-local 127.123.1.x) and against peers this test starts on loopback (127.122.200.x). Expected lines
// and codes are literal (CONVENTIONS exit codes); each case failed on main before the flag sets.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LabNode } from '../src/lab/types.ts';
import { runKia, startTestLab, type KiaRun, type TestLab } from './helpers.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// The CLI must not pick up a kubeconfig from the machine running the tests.
const ENV: NodeJS.ProcessEnv = { ...process.env, KUBECONFIG: '/nonexistent/kubeconfig', NO_COLOR: '1' };
const kia = (args: readonly string[], timeoutMs = 60_000): Promise<KiaRun> => runKia(args, { cwd: ROOT, env: ENV, timeoutMs });

/** One line on stderr, no stack trace, no Node warning. */
function oneLine(run: KiaRun): string {
  const lines = run.stderr.split('\n').filter((l) => l !== '');
  assert.equal(lines.length, 1, `expected one stderr line, got:\n${run.stderr}`);
  assert.doesNotMatch(run.stderr, /^\s+at |Warning/m);
  return lines[0] as string;
}

function listen(server: net.Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
}

/** Processes whose command line mentions `text` (a leftover exec plugin). */
function processesWith(text: string): string[] {
  return fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).flatMap((pid) => {
    try {
      return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(text) ? [pid] : [];
    } catch {
      return [];
    }
  });
}

describe('kia flag sets against a lab (network 61) and loopback peers', () => {
  let t: TestLab;
  let worker: LabNode;
  let control: LabNode;
  const servers: net.Server[] = [];
  const SILENT = '127.122.200.2';
  const REDIRECT = '127.122.200.3';

  before(async () => {
    t = await startTestLab({ network: 61, nodes: 2 });
    [control, worker] = t.plan.nodes as [LabNode, LabNode];
    // Accepts and never answers: only a deadline ends a command that waits on it.
    const silent = net.createServer((socket) => socket.on('error', () => undefined));
    // kube-proxy's metrics port answering a redirect, terminal escape sequences, or 5000 bytes.
    const redirect = http.createServer((req, res) => {
      if (req.url === '/metrics') res.writeHead(302, { location: 'http://elsewhere.example/metrics' }).end('moved');
      else if (req.url === '/proxyMode') res.writeHead(200, { 'content-type': 'text/plain' }).end('\x1b]0;pwned\x07\x1b[2Jiptables\tmode');
      else res.writeHead(200, { 'content-type': 'text/plain' }).end('x'.repeat(5000));
    });
    await listen(silent, SILENT, 10249);
    await listen(redirect, REDIRECT, 10249);
    servers.push(silent, redirect);
  });

  after(async () => {
    for (const server of servers) {
      (server as http.Server).closeAllConnections?.();
      server.close();
    }
    await t?.stop();
  });

  it('--insecure-skip-tls-verify reaches kia hunt: the token is sent to the unverified kubelet, and the report says so', async () => {
    const run = await kia(['hunt', '--lab', t.dir, '--token-file', t.plan.files.adminToken, '--insecure-skip-tls-verify', '-o', 'json']);
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout) as { scope: { insecureSkipVerify?: boolean }; endpoints: { address: string; port: number; routes: { path: string; identity: string; status?: number }[] }[] };
    assert.equal(report.scope.insecureSkipVerify, true);
    const kubelet = report.endpoints.find((e) => e.address === worker.ip && e.port === 10250);
    const pods = kubelet?.routes.find((r) => r.path === '/pods' && r.identity === 'token:admin.token');
    assert.equal(pods?.status, 200, JSON.stringify(kubelet?.routes.map((r) => `${r.identity} ${r.path} ${r.status}`)));
    // Without the flag the token goes nowhere the lab's self-signed kubelet serves.
    const verified = await kia(['hunt', '--lab', t.dir, '--token-file', t.plan.files.adminToken, '-o', 'json']);
    const quiet = JSON.parse(verified.stdout) as typeof report;
    assert.equal(quiet.scope.insecureSkipVerify, undefined);
    assert.ok(!quiet.endpoints.find((e) => e.address === worker.ip && e.port === 10250)?.routes.some((r) => r.identity === 'token:admin.token'));
  });

  it('--insecure-skip-tls-verify reaches kia health: the kubelet 10250 probe is asked with the token (200)', async () => {
    const run = await kia(['health', '--lab', t.dir, '--token-file', t.plan.files.adminToken, '--insecure-skip-tls-verify', '-o', 'json']);
    const report = JSON.parse(run.stdout) as { notes: string[]; nodes: { name: string; components: { component: string; endpoints: { port: number; probes: { identity: string; status?: number }[] }[] }[] }[] };
    const kubelet = report.nodes.find((n) => n.name === worker.name)?.components.find((c) => c.component === 'kubelet');
    const probes = kubelet?.endpoints.find((e) => e.port === 10250)?.probes ?? [];
    assert.deepEqual(probes.map((p) => [p.identity, p.status]), [['token:admin.token', 200]]);
    assert.ok(report.notes.includes('TLS verification was off (--insecure-skip-tls-verify): tokens were sent to servers that did not verify'), report.notes.join('\n'));
  });

  it('--insecure-skip-tls-verify reaches kia serve: its cell for the kubelet was probed with the token', { timeout: 90_000 }, async () => {
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/kia.js'), 'serve', '--lab', t.dir, '--token-file', t.plan.files.adminToken, '--insecure-skip-tls-verify', '--listen', '127.0.0.1:19571', '--audit-interval', '0', '--interval', '3600'], { env: ENV, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    try {
      let cell = '';
      const until = Date.now() + 60_000;
      while (!cell.includes('token:admin.token') && Date.now() < until) {
        await new Promise((r) => setTimeout(r, 250));
        cell = await fetch(`http://127.0.0.1:19571/api/cell?node=${worker.name}&component=kubelet`).then((r) => r.text(), () => '');
      }
      const probes = (JSON.parse(cell) as { health: { endpoints: { port: number; probes: { identity: string; status?: number }[] }[] } }).health.endpoints.find((e) => e.port === 10250)?.probes;
      assert.deepEqual(probes?.map((p) => [p.identity, p.status]), [['token:admin.token', 200]], stderr);
    } finally {
      child.kill('SIGINT');
      await new Promise((r) => (child.exitCode !== null ? r(undefined) : child.once('exit', r)));
    }
  });

  it('every command takes one validator for its numbers: --timeout NaN, -1, 99999999999 are one line naming it, exit 2', async () => {
    const commands = [['hunt', '--lab', t.dir], ['health', '--lab', t.dir], ['serve', '--lab', t.dir], ['get', `${control.localIp}:10249/proxyMode`], ['etcd', 'health', control.localIp], ['kubelet', worker.ip, 'pods']];
    for (const command of commands) {
      for (const value of ['NaN', '-1', '99999999999']) {
        const run = await kia([...command, '--timeout', value]);
        assert.equal(run.code, 2, `${command.join(' ')} --timeout ${value}: ${run.stderr}`);
        assert.match(oneLine(run), /--timeout takes a duration from 100ms to 10m/);
      }
    }
    // Durations and plain milliseconds both work.
    const ok = await kia(['get', `${control.localIp}:10249/proxyMode`, '--timeout', '5s', '--deadline', '20s']);
    assert.deepEqual([ok.code, ok.stdout], [0, 'iptables'], ok.stderr);
    assert.equal((await kia(['get', `${control.localIp}:10249/proxyMode`, '--timeout', '5000'])).code, 0);
  });

  it('a certificate and a key that do not match, and a file that is not PEM: one line naming the flag, exit 2', async () => {
    const files = t.plan.files;
    const mismatch = await kia(['hunt', '--lab', t.dir, '--cert', files.adminCert, '--key', files.aliceKey]);
    assert.equal(mismatch.code, 2, mismatch.stderr);
    assert.equal(oneLine(mismatch), `kia: --key ${files.aliceKey} is not the key of --cert ${files.adminCert}: give the key the certificate was issued for`);
    const etcd = await kia(['health', '--lab', t.dir, '--etcd-cert', files.etcdClientCert, '--etcd-key', files.adminKey]);
    assert.equal(etcd.code, 2, etcd.stderr);
    assert.match(oneLine(etcd), /^kia: --etcd-key .* is not the key of --etcd-cert /);
    const notPem = await kia(['kubelet', worker.ip, 'pods', '--cert', path.join(t.dir, 'lab.json'), '--key', files.adminKey]);
    assert.equal(notPem.code, 2, notPem.stderr);
    assert.match(oneLine(notPem), /^kia: --cert .*lab\.json holds no PEM certificate$/);
  });

  it('an empty --file is refused (one line, exit 2) instead of hunting this node', async () => {
    const file = path.join(t.dir, 'empty-targets.txt');
    fs.writeFileSync(file, '# nothing here\n\n');
    for (const command of ['hunt', 'health']) {
      const run = await kia([command, '--file', file]);
      assert.equal(run.code, 2, `${command}: ${run.stderr}`);
      assert.equal(oneLine(run), `kia: --file ${file} holds no targets (one host, address or CIDR per line; # comments)`);
    }
  });

  it('kia get: a redirect and an oversized answer are the peer\'s doing: exit 1, one line', async () => {
    const redirect = await kia(['get', `${REDIRECT}:10249/metrics`]);
    assert.equal(redirect.code, 1, redirect.stderr);
    assert.match(oneLine(redirect), /^kia: GET http:\/\/127\.122\.200\.3:10249\/metrics \(no credential\): 302 Found.*redirect, not followed/);
    assert.equal(redirect.stdout, '');
    const large = await kia(['get', `${REDIRECT}:10249/configz`, '--max-bytes', '1000']);
    assert.equal(large.code, 1, large.stderr);
    assert.match(oneLine(large), /the answer is larger than 1000 bytes: raise --max-bytes$/);
  });

  it("a peer's escape sequences reach a terminal escaped, and a pipe as they were sent", async () => {
    const command = `${process.execPath} ${path.join(ROOT, 'bin/kia.js')} get ${REDIRECT}:10249/proxyMode`;
    // util-linux script(1) gives kia a terminal for its stdout.
    const terminal = await new Promise<string>((resolve, reject) => execFile('script', ['-qec', command, '/dev/null'], { env: ENV, timeout: 60_000 }, (error, stdout) => (error ? reject(error) : resolve(stdout))));
    assert.equal(terminal, '\\x1b]0;pwned\\x07\\x1b[2Jiptables\tmode');
    const piped = await kia(['get', `${REDIRECT}:10249/proxyMode`]);
    assert.deepEqual([piped.code, piped.stdout], [0, '\x1b]0;pwned\x07\x1b[2Jiptables\tmode']);
  });

  it('--deadline ends one-shot commands on a peer that never answers: exit 3 with what they have', { timeout: 120_000 }, async () => {
    const get = await kia(['get', `${SILENT}:10249/metrics`, '--timeout', '60s', '--deadline', '2s'], 30_000);
    assert.equal(get.code, 3, get.stderr);
    assert.equal(oneLine(get), `kia: GET http://${SILENT}:10249/metrics: no answer: the deadline of 2s passed (--deadline)`);
    const proxy = await kia(['proxy', 'metrics', SILENT, '--timeout', '60s', '--deadline', '2s'], 30_000);
    assert.equal(proxy.code, 3, proxy.stderr);
    assert.match(oneLine(proxy), /the deadline of 2s passed \(--deadline\)$/);
    // The hunt prints a report that says it was cut short.
    const hunt = await kia(['hunt', SILENT, '--timeout', '60s', '--deadline', '3s', '-o', 'json'], 30_000);
    assert.equal(hunt.code, 3, hunt.stderr);
    const report = JSON.parse(hunt.stdout) as { notes: string[] };
    assert.ok(report.notes.includes('the deadline of 3s (--deadline) passed: the report holds what was found by then'), report.notes.join('\n'));
    const health = await kia(['health', SILENT, '--timeout', '60s', '--deadline', '3s'], 30_000);
    assert.equal(health.code, 3, health.stderr);
    assert.match(health.stderr, /the deadline of 3s passed \(--deadline\)/);
  });

  it('a kubeconfig whose exec plugin hangs: killed at the deadline, one line naming the plugin command (exit 2)', { timeout: 120_000 }, async () => {
    const { parse, stringify } = await import('yaml');
    const plugin = path.join(t.dir, 'kia-test-hanging-plugin.sh');
    fs.writeFileSync(plugin, '#!/bin/sh\nsleep 600\n', { mode: 0o700 });
    const config = parse(fs.readFileSync(t.plan.files.adminConf, 'utf8'));
    config.users = [{ name: config.users[0].name, user: { exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command: plugin, interactiveMode: 'Never' } } }];
    const conf = path.join(t.dir, 'hanging.conf');
    fs.writeFileSync(conf, stringify(config), { mode: 0o600 });
    // kubelet: its default deadline (3 × --timeout, here 3 s); hunt: an explicit --deadline.
    for (const command of [['kubelet', worker.name, 'pods', '--timeout', '1000'], ['hunt', '--deadline', '4s']]) {
      const run = await kia([...command, '--kubeconfig', conf], 40_000);
      assert.equal(run.code, 2, `${command[0]}: ${run.stderr}`);
      assert.match(oneLine(run), new RegExp(`^kia: exec plugin \`${plugin.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\` \\(kubeconfig ${conf.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}, user kubernetes-admin\\) (was still running when the deadline passed|was not run: the deadline had passed)$`));
    }
    assert.deepEqual(processesWith('kia-test-hanging-plugin'), [], 'the plugin and its children are gone');
  });

  it("a kubelet certificate that does not name the address dialled points at --tls-server-name, not --kubelet-ca", async () => {
    const ca = path.join(worker.root, 'var/lib/kubelet/pki/kubelet.crt');
    const run = await kia(['kubelet', worker.ip, 'healthz', '--cert', t.plan.files.adminCert, '--key', t.plan.files.adminKey, '--kubelet-ca', ca]);
    assert.equal(run.code, 3, run.stderr);
    const line = oneLine(run);
    assert.match(line, /does not name 127\.122\.1\.2: give the name it carries with --tls-server-name /);
    assert.doesNotMatch(line, /--kubelet-ca/);
  });

  it("kia etcd <node>:2381 asks in plain HTTP, the catalog's scheme for etcd's metrics port", async () => {
    const run = await kia(['etcd', 'health', `${control.localIp}:2381`]);
    assert.deepEqual([run.code, run.stdout, run.stderr], [0, 'healthy\n', '']);
  });

  it('the README\'s --all-nodes example runs as written on a lab whose kubelets serve self-generated certificates', async () => {
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const lines = ['cat nodes/*/var/lib/kubelet/pki/kubelet.crt > kubelet-ca.crt', 'K="--kubeconfig admin.conf --kubelet-ca kubelet-ca.crt"', 'kia kubelet --all-nodes pods $K'];
    for (const line of lines) assert.ok(readme.split('\n').some((l) => l.startsWith(line)), `README has: ${line}`);
    const run = await new Promise<KiaRun>((resolve) =>
      execFile('bash', ['-c', lines.join(' && ')], { cwd: t.dir, env: { ...ENV, PATH: `${path.join(ROOT, 'bin')}:${process.env.PATH ?? ''}` }, timeout: 60_000 }, (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr }),
      ),
    );
    assert.equal(run.code, 0, run.stderr);
    const [head, ...rows] = run.stdout.trimEnd().split('\n');
    assert.deepEqual(head?.split(/\s+/), ['NODE', 'NAMESPACE', 'NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
    assert.deepEqual([...new Set(rows.map((r) => r.split(/\s+/)[0]))].sort(), ['kia-control-plane', 'kia-worker-1']);
  });
});

describe('kia completion', () => {
  const complete = async (script: string, words: string[]): Promise<string[]> => {
    const file = path.join(os.tmpdir(), `kia-completion-${process.pid}.bash`);
    fs.writeFileSync(file, script);
    try {
      const shell = `source ${file}; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _kia; printf '%s\\n' "\${COMPREPLY[@]}"`;
      const out = await new Promise<string>((resolve, reject) => execFile('bash', ['-c', shell], (error, stdout) => (error ? reject(error) : resolve(stdout))));
      return out.split('\n').filter(Boolean);
    } finally {
      fs.rmSync(file, { force: true });
    }
  };

  it('bash: generated from the command tree, sourced in bash, completes commands, subcommands, flags and choices', async () => {
    const run = await kia(['completion', 'bash']);
    assert.equal(run.code, 0, run.stderr);
    const script = run.stdout;
    assert.deepEqual(await complete(script, ['kia', 'hu']), ['hunt']);
    assert.deepEqual(await complete(script, ['kia', 'etcd', '']), ['health', 'version', 'metrics', 'members', 'status']);
    assert.deepEqual(await complete(script, ['kia', 'hunt', '--out']), ['--output', '--output-file']);
    assert.deepEqual(await complete(script, ['kia', 'hunt', '-o', '']), ['text', 'json', 'sarif', 'markdown', 'html']);
    assert.deepEqual(await complete(script, ['kia', 'health', '--output', 'y']), ['yaml']);
    assert.deepEqual(await complete(script, ['kia', 'kubelet', 'kia-worker-1', 'po']), ['pods', 'port-forward']);
    assert.deepEqual(await complete(script, ['kia', 'kubelet', 'kia-worker-1', 'pods', '--all']), ['--all-nodes']);
    assert.deepEqual(await complete(script, ['kia', 'hunt', '--dead']), ['--deadline']);
    assert.deepEqual(await complete(script, ['kia', 'completion', '']), ['bash', 'zsh', 'fish']);
  });

  it('zsh and fish scripts come from the same tree; an unknown shell is exit 2', async () => {
    const zsh = await kia(['completion', 'zsh']);
    assert.ok(zsh.stdout.startsWith('#compdef kia\n'), zsh.stdout.slice(0, 40));
    assert.match(zsh.stdout, /^complete -o default -F _kia kia$/m);
    const fish = await kia(['completion', 'fish']);
    assert.match(fish.stdout, /^complete -c kia -n '__fish_seen_subcommand_from hunt' -l output -s o -x -a 'text json sarif markdown html'$/m);
    const bad = await kia(['completion', 'tcsh']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /value 'tcsh' is invalid for argument 'shell'\. Allowed choices are bash, zsh, fish/);
  });
});
