// `kia kubelet … exec|attach|port-forward` against hostile WebSocket peers on loopback (issue "Trust"): refusals that
// drip or never end, upgrades that never finish, floods on every channel, frames over the limit, peers that never
// close, bytes no channel expects, a stalled port-forward and Ctrl-C, bad numbers on the command line. Each case must
// end (a kill timer fails a hang), stay under RSS_BOUND_MB of resident memory (sampled every 50 ms from /proc), say
// one clear line, and exit as CONVENTIONS says (1 refused or broken, 2 bad input, 3 no answer, else exec's status).
import { after, describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { channelFrame, exitFrame, flood, frameHead, startPeer, switching, watchKia, type Behaviour, type Peer, type Run, type Watched } from './hostile-ws-peer.ts';
import { tokenIdentity } from '../src/clients/identity.ts';
import { Transport } from '../src/clients/transport/transport.ts';
import type { EndpointObservation } from '../src/model/index.ts';
import { proveExec } from '../src/probe/index.ts';

/** What a kia child may hold at its peak while a peer floods it (an idle kia is about 60 MB here). */
const RSS_BOUND_MB = 150;

const peers: Peer[] = [];
const children: Watched['child'][] = [];
after(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const peer of peers) await peer.close();
});

/** A kia child that is killed when the suite ends, whatever happened to its test. */
function kia(...args: Parameters<typeof watchKia>): Watched {
  const watched = watchKia(...args);
  children.push(watched.child);
  return watched;
}

async function peer(behaviour: Behaviour, options: Parameters<typeof startPeer>[1] = {}): Promise<Peer> {
  const started = await startPeer(behaviour, options);
  peers.push(started);
  return started;
}

function kubelet(p: Peer, command: 'exec' | 'attach' | 'port-forward', ...rest: string[]): string[] {
  return ['kubelet', '127.0.0.1', command, '--port', String(p.port), '--kubelet-ca', p.caFile, ...rest];
}

const execArgs = (p: Peer, ...flags: string[]) => kubelet(p, 'exec', ...flags, 'default/web/c', '--', 'sh', '-c', 'true');

/** The child's peak resident memory is under the bound, and said in the test's output. */
function bounded(t: TestContext, run: Run): void {
  t.diagnostic(`peak RSS ${run.peakRssMb} MB`);
  assert.ok(run.peakRssMb < RSS_BOUND_MB, `peak RSS ${run.peakRssMb} MB`);
}

/** One line on stderr, printable, short. */
function oneLine(stderr: string): string {
  const lines = stderr.split('\n').filter((l) => l !== '');
  assert.equal(lines.length, 1, `one line on stderr, got:\n${stderr}`);
  const line = lines[0] as string;
  // eslint-disable-next-line no-control-regex -- no control character may reach the terminal
  assert.doesNotMatch(line, /[\x00-\x08\x0b-\x1f\x7f]/, 'control characters are escaped');
  assert.ok(line.length <= 400, `a short line, got ${line.length} characters`);
  assert.doesNotMatch(line, /\n\s+at /, 'no stack trace');
  return line;
}

describe('a refused upgrade', () => {
  it('that drips its body a byte a second ends at --deadline: exit 1, the status and what came', async (t) => {
    const p = await peer((socket) => {
      socket.write('HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\n\r\nforbidden: ');
      const drip = setInterval(() => (socket.destroyed ? clearInterval(drip) : socket.write('x')), 1000);
    });
    const run = await kia(execArgs(p, '--deadline', '2s'), { killAfterMs: 20_000 }).done;
    assert.equal(run.code, 1, run.stderr);
    assert.match(oneLine(run.stderr), /^kia: exec: the upgrade was refused: 403 forbidden: x* \(the answer was cut off at the 2s deadline, --deadline\)$/);
    bounded(t, run);
  });

  it('with an endless body full of escape sequences: one short, escaped line, exit 1', async (t) => {
    const p = await peer((socket) => {
      socket.write('HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain\r\n\r\n\x1b]0;pwned\x07\x1b[2Jboom ');
      flood(socket, () => Buffer.alloc(64 << 10, 'A'));
    });
    const run = await kia(execArgs(p), { killAfterMs: 20_000 }).done;
    assert.equal(run.code, 1, run.stderr);
    const line = oneLine(run.stderr);
    assert.match(line, /^kia: exec: the upgrade was refused: 500 \\x1b\]0;pwned\\x07\\x1b\[2Jboom A{100,200}…$/);
    bounded(t, run);
  });
});

