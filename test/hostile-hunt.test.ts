// `kia hunt` against the hostile family and a healthy lab node in the same run (issue 10, "Hostile peers"): the hunt
// ends, stays under the memory bound, names what each peer did, and still reports the lab node. Black-box: the built
// CLI as a child process, its JSON report read by name.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { arena as startArena, stallingSubnet } from './peers/arena.ts';
import type { Member } from './peers/family.ts';
import { assertBounded, assertEnded, assertOutcome } from './peers/expect.ts';
import { describeRun, runWatched, type WatchedRun } from './peers/run.ts';

const PREFIX = '127.77.0';
const TOKEN = 'hunt-token-0123456789abcdef';

interface Route {
  path: string;
  outcome: string;
  status?: number;
}
interface Endpoint {
  address: string;
  port: number;
  scheme: string;
  fingerprint: { component: string };
  tls?: { verified?: boolean; verifyError?: string };
  routes: Route[];
  errors: string[];
}
interface Report {
  endpoints: Endpoint[];
  notes: string[];
  unanswered?: { count: number; addresses: string[] };
}

function report(run: WatchedRun): Report {
  try {
    return JSON.parse(run.out) as Report;
  } catch {
    assert.fail(`no JSON report: ${describeRun(run)}`);
  }
}

const arena = startArena({ network: 56, prefix: PREFIX });
const at = (member: Member) => arena.at(member);

function assertLabNodeReported(r: Report): void {
  const kinds = r.endpoints.filter((e) => e.address === arena.labNode).map((e) => `${e.port}:${e.fingerprint.component}`);
  assert.ok(kinds.includes('10250:kubelet'), `the lab node's kubelet is missing from the report: ${JSON.stringify(kinds)}`);
  assert.ok(kinds.includes('6443:kube-apiserver'), `the lab node's apiserver is missing from the report: ${JSON.stringify(kinds)}`);
}

// Peers that could hold a hunt (drips, tarpits) are hunted on their own below; the rest go into one hunt with the lab node.
const HOLDS_THE_HUNT: readonly Member[] = ['tls:drip-body', 'plain:drip-body', 'tls:silent', 'tls:drip-head'];

