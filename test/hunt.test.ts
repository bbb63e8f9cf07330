// kia hunt against labs and peers over real sockets; expected findings are a hand-written table per node profile.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { startLab, type Lab } from '../src/lab/index.ts';
import { hunt } from '../src/pipelines/hunt.ts';
import { targetsFromLab } from '../src/targets/index.ts';
import type { Report } from '../src/model/index.ts';
import { RULES } from '../src/audit/index.ts';
import { certificateIdentity } from '../src/clients/identity.ts';
import { renderHtml } from '../src/report/html.ts';
import { renderMarkdown } from '../src/report/markdown.ts';
import { renderText } from '../src/report/text.ts';

/**
 * The mixed preset on 5 nodes: what each node must show to an anonymous outsider, rule by port. Written by hand.
 * Every profile but hardened keeps Go's default suites (KIA-TLS-004) and, with the lab's CA given, a self-generated
 * kubelet certificate that does not chain to it (KIA-KUBELET-008).
 */
const EXPECTED: Record<string, string[]> = {
  // insecure-http-etcd: etcd over plain HTTP on the node IP (client and peer), its debug vars and metrics readable.
  'kia-control-plane': ['KIA-ETCD-001@2379', 'KIA-ETCD-001@2380', 'KIA-ETCD-003@2379', 'KIA-ANY-002@2379', 'KIA-KUBELET-005@10250', 'KIA-KUBELET-008@10250', 'KIA-TLS-004@10250', 'KIA-TLS-004@6443'],
  // hardened: serving certificate from the cluster CA, TLS 1.2 and strong suites only, nothing exposed.
  'kia-worker-1': [],
  // anonymous-webhook: anonymous requests reach the authorizer (403), plus the self-generated certificate.
  'kia-worker-2': ['KIA-KUBELET-002@10250', 'KIA-KUBELET-005@10250', 'KIA-KUBELET-008@10250', 'KIA-TLS-004@10250'],
  // insecure: anonymous + AlwaysAllow, read-only port, healthz/metrics/profiling on all interfaces, TLS 1.0.
  'kia-worker-3': [
    'KIA-KUBELET-001@10250', 'KIA-ANY-005@10250', 'KIA-KUBELET-005@10250', 'KIA-ANY-001@10250', 'KIA-ANY-002@10250', 'KIA-ANY-003@10250',
    'KIA-KUBELET-008@10250', 'KIA-TLS-003@10250', 'KIA-TLS-004@10250',
    'KIA-KUBELET-003@10255', 'KIA-ANY-002@10255',
    'KIA-ANY-004@10248',
    'KIA-ANY-004@10249', 'KIA-ANY-001@10249', 'KIA-ANY-002@10249', 'KIA-ANY-003@10249', 'KIA-ANY-005@10249',
  ],
  // kubeadm: the self-generated kubelet certificate and Go's default suites.
  'kia-worker-4': ['KIA-KUBELET-005@10250', 'KIA-KUBELET-008@10250', 'KIA-TLS-004@10250'],
};

function findingsByNode(report: Report): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const f of report.findings) (out[f.node ?? f.host] ??= []).push(`${f.rule}@${f.port}`);
  return out;
}

const NETWORK: Record<string, number> = { '1.28': 44, '1.31': 45, '1.36': 46 };

// What anonymous reads on the insecure kubelet (AlwaysAllow), written from the spec's kubelet route table (§3): the
// 10250 read routes without path parameters, /healthz left out (it proves nothing about access), and /flagz and
// /statusz only from 1.36 (ComponentFlagz and ComponentStatusz on by default since 1.36). Not /debug/pprof/: a real
// kubelet's route is /debug/pprof/{subpath:*}, so the bare index is go-restful's 404 (pkg/kubelet/server/server.go).
const ANONYMOUS_READS: Record<string, string> = {
  '1.28': 'anonymous callers got 200 on 11 kubelet routes: /pods, /stats/summary, /metrics, /metrics/cadvisor, /metrics/resource, /metrics/probes, /metrics/slis, /logs/, /runningpods/, /configz, /debug/pprof/cmdline',
  '1.31': 'anonymous callers got 200 on 11 kubelet routes: /pods, /stats/summary, /metrics, /metrics/cadvisor, /metrics/resource, /metrics/probes, /metrics/slis, /logs/, /runningpods/, /configz, /debug/pprof/cmdline',
  '1.36': 'anonymous callers got 200 on 13 kubelet routes: /pods, /stats/summary, /metrics, /metrics/cadvisor, /metrics/resource, /metrics/probes, /metrics/slis, /logs/, /runningpods/, /configz, /flagz, /statusz, /debug/pprof/cmdline',
};