describe('an upgrade that never completes', () => {
  it('a server that reads the request and never answers: exit 3 at --deadline', async () => {
    const p = await peer(() => undefined);
    const run = await kia(execArgs(p, '--deadline', '1500ms'), { killAfterMs: 20_000 }).done;
    assert.equal(run.code, 3, run.stderr);
    assert.equal(oneLine(run.stderr), `kia: exec: no answer to the WebSocket upgrade from 127.0.0.1:${p.port} within 1.5s (--deadline)`);
  });

  it('a TLS handshake that stalls: exit 3 at --deadline', async () => {
    const p = await peer(() => undefined, { tls: 'stall' });
    const run = await kia(execArgs(p, '--deadline', '1s'), { killAfterMs: 20_000 }).done;
    assert.equal(run.code, 3, run.stderr);
    assert.equal(oneLine(run.stderr), `kia: exec: no answer to the WebSocket upgrade from 127.0.0.1:${p.port} within 1s (--deadline)`);
  });

  it('a 101 with the wrong accept key is a peer kia cannot use: exit 1', async () => {
    const p = await peer((socket) => socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\nSec-WebSocket-Protocol: v5.channel.k8s.io\r\n\r\n'));
    const run = await kia(execArgs(p), { killAfterMs: 20_000 }).done;
    assert.equal(run.code, 1, run.stderr);
    assert.equal(oneLine(run.stderr), 'kia: exec: the WebSocket upgrade failed: Invalid Sec-WebSocket-Accept header');
  });
});

describe('the channel protocol', () => {
  for (const command of ['exec', 'attach'] as const) {
    it(`${command}: a flood on the error channel fails the stream past 64 KiB: exit 1, bounded memory`, async (t) => {
      const p = await peer((socket, request) => {
        socket.write(switching(request));
        flood(socket, () => channelFrame(3, Buffer.alloc(60 << 10, 'e')));
      });
      const args = command === 'exec' ? execArgs(p) : kubelet(p, 'attach', 'default/web/c');
      const run = await kia(args, { killAfterMs: 20_000 }).done;
      assert.equal(run.code, 1, run.stderr);
      assert.equal(oneLine(run.stderr), `kia: ${command}: the stream broke: the peer sent more than 64 KiB on the error channel`);
      bounded(t, run);
    });
  }

  it('a frame announcing 1 TiB ends the stream: exit 1', async (t) => {
    const p = await peer((socket, request) => {
      socket.write(switching(request));
      socket.write(channelFrame(1, 'before\n'));
      socket.write(frameHead(1n << 40n));
      flood(socket, () => Buffer.alloc(64 << 10, 1));
    });
    const run = await kia(execArgs(p), { killAfterMs: 20_000 }).done;
    assert.equal(run.code, 1, run.stderr);
    assert.equal(run.stdout.toString(), 'before\n');
    assert.equal(oneLine(run.stderr), 'kia: exec: the stream broke: the peer sent a message over 8 MiB (Max payload size exceeded)');
    bounded(t, run);
  });

  it('a flood of output in 32 MiB messages is stopped at the message limit, not buffered: exit 1', async (t) => {
    const p = await peer((socket, request) => {
      socket.write(switching(request));
      flood(socket, () => channelFrame(1, Buffer.alloc(32 << 20, 'o')));
    });
    const run = await kia(execArgs(p), { killAfterMs: 20_000, countOnly: true }).done;
    assert.equal(run.code, 1, run.stderr);
    assert.equal(run.stdoutBytes, 0);
    assert.equal(oneLine(run.stderr), 'kia: exec: the stream broke: the peer sent a message over 8 MiB (Max payload size exceeded)');
    bounded(t, run);
  });

  it('a flood of output to a stdout that is a slow pipe holds the peer (backpressure), then all of it arrives', async (t) => {
    const total = 192 << 20;
    let sent = () => 0;
    let held: () => void = () => undefined;
    const blocked = new Promise<void>((resolve) => (held = resolve));
    const p = await peer((socket, request) => {
      socket.write(switching(request));
      // 1 MiB frames: each is more than a pipe holds, so kia must stop reading while stdout is full.
      const out = flood(socket, () => channelFrame(1, Buffer.alloc(1 << 20, 'o')), total);
      sent = out.written;
      const check = setInterval(() => {
        if (socket.writableLength > 0 && socket.writableNeedDrain) held();
      }, 20);
      void out.done.then(() => {
        clearInterval(check);
        socket.end(exitFrame(0));
      });
    });
    const watched = kia(execArgs(p), { killAfterMs: 60_000, holdStdout: true, countOnly: true });
    await blocked;
    // While nobody reads kia's stdout, the peer must stay held well short of the total.
    await new Promise((r) => setTimeout(r, 1500));
    const whileHeld = sent();
    assert.ok(whileHeld < 48 << 20, `the peer got ${whileHeld >> 20} MiB out while kia's stdout was full`);
    watched.child.stdout?.resume();
    const run = await watched.done;
    assert.equal(run.code, 0, run.stderr);
    // flood() stops at the first frame that reaches the total: that many frames of 1 MiB each (10-byte head, channel byte).
    assert.equal(run.stdoutBytes, Math.ceil(total / ((1 << 20) + 11)) << 20);
    bounded(t, run);
  });

  it('a peer that never closes after the exit status: kia ends within a short grace with the status', async () => {
    const p = await peer((socket, request) => {
      socket.write(switching(request));
      socket.write(channelFrame(1, 'done\n'));
      socket.write(exitFrame(7));
      // Reads on, answers nothing, never closes: not even the close handshake.
    });
    const run = await kia(execArgs(p), { killAfterMs: 15_000 }).done;
    assert.equal(run.code, 7, run.stderr);
    assert.equal(run.stdout.toString(), 'done\n');
    assert.equal(run.stderr, '');
  });

  it('bytes no channel expects (an unknown channel, v5 closes of bad channels, empty frames) are ignored', async () => {
    const p = await peer((socket, request) => {
      socket.write(switching(request));
      socket.write(Buffer.concat([channelFrame(9, 'nine'), channelFrame(200, 'x'), frameHead(0), Buffer.concat([frameHead(1), Buffer.from([255])]), channelFrame(255, Buffer.from([77])), channelFrame(1, 'ok\n'), frameHead(0, 0x1), exitFrame(0)]));
      socket.end();
    });
    const run = await kia(execArgs(p), { killAfterMs: 15_000 }).done;
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout.toString(), 'ok\n');
    assert.equal(run.stderr, '');
  });

  it('a peer that hangs up mid-stream without a status: the stream broke, exit 1', async () => {
    const p = await peer((socket, request) => {
      socket.write(switching(request));
      socket.write(channelFrame(1, 'partial'));
      setTimeout(() => socket.destroy(), 100);
    });
    const run = await kia(execArgs(p), { killAfterMs: 15_000 }).done;
    assert.equal(run.code, 1, run.stderr);
    assert.equal(run.stdout.toString(), 'partial');
    assert.equal(oneLine(run.stderr), 'kia: exec: the stream broke: the connection closed without an exit status (1006)');
  });
});

