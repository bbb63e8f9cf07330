// `kia metrics` as a user runs it: against the lab's kube-proxy and kubelet (by URL and by node:port/path), on saved
// expositions (a file, stdin), on bad input, and against hostile peers on loopback whose escape sequences must not
// reach a terminal (a real one: the CLI runs under script(1)'s pseudo-terminal). Needs a built dist (`npm run build`).
// The CLI runs as an async child process: the lab serves from this process and must keep answering meanwhile.
import { fixture, runKia } from './helpers.ts';
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLab } from '../src/lab/index.ts';

type Lab = Awaited<ReturnType<typeof startLab>>;


const kia = (...args: string[]) => runKia(args);

const near = (actual: number, expected: number) => Math.abs(actual - expected) < 1e-9;

describe('kia metrics against the lab (network 62)', () => {
  let lab: Lab;
  let dir: string;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kia-metrics-'));
    lab = await startLab({ dir, nodes: 1, network: 62, inProcess: true, profile: 'insecure' });
  });
  after(async () => {
    await lab?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function endpoint(component: string, port: string, reach: 'node-ip' | 'node-local') {
    const found = lab.plan.endpoints.find((e) => e.component === component && e.port === port && e.reach === reach);
    assert.ok(found, `${component} ${port} ${reach} in the plan`);
    return found;
  }

  it('summarises kube-proxy from its node-local metrics port as JSON', async () => {
    const e = endpoint('kube-proxy', 'metrics', 'node-local');
    assert.equal(e.number, 10249);
    const res = await kia('metrics', `http://${e.address}:10249/metrics`, '--summary', '-o', 'json');
    assert.equal(res.code, 0, res.stderr);
    const out = JSON.parse(res.stdout);
    // Literal values of the real v1.28 kube-proxy exposition the lab serves.
    assert.equal(out.status, 200);
    assert.equal(out.samples, 677);
    assert.equal(out.errorCount, 0);
    assert.equal(out.summary.component, 'kube-proxy');
    assert.equal(out.summary.syncLatency.count, 2);
    assert.ok(near(out.summary.syncLatency.p50, 0.096), String(out.summary.syncLatency.p50));
    assert.ok(near(out.summary.syncLatency.p99, 0.12736), String(out.summary.syncLatency.p99));
    assert.equal(out.summary.lastSync, 1795887390.7034137);
    assert.equal(out.summary.lastQueued, 1795887390.4776921);
    assert.equal(out.summary.syncPending, false);
  });

  it('prints the chosen families in the text format, filtered by an anchored label regex', async () => {
    const e = endpoint('kube-proxy', 'metrics', 'node-local');
    const res = await kia('metrics', `http://${e.address}:10249/metrics`, '--family', 'kubeproxy_sync_proxy_rules_duration_seconds', '--label', 'le=~0.1.*');
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.stdout, [
      '# HELP kubeproxy_sync_proxy_rules_duration_seconds [ALPHA] SyncProxyRules latency in seconds',
      '# TYPE kubeproxy_sync_proxy_rules_duration_seconds histogram',
      'kubeproxy_sync_proxy_rules_duration_seconds_bucket{le="0.128"} 2',
      '',
    ].join('\n'));
  });

  it('fails a TLS verification in one line naming --cacert and --insecure-skip-tls-verify (exit 3)', async () => {
    const e = endpoint('kubelet', 'api', 'node-ip');
    const res = await kia('metrics', `https://${e.address}:${e.number}/metrics`, '--summary');
    assert.equal(res.code, 3);
    assert.match(res.stderr, /^kia: GET https:.*TLS failed.*--cacert.*--insecure-skip-tls-verify\n$/);
  });

  it('answers a refused port with exit 3 and a bad URL with exit 2', async () => {
    const e = endpoint('kube-proxy', 'metrics', 'node-local');
    const refused = await kia('metrics', `http://${e.address}:1/metrics`);
    assert.equal(refused.code, 3);
    assert.match(refused.stderr, /^kia: GET http:.*refused/);
    const bad = await kia('metrics', 'ftp://x/metrics');
    assert.equal(bad.code, 2);
    assert.equal(bad.stderr, 'kia: not a URL or node:port/path: ftp://x/metrics (e.g. 10.0.0.1:10249/proxyMode or https://10.0.0.1:10250/pods)\n');
  });

  it('takes node:port/path as kia get does: the scheme of the catalog port (http on 10249, https on 10250)', async () => {
    const proxy = endpoint('kube-proxy', 'metrics', 'node-local');
    const res = await kia('metrics', `${proxy.address}:10249/metrics`, '--summary', '-o', 'json');
    assert.equal(res.code, 0, res.stderr);
    const out = JSON.parse(res.stdout);
    assert.equal(out.url, `http://${proxy.address}:10249/metrics`);
    assert.equal(out.samples, 677);
    assert.equal(out.summary.lastSync, 1795887390.7034137);
    const kubelet = endpoint('kubelet', 'api', 'node-ip');
    const tls = await kia('metrics', `${kubelet.address}:10250/metrics`);
    assert.equal(tls.code, 3);
    assert.match(tls.stderr, new RegExp(`^kia: GET https://${kubelet.address.replace(/\./g, '\\.')}:10250/metrics: TLS failed`));
    const act = await kia('metrics', `${kubelet.address}:10250/exec/default/p/c`);
    assert.equal(act.code, 2);
    assert.equal(act.stderr, 'kia: /exec/{namespace}/{pod}/{container} on kubelet 10250 acts on the target: kia metrics only reads\n');
  });
});

