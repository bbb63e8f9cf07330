// Streaming (exec, attach, port-forward) over WebSocket at both ends: kia's client against the lab's kubelets and
// apiserver, golden frames on the wire, and @kubernetes/client-node 1.x as the independent implementation.
// Expectations are literal (spec/internal-apis.md §3.8, §6.3, §11).
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { certificateIdentity, type Identity } from '../src/clients/identity.ts';
import { closeFrame, portPrefix } from '../src/clients/channel.ts';
import { portForward } from '../src/clients/port-forward.ts';
import { attach, exec } from '../src/clients/remote-command.ts';
import type { StreamTarget, StreamTransport } from '../src/clients/stream.ts';
import type { LabNode, LabPlan } from '../src/lab/types.ts';
import { credentials, runKia, startTestLab, wsConnect, type TestLab } from './helpers.ts';

type Version = '1.28' | '1.31' | '1.36';
const NETWORK: Record<Version, number> = { '1.28': 5, '1.31': 6, '1.36': 7 };

class Sink extends Writable {
  readonly chunks: Buffer[] = [];
  override _write(chunk: Buffer, _e: BufferEncoding, cb: () => void): void {
    this.chunks.push(chunk);
    cb();
  }
  get text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

function webPod(plan: LabPlan): { node: LabNode; name: string } {
  for (const node of plan.nodes) {
    const pod = node.pods.find((p) => p.name.startsWith('web-'));
    if (pod) return { node, name: pod.name };
  }
  throw new Error('no web pod');
}

function admin(plan: LabPlan): Identity {
  return certificateIdentity(plan.files.adminCert, plan.files.adminKey, 'admin');
}

function viaKubelet(node: LabNode): StreamTransport {
  return { kind: 'kubelet', host: node.ip, insecureSkipVerify: true };
}

function viaApiserver(plan: LabPlan): StreamTransport {
  const cp = plan.nodes[0] as LabNode;
  return { kind: 'apiserver', server: `https://${cp.ip}:6443`, ca: readText(plan.files.ca) };
}

function readText(path: string): string {
  return fs.readFileSync(path, 'utf8');
}

/** Runs `sh` with lines on stdin: output, exit status and the protocol it spoke. */
async function shellRun(target: StreamTarget, script: string) {
  const stdin = new PassThrough();
  const stdout = new Sink();
  const stderr = new Sink();
  const done = exec({ ...target, container: 'web', command: ['sh'], stdin, stdout, stderr });
  stdin.end(script);
  const result = await done;
  return { ...result, stdout: stdout.text, stderr: stderr.text };
}

/** Raw frames from a WebSocket we drive by hand. */
function rawSocket(url: string, protocols: string[], plan: LabPlan): Promise<{ ws: WebSocket; frames: Buffer[]; closed: Promise<void> }> {
  const creds = credentials(plan.files, 'admin');
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols, { cert: readText(creds.cert ?? ''), key: readText(creds.key ?? ''), rejectUnauthorized: false, perMessageDeflate: false });
    const frames: Buffer[] = [];
    const closed = new Promise<void>((r) => ws.on('close', () => r()));
    ws.on('message', (data: Buffer) => frames.push(Buffer.from(data)));
    ws.once('open', () => resolve({ ws, frames, closed }));
    ws.once('error', reject);
  });
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Writes `data` to a local port and reads back exactly as many bytes. */
function roundTrip(port: number, data: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    let size = 0;
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= data.length) {
        socket.destroy();
        resolve(Buffer.concat(chunks));
      }
    });
    socket.on('error', reject);
    socket.on('close', () => (size < data.length ? reject(new Error(`closed after ${size} of ${data.length} bytes`)) : undefined));
    socket.write(data);
  });
}

// §3.8: the v4 NonZeroExitCode status, byte for byte, as the runtime (containerd, CRI-O) writes it on channel 3.
const GOLDEN_EXIT_3 = Buffer.concat([
  Buffer.from([0x03]),
  Buffer.from('{"metadata":{},"status":"Failure","message":"command terminated with non-zero exit code: error executing command [sh -c exit 3], exit code 3","reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":"3"}]}}'),
]);

