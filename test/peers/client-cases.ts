// The one-shot clients against every hostile peer (issue 10, "Hostile peers"), as tables: which members each command
// meets, the exit status CONVENTIONS gives each (1: a peer's answer kia cannot use; 2 never for what a peer did; 3:
// no answer), and what fails today. Two test files register them, so each stays well inside the per-file timeout.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { FAMILY, startFamily, type Family, type Member } from './family.ts';
import { assertOutcome } from './expect.ts';
import { runWatched } from './run.ts';

const TOKEN = 'clients-token-0123456789abcdef';

export type Command = 'get' | 'metrics' | 'kubelet pods' | 'kubelet logs' | 'kubelet configz' | 'etcd health' | 'etcd version';

// Peers that never finish get a short timeout; a big body gets time to reach the byte cap (a timeout would be 3).
const BIG = ['endless-body', 'oversized-body', 'gzip-bomb'];

function argv(family: Family, command: Command, member: Member): string[] {
  const peer = family.peer(member);
  const timeout = ['--timeout', BIG.includes(kindOf(member)) ? '20000' : '3000'];
  const tls = peer.origin.startsWith('https:') ? ['--cacert', family.pki.caFile, '--token', TOKEN] : [];
  const kubelet = [...timeout, '--kubelet-ca', family.pki.caFile, '--tls-server-name', peer.host, '--token', TOKEN];
  switch (command) {
    case 'get':
      return ['get', `${peer.origin}/healthz`, ...timeout, ...tls];
    case 'metrics':
      return ['metrics', `${peer.origin}/metrics`, ...timeout, ...tls];
    case 'kubelet pods':
      return ['kubelet', peer.host, 'pods', ...kubelet];
    case 'kubelet logs':
      return ['kubelet', peer.host, 'logs', 'kia.log', '-v', ...kubelet];
    case 'kubelet configz':
      return ['kubelet', peer.host, 'configz', ...kubelet];
    case 'etcd health':
      return ['etcd', 'health', '--endpoint', peer.origin, ...timeout, ...tls];
    case 'etcd version':
      return ['etcd', 'version', '--endpoint', peer.origin, ...timeout, ...tls];
  }
}

const kindOf = (m: Member) => m.split(':')[1] as string;
const DOWN = [3];
const UNUSABLE = [1];
// A status line, headers or framing that is not HTTP: an answer kia cannot use (1), or no HTTP answer at all (3).
const MALFORMED = [1, 3];

/** Exit codes per peer kind, the same for every client unless `EXITS_BY_COMMAND` says otherwise. */
const EXITS: Record<string, number[]> = {
  silent: DOWN,
  'drip-head': DOWN,
  'drip-body': DOWN,
  reset: DOWN,
  'tls-garbage': DOWN,
  'tls-stall': DOWN,
  // Verification is on: a certificate that fails it is a TLS failure.
  expired: DOWN,
  'wrong-host': DOWN,
  'self-signed': DOWN,
  'endless-body': UNUSABLE,
  'oversized-body': UNUSABLE,
  'redirect-loop': UNUSABLE,
  'redirect-away': UNUSABLE,
  'broken-status': MALFORMED,
  'header-flood': MALFORMED,
  'mega-header': MALFORMED,
  'bad-chunking': MALFORMED,
  'two-lengths': MALFORMED,
  // 500 or 403: answered, with an error.
  'escapes-error': UNUSABLE,
  // 401 to anonymous and to the token; /healthz ok.
  kubelet: UNUSABLE,
};
const EXITS_BY_COMMAND: Record<Command, Record<string, number[]>> = {
  // `kia get` prints any body raw (stdout is a pipe here); a bomb is printed compressed, or refused once decoded.
  get: { 'bad-utf8': [0], binary: [0], escapes: [0], 'gzip-bomb': [0, 1], kubelet: [0] },
  // Not an exposition: unusable. The escaped one is valid (escapes in HELP and a label value).
  metrics: { 'bad-utf8': UNUSABLE, binary: UNUSABLE, 'gzip-bomb': UNUSABLE, escapes: [0] },
  'kubelet pods': { 'bad-utf8': UNUSABLE, binary: UNUSABLE, 'gzip-bomb': UNUSABLE, escapes: [0] },
  'kubelet logs': { 'bad-utf8': [0], binary: [0], escapes: [0], 'gzip-bomb': [0, 1] },
  // A JSON object without `kubeletconfig` may be printed as it came, or refused.
  'kubelet configz': { 'bad-utf8': [0, 1], binary: UNUSABLE, 'gzip-bomb': UNUSABLE, escapes: [0] },
  // Not etcd's answer: unusable; the escaped one is a well-formed `"health":"false"`: unhealthy, 1.
  'etcd health': { 'bad-utf8': UNUSABLE, binary: UNUSABLE, 'gzip-bomb': UNUSABLE, escapes: UNUSABLE },
  'etcd version': { 'bad-utf8': UNUSABLE, binary: UNUSABLE, 'gzip-bomb': UNUSABLE, escapes: [0] },
};


