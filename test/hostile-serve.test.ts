// `kia serve` against the hostile family and a healthy lab node (issue 10, "Hostile peers"): one probe cycle, then
// /api/state, /metrics, /api/cell and the dashboard over real HTTP; memory under the bound; Ctrl-C ends it. Its
// audit (a hunt of the same addresses) must finish and must not keep Ctrl-C from working.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { RSS_BOUND_MIB } from './peers/expect.ts';
import { arena as startArena } from './peers/arena.ts';
import { FAMILY, type Member } from './peers/family.ts';
import { startServe, type ServeRun } from './peers/serve-run.ts';

const PREFIX = '127.77.7';

interface Component {
  component: string;
  state: string;
  summary: string;
}
interface State {
  cycle: number;
  health: { nodes: { name: string; state: string; components: Component[] }[] };
  findings: { auditedAt: string | null };
}

const arena = startArena({ network: 60, prefix: PREFIX });
const at = (member: Member) => arena.at(member);

describe('kia serve of the lab node and the whole family (no audit)', () => {
  let serve: ServeRun;
  let state: State;
  let metrics: string;
  before(async () => {
    serve = await startServe([arena.labNode, ...FAMILY.map(at), arena.family.nothing, '--interval', '2', '--timeout', '3000', '--cacert', arena.family.pki.caFile, '--audit-interval', '0']);
    await serve.cycles(1, 90_000);
    state = JSON.parse((await serve.get('/api/state')).body) as State;
    metrics = (await serve.get('/metrics')).body;
  });
  after(async () => {
    await serve?.stop(2_000);
  });

  const kubeletOf = (address: string) => state.health.nodes.find((n) => n.name === address)?.components.find((c) => c.component === 'kubelet');

  it('the lab node is still healthy in /api/state and /metrics', () => {
    const node = state.health.nodes.find((n) => n.name === arena.labNode);
    assert.equal(node?.components.find((c) => c.component === 'kube-apiserver')?.state, 'healthy', JSON.stringify(node));
    assert.ok(metrics.includes(`kia_component_up{node="${arena.labNode}",component="kube-apiserver"} 1\n`), metrics.slice(0, 2000));
  });

  it('the kubelet look-alike is healthy (the control); a silent peer is down, also on /metrics', () => {
    assert.equal(kubeletOf(at('tls:kubelet'))?.state, 'healthy');
    assert.equal(kubeletOf(at('tls:silent'))?.state, 'down');
    assert.ok(metrics.includes(`kia_component_up{node="${at('tls:silent')}",component="kubelet"} 0\n`));
    assert.ok(metrics.includes(`kia_component_health{node="${at('tls:silent')}",component="kubelet",state="down"} 1\n`));
  });

  for (const member of FAMILY.filter((m) => !m.endsWith(':kubelet') && !m.startsWith('cert:'))) {
    it(`${member}: listed, not healthy, with a reason`, () => {
      const kubelet = kubeletOf(at(member));
      assert.ok(kubelet, `${member} (${at(member)}) is missing from /api/state`);
      assert.notEqual(kubelet.state, 'healthy', `${member}: ${JSON.stringify(kubelet)}`);
      assert.ok(kubelet.summary.trim().length > 0);
    });
  }

  it('an address where nothing listens is listed, as down', () => {
    assert.equal(state.health.nodes.find((n) => n.name === arena.family.nothing)?.state, 'down', JSON.stringify(state.health.nodes.map((n) => n.name)));
  });

  it('/api/cell of hostile peers answers JSON; the dashboard answers', async () => {
    for (const member of ['tls:escapes-error', 'tls:binary', 'tls:oversized-body', 'tls:drip-body'] as const) {
      const cell = await serve.get(`/api/cell?node=${at(member)}&component=kubelet`);
      assert.equal(cell.status, 200, `${member}: ${cell.body.slice(0, 300)}`);
      assert.doesNotThrow(() => JSON.parse(cell.body), member);
    }
    assert.equal((await serve.get('/')).status, 200);
  });

  it(`keeps cycling under ${RSS_BOUND_MIB} MiB, and Ctrl-C ends it with exit 0`, async () => {
    await serve.cycles(state.cycle + 1, 60_000);
    const end = await serve.stop(15_000);
    assert.ok(end.peakRssMiB < RSS_BOUND_MIB, `peak RSS ${end.peakRssMiB} MiB`);
    assert.deepEqual([end.stoppedByCtrlC, end.code], [true, 0], end.stderr);
  });
});

describe('kia serve audits the hostile family too', () => {
  it('with peers that end: the audit finishes and Ctrl-C ends it', async () => {
    const serve = await startServe([arena.labNode, at('plain:silent'), at('tls:broken-status'), at('tls:escapes'), '--interval', '5', '--timeout', '2000', '--cacert', arena.family.pki.caFile]);
    try {
      await serve.cycles(1, 60_000);
      await auditDone(serve, 30_000);
    } finally {
      const end = await serve.stop(15_000);
      assert.deepEqual([end.stoppedByCtrlC, end.code], [true, 0], end.stderr);
    }
  });

  it('with a drip body: the audit still finishes, and Ctrl-C still ends it', async () => {
    const serve = await startServe([arena.labNode, at('tls:drip-body'), at('plain:drip-body'), '--interval', '5', '--timeout', '2000', '--cacert', arena.family.pki.caFile]);
    try {
      await serve.cycles(1, 60_000);
      await auditDone(serve, 30_000);
    } finally {
      const end = await serve.stop(15_000);
      assert.deepEqual([end.stoppedByCtrlC, end.code], [true, 0], `not ended by Ctrl-C within 15 s: ${end.stderr}`);
    }
  });
});

async function auditDone(serve: ServeRun, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const state = JSON.parse((await serve.get('/api/state')).body) as State;
    if (state.findings.auditedAt !== null) return;
    assert.ok(Date.now() < until, `no audit finished within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
