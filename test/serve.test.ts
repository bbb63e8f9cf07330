// kia serve against a real lab over loopback: the exporter's series (read with a parser we did not write), the JSON
// API, server-sent events, bearer-token and client-certificate access (checked with curl), and a real Prometheus from
// Debian scraping it. Expected values are literal.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { startTestLab, curl, type TestLab, runKia } from './helpers.ts';
import { endpointsFromLab } from '../src/discover/inventory.ts';
import { readLabFile } from '../src/targets/lab-file.ts';
import { serve, type Service } from '../src/serve/index.ts';
import { hunt } from '../src/pipelines/hunt.ts';
import { labTargets } from '../src/targets/lab-file.ts';
import { labServeOptions } from './serve-lab.ts';

type Family = { name: string; metrics: { labels?: Record<string, string>; value?: string }[] };
const parsePrometheusTextFormat = createRequire(import.meta.url)('parse-prometheus-text-format') as (text: string) => Family[];

let t: TestLab;
let service: Service;

function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      })
      .on('error', reject);
  });
}

const kia = (args: string[]) => runKia(args);

before(async () => {
  t = await startTestLab({ network: 15, nodes: 3, kubernetesVersion: '1.36' });
  service = await serve({
    ...labServeOptions(t),
    trust: { ca: fs.readFileSync(t.plan.files.ca, 'utf8') + fs.readFileSync(t.plan.files.etcdCa, 'utf8') },
    // The probe engine in a worker thread, the library's option (the CLI runs it in its own thread, as the other suites).
    worker: true,
    listen: { host: '127.0.0.1', port: 0, token: 'scrape-me' },
  });
  await service.runCycle();
});

after(async () => {
  await service?.close();
  await t?.stop();
});

const AUTH = { authorization: 'Bearer scrape-me' };

test('/metrics: one probe series per health route, parsed by a parser we did not write', async () => {
  const res = await get(`${service.url}metrics`, AUTH);
  assert.equal(res.status, 200);
  assert.match(res.headers['content-type'] ?? '', /^text\/plain; version=0\.0\.4/);
  const lines = res.body.split('\n');
  for (const line of [
    'kia_component_up{node="kia-control-plane",component="etcd"} 1',
    'kia_component_up{node="kia-worker-2",component="kube-proxy"} 1',
    'kia_component_health{node="kia-control-plane",component="kube-apiserver",state="healthy"} 1',
    'kia_component_health{node="kia-control-plane",component="kube-apiserver",state="down"} 0',
    'kia_probe_success{node="kia-control-plane",component="etcd",port="2381",route="etcd.metrics.health"} 1',
    'kia_probe_http_status{node="kia-control-plane",component="kube-apiserver",port="6443",route="kube-apiserver.secure.readyz"} 200',
    'kia_probe_http_status{node="kia-worker-1",component="kubelet",port="10250",route="kubelet.api.healthz"} 200',
    'kia_health_check{node="kia-worker-1",component="kubelet",port="10250",check="syncloop"} 1',
    'kia_health_check{node="kia-control-plane",component="etcd",port="2381",check="linearizable_read"} 1',
    'kia_kube_proxy_stale{node="kia-worker-1"} 0',
    'kia_probe_cycles_total 1',
  ]) {
    assert.ok(lines.includes(line), `missing: ${line}`);
  }
  const families = parsePrometheusTextFormat(res.body);
  const success = families.find((f) => f.name === 'kia_probe_success');
  // 3 nodes: control plane 15 routes (etcd 4, apiserver 3, kcm 1, scheduler 3, kubelet 2, kube-proxy 2), workers 4 each.
  assert.equal(success?.metrics.length, 23);
  assert.ok(success?.metrics.every((m) => m.value === '1'));
  const notAfter = families.find((f) => f.name === 'kia_certificate_not_after_seconds');
  const apiserver = notAfter?.metrics.find((m) => m.labels?.component === 'kube-apiserver');
  assert.ok(Number(apiserver?.value) * 1000 > Date.now() + 300 * 86_400_000, 'the lab apiserver certificate lasts about a year');
  assert.ok(families.some((f) => f.name === 'process_resident_memory_bytes'), 'its own process metrics');
  assert.ok(families.some((f) => f.name === 'kia_findings'), 'finding series exist before the first audit');
});