function expected(command: Command, member: Member): number[] {
  const kind = kindOf(member);
  const codes = EXITS_BY_COMMAND[command][kind] ?? EXITS[kind];
  assert.ok(codes, `no expectation for ${command} × ${member}`);
  return codes;
}

// One member per kind, over TLS or plain HTTP in turn (both layers behave alike in these clients; the hunt and health
// suites take both). Redirects to elsewhere are over TLS so that the token is sent and may be seen not to follow.
const EACH_KIND: readonly Member[] = [
  'tls:silent', 'plain:drip-head', 'tls:drip-body', 'plain:reset', 'tls:tls-garbage', 'tls:tls-stall',
  'tls:endless-body', 'plain:oversized-body', 'tls:gzip-bomb',
  'plain:broken-status', 'tls:header-flood', 'plain:mega-header', 'tls:bad-chunking', 'plain:two-lengths',
  'tls:redirect-loop', 'plain:redirect-loop', 'tls:redirect-away',
  'tls:bad-utf8', 'plain:binary', 'tls:escapes', 'tls:escapes-error', 'tls:kubelet',
  'cert:expired', 'cert:wrong-host', 'cert:self-signed',
];

// The kubelet client speaks only HTTPS: its plain-HTTP members would all be the same TLS failure.
const MEMBERS: Record<Command, readonly Member[]> = {
  get: EACH_KIND,
  metrics: EACH_KIND,
  'etcd health': EACH_KIND,
  'kubelet pods': FAMILY.filter((m) => !m.startsWith('plain:')),
  'kubelet logs': ['tls:silent', 'tls:drip-body', 'tls:endless-body', 'tls:gzip-bomb', 'tls:redirect-loop', 'tls:bad-utf8', 'tls:binary', 'tls:escapes', 'tls:escapes-error', 'cert:expired'],
  'kubelet configz': ['tls:bad-utf8', 'tls:binary', 'tls:escapes', 'tls:escapes-error', 'tls:gzip-bomb', 'tls:oversized-body'],
  'etcd version': ['tls:bad-utf8', 'tls:binary', 'tls:escapes', 'tls:escapes-error', 'tls:gzip-bomb', 'plain:oversized-body'],
};

/**
 * Registers the suites of `commands` against a family started on `prefix`: one test per command and member, one per
 * command with --deadline on a drip body, and the check that no credential followed a redirect.
 */
export function clientSuites(options: { prefix: string; commands: readonly Command[] }): void {
  let family: Family;
  before(async () => {
    family = await startFamily({ prefix: options.prefix });
  });
  after(async () => {
    await family?.close();
  });

  for (const command of options.commands) {
    describe(`kia ${command} against every hostile peer`, { concurrency: 4 }, () => {
      for (const member of MEMBERS[command]) {
        it(`${member}: exit ${expected(command, member).join(' or ')}, one clean line, bounded`, async () => {
          const run = await runWatched(argv(family, command, member), { killAfterMs: 30_000 });
          assertOutcome(run, `kia ${command} × ${member}`, expected(command, member));
        });
      }
    });
  }

  describe('--deadline: one overall deadline for a one-shot command', { concurrency: 4 }, () => {
    // A drip body with no --timeout: only the overall deadline can end these (the kill timer is deadline + 25 s).
    for (const command of options.commands) {
      it(`kia ${command} --deadline 3s against a drip body: exit 3, said why`, async () => {
        const args = argv(family, command, 'tls:drip-body').filter((a, i, all) => a !== '--timeout' && all[i - 1] !== '--timeout');
        const run = await runWatched([...args, '--deadline', '3s'], { killAfterMs: 28_000 });
        assertOutcome(run, `kia ${command} --deadline`, [3]);
      });
    }
  });

  describe('credentials never follow a redirect', () => {
    it('the host a redirect points to received no request carrying a credential', () => {
      const carried = family.away.requests.filter((r) => r.headers['authorization'] !== undefined);
      assert.deepEqual(carried, []);
      // The token was in play: the redirecting peer itself received it.
      assert.ok(family.peer('tls:redirect-away').requests.some((r) => r.headers['authorization'] === `Bearer ${TOKEN}`));
    });
  });
}