describe('streaming on 1.36 (kubelet and apiserver speak v5)', () => {
  let t: TestLab;
  let pod: { node: LabNode; name: string };
  let direct: StreamTarget;
  let proxied: StreamTarget;
  before(async () => {
    t = await startTestLab({ kubernetesVersion: '1.36', network: NETWORK['1.36'], nodes: 2 });
    pod = webPod(t.plan);
    direct = { transport: viaKubelet(pod.node), identity: admin(t.plan), ns: 'default', pod: pod.name };
    proxied = { transport: viaApiserver(t.plan), identity: admin(t.plan), ns: 'default', pod: pod.name };
  });
  after(() => t?.stop());

  for (const via of ['kubelet', 'apiserver'] as const) {
    it(`exec sh with stdin and a non-zero exit status, via the ${via}`, async () => {
      const result = await shellRun(via === 'kubelet' ? direct : proxied, 'echo hello\nid\nnope\nexit 3\necho never\n');
      assert.equal(result.outcome, 'ok', result.error);
      assert.equal(result.protocol, 'v5.channel.k8s.io');
      assert.equal(result.stdout, 'hello\nuid=0(root) gid=0(root) groups=0(root)\n');
      assert.equal(result.stderr, 'sh: nope: not found\n');
      assert.equal(result.exitCode, 3);
      assert.equal((result.status as { reason?: string }).reason, 'NonZeroExitCode');
    });
  }

  it('exec cat: stdin closed with the v5 close frame ends the command with status 0', async () => {
    const stdin = new PassThrough();
    const stdout = new Sink();
    const done = exec({ ...proxied, container: 'web', command: ['cat'], stdin, stdout });
    stdin.write('line one\n');
    stdin.end('line two\n');
    const result = await done;
    assert.equal(result.exitCode, 0);
    assert.equal(stdout.text, 'line one\nline two\n');
  });

  it('golden frames: the v4 NonZeroExitCode status on channel 3', async () => {
    const url = `wss://${pod.node.ip}:10250/exec/default/${pod.name}/web?command=sh&command=-c&command=exit%203&output=1&error=1`;
    const { frames, closed } = await rawSocket(url, ['v4.channel.k8s.io'], t.plan);
    await closed;
    assert.deepEqual(frames[0], Buffer.from([0x01]));
    assert.deepEqual(frames.at(-1), GOLDEN_EXIT_3);
  });

  it('golden frames: the v5 close frame is [0xff, 0x00] and ends stdin', async () => {
    assert.deepEqual(closeFrame(0), Buffer.from([0xff, 0x00]));
    const url = `wss://${pod.node.ip}:10250/exec/default/${pod.name}/web?command=cat&input=1&output=1`;
    const { ws, frames, closed } = await rawSocket(url, ['v5.channel.k8s.io'], t.plan);
    assert.equal(ws.protocol, 'v5.channel.k8s.io');
    ws.send(Buffer.from([0x00, 0x68, 0x69, 0x0a]));
    ws.send(Buffer.from([0xff, 0x00]));
    await closed;
    assert.deepEqual(frames, [Buffer.from([0x01]), Buffer.from([0x01, 0x68, 0x69, 0x0a]), Buffer.from('\x03{"metadata":{},"status":"Success"}', 'latin1')]);
  });

  it('golden frames: port-forward opens each channel with the port, little-endian (8080 = 0x90 0x1f)', async () => {
    assert.deepEqual(portPrefix(8080), Buffer.from([0x90, 0x1f]));
    const url = `wss://${pod.node.ip}:10250/portForward/default/${pod.name}?port=8080`;
    const { ws, frames, closed } = await rawSocket(url, ['v4.channel.k8s.io'], t.plan);
    ws.send(Buffer.concat([Buffer.from([0x00]), Buffer.from('GET /hello.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')]));
    await closed;
    assert.deepEqual(frames.slice(0, 2), [Buffer.from([0x00, 0x90, 0x1f]), Buffer.from([0x01, 0x90, 0x1f])]);
    const body = Buffer.concat(frames.slice(2).filter((f) => f[0] === 0).map((f) => f.subarray(1))).toString('utf8');
    assert.match(body, /^HTTP\/1\.1 200 OK\r\n/);
    assert.ok(body.endsWith(`\r\n\r\nhello from default/${pod.name}\n`), body);
  });

  it('port-forward to a port nothing listens on: the runtime error on the error channel', async () => {
    const url = `wss://${pod.node.ip}:10250/portForward/default/${pod.name}?port=9999`;
    const { frames, closed } = await rawSocket(url, ['v4.channel.k8s.io'], t.plan);
    await closed;
    assert.deepEqual(frames.slice(0, 2), [Buffer.from([0x00, 0x0f, 0x27]), Buffer.from([0x01, 0x0f, 0x27])]);
    const text = frames.slice(2).filter((f) => f[0] === 1).map((f) => f.subarray(1).toString('utf8')).join('');
    assert.match(text, /^error forwarding port 9999 to pod [0-9a-f]{64}, uid : failed to connect to localhost:9999 inside namespace "[0-9a-f]{64}", IPv4: dial tcp4 127\.0\.0\.1:9999: connect: connection refused IPv6 dial tcp6 \[::1\]:9999: connect: connection refused $/);
  });

  for (const via of ['kubelet', 'apiserver'] as const) {
    it(`attach follows the main process's new lines until the client goes away, via the ${via}`, async () => {
      const controller = new AbortController();
      const stdout = new Sink();
      const stderr = new Sink();
      const origWrite = stdout.write.bind(stdout);
      stdout.write = ((chunk: Buffer, ...rest: never[]) => {
        const ok = origWrite(chunk, ...rest);
        if (stdout.text.includes('\n')) controller.abort();
        return ok;
      }) as typeof stdout.write;
      const result = await attach({ ...(via === 'kubelet' ? direct : proxied), container: 'web', stdout, stderr, signal: controller.signal });
      assert.equal(result.outcome, 'ok', result.error);
      assert.match(stdout.text, new RegExp(`^${pod.name}/web line \\d+: GET /healthz 200\\n`));
    });
  }

  it('port-forward: one 50 MB round trip through the echo port, then 20 concurrent 1 MB round trips', async () => {
    const forwarder = await portForward({ ...proxied, ports: [[0, 7]] });
    try {
      const port = forwarder.bound[0]?.local ?? 0;
      const big = randomBytes(50 << 20);
      assert.equal(sha256(await roundTrip(port, big)), sha256(big));
      const blobs = Array.from({ length: 20 }, () => randomBytes(1 << 20));
      const echoed = await Promise.all(blobs.map((b) => roundTrip(port, b)));
      assert.deepEqual(echoed.map(sha256), blobs.map(sha256));
    } finally {
      await forwarder.close();
    }
    assert.equal(forwarder.active, 0);
  });

  it('port-forward to the file server (8080) straight to the kubelet, with an HTTP client', async () => {
    const forwarder = await portForward({ ...direct, ports: [[0, 8080]] });
    try {
      const port = forwarder.bound[0]?.local ?? 0;
      const body = await new Promise<string>((resolve, reject) => {
        http.get({ host: '127.0.0.1', port, path: '/hello.txt', agent: false }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve(`${res.statusCode} ${Buffer.concat(chunks).toString('utf8')}`));
        }).on('error', reject);
      });
      assert.equal(body, `200 hello from default/${pod.name}\n`);
    } finally {
      await forwarder.close();
    }
  });

  it('the CLI finds a node by name through --kubeconfig, as `pods` does, and verifies the kubelet under that name', async () => {
    const kubeletCa = path.join(pod.node.root, 'var/lib/kubelet/pki/kubelet.crt');
    const run = await runKia(['kubelet', pod.node.name, 'exec', '--kubeconfig', t.plan.files.adminConf, '--kubelet-ca', kubeletCa, `default/${pod.name}/web`, '--', 'sh', '-c', 'echo by-name; exit 4']);
    assert.equal(run.stderr, '');
    assert.equal(run.stdout, 'by-name\n');
    assert.equal(run.code, 4);
  });

  it('the CLI port-forwards to a node named through --kubeconfig until Ctrl-C, then exits 0', async () => {
    const kubeletCa = path.join(pod.node.root, 'var/lib/kubelet/pki/kubelet.crt');
    const child = spawn(process.execPath, ['bin/kia.js', 'kubelet', pod.node.name, 'port-forward', '--kubeconfig', t.plan.files.adminConf, '--kubelet-ca', kubeletCa, `default/${pod.name}`, '0:7'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    const local = await new Promise<number>((resolve) => {
      let text = '';
      child.stdout.on('data', (c: Buffer) => {
        text += c.toString();
        const m = /^Forwarding from 127\.0\.0\.1:(\d+) -> 7\n/.exec(text);
        if (m) resolve(Number(m[1]));
      });
    });
    const blob = randomBytes(1 << 20);
    assert.equal(sha256(await roundTrip(local, blob)), sha256(blob));
    child.kill('SIGINT');
    const code = await exited;
    clearTimeout(killer);
    assert.equal(stderr, '');
    assert.equal(code, 0);
  });

  it('a v5-only offer is accepted (101) by the 1.36 kubelet', async () => {
    const out = await wsConnect(`wss://${pod.node.ip}:10250/exec/default/${pod.name}/web?command=true&output=1`, ['v5.channel.k8s.io'], credentials(t.plan.files, 'admin'));
    assert.equal(out.status, 101);
    assert.equal(out.protocol, 'v5.channel.k8s.io');
  });

  it('RBAC: alice may not create pods/exec (403 Status); admin may', async () => {
    const alice = certificateIdentity(t.plan.files.aliceCert, t.plan.files.aliceKey, 'alice');
    const result = await exec({ ...proxied, identity: alice, container: 'web', command: ['id'], stdout: new Sink() });
    assert.equal(result.outcome, 'refused');
    assert.equal(result.httpStatus, 403);
    const status = JSON.parse(result.body ?? '{}') as Record<string, unknown>;
    assert.equal(status.kind, 'Status');
    assert.equal(status.reason, 'Forbidden');
    assert.equal(status.message, `pods "${pod.name}" is forbidden: User "alice" cannot create resource "pods/exec" in API group "" in the namespace "default"`);
  });

  describe('@kubernetes/client-node 1.x through the lab apiserver', () => {
    it('Exec: stdout, and the NonZeroExitCode status', async () => {
      const k8s = await import('@kubernetes/client-node');
      const kc = new k8s.KubeConfig();
      kc.loadFromFile(t.plan.files.adminConf);
      const stdout = new Sink();
      const status = await new Promise<Record<string, unknown>>((resolve, reject) => {
        new k8s.Exec(kc).exec('default', pod.name, 'web', ['sh', '-c', 'echo from-client-node; exit 7'], stdout, null, null, false, (s) => resolve(s as unknown as Record<string, unknown>)).catch(reject);
      });
      assert.equal(stdout.text, 'from-client-node\n');
      assert.equal(status.reason, 'NonZeroExitCode');
      assert.deepEqual((status.details as { causes: unknown[] }).causes, [{ reason: 'ExitCode', message: '7' }]);
    });

    it('Exec with stdin: sh reads lines until exit', async () => {
      const k8s = await import('@kubernetes/client-node');
      const kc = new k8s.KubeConfig();
      kc.loadFromFile(t.plan.files.adminConf);
      const stdout = new Sink();
      const stdin = new PassThrough();
      const status = new Promise<Record<string, unknown>>((resolve) => {
        void new k8s.Exec(kc).exec('default', pod.name, 'web', ['sh'], stdout, null, stdin, false, (s) => resolve(s as unknown as Record<string, unknown>));
      });
      stdin.write('hostname\n');
      stdin.write('exit 0\n');
      assert.equal((await status).status, 'Success');
      assert.equal(stdout.text, `${pod.name}\n`);
    });

    it('Attach: a line of the main process', async () => {
      const k8s = await import('@kubernetes/client-node');
      const kc = new k8s.KubeConfig();
      kc.loadFromFile(t.plan.files.adminConf);
      const stdout = new PassThrough();
      const line = new Promise<string>((resolve) => stdout.once('data', (c: Buffer) => resolve(c.toString('utf8'))));
      const ws = await new k8s.Attach(kc).attach('default', pod.name, 'web', stdout, null, null, false);
      const text = await line;
      ws.close();
      assert.match(text, new RegExp(`^${pod.name}/web line \\d+: GET /healthz 200\\n`));
    });

    it('PortForward: a round trip through the echo port', async () => {
      const k8s = await import('@kubernetes/client-node');
      const kc = new k8s.KubeConfig();
      kc.loadFromFile(t.plan.files.adminConf);
      const output = new PassThrough();
      const input = new PassThrough();
      const payload = randomBytes(256 << 10);
      const received: Buffer[] = [];
      let size = 0;
      const echoed = new Promise<Buffer>((resolve) =>
        output.on('data', (c: Buffer) => {
          received.push(c);
          if ((size += c.length) >= payload.length) resolve(Buffer.concat(received));
        }),
      );
      const ws = (await new k8s.PortForward(kc).portForward('default', pod.name, [7], output, null, input)) as { close(): void };
      input.write(payload);
      assert.equal(sha256(await echoed), sha256(payload));
      ws.close();
    });
  });
});