describe('port-forward', () => {
  /** Starts `kia kubelet … port-forward` on a free local port and waits for its "Forwarding from" line. */
  async function forward(p: Peer) {
    const watched = kia(kubelet(p, 'port-forward', 'default/web', '0:80'), { killAfterMs: 30_000 });
    const local = await new Promise<number>((resolve, reject) => {
      let text = '';
      watched.child.stdout?.on('data', (c: Buffer) => {
        text += c.toString();
        const m = /Forwarding from 127\.0\.0\.1:(\d+) -> 80/.exec(text);
        if (m) resolve(Number(m[1]));
      });
      watched.child.once('exit', () => reject(new Error(`port-forward exited early: ${text}`)));
    });
    return { ...watched, local };
  }

  function connect(port: number, send?: Buffer): Promise<net.Socket> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port }, () => {
        if (send) socket.write(send);
        resolve(socket);
      });
      socket.on('error', reject);
    });
  }

  it('a flood on the error channel ends that connection, not kia; Ctrl-C then exits 1 (a connection failed)', async (t) => {
    const p = await peer((socket, request) => {
      socket.write(switching(request, 'v4.channel.k8s.io'));
      socket.write(Buffer.concat([channelFrame(0, Buffer.from([80, 0])), channelFrame(1, Buffer.from([80, 0]))]));
      flood(socket, () => channelFrame(1, Buffer.alloc(60 << 10, 'e')));
    });
    const pf = await forward(p);
    const local = await connect(pf.local);
    await new Promise<void>((resolve) => local.on('close', () => resolve()));
    // A second connection still gets a WebSocket of its own: kia survived the first.
    const second = await connect(pf.local);
    await new Promise<void>((resolve) => second.on('close', () => resolve()));
    assert.equal(p.requests.length, 2);
    pf.child.kill('SIGINT');
    const run = await pf.done;
    assert.equal(run.code, 1, run.stderr);
    const lines = run.stderr.trim().split('\n');
    assert.deepEqual(lines, [`kia: error forwarding ${pf.local} -> 80: the peer sent more than 64 KiB on the error channel`, `kia: error forwarding ${pf.local} -> 80: the peer sent more than 64 KiB on the error channel`]);
    bounded(t, run);
  });

  it('Ctrl-C while a stream has stalled (the peer reads nothing and never closes) exits promptly, 0', async () => {
    let upgraded: () => void = () => undefined;
    const stalled = new Promise<void>((resolve) => (upgraded = resolve));
    const p = await peer((socket, request) => {
      socket.write(switching(request, 'v4.channel.k8s.io'));
      socket.write(Buffer.concat([channelFrame(0, Buffer.from([80, 0])), channelFrame(1, Buffer.from([80, 0]))]));
      socket.pause();
      upgraded();
    });
    const pf = await forward(p);
    const local = await connect(pf.local, Buffer.alloc(8 << 20, 'd'));
    await stalled;
    pf.child.kill('SIGINT');
    // Today's main waited 30 s for the close handshake: the kill timer below is 10 s.
    const timer = setTimeout(() => pf.child.kill('SIGKILL'), 10_000);
    const run = await pf.done;
    clearTimeout(timer);
    local.destroy();
    assert.equal(run.code, 0, `exit ${run.code} (-1 or null: killed after 10 s): ${run.stderr}`);
    assert.equal(run.stderr, '');
  });
});

