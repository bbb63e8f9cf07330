// Secrets (issue 10): kia never prints a secret it holds, nor one a peer hands back. Planted: a token (--token), a
// token file, client keys (--cert/--key) and kubeconfig credentials (a token, client-key-data); every command and
// output format runs against the lab and against a peer that echoes everything it was sent (in 401/403 bodies, a
// failing healthz, configz, logs, metrics, etcd's reason, headers, a redirect's Location). Every byte of stdout,
// stderr, written files and kia serve's pages is searched for each secret, raw, base64, base64url and URL-encoded,
// and for slices of each key's base64 body.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readToken, startTestLab, type TestLab } from './helpers.ts';
import { echoHandler } from './peers/echo.ts';
import { startHandlerPeer, type Peer } from './peers/peer.ts';
import { peerPki, type PeerPki } from './peers/pki.ts';
import { runWatched } from './peers/run.ts';
import { startServe } from './peers/serve-run.ts';

const ECHO = '127.77.20.1';

let lab: TestLab;
let pki: PeerPki;
let dir: string;
const echoes: Peer[] = [];
let labNode: string;
let files: {
  bundle: string;
  tokenFile: string;
  labAdminToken: string;
  kubeconfigEcho: string;
  kubeconfigLab: string;
};
/** Every secret kia holds in these runs, by name. */
const secrets = new Map<string, string>();
/** What must never appear: each secret's forms. */
const needles: { what: string; text: string }[] = [];

// Tokens with characters that base64 and URL encoding change ('+', '/', '=').
const token = (label: string) => `kia+${label}/${randomBytes(12).toString('hex')}=`;

function plant(name: string, value: string): void {
  secrets.set(name, value);
  for (const [form, text] of [['raw', value], ['base64', Buffer.from(value).toString('base64')], ['base64url', Buffer.from(value).toString('base64url')], ['url-encoded', encodeURIComponent(value)]] as const) {
    needles.push({ what: `${name} (${form})`, text });
  }
}

/** A private key's PEM: its base64 body's first 16 characters and a slice past the algorithm's fixed prefix. */
function plantKey(name: string, pem: string): void {
  const body = pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
  needles.push({ what: `${name} (first 16 of the key's base64)`, text: body.slice(0, 16) }, { what: `${name} (key body)`, text: body.slice(48, 80) });
  const data = Buffer.from(pem).toString('base64');
  needles.push({ what: `${name} (client-key-data)`, text: data.slice(60, 92) });
}

function assertNoSecret(label: string, ...outputs: (string | Buffer)[]): void {
  const text = outputs.map((o) => (Buffer.isBuffer(o) ? o.toString('latin1') + o.toString('utf8') : o)).join('\n');
  for (const n of needles) {
    const at = text.indexOf(n.text);
    assert.equal(at, -1, `${label}: ${n.what} appears: …${JSON.stringify(text.slice(Math.max(0, at - 120), at + n.text.length + 40))}…`);
  }
}

function kubeconfig(options: { server: string; caFile: string; user: Record<string, string> }): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: c`,
    `  cluster: {server: "${options.server}", certificate-authority-data: ${Buffer.from(fs.readFileSync(options.caFile)).toString('base64')}}`,
    'users:',
    '- name: u',
    `  user: {${Object.entries(options.user).map(([k, v]) => `${k}: "${v}"`).join(', ')}}`,
    'contexts:',
    '- name: x',
    '  context: {cluster: c, user: u}',
    'current-context: x',
    '',
  ].join('\n');
}

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kia-secrets-'));
  lab = await startTestLab({ network: 0, nodes: 1 });
  labNode = (lab.plan.nodes[0] as { ip: string }).ip;
  pki = await peerPki({ dir, hosts: [ECHO] });
  for (const port of [10250, 6443, 2379]) echoes.push(await startHandlerPeer({ host: ECHO, port, tls: pki.good, handler: echoHandler }));
  const lf = lab.plan.files;
  const write = (name: string, text: string) => {
    const at = path.join(dir, name);
    fs.writeFileSync(at, text, { mode: 0o600 });
    return at;
  };
  plant('--token', token('flag'));
  plant('--token-file', token('file'));
  plant('kubeconfig token', token('kube'));
  plant('lab admin token', readToken(lf.adminToken));
  plantKey('--key (peer client)', pki.client.key);
  plantKey('lab admin key', fs.readFileSync(lf.adminKey, 'utf8'));
  files = {
    bundle: write('bundle.crt', [lf.ca, lf.etcdCa, pki.caFile].map((f) => fs.readFileSync(f, 'utf8')).join('')),
    tokenFile: write('token', `${secrets.get('--token-file')}\n`),
    labAdminToken: lf.adminToken,
    kubeconfigEcho: write('echo.kubeconfig', kubeconfig({ server: `https://${ECHO}:6443`, caFile: pki.caFile, user: { token: secrets.get('kubeconfig token') as string } })),
    kubeconfigLab: write('lab.kubeconfig', kubeconfig({
      server: `https://${labNode}:6443`,
      caFile: lf.ca,
      user: { 'client-certificate-data': Buffer.from(fs.readFileSync(lf.adminCert)).toString('base64'), 'client-key-data': Buffer.from(fs.readFileSync(lf.adminKey)).toString('base64') },
    })),
  };
});