describe('one hunt of the lab node and the whole family', () => {
  let run: WatchedRun;
  let r: Report;
  before(async () => {
    const targets = Object.keys(arena.family.peers).filter((m) => !HOLDS_THE_HUNT.includes(m as Member)).map((m) => at(m as Member));
    run = await runWatched(['hunt', arena.labNode, ...targets, arena.family.nothing, '-o', 'json', '--timeout', '2000', '--cacert', arena.family.pki.caFile, '--token', TOKEN], { killAfterMs: 180_000 });
  });

  it('ends with a report, exit 0, under the memory bound, and still reports the healthy lab node', () => {
    assertOutcome(run, 'hunt', [0]);
    r = report(run);
    assertLabNodeReported(r);
  });

  const endpoint = (member: Member): Endpoint => {
    const e = report(run).endpoints.find((x) => x.address === at(member));
    assert.ok(e, `${member} (${at(member)}) is missing from the endpoints: ${JSON.stringify(report(run).notes)}`);
    return e;
  };
  const first = (member: Member) => endpoint(member).routes[0] as Route;
  const outcomes = (member: Member) => [...new Set(endpoint(member).routes.map((x) => x.outcome))];

  it('an empty address and a peer that resets every connection are named in the notes', () => {
    for (const address of [arena.family.nothing, at('plain:reset')]) {
      assert.ok(report(run).notes.some((n) => n.includes(address)), `${address} not in the notes: ${JSON.stringify(report(run).notes)}`);
    }
  });

  it('plain peers that never answer (silent, a byte a second before the headers): timeout, with the reason', () => {
    for (const m of ['plain:silent', 'plain:drip-head'] as const) {
      assert.equal(first(m).outcome, 'timeout', m);
      assert.ok(endpoint(m).errors.length > 0, `${m}: no error recorded`);
    }
  });

  for (const m of ['tls:endless-body', 'tls:oversized-body', 'tls:gzip-bomb'] as const) {
    it(`${m}: a 200 over the byte cap is reported as too-large`, () => {
      assert.deepEqual([first(m).status, first(m).outcome], [200, 'too-large']);
    });
  }
  for (const m of ['plain:endless-body', 'plain:oversized-body', 'plain:gzip-bomb'] as const) {
    it(`${m}: a plain-HTTP 200 over the byte cap is an http endpoint with a too-large answer, not scheme unknown`, () => {
      assert.equal(endpoint(m).scheme, 'http');
      assert.deepEqual([first(m).status, first(m).outcome], [200, 'too-large']);
    });
  }

  for (const layer of ['tls', 'plain'] as const) {
    it(`${layer}: a broken status line, invalid chunking and two Content-Lengths are bad answers, never ok`, () => {
      // `bad-answer`: the transport's outcome for an answer that breaks HTTP/1.1's framing (never `ok`).
      for (const kind of ['broken-status', 'bad-chunking', 'two-lengths'] as const) assert.deepEqual(outcomes(`${layer}:${kind}`), ['bad-answer'], kind);
    });
    it(`${layer}: ten thousand headers and a megabyte header are bad answers or too-large, never ok`, () => {
      for (const kind of ['header-flood', 'mega-header'] as const) {
        const seen = outcomes(`${layer}:${kind}`);
        assert.ok(seen.length > 0 && seen.every((o) => o === 'bad-answer' || o === 'too-large'), `${kind}: ${JSON.stringify(seen)}`);
      }
    });
    it(`${layer}: redirects are recorded as 302 and never followed`, () => {
      for (const kind of ['redirect-loop', 'redirect-away'] as const) assert.deepEqual([first(`${layer}:${kind}`).outcome, first(`${layer}:${kind}`).status], ['ok', 302], kind);
      assert.deepEqual(arena.family.away.requests, [], 'a request reached the host the redirect pointed to');
    });
    it(`${layer}: invalid UTF-8, binary and escape sequences are answers like any other (200), kept in a valid report`, () => {
      for (const kind of ['bad-utf8', 'binary', 'escapes'] as const) {
        const got = endpoint(`${layer}:${kind}`).routes.find((x) => x.path === '/healthz');
        assert.deepEqual([got?.outcome, got?.status], ['ok', 200], kind);
      }
      assert.ok(!run.out.includes('\u001b'), 'a raw ESC in the JSON report');
    });
  }

  it('TLS garbage and a handshake that stalls half-way: no HTTPS, and the endpoint says why', () => {
    for (const m of ['tls:tls-garbage', 'tls:tls-stall'] as const) {
      assert.notEqual(endpoint(m).scheme, 'https', m);
      assert.ok(endpoint(m).errors.length > 0 || outcomes(m).every((o) => o !== 'ok'), `${m}: ${JSON.stringify(endpoint(m))}`);
    }
  });

  it('expired, wrong-host and self-signed certificates: recorded as not verified, with the reason', () => {
    const verdict = (m: Member, reason: RegExp) => {
      assert.equal(endpoint(m).tls?.verified, false, m);
      assert.match(String(endpoint(m).tls?.verifyError), reason, m);
    };
    verdict('cert:expired', /^certificate has expired/);
    verdict('cert:self-signed', /self-signed certificate|signed by unknown authority/);
    verdict('cert:wrong-host', /not valid for 127\.77\.0\.\d+|does not match certificate's altnames|ERR_TLS_CERT_ALTNAME_INVALID/);
    assert.equal(endpoint('tls:kubelet').tls?.verified, true);
  });

  it('the token goes to the verified peer and to none whose certificate failed', () => {
    const sent = (m: Member) => arena.family.peer(m).requests.filter((q) => q.headers['authorization'] !== undefined).length;
    assert.ok(sent('tls:kubelet') > 0, 'the token never reached the verified kubelet look-alike: the check below would prove nothing');
    for (const m of ['cert:expired', 'cert:wrong-host', 'cert:self-signed'] as const) assert.equal(sent(m), 0, `${m} received the token`);
  });
});

describe('--insecure-skip-tls-verify', () => {
  it('sends the token to a server whose certificate does not verify, as the README says', async () => {
    const peer = arena.family.peer('cert:self-signed');
    const before = peer.requests.length;
    const run = await runWatched(['hunt', peer.host, '-o', 'json', '--token', TOKEN, '--insecure-skip-tls-verify', '--timeout', '2000'], { killAfterMs: 60_000 });
    assertOutcome(run, 'hunt --insecure-skip-tls-verify', [0]);
    assert.ok(peer.requests.slice(before).some((q) => q.headers['authorization'] === `Bearer ${TOKEN}`), 'the token was sent nowhere');
  });
});

describe('the text report names what each hostile endpoint did', () => {
  it('a silent port reads "timeout" beside it, not only "low confidence"', async () => {
    const run = await runWatched(['hunt', at('plain:silent'), '--timeout', '1000', '--no-color'], { killAfterMs: 60_000 });
    assertOutcome(run, 'hunt -o text', [0, 3]);
    const block = run.out.split('\n\n').find((b) => b.startsWith(at('plain:silent'))) ?? '';
    assert.match(block, /timeout|timed out/i, `no reason beside ${at('plain:silent')}:\n${block}`);
  });
});

describe('peers that hold a hunt today', { concurrency: 3 }, () => {
  it('a drip body (headers, then a byte a second) ends with a report that keeps the lab node', async () => {
    const run = await runWatched(['hunt', arena.labNode, at('tls:drip-body'), at('plain:drip-body'), '-o', 'json', '--timeout', '2000'], { killAfterMs: 45_000 });
    assertOutcome(run, 'hunt', [0]);
    const r = report(run);
    assertLabNodeReported(r);
    for (const m of ['tls:drip-body', 'plain:drip-body'] as const) {
      const e = r.endpoints.find((x) => x.address === at(m));
      assert.ok(e && e.routes.some((x) => x.outcome === 'timeout'), `${m}: ${JSON.stringify(e)}`);
    }
  });

  it('--deadline 10s: the hunt reports what it has by then, the lab node included', async () => {
    const run = await runWatched(['hunt', arena.labNode, at('tls:drip-body'), at('plain:drip-body'), '-o', 'json', '--deadline', '10s'], { killAfterMs: 40_000 });
    // 3 when the deadline cut it short (CONVENTIONS), 0 when it finished first: either way with a report.
    assertOutcome(run, 'hunt --deadline', [0, 3]);
    assertLabNodeReported(report(run));
  });

  it('tarpits (TLS, then no HTTP answer, or a byte a second) cost about one timeout, not one per queued request', async () => {
    // The default 5 s timeout: the kill timer at 30 s is six of them; today this hunt takes about 53 s.
    const run = await runWatched(['hunt', arena.labNode, at('tls:silent'), at('tls:drip-head'), '-o', 'json'], { killAfterMs: 30_000 });
    assertOutcome(run, 'hunt', [0]);
    const r = report(run);
    assertLabNodeReported(r);
    for (const m of ['tls:silent', 'tls:drip-head'] as const) assert.ok(r.endpoints.some((x) => x.address === at(m)), `${m} missing`);
  });
});

describe('a /24 of peers that accept every connection and stall', () => {
  const peers = stallingSubnet('127.77.100');

  let run: WatchedRun;
  before(async () => {
    run = await runWatched(['hunt', '127.77.100.0/24', '-o', 'json', '--timeout', '1000'], { killAfterMs: 120_000 });
  });

  it('the hunt ends, exit 0, under the memory bound; every host is an endpoint that timed out or is counted', () => {
    assertEnded(run, 'hunt /24');
    assertBounded(run, 'hunt /24');
    assert.equal(run.code, 0, describeRun(run));
    const r = report(run);
    for (const e of r.endpoints.filter((x) => x.address.startsWith('127.77.100.'))) assert.equal(e.routes[0]?.outcome, 'timeout', JSON.stringify(e));
    assert.equal(r.endpoints.length + (r.unanswered?.count ?? 0), 254, JSON.stringify(r.unanswered));
    assert.ok(peers.reduce((n, p) => n + p.connections(), 0) >= 254);
  });

  it('every host that accepted is an endpoint', () => {
    const missing = peers.filter((p) => !report(run).endpoints.some((e) => e.address === p.host)).map((p) => p.host);
    assert.deepEqual(missing, []);
  });
});