const KIA = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'kia.js');

/** The CLI with `input` on its stdin. */
function kiaWithInput(args: string[], input: Buffer | string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [KIA, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const kill = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => {
      clearTimeout(kill);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input);
  });
}

/** The CLI on a real terminal: script(1) gives it a pseudo-terminal; what the terminal received comes back. */
function kiaOnTerminal(args: string[]): Promise<{ code: number; screen: string }> {
  const quote = (a: string) => `'${a.replace(/'/g, `'\\''`)}'`;
  const command = [process.execPath, KIA, ...args].map(quote).join(' ');
  return new Promise((resolve) => {
    execFile('script', ['-qec', command, '/dev/null'], { encoding: 'latin1', timeout: 60_000 }, (error, stdout) => {
      const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : -1) : 0;
      resolve({ code, screen: stdout.replace(/\r\n/g, '\n') });
    });
  });
}

const KUBE_PROXY_FAMILY = ['--family', 'kubeproxy_sync_proxy_rules_duration_seconds', '--label', 'le=~0.1.*'];
const KUBE_PROXY_LINES = [
  '# HELP kubeproxy_sync_proxy_rules_duration_seconds [ALPHA] SyncProxyRules latency in seconds',
  '# TYPE kubeproxy_sync_proxy_rules_duration_seconds histogram',
  'kubeproxy_sync_proxy_rules_duration_seconds_bucket{le="0.128"} 2',
  '',
].join('\n');
/** What terminals act on, but tab and newline. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
/** A PNG's first bytes: no line of it starts like a metric name. */
const BINARY = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489', 'hex');

describe('kia metrics on saved expositions and bad input', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kia-metrics-files-'));
    fs.writeFileSync(path.join(dir, 'kube-proxy.metrics'), fixture('kube-proxy.metrics'));
    fs.writeFileSync(path.join(dir, 'empty.metrics'), '');
    fs.writeFileSync(path.join(dir, 'image.png'), BINARY);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads a saved file: the summary, chosen samples, the index', async () => {
    const file = path.join(dir, 'kube-proxy.metrics');
    const summary = await kia('metrics', file, '--summary', '-o', 'json');
    assert.equal(summary.code, 0, summary.stderr);
    const out = JSON.parse(summary.stdout);
    assert.equal(out.file, file);
    assert.equal(out.samples, 677);
    assert.equal(out.errorCount, 0);
    assert.equal(out.summary.component, 'kube-proxy');
    assert.equal(out.summary.syncLatency.count, 2);
    assert.equal(out.summary.lastQueued, 1795887390.4776921);
    const chosen = await kia('metrics', file, ...KUBE_PROXY_FAMILY);
    assert.equal(chosen.code, 0, chosen.stderr);
    assert.equal(chosen.stdout, KUBE_PROXY_LINES);
    const index = await kia('metrics', file);
    assert.equal(index.code, 0, index.stderr);
    // grep -c '^kubeproxy_sync_proxy_rules_duration_seconds' kube-proxy.metrics: 16 buckets, _sum, _count.
    assert.match(index.stdout, /^kubeproxy_sync_proxy_rules_duration_seconds +histogram +18$/m);
    assert.equal(index.stdout.split('\n')[0]?.trim(), 'NAME                                                                    TYPE       SAMPLES'.trim());
  });

  it('reads stdin (-), and -o raw gives the exposition back as it came', async () => {
    const text = fixture('kube-proxy.metrics');
    const chosen = await kiaWithInput(['metrics', '-', ...KUBE_PROXY_FAMILY], text);
    assert.equal(chosen.code, 0, chosen.stderr);
    assert.equal(chosen.stdout, KUBE_PROXY_LINES);
    const raw = await kiaWithInput(['metrics', '-', '-o', 'raw'], text);
    assert.equal(raw.code, 0, raw.stderr);
    assert.equal(raw.stdout, text);
    const both = await kia('metrics', '-', '-o', 'raw', '--summary');
    assert.equal(both.code, 2);
    assert.equal(both.stderr, 'kia: -o raw prints the exposition as served; --summary, --family and --label need -o text or -o json\n');
  });

  it('bad input of the user: one line naming it, exit 2', async () => {
    const cases: [string[], string][] = [
      [['metrics', path.join(dir, 'missing.metrics')], `kia: no such file: ${path.join(dir, 'missing.metrics')} (give a file, - for stdin, a URL or node:port/path)\n`],
      [['metrics', dir], `kia: ${dir} is a directory, not an exposition\n`],
      [['metrics', path.join(dir, 'empty.metrics')], `kia: ${path.join(dir, 'empty.metrics')} is empty: no exposition to read\n`],
      [['metrics', path.join(dir, 'image.png')], `kia: ${path.join(dir, 'image.png')} is not a Prometheus exposition: line 1: expected a metric name\n`],
    ];
    for (const [args, stderr] of cases) {
      const res = await kia(...args);
      assert.deepStrictEqual([res.code, res.stdout, res.stderr], [2, '', stderr], args.join(' '));
    }
    const empty = await kiaWithInput(['metrics', '-'], '');
    assert.deepStrictEqual([empty.code, empty.stderr], [2, 'kia: stdin is empty: no exposition to read\n']);
    const binary = await kiaWithInput(['metrics', '-', '-o', 'json'], BINARY);
    assert.deepStrictEqual([binary.code, binary.stdout, binary.stderr], [2, '', 'kia: stdin is not a Prometheus exposition: line 1: expected a metric name\n']);
  });
});

/** What a hostile peer serves: a window title, a cleared screen, colours, a carriage return, an 8-bit CSI. */
const HOSTILE = [
  '# HELP evil_total \u001b]0;pwned\u0007 \u001b[2J\u001b[H help',
  '# TYPE evil_total counter',
  'evil_total{path="\u001b[31mred\u001b[0m",x="ok\rFAKE\u009b2J"} 1',
  'evil_total{path="\u001b[1A"} nope\u001b[2K',
  '',
].join('\n');

describe('kia metrics against hostile peers on loopback', () => {
  let server: http.Server;
  let base: string;
  before(async () => {
    server = http.createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(req.url === '/binary' ? BINARY : HOSTILE);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  after(async () => {
    await new Promise((resolve) => server?.close(resolve));
  });

  it('on a terminal, what the peer sent is shown escaped, on stdout and stderr', async () => {
    const { code, screen } = await kiaOnTerminal(['metrics', `${base}/metrics`, '--family', 'evil_total']);
    assert.equal(code, 0, screen);
    assert.ok(!CONTROL.test(screen), JSON.stringify(screen));
    assert.equal(
      screen,
      [
        '# HELP evil_total \\x1b]0;pwned\\x07 \\x1b[2J\\x1b[H help',
        '# TYPE evil_total counter',
        'evil_total{path="\\x1b[31mred\\x1b[0m",x="ok\\x0dFAKE\\x9b2J"} 1',
        'kia: 1 line(s) skipped; first: line 4: bad value "nope\\x1b[2K" for evil_total',
        '',
      ].join('\n'),
    );
  });

  it('through a pipe the bytes pass as sent (the user asked for them); JSON escapes them; stderr never carries them raw', async () => {
    const piped = await kia('metrics', `${base}/metrics`, '--family', 'evil_total');
    assert.equal(piped.code, 0);
    assert.equal(piped.stdout.split('\n')[0], '# HELP evil_total \u001b]0;pwned\u0007 \u001b[2J\u001b[H help');
    assert.equal(piped.stderr, 'kia: 1 line(s) skipped; first: line 4: bad value "nope\\x1b[2K" for evil_total\n');
    const json = await kia('metrics', `${base}/metrics`, '-o', 'json');
    assert.equal(json.code, 0);
    assert.ok(!CONTROL.test(json.stdout), json.stdout);
    assert.equal(JSON.parse(json.stdout).families[0].samples[0].labels.x, 'ok\rFAKE\u009b2J');
  });

  it("a peer's garbage is the peer's: exit 1, one line", async () => {
    const res = await kia('metrics', `${base}/binary`);
    assert.deepStrictEqual([res.code, res.stdout, res.stderr], [1, '', `kia: ${base}/binary did not serve a Prometheus exposition: line 1: expected a metric name\n`]);
  });
});