for (const version of ['1.28', '1.31'] as const) {
  describe(`streaming on ${version} (the kubelet speaks v4 only)`, () => {
    let t: TestLab;
    let pod: { node: LabNode; name: string };
    before(async () => {
      t = await startTestLab({ kubernetesVersion: version, network: NETWORK[version], nodes: 2 });
      pod = webPod(t.plan);
    });
    after(() => t?.stop());

    it('a v5-only offer is refused by the kubelet: 403, no body, Connection: close (§11)', async () => {
      const out = await wsConnect(`wss://${pod.node.ip}:10250/exec/default/${pod.name}/web?command=true&output=1`, ['v5.channel.k8s.io'], credentials(t.plan.files, 'admin'));
      assert.equal(out.status, 403);
      assert.equal(out.body, '');
      assert.equal(out.headers?.['connection'], 'close');
    });

    it('kia offers v5 and v4 straight to the kubelet and speaks v4', async () => {
      const result = await shellRun({ transport: viaKubelet(pod.node), identity: admin(t.plan), ns: 'default', pod: pod.name }, 'echo hi\nexit 4\n');
      assert.equal(result.protocol, 'v4.channel.k8s.io');
      assert.equal(result.stdout, 'hi\n');
      assert.equal(result.exitCode, 4);
    });

    // §3.8/§6.3: from 1.30 the apiserver negotiates v5 with clients whatever the kubelet speaks.
    const expected = version === '1.28' ? 'v4.channel.k8s.io' : 'v5.channel.k8s.io';
    it(`via the apiserver the client gets ${expected}; stdin closes and the exit status comes back`, async () => {
      const target = { transport: viaApiserver(t.plan), identity: admin(t.plan), ns: 'default', pod: pod.name };
      const result = await shellRun(target, 'echo via-apiserver\nexit 5\n');
      assert.equal(result.protocol, expected);
      assert.equal(result.stdout, 'via-apiserver\n');
      assert.equal(result.exitCode, 5);
      if (version !== '1.28') {
        const stdin = new PassThrough();
        const stdout = new Sink();
        const done = exec({ ...target, container: 'web', command: ['cat'], stdin, stdout });
        stdin.end('closed by v5\n');
        const cat = await done;
        assert.equal(cat.exitCode, 0);
        assert.equal(stdout.text, 'closed by v5\n');
      }
    });
  });
}