for (const version of ['1.28', '1.31', '1.36'] as const) {
  describe(`hunt a mixed lab at ${version}`, () => {
    let lab: Lab;
    let dir: string;
    let report: Report;
    before(async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kia-hunt-'));
      lab = await startLab({ dir, nodes: 5, profile: 'mixed', network: NETWORK[version], kubernetesVersion: version, inProcess: true });
      report = await hunt({ targets: targetsFromLab(dir), trust: { ca: fs.readFileSync(lab.plan.files.ca, 'utf8') } });
    });
    after(async () => {
      await lab?.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('finds exactly the expected findings on every node', () => {
      const got = findingsByNode(report);
      for (const [node, expected] of Object.entries(EXPECTED)) assert.deepEqual((got[node] ?? []).sort(), [...expected].sort(), node);
    });

    it('says what the evidence shows: the routes anonymous read, a 200 from a loopback port, the fix of the component', () => {
      const on = (rule: string, port: number) => report.findings.find((f) => f.rule === rule && f.node === 'kia-worker-3' && f.port === port);
      const open = on('KIA-KUBELET-001', 10250);
      assert.equal(open?.message, ANONYMOUS_READS[version]);
      const readable = report.endpoints.find((e) => e.target.node === 'kia-worker-3' && e.port === 10250)?.routes.filter((r) => r.identity === 'anonymous' && r.status === 200 && !r.route.startsWith('probe:') && r.path !== '/healthz');
      assert.equal(readable?.length, version === '1.36' ? 13 : 11, 'the access matrix shows as many');
      assert.deepEqual(on('KIA-ANY-004', 10248)?.evidence[0], { request: `curl -s 'http://${report.endpoints.find((e) => e.target.node === 'kia-worker-3')?.address}:10248/healthz'`, response: 'HTTP 200 (text/plain; charset=utf-8)\nok' });
      assert.match(on('KIA-ANY-004', 10249)?.evidence[0]?.response ?? '', /^HTTP 200 /);
      assert.match(on('KIA-ANY-001', 10250)?.fix ?? '', /^In the KubeletConfiguration set authentication\.anonymous\.enabled: false/);
      assert.match(on('KIA-ANY-001', 10249)?.fix ?? '', /^In the KubeProxyConfiguration set metricsBindAddress: 127\.0\.0\.1:10249/);
    });

    it('fingerprints every open port from its answers', () => {
      const byPort = (node: string, port: number) => report.endpoints.find((e) => e.target.node === node && e.port === port)?.fingerprint;
      assert.equal(byPort('kia-control-plane', 6443)?.component, 'kube-apiserver');
      assert.match(byPort('kia-control-plane', 6443)?.version ?? '', new RegExp(`^v${version.replace('.', '\\.')}\\.`));
      assert.deepEqual([byPort('kia-control-plane', 2379)?.component, byPort('kia-control-plane', 2379)?.port], ['etcd', 'client']);
      assert.deepEqual([byPort('kia-control-plane', 2380)?.component, byPort('kia-control-plane', 2380)?.port], ['etcd', 'peer']);
      for (const node of Object.keys(EXPECTED)) {
        assert.deepEqual([byPort(node, 10250)?.component, byPort(node, 10250)?.port], ['kubelet', 'api'], node);
      }
      assert.deepEqual([byPort('kia-worker-3', 10255)?.port, byPort('kia-worker-3', 10248)?.port, byPort('kia-worker-3', 10249)?.port], ['read-only', 'healthz', 'metrics']);
      assert.deepEqual([byPort('kia-worker-4', 10256)?.component, byPort('kia-worker-4', 10256)?.port], ['kube-proxy', 'healthz']);
    });

    it("names a port's usual tenant from the answers that name it, not from every fingerprint question", () => {
      // etcd's /health and /members are fingerprint questions no kubelet or kube-proxy route asks.
      const asked = (node: string, port: number) => report.endpoints.find((e) => e.target.node === node && e.port === port)?.routes.map((r) => r.path) ?? [];
      for (const [node, port] of [['kia-worker-4', 10250], ['kia-worker-3', 10249], ['kia-worker-3', 10248], ['kia-worker-4', 10256]] as const) {
        assert.ok(asked(node, port).length > 0, `${node}:${port} was probed`);
        assert.deepEqual(asked(node, port).filter((p) => p === '/health' || p === '/members'), [], `${node}:${port}`);
        // A kubelet's or kube-proxy's /version is a 404 that names nothing: their own answer came first and named them.
        assert.equal(asked(node, port).includes('/version'), false, `${node}:${port}: ${asked(node, port).join(' ')}`);
      }
    });

    it('sees the kubelet client-certificate policy and the served chains', () => {
      const kubelet = report.endpoints.find((e) => e.target.node === 'kia-worker-4' && e.port === 10250);
      assert.equal(kubelet?.tls?.clientCert, 'requested');
      assert.equal(kubelet?.tls?.chain.length, 2);
      assert.equal(kubelet?.tls?.verified, false);
      const hardened = report.endpoints.find((e) => e.target.node === 'kia-worker-1' && e.port === 10250);
      assert.equal(hardened?.tls?.verified, true);
      const apiserver = report.endpoints.find((e) => e.port === 6443);
      assert.equal(apiserver?.tls?.verified, true);
    });

    // monitor holds only get nodes/proxy (the lab's RBAC). This kubelet refuses anonymous, so its version is unknown and
    // only routes that need nodes/proxy at every version count (spec §3): /flagz where it is served (1.36), else
    // /debug/pprof/cmdline (the kubelet's /debug/pprof/* is under nodes/proxy).
    if (version !== '1.28') {
      it('shows exec for monitor on a kubeadm kubelet: inferred passively, proven by --active (id over a WebSocket GET)', async () => {
        const f = lab.plan.files;
        const node = lab.plan.nodes.find((n) => n.name === 'kia-worker-4');
        const targets = [{ host: 'kia-worker-4', address: node?.ip ?? '', source: 'argument' as const, node: 'kia-worker-4' }];
        const run = { targets, trust: { ca: fs.readFileSync(f.ca, 'utf8') }, identities: [certificateIdentity(f.monitorCert, f.monitorKey, 'monitor'), certificateIdentity(f.aliceCert, f.aliceKey, 'alice')] };
        const [passive, active] = [await hunt(run), await hunt({ ...run, active: true })];
        const kubelet = (r: Report) => r.endpoints.find((e) => e.port === 10250);
        const states = (r: Report) => kubelet(r)?.exec?.map((x) => `${x.identity} ${x.state}`);
        assert.deepEqual(states(passive), ['anonymous refused', 'monitor inferred', 'alice refused']);
        assert.deepEqual(states(active), ['anonymous refused', 'monitor proven', 'alice refused']);
        const read = version === '1.31' ? '/debug/pprof/cmdline' : '/flagz';
        const inferred = `monitor (GET ${read}) got 200 on a route that needs get nodes/proxy at any version: each can exec, attach and port-forward in every container on the node (a WebSocket upgrade is a GET)`;
        const messages = (r: Report) => r.findings.filter((x) => x.rule === 'KIA-KUBELET-007').map((x) => x.message);
        assert.deepEqual(messages(passive), [inferred]);
        assert.deepEqual(messages(active), [`${inferred}; monitor proven with --active: uid=0(root) gid=0(root) groups=0(root)`]);
        assert.deepEqual(kubelet(passive)?.routes.filter((r) => /^\/(exec|attach|portForward)\//.test(r.path)), [], 'passive: no upgrade asked');
        const proofs = kubelet(active)?.routes.filter((r) => r.route === 'kubelet.api.exec') ?? [];
        assert.deepEqual(proofs.map((r) => [r.identity, r.method, r.status, r.bodySample]), [['monitor', 'GET', 101, 'uid=0(root) gid=0(root) groups=0(root)\n']]);
        assert.match(proofs[0]?.path ?? '', /^\/exec\/[a-z0-9-]+\/[a-z0-9.-]+\/[a-z0-9-]+\?command=id&output=1$/);
        // The exec column in every view: a text row, a Markdown and an HTML table per host.
        const text = renderText(active, { color: false, width: 200 });
        assert.match(text, /^ *refused +proven +refused +exec \(WebSocket GET \/exec: get nodes\/proxy\)$/m, text);
        assert.match(renderText(passive, { color: false, width: 200 }), /^ *refused +inferred +refused +exec \(WebSocket GET \/exec: get nodes\/proxy\)$/m);
        assert.ok(renderMarkdown(active, RULES).includes('| Port | anonymous | monitor | alice |\n|---|---|---|---|\n| 10250 | refused | proven | refused |'));
        assert.ok(renderHtml(passive, RULES).includes('<td data-label="Port">10250</td><td data-label="anonymous">refused</td><td data-label="monitor">inferred</td><td data-label="alice">refused</td>'));
      });
    }

    it('does not report the loopback-only ports of kubeadm nodes', () => {
      const kubeadmNode = report.endpoints.filter((e) => e.target.node === 'kia-worker-4').map((e) => e.port).sort((a, b) => a - b);
      assert.deepEqual(kubeadmNode, [10250, 10256]);
    });
  });
}

describe('hunt with credentials and --active', () => {
  let lab: Lab;
  let dir: string;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kia-hunt-'));
    lab = await startLab({ dir, nodes: 2, network: 47, inProcess: true, nodeProfiles: { '2': 'insecure' } });
  });
  after(async () => {
    await lab?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('builds an access matrix: anonymous 401, alice 403, admin 200 on a kubeadm kubelet', async () => {
    const { certificateIdentity } = await import('../src/clients/identity.ts');
    const report = await hunt({
      targets: [{ host: 'kia-control-plane', address: lab.plan.nodes[0]!.ip, source: 'argument', node: 'kia-control-plane' }],
      identities: [certificateIdentity(lab.plan.files.aliceCert, lab.plan.files.aliceKey, 'alice'), certificateIdentity(lab.plan.files.adminCert, lab.plan.files.adminKey, 'admin')],
    });
    const kubelet = report.endpoints.find((e) => e.port === 10250);
    const pods = (identity: string) => kubelet?.routes.find((r) => r.path === '/pods' && r.identity === identity)?.status;
    assert.deepEqual([pods('anonymous'), pods('alice'), pods('admin')], [401, 403, 200]);
  });

  it('runs `id` through /run only with --active, and reports it', async () => {
    const target = [{ host: 'kia-worker-1', address: lab.plan.nodes[1]!.ip, source: 'argument' as const, node: 'kia-worker-1' }];
    const passive = await hunt({ targets: target });
    assert.equal(passive.endpoints.flatMap((e) => e.routes).filter((r) => r.method !== 'GET').length, 0);
    assert.ok(!passive.findings.some((f) => f.rule === 'KIA-KUBELET-006'));
    const active = await hunt({ targets: target, active: true });
    const run = active.findings.find((f) => f.rule === 'KIA-KUBELET-006');
    assert.ok(run, 'the /run finding');
    assert.match(run.evidence[0]?.response ?? '', /uid=0\(root\) gid=0\(root\)/);
  });
  it('finds that monitor, granted only get nodes/proxy, can exec: passively from its reads, and it runs `id` over a WebSocket upgrade', async () => {
    const { certificateIdentity, tokenFileIdentity } = await import('../src/clients/identity.ts');
    const { exec } = await import('../src/clients/remote-command.ts');
    const node = lab.plan.nodes[0]!;
    const monitor = certificateIdentity(lab.plan.files.monitorCert, lab.plan.files.monitorKey, 'monitor');
    const report = await hunt({
      targets: [{ host: 'kia-control-plane', address: node.ip, source: 'argument', node: 'kia-control-plane' }],
      identities: [monitor, certificateIdentity(lab.plan.files.aliceCert, lab.plan.files.aliceKey, 'alice')],
    });
    const found = report.findings.filter((f) => f.rule === 'KIA-KUBELET-007').map((f) => [f.port, f.severity, f.message]);
    assert.deepEqual(found, [[10250, 'medium', 'monitor (GET /flagz) got 200 on a route that needs get nodes/proxy at 1.36: each can exec, attach and port-forward in every container on the node (a WebSocket upgrade is a GET)']]);
    const acting = report.endpoints.flatMap((e) => e.routes).filter((r) => r.method !== 'GET' || /^\/(exec|attach|portForward|run)\//.test(r.path));
    assert.deepEqual(acting, [], 'passive: no acting route touched');
    // The proof the finding infers: a WebSocket exec is a GET, so get nodes/proxy runs `id` in a container (cert and token).
    const pod = node.pods.find((p) => !p.static)!;
    for (const identity of [monitor, tokenFileIdentity(lab.plan.files.monitorToken, 'monitor-token')]) {
      const chunks: Buffer[] = [];
      const stdout = new Writable({ write: (c: Buffer, _e, cb) => { chunks.push(c); cb(); } });
      const result = await exec({ transport: { kind: 'kubelet', host: node.ip, insecureSkipVerify: true }, identity, ns: pod.namespace, pod: pod.name, container: pod.containers[0]!, command: ['id'], stdout });
      assert.deepEqual([identity.name, result.outcome, result.exitCode ?? 0], [identity.name, 'ok', 0]);
      assert.match(Buffer.concat(chunks).toString('utf8'), /^uid=0\(root\) gid=0\(root\)/);
    }
  });
});

describe('hunt odd peers: a moved kubelet, an impostor on 10250, a post-handshake reset', () => {
  let lab: Lab;
  let dir: string;
  const servers: (https.Server | tls.Server | net.Server)[] = [];
  let certs: { key: string; cert: string };
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kia-hunt-'));
    // The kubelet moved: --port-offset serves every node on 127.0.0.1 with shifted ports.
    lab = await startLab({ dir, nodes: 1, portOffset: 20000, inProcess: true });
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', path.join(dir, 'o.key'), '-out', path.join(dir, 'o.crt'), '-subj', '/CN=impostor', '-days', '365'], { stdio: 'ignore' });
    certs = { key: fs.readFileSync(path.join(dir, 'o.key'), 'utf8'), cert: fs.readFileSync(path.join(dir, 'o.crt'), 'utf8') };
    const impostor = https.createServer(certs, (_req, res) => res.end('hello from a web server\n'));
    const resetter = tls.createServer(certs, (socket) => socket.destroy());
    // etcd's own answers (a real 3.4 /version; Go's mux 404 elsewhere) on the kubelet's port.
    const etcdVersion = fs.readFileSync(path.join(process.cwd(), 'fixtures/real-v1.28/etcd-3.4.version.json'));
    const etcdOnKubeletPort = https.createServer(certs, (req, res) => {
      if (req.url === '/version') return void res.writeHead(200, { 'Content-Type': 'application/json' }).end(etcdVersion);
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('404 page not found\n');
    });
    // TLS on ports the catalog knows as plain HTTP: a Node server (a TLS alert to plain HTTP), and one that answers
    // plain HTTP as Go's servers do (400 "Client sent an HTTP request to an HTTPS server.").
    const tlsOnPlainPort = https.createServer(certs, (_req, res) => res.end('hello over TLS\n'));
    const goLike = net.createServer((socket) =>
      socket.on('error', () => undefined).once('data', (chunk: Buffer) => {
        if (chunk[0] !== 0x16) return void socket.end('HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n');
        socket.pause();
        socket.unshift(chunk);
        tlsOnPlainPort.emit('connection', socket);
      }),
    );
    await Promise.all([
      new Promise<void>((r) => impostor.listen(10250, '127.0.3.1', r)),
      new Promise<void>((r) => resetter.listen(10250, '127.0.3.2', r)),
      new Promise<void>((r) => tlsOnPlainPort.listen(10249, '127.0.3.3', r)),
      new Promise<void>((r) => goLike.listen(10249, '127.0.3.4', r)),
      new Promise<void>((r) => etcdOnKubeletPort.listen(10250, '127.0.3.5', r)),
    ]);
    servers.push(impostor, resetter, tlsOnPlainPort, goLike, etcdOnKubeletPort);
  });
  after(async () => {
    for (const s of servers) s.close();
    await lab?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('recognises a kubelet on a port that is not 10250', async () => {
    const moved = 10250 + 20000;
    const report = await hunt({ targets: [{ host: '127.0.0.1', address: '127.0.0.1', source: 'argument' }], ports: [moved] });
    const kubelet = report.endpoints.find((e) => e.port === moved);
    assert.deepEqual([kubelet?.fingerprint.component, kubelet?.fingerprint.port], ['kubelet', 'api']);
  });

  it("names etcd on the kubelet's port: a first answer that does not name the usual tenant sends the hunt to /version", async () => {
    const report = await hunt({ targets: [{ host: '127.0.3.5', address: '127.0.3.5', source: 'argument' }], ports: [10250] });
    const endpoint = report.endpoints.find((e) => e.port === 10250);
    assert.deepEqual([endpoint?.fingerprint.component, endpoint?.fingerprint.port, endpoint?.fingerprint.version], ['etcd', 'client', '3.4.23']);
    assert.deepEqual(endpoint?.routes.filter((r) => r.identity === 'anonymous' && (r.path === '/pods' || r.path === '/version')).map((r) => `${r.path} ${r.status}`).sort(), ['/pods 404', '/version 200']);
  });

  it('calls a plain web server on 10250 unknown and reports nothing about it', async () => {
    const report = await hunt({ targets: [{ host: '127.0.3.1', address: '127.0.3.1', source: 'argument' }] });
    const endpoint = report.endpoints.find((e) => e.port === 10250);
    assert.equal(endpoint?.fingerprint.component, 'unknown');
    assert.equal(endpoint?.tls?.clientCert, 'none');
    assert.deepEqual(report.findings, []);
  });

  it('sees TLS on a port the catalog knows as plain HTTP, whatever the server says to plain HTTP', async () => {
    for (const address of ['127.0.3.3', '127.0.3.4']) {
      const report = await hunt({ targets: [{ host: address, address, source: 'argument' }], ports: [10249] });
      const endpoint = report.endpoints.find((e) => e.port === 10249);
      assert.equal(endpoint?.scheme, 'https', address);
      assert.equal(endpoint?.tls?.clientCert, 'none', address);
      assert.ok(endpoint?.routes.some((r) => r.status === 200 && r.bodySample === 'hello over TLS\n'), address);
    }
  });

  it('does not call a server that resets after the handshake "client certificate required"', async () => {
    const report = await hunt({ targets: [{ host: '127.0.3.2', address: '127.0.3.2', source: 'argument' }] });
    const endpoint = report.endpoints.find((e) => e.port === 10250);
    assert.ok(endpoint);
    assert.notEqual(endpoint.tls?.clientCert, 'required');
    assert.equal(endpoint.fingerprint.component, 'unknown');
  });

  it('probes the ports it finds while the scan still waits on a silent one', async () => {
    // A listener whose accept queue is full and whose process never accepts: the kernel drops every further SYN, so
    // the scan's attempt there waits out its 1.5 s.
    const silent = spawn(process.execPath, ['-e', "const s=require('net').createServer().listen({port:0,host:'127.0.3.6',backlog:1},()=>{process.stdout.write(String(s.address().port)+'\\n');setTimeout(()=>Atomics.wait(new Int32Array(new SharedArrayBuffer(4)),0,0),50)})"], { stdio: ['ignore', 'pipe', 'inherit'] });
    const fillers: net.Socket[] = [];
    try {
      const [line] = (await once(silent.stdout!, 'data')) as [Buffer];
      const silentPort = Number(String(line).trim());
      await new Promise((r) => setTimeout(r, 200));
      for (let i = 0; i < 3; i++) fillers.push(net.connect(silentPort, '127.0.3.6').on('error', () => undefined));
      await new Promise((r) => setTimeout(r, 200));
      const events: string[] = [];
      const report = await hunt({
        targets: [
          { host: '127.0.3.1', address: '127.0.3.1', source: 'argument' },
          { host: '127.0.3.6', address: '127.0.3.6', source: 'argument' },
        ],
        ports: [silentPort],
        onProgress: (phase, done, total) => events.push(`${phase} ${done}/${total}`),
      });
      const scanned = events.findIndex((e) => /^discover (\d+)\/\1$/.test(e));
      const probed = events.indexOf('probe 1/1');
      assert.ok(probed >= 0 && scanned >= 0 && probed < scanned, `the web server on 10250 is probed before the scan ends: ${events.filter((e) => e.startsWith('probe') || /^discover (\d+)\/\1$/.test(e)).join(', ')}`);
      assert.deepEqual(
        report.endpoints.map((e) => `${e.address}:${e.port}`),
        ['127.0.3.1:10250'],
      );
    } finally {
      for (const socket of fillers) socket.destroy();
      silent.kill('SIGKILL');
    }
  });
});
