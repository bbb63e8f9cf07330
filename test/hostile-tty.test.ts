// Terminal escape sequences from a peer (issue 10): on a terminal, everything a peer sent is shown with its control
// characters escaped unless the user asked for raw bytes (`-o raw`, or stdout is not a terminal). The terminal is
// real: each command runs under util-linux `script`, which gives it a pseudo-terminal for stdout and stderr (both
// arrive on one stream); the peer's sequences (title, clear screen, cursor home, 256-colour, C1 CSI) must not be in
// it, while the text around them ("PWNED") must be, escaped.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ESCAPES, ESCAPE_NEEDLES } from './peers/answers.ts';
import { startFamily, type Family, type Member } from './peers/family.ts';
import { assertEnded } from './peers/expect.ts';
import { describeRun, runWatched, type WatchedRun } from './peers/run.ts';

const PREFIX = '127.77.14';

let family: Family;
before(async () => {
  family = await startFamily({ prefix: PREFIX, only: ['tls:escapes', 'tls:escapes-error', 'plain:escapes'] });
});
after(async () => {
  await family?.close();
});

function tls(): string[] {
  return ['--cacert', family.pki.caFile, '--timeout', '5000'];
}
function kubelet(member: Member): string[] {
  const peer = family.peer(member);
  return [peer.host, '--kubelet-ca', family.pki.caFile, '--tls-server-name', peer.host, '--timeout', '5000'];
}

function assertEscaped(run: WatchedRun, label: string, shown: boolean): void {
  assertEnded(run, label);
  for (const needle of ESCAPE_NEEDLES) assert.ok(!run.out.includes(needle), `${label}: ${JSON.stringify(needle)} reached the terminal raw: ${describeRun(run)}`);
  if (shown) assert.ok(run.out.includes('PWNED'), `${label}: the peer's text is not shown at all: ${describeRun(run)}`);
}

// `shown: false`: the output may cut the peer's text short (the health table fits the terminal's width).
const ON_A_TERMINAL: { label: string; args: () => string[]; shown?: false }[] = [
  { label: 'kia get (200 text)', args: () => ['get', `${family.peer('tls:escapes').origin}/healthz`, ...tls()] },
  { label: 'kia get (500 text)', args: () => ['get', `${family.peer('tls:escapes-error').origin}/healthz`, ...tls()] },
  { label: 'kia get (plain HTTP)', args: () => ['get', `${family.peer('plain:escapes').origin}/healthz`] },
  { label: 'kia kubelet pods (names in the PodList)', args: () => ['kubelet', ...kubelet('tls:escapes'), 'pods'] },
  { label: 'kia kubelet pods -o yaml', args: () => ['kubelet', ...kubelet('tls:escapes'), 'pods', '-o', 'yaml'] },
  { label: 'kia kubelet configz', args: () => ['kubelet', ...kubelet('tls:escapes'), 'configz'] },
  { label: 'kia kubelet logs', args: () => ['kubelet', ...kubelet('tls:escapes'), 'logs', 'kia.log'] },
  { label: 'kia kubelet pods (403 error)', args: () => ['kubelet', ...kubelet('tls:escapes-error'), 'pods'] },
  { label: 'kia etcd health (reason)', args: () => ['etcd', 'health', '--endpoint', family.peer('tls:escapes').origin, ...tls()] },
  { label: 'kia etcd version', args: () => ['etcd', 'version', '--endpoint', family.peer('tls:escapes').origin, ...tls()] },
  { label: 'kia etcd health (500 error)', args: () => ['etcd', 'health', '--endpoint', family.peer('tls:escapes-error').origin, ...tls()] },
  { label: 'kia metrics (HELP text and a label value)', args: () => ['metrics', `${family.peer('tls:escapes').origin}/metrics`, '--family', 'evil_total', ...tls()] },
  { label: 'kia health (500 detail)', args: () => ['health', family.peer('tls:escapes-error').host, '--cacert', family.pki.caFile, '--timeout', '5000'], shown: false },
];

describe('on a terminal, a peer\'s escape sequences are shown escaped', { concurrency: 3 }, () => {
  for (const c of ON_A_TERMINAL) {
    it(c.label, async () => {
      assertEscaped(await runWatched(c.args(), { killAfterMs: 30_000, tty: true }), c.label, c.shown !== false);
    });
  }
});

describe('raw bytes when the user asks for them', () => {
  it('stdout to a pipe: kia get passes the body through byte for byte', async () => {
    const run = await runWatched(['get', `${family.peer('plain:escapes').origin}/healthz`], { killAfterMs: 30_000 });
    assertEnded(run, 'kia get | …');
    assert.equal(run.code, 0, describeRun(run));
    assert.equal(run.out, `${ESCAPES}\n`);
  });

  it('-o raw on a terminal: kia get writes the body as it came', async () => {
    const run = await runWatched(['get', `${family.peer('plain:escapes').origin}/healthz`, '-o', 'raw'], { killAfterMs: 30_000, tty: true });
    assertEnded(run, 'kia get -o raw');
    assert.ok(run.out.includes(ESCAPES), describeRun(run));
  });
});