test('/metrics after another cycle: the series of that cycle, not the bytes kept from the one before', async () => {
  const counted = async () => /^kia_probe_cycles_total (\d+)$/m.exec((await get(`${service.url}metrics`, AUTH)).body)?.[1];
  const before = Number(await counted());
  assert.ok(before >= 1);
  await service.runCycle();
  assert.equal(await counted(), String(before + 1));
});

test('access: no token 401, wrong token 401, the dashboard sets an HttpOnly cookie from ?token=', async () => {
  assert.equal((await get(`${service.url}metrics`)).status, 401);
  assert.equal((await get(`${service.url}api/state`, { authorization: 'Bearer nope' })).status, 401);
  assert.equal((await get(`${service.url}?token=nope`)).status, 401);
  const login = await get(`${service.url}?token=scrape-me`);
  assert.equal(login.status, 303);
  assert.equal(login.headers['set-cookie']?.[0], 'kia_token=scrape-me; HttpOnly; SameSite=Strict; Path=/');
  const page = await get(service.url, { cookie: 'kia_token=scrape-me' });
  assert.equal(page.status, 200);
  assert.match(String(page.headers['content-security-policy']), /script-src 'self'/);
  assert.equal((await get(`${service.url}healthz`)).body, 'ok');
  // curl, as a scraper would.
  const viaCurl = await curl(['-s', '-o', '/dev/null', '-w', '%{http_code}', '-H', 'Authorization: Bearer scrape-me', `${service.url}metrics`]);
  assert.equal(viaCurl.stdout, '200');
});

