// `kia health` against the hostile family and a healthy lab node in the same run (issue 10, "Hostile peers"): every
// target asked for appears, a hostile peer is never called healthy, the lab node still is, the command ends under the
// memory bound. Black-box: the built CLI as a child process, its JSON read by name.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { tcpConnect } from './helpers.ts';
import { arena as startArena, stallingSubnet } from './peers/arena.ts';
import { FAMILY, type Member } from './peers/family.ts';
import { assertOutcome } from './peers/expect.ts';
import { describeRun, runWatched, type WatchedRun } from './peers/run.ts';

const PREFIX = '127.77.3';
const PYTHON_AT = '127.77.6.1';

interface Probe {
  outcome: string;
  status?: number;
  detail: string;
}
interface Component {
  component: string;
  state: string;
  summary: string;
  endpoints: { port: number; state: string; probes: Probe[]; certificate?: { verified?: boolean; verifyError?: string; level: string } }[];
}
interface Health {
  state: string;
  nodes: { name: string; state: string; components: Component[] }[];
}

function parse(run: WatchedRun): Health {
  try {
    return JSON.parse(run.out) as Health;
  } catch {
    assert.fail(`no JSON health report: ${describeRun(run)}`);
  }
}

const arena = startArena({ network: 57, prefix: PREFIX });
const at = (member: Member) => arena.at(member);

/** What the health report says of the kubelet of one address (every hostile peer sits at the kubelet's port). */
function kubeletOf(h: Health, address: string): Component | undefined {
  return h.nodes.find((n) => n.name === address)?.components.find((c) => c.component === 'kubelet');
}

describe('one kia health of the lab node and the whole family', () => {
  let run: WatchedRun;
  before(async () => {
    const targets = FAMILY.map(at);
    run = await runWatched(['health', arena.labNode, ...targets, arena.family.nothing, '-o', 'json', '--timeout', '3000', '--cacert', arena.family.pki.caFile], { killAfterMs: 120_000 });
  });

  it('ends, exit 3 (some are down), under the memory bound, and the lab node is still healthy', () => {
    assertOutcome(run, 'health', [3]);
    const node = parse(run).nodes.find((n) => n.name === arena.labNode);
    assert.equal(node?.components.find((c) => c.component === 'kube-apiserver')?.state, 'healthy', JSON.stringify(node));
    assert.equal(node?.components.find((c) => c.component === 'kube-proxy')?.state, 'healthy', JSON.stringify(node));
  });

  it('the kubelet look-alike (401 to anonymous, /healthz ok) is healthy: the control for the rest', () => {
    assert.equal(kubeletOf(parse(run), at('tls:kubelet'))?.state, 'healthy');
  });

  for (const member of FAMILY.filter((m) => !m.endsWith(':kubelet') && !m.startsWith('cert:'))) {
    it(`${member}: listed, not healthy, with a reason`, () => {
      const kubelet = kubeletOf(parse(run), at(member));
      assert.ok(kubelet, `${member} (${at(member)}) is missing from the report`);
      assert.notEqual(kubelet.state, 'healthy', `${member}: ${JSON.stringify(kubelet)}`);
      assert.ok(kubelet.summary.trim().length > 0, `${member}: no summary`);
    });
  }

  it('an address where nothing listens is listed, as down', async () => {
    assert.equal(await tcpConnect(arena.family.nothing, 10250), 'ECONNREFUSED');
    const node = parse(run).nodes.find((n) => n.name === arena.family.nothing);
    assert.equal(node?.state, 'down', JSON.stringify(parse(run).nodes.map((n) => n.name)));
  });

  it('certificates: expired is degraded; wrong host and self-signed are recorded as not verified, with the reason', () => {
    const cert = (m: Member) => kubeletOf(parse(run), at(m))?.endpoints[0]?.certificate;
    assert.equal(kubeletOf(parse(run), at('cert:expired'))?.state, 'degraded');
    assert.deepEqual([cert('cert:expired')?.level, cert('cert:expired')?.verified], ['expired', false]);
    assert.equal(cert('cert:wrong-host')?.verified, false);
    assert.match(String(cert('cert:wrong-host')?.verifyError), /not valid for 127\.77\.3\.\d+|does not match/);
    assert.equal(cert('cert:self-signed')?.verified, false);
    assert.ok(String(cert('cert:self-signed')?.verifyError).length > 0);
    assert.equal(cert('tls:kubelet')?.verified, true);
  });
});

describe('every target asked for appears', () => {
  it('a peer that resets every connection and an address where nothing listens: rows in the table, down, exit 3', async () => {
    const run = await runWatched(['health', at('plain:reset'), arena.family.nothing, '--timeout', '1000', '--no-color'], { killAfterMs: 60_000 });
    assertOutcome(run, 'health', [3]);
    for (const address of [at('plain:reset'), arena.family.nothing]) assert.match(run.out, new RegExp(`^${address.replace(/\./g, '\\.')}\\s+\\S+\\s+down\\b`, 'm'), `no down row for ${address}:\n${run.out}`);
  });
});

describe('a plain web server on the kubelet port (python3 -m http.server 10250)', () => {
  let python: ChildProcess;
  before(async () => {
    python = spawn('python3', ['-m', 'http.server', '10250', '--bind', PYTHON_AT], { stdio: 'ignore', detached: true });
    for (let i = 0; i < 100 && (await tcpConnect(PYTHON_AT, 10250, 500)) !== 'connected'; i++) await new Promise((r) => setTimeout(r, 100));
  });
  after(() => {
    if (python.pid) process.kill(-python.pid, 'SIGKILL');
  });

  it('kia health says it is not a kubelet, exit 1 (the hunt already says unknown)', async () => {
    const run = await runWatched(['health', PYTHON_AT, '--timeout', '2000', '--no-color'], { killAfterMs: 60_000 });
    assertOutcome(run, 'health', [1]);
    assert.match(run.out, /not a kubelet/i, run.out);
  });
});

describe('--deadline', () => {
  it('health of a drip body and the lab node ends by its deadline, the lab node reported', async () => {
    const run = await runWatched(['health', arena.labNode, at('tls:drip-body'), '-o', 'json', '--deadline', '5s'], { killAfterMs: 35_000 });
    assertOutcome(run, 'health --deadline', [3]);
    assert.ok(parse(run).nodes.some((n) => n.name === arena.labNode), describeRun(run));
  });
});

describe('a /24 of peers that accept every connection and stall', () => {
  const peers = stallingSubnet('127.77.101');

  it('kia health ends, under the memory bound, exit 3, and every host that accepted is listed, as down', async () => {
    const run = await runWatched(['health', '127.77.101.0/24', '-o', 'json', '--timeout', '1000'], { killAfterMs: 120_000 });
    assertOutcome(run, 'health /24', [3]);
    const h = parse(run);
    const missing = peers.filter((p) => kubeletOf(h, p.host)?.state !== 'down').map((p) => p.host);
    assert.deepEqual(missing, [], `${missing.length} of 254 not listed as down`);
  });
});