after(async () => {
  await Promise.all(echoes.map((e) => e.close()));
  await lab?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const tokens = () => ['--token', secrets.get('--token') as string, '--token-file', files.tokenFile];
const labCert = () => ['--cert', lab.plan.files.adminCert, '--key', lab.plan.files.adminKey];
const peerCert = () => ['--cert', pki.clientCertFile, '--key', pki.clientKeyFile];
const kubeletAt = (host: string) => [host, '--kubelet-ca', pki.caFile, '--tls-server-name', host, '--timeout', '5000', '-v'];

/** Runs kia and searches stdout, stderr and the file it wrote (`{out}` in `args` is replaced by a fresh path). */
async function searched(label: string, args: string[]): Promise<void> {
  const out = path.join(fs.mkdtempSync(path.join(dir, 'out-')), 'report');
  const run = await runWatched(args.map((a) => (a === '{out}' ? out : a)), { killAfterMs: 90_000 });
  assert.equal(run.killed, false, `${label}: hung`);
  const wanted = args.includes('{out}');
  const written = wanted && fs.existsSync(out) ? fs.readFileSync(out) : Buffer.alloc(0);
  if (wanted) assert.ok(written.length > 0, `${label}: nothing written to --output-file (exit ${run.code}: ${run.err})`);
  assertNoSecret(label, run.stdout, run.stderr, written);
}

describe('kia hunt: every output format', { concurrency: 2 }, () => {
  for (const format of ['text', 'json', 'sarif', 'markdown', 'html'] as const) {
    it(`-o ${format} (lab node and the echoing peer; tokens, token file, client key)`, async () => {
      await searched(`hunt -o ${format}`, ['hunt', labNode, ECHO, '-o', format, '--output-file', '{out}', '--cacert', files.bundle, ...tokens(), ...labCert(), '--timeout', '5000']);
    });
  }
  it('--kubeconfig whose server echoes (its token)', async () => {
    await searched('hunt --kubeconfig (echo)', ['hunt', '--kubeconfig', files.kubeconfigEcho, '-o', 'json', '--timeout', '5000']);
  });
  it('--kubeconfig of the lab (client-key-data), with the lab admin token', async () => {
    await searched('hunt --kubeconfig (lab)', ['hunt', '--kubeconfig', files.kubeconfigLab, '-o', 'json', '--token-file', files.labAdminToken, '--cacert', files.bundle, '--timeout', '5000']);
  });
});

describe('kia health: every output format', { concurrency: 2 }, () => {
  for (const format of ['table', 'json', 'yaml'] as const) {
    it(`-o ${format}`, async () => {
      await searched(`health -o ${format}`, ['health', labNode, ECHO, '-o', format, '--cacert', files.bundle, ...tokens(), ...labCert(), '--etcd-cert', lab.plan.files.etcdClientCert, '--etcd-key', lab.plan.files.etcdClientKey, '--timeout', '5000']);
    });
  }
  it('--kubeconfig whose server echoes', async () => {
    await searched('health --kubeconfig (echo)', ['health', '--kubeconfig', files.kubeconfigEcho, '-o', 'json', '--timeout', '5000']);
  });
});

describe('the clients', { concurrency: 3 }, () => {
  const echo = `https://${ECHO}:10250`;
  const cases: [string, () => string[]][] = [
    ['get /pods (403 echo) --token', () => ['get', `${echo}/pods`, '--cacert', pki.caFile, '--token', secrets.get('--token') as string]],
    ['get /logs/ (200 echo) --token-file', () => ['get', `${echo}/logs/kia.log`, '--cacert', pki.caFile, '--token-file', files.tokenFile]],
    ['get /configz --kubeconfig (echo)', () => ['get', `${echo}/configz`, '--kubeconfig', files.kubeconfigEcho]],
    ['get /pods --cert/--key', () => ['get', `${echo}/pods`, '--cacert', pki.caFile, ...peerCert()]],
    ['get the lab kubelet /configz with the lab admin token', () => ['get', `https://${labNode}:10250/configz`, '--insecure-skip-tls-verify', '--token-file', files.labAdminToken]],
    ['metrics (echo in HELP and a label)', () => ['metrics', `${echo}/metrics`, '--cacert', pki.caFile, '--token', secrets.get('--token') as string, '--family', 'kia_echo']],
    ['metrics -o json', () => ['metrics', `${echo}/metrics`, '--cacert', pki.caFile, '--token-file', files.tokenFile, '-o', 'json']],
    ['kubelet pods -v --token (403 echo)', () => ['kubelet', ...kubeletAt(ECHO), 'pods', '--token', secrets.get('--token') as string]],
    ['kubelet healthz -v --token (500 echo)', () => ['kubelet', ...kubeletAt(ECHO), 'healthz', '--token', secrets.get('--token') as string]],
    ['kubelet stats -v --token-file (302 echo)', () => ['kubelet', ...kubeletAt(ECHO), 'stats', '--token-file', files.tokenFile]],
    ['kubelet configz -v --token-file', () => ['kubelet', ...kubeletAt(ECHO), 'configz', '--token-file', files.tokenFile]],
    ['kubelet logs -v --kubeconfig (echo)', () => ['kubelet', ...kubeletAt(ECHO), 'logs', 'kia.log', '--kubeconfig', files.kubeconfigEcho]],
    ['kubelet pods -v --cert/--key', () => ['kubelet', ...kubeletAt(ECHO), 'pods', ...peerCert()]],
    ['kubelet pods -v of the lab, --kubeconfig (client-key-data)', () => ['kubelet', labNode, 'pods', '-v', '--kubeconfig', files.kubeconfigLab, '--insecure-skip-tls-verify']],
    ['kubelet configz -v of the lab, lab admin token', () => ['kubelet', labNode, 'configz', '-v', '--token-file', files.labAdminToken, '--insecure-skip-tls-verify']],
    ['etcd health (reason echoed) --token, --cert/--key', () => ['etcd', 'health', '--endpoint', echo, '--cacert', pki.caFile, '--token', secrets.get('--token') as string, ...peerCert()]],
    ['etcd version (401 echoed) --token-file -o json', () => ['etcd', 'version', '--endpoint', echo, '--cacert', pki.caFile, '--token-file', files.tokenFile, '-o', 'json']],
    ['etcd health of the lab', () => ['etcd', 'health', '--endpoint', `https://${labNode}:2379`, '--cacert', lab.plan.files.etcdCa, '--cert', lab.plan.files.etcdClientCert, '--key', lab.plan.files.etcdClientKey]],
  ];
  for (const [label, args] of cases) {
    it(label, async () => {
      await searched(label, args());
    });
  }
});

describe('kia serve: pages, API and metrics', () => {
  it('/, /api/state, /api/health, /api/findings, every /api/cell, /metrics and stderr, after a cycle and an audit', async () => {
    const serve = await startServe([labNode, ECHO, '--cacert', files.bundle, '--token-file', files.tokenFile, ...labCert(), '--interval', '5', '--timeout', '5000']);
    const pages: string[] = [];
    try {
      await serve.cycles(1, 60_000);
      for (let i = 0; i < 120; i++) {
        const findings = JSON.parse((await serve.get('/api/findings')).body) as { auditedAt: string | null };
        if (findings.auditedAt) break;
        await new Promise((r) => setTimeout(r, 500));
      }
      for (const p of ['/', '/api/state', '/api/health', '/api/findings', '/metrics']) pages.push(`${p}\n${(await serve.get(p)).body}`);
      const state = JSON.parse((await serve.get('/api/state')).body) as { health: { nodes: { name: string; components: { component: string }[] }[] } };
      for (const node of state.health.nodes) {
        for (const c of node.components) pages.push((await serve.get(`/api/cell?node=${encodeURIComponent(node.name)}&component=${c.component}`)).body);
      }
    } finally {
      const end = await serve.stop(15_000);
      pages.push(end.stderr);
    }
    assert.ok(pages.some((p) => p.includes(ECHO)), 'the echoing peer is not in serve\'s pages at all');
    assertNoSecret('kia serve', ...pages);
  });
});

describe('the secrets were in play', () => {
  it('the echoing peer received every planted token (so finding none in kia\'s output means kia scrubbed them)', async () => {
    await runWatched(['get', `https://${ECHO}:10250/pods`, '--cacert', pki.caFile, '--token', secrets.get('--token') as string], { killAfterMs: 30_000 });
    await runWatched(['get', `https://${ECHO}:10250/pods`, '--cacert', pki.caFile, '--token-file', files.tokenFile], { killAfterMs: 30_000 });
    await runWatched(['get', `https://${ECHO}:10250/pods`, '--kubeconfig', files.kubeconfigEcho], { killAfterMs: 30_000 });
    const heard = echoes.flatMap((e) => e.requests.map((r) => r.headers['authorization'] ?? ''));
    for (const name of ['--token', '--token-file', 'kubeconfig token'] as const) assert.ok(heard.includes(`Bearer ${secrets.get(name)}`), `${name} never reached the echoing peer`);
  });
});