describe('input', { concurrency: 3 }, () => {
  const bad: [string[], RegExp][] = [
    [['--timeout', 'NaN'], /^error: option '--timeout <ms>' argument 'NaN' is invalid\. --timeout takes a whole number of milliseconds from 1 to 2147483647$/],
    [['--timeout', '-1'], /^error: option '--timeout <ms>' argument '-1' is invalid\. --timeout takes a whole number of milliseconds from 1 to 2147483647$/],
    [['--timeout', '99999999999'], /^error: option '--timeout <ms>' argument '99999999999' is invalid\. --timeout takes a whole number of milliseconds from 1 to 2147483647$/],
    [['--deadline', 'soon'], /^error: option '--deadline <duration>' argument 'soon' is invalid\. --deadline takes a duration such as 500ms, 10s or 2m \(a bare number is seconds\)$/],
    [['--deadline', '0'], /^error: option '--deadline <duration>' argument '0' is invalid\. --deadline takes a duration such as 500ms, 10s or 2m \(a bare number is seconds\)$/],
    [['--deadline', '999999h'], /^error: option '--deadline <duration>' argument '999999h' is invalid\. --deadline takes a duration such as 500ms, 10s or 2m \(a bare number is seconds\), at most 24 days$/],
    [['--port', '0'], /^error: option '--port <port>' argument '0' is invalid\. --port takes a whole number from 1 to 65535$/],
  ];
  // One validator serves the three commands (their options are declared once): every case on exec, one on the others.
  const cases: [string, [string[], RegExp]][] = [...bad.map((b) => ['exec', b] as [string, [string[], RegExp]]), ['attach', bad[0] as [string[], RegExp]], ['port-forward', bad[4] as [string[], RegExp]]];
  for (const [command, [flags, message]] of cases) {
    it(`${command} ${flags.join(' ')}: one line, exit 2`, async () => {
      const target = command === 'port-forward' ? ['default/web', '8080'] : command === 'exec' ? ['default/web/c', '--', 'true'] : ['default/web/c'];
      const run = await kia(['kubelet', '127.0.0.1', command, ...flags, ...target], { killAfterMs: 20_000 }).done;
      assert.equal(run.code, 2, run.stderr);
      assert.match(oneLine(run.stderr), message);
    });
  }

  it('--help states the setup deadline and its default', async () => {
    const run = await kia(['kubelet', '127.0.0.1', 'exec', '--help'], { killAfterMs: 20_000 }).done;
    const help = run.stdout.toString().replace(/\s+/g, ' ');
    assert.ok(help.includes("--deadline <duration> deadline for setting up the stream (connect, TLS, WebSocket upgrade, a refusal's body), not for the stream itself: 500ms, 10s, 2m; a bare number is seconds (default: 30s)"), help);
  });

  it('a node address from the API server that would reshape the URL is refused, not dialled: exit 1', async () => {
    const api = await peer((socket) => {
      const body = JSON.stringify({ kind: 'Node', apiVersion: 'v1', metadata: { name: 'evil' }, status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1/exec/kube-system/etcd/etcd?command=id#' }] } });
      socket.end(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    });
    const kubeconfig = path.join(path.dirname(api.caFile), 'kubeconfig');
    fs.writeFileSync(kubeconfig, `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: 'https://127.0.0.1:${api.port}', certificate-authority: '${api.caFile}'}}]\nusers: [{name: u, user: {token: not-a-secret}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n`);
    const run = await kia(['kubelet', 'evil', 'exec', '--kubeconfig', kubeconfig, 'default/web/c', '--', 'true'], { killAfterMs: 20_000 }).done;
    assert.equal(run.code, 1, run.stderr);
    assert.equal(oneLine(run.stderr), 'kia: the API server gives node evil the address "127.0.0.1/exec/kube-system/etcd/etcd?command=id#", which is not a host name or IP address');
    assert.deepEqual(api.requests.map((r) => r.target), ['/api/v1/nodes/evil']);
  });

  it('a node name that is not a host name is the user\'s mistake: exit 2', async () => {
    const run = await kia(['kubelet', 'a/b@c', 'exec', 'default/web/c', '--', 'true'], { killAfterMs: 20_000 }).done;
    assert.equal(run.code, 2, run.stderr);
    assert.equal(oneLine(run.stderr), 'kia: not a node name or IP address: "a/b@c"');
  });

  it('names from the user go into the URL encoded (path segments and command arguments)', async () => {
    const p = await peer((socket, request) => {
      socket.write(switching(request));
      socket.end(exitFrame(0));
    });
    const run = await kia(kubelet(p, 'exec', 'n s/p?od#x/c&d', '--', 'echo', 'a b&c=d'), { killAfterMs: 15_000 }).done;
    assert.equal(run.code, 0, run.stderr);
    assert.equal(p.requests[0]?.target, '/exec/n%20s/p%3Fod%23x/c%26d?command=echo&command=a+b%26c%3Dd&output=1&error=1');
  });
});

// `kia hunt --active`'s exec proof (as monitor, get nodes/proxy only) against a kubelet-like peer that lists one pod
// and then does what the case says with the upgrade: the proof ends within the run's deadline and byte cap, scrubbed.
describe('the hunt\'s --active exec proof', () => {
  const TOKEN = 'monitor-token-0123456789abcdef';
  const pods = (name: string) => JSON.stringify({ kind: 'PodList', items: [{ metadata: { name, namespace: 'kube-system' }, spec: { containers: [{ name: 'etcd' }] } }] });
  const kubeletLike = (upgrade: Behaviour, pod = 'etcd-n1'): Behaviour => (socket, request, rest) => {
    if (request.target !== '/pods') return upgrade(socket, request, rest);
    const body = pods(pod);
    socket.end(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  };
  const prove = async (p: Peer) => {
    const endpoint: EndpointObservation = {
      target: { host: '127.0.0.1', address: '127.0.0.1', source: 'argument' }, address: '127.0.0.1', port: p.port, scheme: 'https', outcome: 'open', exposure: 'network', errors: [],
      fingerprint: { component: 'kubelet', port: 'api', confidence: 'high', evidence: [] },
      routes: [{ route: 'kubelet.api.pods', method: 'GET', path: '/pods', identity: 'monitor', outcome: 'ok', status: 200, durationMs: 1 }],
    };
    const transport = new Transport({ timeoutMs: 1500 });
    try {
      return await proveExec(endpoint, { transport, identities: [tokenIdentity(TOKEN, 'monitor')], prove: ['monitor'], trust: { ca: fs.readFileSync(p.caFile, 'utf8') } });
    } finally {
      transport.close();
    }
  };

  it('runs id over a GET upgrade to /exec …?command=id&output=1 and keeps stdout scrubbed of the run\'s token', async () => {
    const p = await peer(kubeletLike((socket, request) => {
      socket.write(switching(request));
      socket.end(Buffer.concat([channelFrame(1, `uid=0(root) ${TOKEN}\n`), exitFrame(0)]));
    }));
    const { routes } = await prove(p);
    assert.deepEqual(routes.map((r) => [r.route, r.method, r.path, r.status, r.bodySample]), [['kubelet.api.exec', 'GET', '/exec/kube-system/etcd-n1/etcd?command=id&output=1', 101, 'uid=0(root) [redacted]\n']]);
    assert.deepEqual(p.requests.map((r) => r.target), ['/pods', '/exec/kube-system/etcd-n1/etcd?command=id&output=1']);
  });

  it('cuts a flood of stdout at 4 KiB and keeps 512 bytes of it', async () => {
    const p = await peer(kubeletLike((socket, request) => {
      socket.write(switching(request));
      flood(socket, () => channelFrame(1, Buffer.alloc(60 << 10, 'A')));
    }));
    const { routes } = await prove(p);
    assert.deepEqual(routes.map((r) => [r.status, r.outcome, r.detail, r.bodySample]), [[101, 'ok', 'stdout cut at 4096 bytes', 'A'.repeat(512)]]);
  });

  it('records an upgrade never answered as a timeout (the run\'s per-request deadline)', async () => {
    const p = await peer(kubeletLike(() => undefined));
    const { routes } = await prove(p);
    assert.deepEqual(routes.map((r) => [r.status, r.outcome]), [[undefined, 'timeout']]);
  });

  it('sends no upgrade for a listed pod whose name is not a Kubernetes name', async () => {
    const p = await peer(kubeletLike(() => undefined, 'x/c?command=rm&'));
    const { routes, errors } = await prove(p);
    assert.deepEqual([routes, p.requests.map((r) => r.target)], [[], ['/pods']]);
    assert.deepEqual(errors, ['--active: exec not proven: not running id in "kube-system/x/c?command=rm&/etcd": not valid Kubernetes names']);
  });
});