test('/api/state and /api/cell carry the cycle, history and certificates', async () => {
  const state = JSON.parse((await get(`${service.url}api/state`, AUTH)).body) as {
    cycle: number;
    health: { state: string; nodes: { name: string; components: { component: string; state: string }[] }[] };
    certificates: { component: string; port: number; daysLeft: number }[];
    history: Record<string, { state: string }[]>;
  };
  assert.equal(state.health.state, 'healthy');
  assert.deepEqual(
    state.health.nodes.map((n) => [n.name, n.components.map((c) => c.component)]),
    [
      ['kia-control-plane', ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubelet', 'kube-proxy']],
      ['kia-worker-1', ['kubelet', 'kube-proxy']],
      ['kia-worker-2', ['kubelet', 'kube-proxy']],
    ],
  );
  assert.equal(state.history['kia-worker-1/kubelet']?.at(-1)?.state, 'healthy');
  assert.ok(state.certificates.some((c) => c.component === 'etcd' && c.port === 2379));
  const cell = await get(`${service.url}api/cell?node=kia-worker-1&component=kubelet`, AUTH);
  assert.equal(cell.status, 200);
  assert.equal((JSON.parse(cell.body) as { health: { state: string } }).health.state, 'healthy');
  assert.equal((await get(`${service.url}api/cell?node=nope&component=kubelet`, AUTH)).status, 404);
});

test('server-sent events: the state at once, then one event per cycle', async () => {
  const received: string[] = [];
  const req = http.get(`${service.url}api/events`, { headers: AUTH });
  const response = await new Promise<http.IncomingMessage>((resolve) => req.once('response', resolve));
  assert.equal(response.headers['content-type'], 'text/event-stream');
  response.setEncoding('utf8');
  const events = new Promise<void>((resolve) => {
    let buffer = '';
    response.on('data', (chunk: string) => {
      buffer += chunk;
      const frames = buffer.split('\n\n');
      buffer = frames.pop() ?? '';
      for (const frame of frames) {
        const data = /^data: (.*)$/m.exec(frame)?.[1];
        if (data) received.push(data);
        if (received.length === 2) resolve();
      }
    });
  });
  // The first frame is there before any new cycle; the second comes with it.
  await new Promise((r) => setImmediate(r));
  const before = service.monitor.cycle;
  await service.runCycle();
  await events;
  req.destroy();
  type Frame = { cycle: number; history: Record<string, { at: string; state: string }[]> };
  const [first, second] = received.map((data) => JSON.parse(data) as Frame);
  assert.equal(first?.cycle, before);
  assert.equal(second?.cycle, before + 1);
  // The history the state was read with before the cycle is not what the next event carries: one check more.
  const ticks = (frame: Frame | undefined) => frame?.history['kia-worker-1/kubelet'] ?? [];
  assert.equal(ticks(second).length, ticks(first).length + 1);
  assert.deepEqual(ticks(second).slice(0, -1), ticks(first));
  assert.equal(ticks(second).at(-1)?.state, 'healthy');
});

test('HTTPS with client certificates: curl with the lab CA and admin certificate gets in, without a certificate it does not', async () => {
  const files = t.plan.files;
  const cp = t.plan.nodes[0];
  assert.ok(cp);
  const pki = path.join(cp.root, 'etc/kubernetes/pki');
  const secure = await serve({
    endpoints: endpointsFromLab(readLabFile(t.dir)).slice(0, 2),
    intervalMs: 60_000,
    auditIntervalMs: 0,
    autoStart: false,
    listen: { host: cp.ip, port: 0, tls: { cert: fs.readFileSync(path.join(pki, 'apiserver.crt'), 'utf8'), key: fs.readFileSync(path.join(pki, 'apiserver.key'), 'utf8'), clientCa: fs.readFileSync(files.ca, 'utf8') } },
  });
  try {
    const ok = await curl(['-s', '-o', '/dev/null', '-w', '%{http_code}', '--cacert', files.ca, '--cert', files.adminCert, '--key', files.adminKey, `${secure.url}healthz`]);
    assert.equal(ok.stdout, '200');
    const metrics = await curl(['-s', '--cacert', files.ca, '--cert', files.adminCert, '--key', files.adminKey, `${secure.url}metrics`]);
    assert.match(metrics.stdout, /^# HELP kia_probe_success /m);
    const refused = await curl(['-s', '-o', '/dev/null', '-w', '%{http_code}', '--cacert', files.ca, `${secure.url}metrics`]);
    assert.notEqual(refused.code, 0, 'no client certificate: the handshake fails');
    const foreign = await curl(['-s', '-o', '/dev/null', '-w', '%{http_code}', '--cacert', files.ca, '--cert', files.foreignCert, '--key', files.foreignKey, `${secure.url}metrics`]);
    assert.notEqual(foreign.code, 0, 'a certificate from another CA: the handshake fails');
  } finally {
    await secure.close();
  }
});

test("the exporter's audit judges what the hunt judges: the same findings, none on the addresses that stand for a node's loopback", async () => {
  const options = labServeOptions(t);
  const findings = await service.runAudit();
  const hunted = await hunt({ targets: labTargets(readLabFile(t.dir)), identities: options.identities ?? [], ...(options.trust ? { trust: options.trust } : {}) });
  const key = (f: { rule: string; address: string; port: number }) => `${f.rule}@${f.address}:${f.port}`;
  assert.deepEqual(findings.map(key).sort(), hunted.findings.map(key).sort());
  // Node IPs of this lab are 127.30.x.y; its node-local addresses (each node's 127.0.0.1) are 127.31.x.y.
  assert.deepEqual(findings.filter((f) => f.address.startsWith('127.31.')).map(key), []);
  assert.ok(findings.length > 0);
});

test('CLI: bad input is one line and exit 2', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kia-serve-'));
  try {
    fs.writeFileSync(path.join(dir, 'bad.yml'), 'interval: 10\ntargetz: [a]\n');
    const badKey = await kia(['serve', '--config', path.join(dir, 'bad.yml')]);
    assert.equal(badKey.code, 2);
    assert.equal(badKey.stderr.trim().split('\n').length, 1);
    assert.match(badKey.stderr, /unknown key targetz/);
    fs.writeFileSync(path.join(dir, 'range.yml'), 'interval: 0\n');
    const range = await kia(['serve', '--config', path.join(dir, 'range.yml')]);
    assert.equal(range.code, 2);
    assert.match(range.stderr, /interval must be from 1 to 86400/);
    const remote = await kia(['serve', '--lab', t.dir, '--listen', '0.0.0.0:19479']);
    assert.equal(remote.code, 2);
    assert.match(remote.stderr, /not loopback: add --allow-remote/);
    const noAuth = await kia(['serve', '--lab', t.dir, '--listen', '0.0.0.0:19479', '--allow-remote']);
    assert.equal(noAuth.code, 2);
    assert.match(noAuth.stderr, /needs --auth-token-file or --client-ca/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a real Prometheus (Debian) scrapes kia serve and its query API returns the probe series', { timeout: 60_000 }, async () => {
  assert.ok(fs.existsSync('/usr/bin/prometheus'), 'Debian prometheus is needed (apt-get install prometheus): .ci/run installs it');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kia-prom-'));
  const port = new URL(service.url).port;
  fs.writeFileSync(path.join(dir, 'token'), 'scrape-me\n');
  fs.writeFileSync(
    path.join(dir, 'prometheus.yml'),
    [
      'global: {scrape_interval: 1s, evaluation_interval: 1s}',
      'scrape_configs:',
      '  - job_name: kia',
      '    scrape_interval: 1s',
      '    scrape_timeout: 1s',
      `    authorization: {type: Bearer, credentials_file: ${path.join(dir, 'token')}}`,
      `    static_configs: [{targets: ['127.0.0.1:${port}']}]`,
      '',
    ].join('\n'),
  );
  let prometheus: ChildProcess | undefined;
  try {
    prometheus = spawn('/usr/bin/prometheus', [`--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, '--web.listen-address=127.0.0.1:19093', '--log.level=warn'], { stdio: 'ignore' });
    const deadline = Date.now() + 30_000;
    let series: { metric: Record<string, string>; value: [number, string] }[] = [];
    while (Date.now() < deadline) {
      try {
        const res = await get(`http://127.0.0.1:19093/api/v1/query?query=${encodeURIComponent('kia_probe_success')}`);
        if (res.status === 200) {
          series = (JSON.parse(res.body) as { data: { result: typeof series } }).data.result;
          if (series.length > 0) break;
        }
      } catch {
        // not up yet
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.equal(series.length, 23);
    const etcd = series.find((s) => s.metric.route === 'etcd.metrics.readyz');
    assert.deepEqual({ ...etcd?.metric }, { __name__: 'kia_probe_success', component: 'etcd', instance: `127.0.0.1:${port}`, job: 'kia', node: 'kia-control-plane', port: '2381', route: 'etcd.metrics.readyz' });
    assert.equal(etcd?.value[1], '1');
    const up = await get(`http://127.0.0.1:19093/api/v1/query?query=${encodeURIComponent('up{job="kia"}')}`);
    assert.equal((JSON.parse(up.body) as { data: { result: { value: [number, string] }[] } }).data.result[0]?.value[1], '1');
  } finally {
    prometheus?.kill('SIGTERM');
    await new Promise((r) => (prometheus && prometheus.exitCode === null ? prometheus.once('exit', r) : r(undefined)));
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the kia serve command (compiled, probe worker thread): token from --auth-token-file, a cycle on /metrics, Ctrl-C exits 0', { timeout: 60_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kia-serve-cli-'));
  fs.writeFileSync(path.join(dir, 'token'), 'from-a-file\n');
  const bin = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'kia.js');
  const child = spawn(process.execPath, [bin, 'serve', '--lab', t.dir, '--listen', '127.0.0.1:19479', '--auth-token-file', path.join(dir, 'token'), '--audit-interval', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  try {
    let metrics = '';
    const deadline = Date.now() + 30_000;
    while (!/^kia_probe_cycles_total 1$/m.test(metrics) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      metrics = await get('http://127.0.0.1:19479/metrics', { authorization: 'Bearer from-a-file' }).then((r) => r.body, () => '');
    }
    assert.match(metrics, /^kia_probe_cycles_total 1$/m, stderr);
    assert.match(metrics, /^kia_component_up\{node="kia-worker-2",component="kubelet"\} 1$/m);
    assert.equal((await get('http://127.0.0.1:19479/metrics')).status, 401);
    assert.match(stderr, /^kia serve: 17 endpoints on 3 nodes; dashboard http:\/\/127\.0\.0\.1:19479\/ · metrics http:\/\/127\.0\.0\.1:19479\/metrics$/m);
  } finally {
    child.kill('SIGINT');
    const code = await new Promise<number | null>((r) => (child.exitCode !== null ? r(child.exitCode) : child.once('exit', (c) => r(c))));
    fs.rmSync(dir, { recursive: true, force: true });
    assert.equal(code, 0);
  }
});
