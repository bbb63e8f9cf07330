// The renderers over one hand-written report. The SARIF schema is the published 2.1.0 schema as shipped in
// @microsoft/jest-sarif (lib/schemas/sarif-2.1.0-rtm.5.json, JSON Schema draft-04), checked with ajv-draft-04.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import ajvDraft04 from 'ajv-draft-04';
import ajvFormats from 'ajv-formats';
import type { Rule } from '../audit/types.ts';
import type { EndpointObservation, Report } from '../model/index.ts';
import { OUTPUT_FORMATS, RENDERERS, isOutputFormat } from './index.ts';
import { renderHtml } from './html.ts';
import { renderJson } from './json.ts';
import { renderMarkdown } from './markdown.ts';
import { redact } from './redact.ts';
import { renderRuleDoc } from './rule-docs.ts';
import { findingFingerprint, renderSarif } from './sarif.ts';
import { renderText } from './text.ts';
import { unansweredTargets } from './unanswered.ts';

const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.c2VjcmV0LXRva2Vu.SIGNATURE-kia-test';
const KEY_BODY = 'MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgKIATESTKEYMATERIAL';
const PEM = `-----BEGIN PRIVATE KEY-----\n${KEY_BODY}\n-----END PRIVATE KEY-----`;

const cp = { host: 'kia-control-plane', address: '10.0.0.10', source: 'lab', node: 'kia-control-plane' } as const;
const worker = { host: 'kia-worker', address: '10.0.0.11', source: 'lab', node: 'kia-worker' } as const;

const CERT = {
  subject: 'CN=kia-worker@1700000000',
  issuer: 'CN=kia-worker-ca@1700000000',
  dnsNames: ['kia-worker'],
  ipAddresses: ['10.0.0.11'],
  notBefore: '2025-01-01T00:00:00.000Z',
  notAfter: '2026-01-01T00:00:00.000Z',
  selfSigned: false,
  isCA: false,
  fingerprint256: 'AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89',
};

const kubelet: EndpointObservation = {
  target: worker,
  address: '10.0.0.11',
  port: 10250,
  scheme: 'https',
  outcome: 'open',
  tls: { protocol: 'TLSv1.3', alpn: 'http/1.1', chain: [CERT], clientCert: 'requested', clientCertEvidence: 'CertificateRequest seen', verified: true },
  fingerprint: { component: 'kubelet', port: 'api', confidence: 'high', evidence: ['GET /pods -> PodList'], version: 'v1.36.0' },
  routes: [{ route: 'kubelet:pods', method: 'GET', path: '/pods', identity: 'anonymous', outcome: 'ok', status: 200, contentType: 'application/json', bodySample: '{"kind":"PodList"}', durationMs: 3 }],
  exposure: 'network',
  errors: [],
};

const etcd: EndpointObservation = {
  target: cp,
  address: '10.0.0.10',
  port: 2379,
  scheme: 'https',
  outcome: 'open',
  tls: { protocol: 'TLSv1.3', alpn: 'h2', chain: [{ ...CERT, subject: 'CN=kia-control-plane', issuer: 'CN=etcd-ca', selfSigned: false }], clientCert: 'none', clientCertEvidence: 'no CertificateRequest' },
  fingerprint: { component: 'etcd', port: 'client', confidence: 'high', evidence: ['GET /version -> etcdserver'], version: '3.6.5' },
  routes: [],
  process: { pid: 42, name: 'etcd', cmdline: ['etcd', '--client-cert-auth=false'], flags: { 'data-dir': '/var/lib/etcd', 'client-cert-auth': 'false' } },
  exposure: 'network',
  errors: [],
};

const healthz: EndpointObservation = { ...kubelet, port: 10248, scheme: 'http', tls: undefined, fingerprint: { component: 'kubelet', port: 'healthz', confidence: 'medium', evidence: [] }, routes: [] };

// The control plane's kubelet, with a self-generated certificate that did not verify against the CA given.
const cpKubelet: EndpointObservation = {
  ...kubelet,
  target: cp,
  address: '10.0.0.10',
  tls: { ...kubelet.tls!, chain: [{ ...CERT, subject: 'CN=kia-control-plane@1700000000', issuer: 'CN=kia-control-plane-ca@1700000000' }], verified: false, verifyError: 'certificate signed by unknown authority' },
  routes: [],
};

// A port that took a connection and said nothing kia could use: the reason must show, not only "low confidence".
const silent: EndpointObservation = {
  target: worker,
  address: '10.0.0.11',
  port: 8080,
  scheme: 'unknown',
  outcome: 'open',
  fingerprint: { component: 'unknown', confidence: 'low', evidence: [] },
  routes: [{ route: 'probe:version', method: 'GET', path: '/version', identity: 'anonymous', outcome: 'too-large', status: 200, capBytes: 65536, durationMs: 9 }],
  exposure: 'network',
  errors: ['not TLS and no HTTP answer: timeout'],
};

const REPORT: Report = {
  schema: 'kia.report/v1',
  tool: { name: 'kia', version: '0.1.0' },
  startedAt: '2025-06-01T10:00:00.000Z',
  finishedAt: '2025-06-01T10:00:05.000Z',
  scope: { targets: [cp, worker], ports: [2379, 8080, 10248, 10250], identities: ['anonymous'], active: false },
  endpoints: [kubelet, etcd, healthz, cpKubelet, silent],
  findings: [
    {
      rule: 'KIA-KUBELET-005', title: 'kubelet serves a self-generated certificate', severity: 'low', mode: 'read', component: 'kubelet',
      host: 'kia-worker', address: '10.0.0.11', port: 10250, node: 'kia-worker', message: 'issuer CN=kia-worker-ca@1700000000 <script>alert(1)</script>',
      evidence: [{ request: 'openssl s_client -connect 10.0.0.11:10250', response: `subject=CN=kia-worker\n${PEM}` }],
      fix: 'Set serverTLSBootstrap: true in the KubeletConfiguration.', references: [],
    },
    {
      rule: 'KIA-KUBELET-005', title: 'kubelet serves a self-generated certificate', severity: 'low', mode: 'read', component: 'kubelet',
      host: 'kia-control-plane', address: '10.0.0.10', port: 10250, node: 'kia-control-plane', message: 'issuer CN=kia-control-plane-ca@1700000000',
      evidence: [{ request: 'openssl s_client -connect 10.0.0.10:10250', response: 'subject=CN=kia-control-plane' }],
      fix: 'Set serverTLSBootstrap: true in the KubeletConfiguration.', references: [],
    },
    {
      rule: 'KIA-KUBELET-001', title: 'kubelet API open to anonymous callers', severity: 'critical', mode: 'read', component: 'kubelet',
      host: 'kia-worker', address: '10.0.0.11', port: 10250, node: 'kia-worker', message: 'anonymous GET /pods answered 200',
      evidence: [{ request: `curl -sk -H 'Authorization: Bearer ${TOKEN}' https://10.0.0.11:10250/pods`, response: 'HTTP/1.1 200 OK\n{"kind":"PodList"}' }],
      fix: 'Set authentication.anonymous.enabled: false and authorization.mode: Webhook.',
      references: ['CIS Kubernetes Benchmark 4.2.1', 'CIS Kubernetes Benchmark 4.2.2', 'kube-hunter KHV036', 'https://kubernetes.io/docs/reference/access-authn-authz/kubelet-authn-authz/'],
    },
    {
      rule: 'KIA-ETCD-001', title: 'etcd client port without client-certificate authentication', severity: 'high', mode: 'read', component: 'etcd',
      host: 'kia-control-plane', address: '10.0.0.10', port: 2379, node: 'kia-control-plane', message: 'the TLS handshake completes without a client certificate',
      evidence: [{ request: 'curl -sk https://10.0.0.10:2379/version', response: 'HTTP/1.1 200 OK\n{"etcdserver":"3.6.5"}' }],
      fix: 'Run etcd with --client-cert-auth=true --trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt.', references: [],
    },
  ],
  notes: ['10.0.0.12: no answer on any port'],
};

const rule = (meta: Omit<Rule, 'check' | 'mode'>): Rule => ({ ...meta, mode: 'read', check: () => [] });
const RULES: readonly Rule[] = [
  rule({ id: 'KIA-KUBELET-001', title: 'kubelet API open to anonymous callers (AlwaysAllow)', severity: 'critical', component: 'kubelet', rationale: 'Anyone can list pods and exec.', remediation: 'Set authentication.anonymous.enabled: false.', references: { cis: ['4.2.1', '4.2.2'], khv: 'KHV036', urls: ['https://kubernetes.io/docs/reference/access-authn-authz/kubelet-authn-authz/'] } }),
  rule({ id: 'KIA-ETCD-001', title: 'etcd client port without client-certificate authentication', severity: 'high', component: 'etcd', rationale: 'Anyone can read every Secret.', remediation: 'Run etcd with --client-cert-auth=true.', references: { cis: ['2.2'], khv: 'KHV031' } }),
  rule({ id: 'KIA-KUBELET-005', title: 'kubelet serves a self-generated certificate', severity: 'low', component: 'kubelet', rationale: 'The API server cannot verify it.', remediation: 'Set serverTLSBootstrap: true.', references: {} }),
];

function sarifValidator() {
  const path = createRequire(import.meta.url).resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json');
  // unicodeRegExp off: rtm.5's `language` pattern has a stray `]` that only a non-unicode RegExp accepts.
  const ajv = new ajvDraft04.default({ allErrors: true, strict: false, unicodeRegExp: false });
  ajvFormats.default(ajv);
  return ajv.compile(JSON.parse(readFileSync(path, 'utf8')));
}

describe('sarif', () => {
  const validate = sarifValidator();
  const sarif = JSON.parse(renderSarif(REPORT, RULES));

  it('validates against the SARIF 2.1.0 schema', () => {
    assert.equal(validate(sarif), true, JSON.stringify(validate.errors, null, 2));
    assert.equal(validate({ ...sarif, version: '2.0.0' }), false, 'the validator rejects a wrong version');
  });

  it('has one run, the driver, rule descriptors and results', () => {
    assert.equal(sarif.version, '2.1.0');
    assert.equal(sarif.runs.length, 1);
    const driver = sarif.runs[0].tool.driver;
    assert.equal(driver.name, 'kia');
    assert.equal(driver.version, '0.1.0');
    assert.deepEqual(driver.rules.map((r: { id: string }) => r.id), ['KIA-KUBELET-001', 'KIA-ETCD-001', 'KIA-KUBELET-005']);
    const [anon] = driver.rules;
    assert.equal(anon.name, 'KubeletAPIOpenToAnonymousCallers');
    assert.equal(anon.shortDescription.text, 'kubelet API open to anonymous callers (AlwaysAllow)');
    assert.equal(anon.fullDescription.text, 'Anyone can list pods and exec.');
    assert.match(anon.help.markdown, /Set authentication\.anonymous\.enabled: false\./);
    assert.match(anon.help.markdown, /\[KHV036\]\(https:\/\/aquasecurity\.github\.io\/kube-hunter\/kb\/KHV036\)/);
    assert.equal(anon.properties['security-severity'], '9.5');
    assert.deepEqual(anon.properties.tags, ['security', 'kubernetes', 'kubelet', 'CIS 4.2.1', 'CIS 4.2.2', 'KHV036']);
    assert.deepEqual(driver.rules.map((r: { properties: Record<string, string> }) => r.properties['security-severity']), ['9.5', '8.0', '3.0']);
    // One result per location: a rule on two endpoints is two results, each with its own fingerprint.
    const results = sarif.runs[0].results.map((r: { ruleId: string; ruleIndex: number; level: string }) => [r.ruleId, r.ruleIndex, r.level]);
    assert.deepEqual(results, [['KIA-KUBELET-001', 0, 'error'], ['KIA-ETCD-001', 1, 'error'], ['KIA-KUBELET-005', 2, 'note'], ['KIA-KUBELET-005', 2, 'note']]);
    const etcdResult = sarif.runs[0].results[1];
    assert.equal(etcdResult.locations[0].physicalLocation.artifactLocation.uri, 'https://10.0.0.10:2379');
    assert.equal(etcdResult.properties.node, 'kia-control-plane');
    assert.equal(etcdResult.properties.component, 'etcd');
    assert.equal(etcdResult.properties.evidence[0].request, 'curl -sk https://10.0.0.10:2379/version');
  });

  it('builds a descriptor for a finding whose rule was not passed in', () => {
    const partial = JSON.parse(renderSarif(REPORT, RULES.slice(0, 1)));
    assert.equal(validate(partial), true, JSON.stringify(validate.errors, null, 2));
    const ids = partial.runs[0].tool.driver.rules.map((r: { id: string }) => r.id);
    for (const result of partial.runs[0].results) assert.equal(ids[result.ruleIndex], result.ruleId);
  });

  it('uses http:// and tcp:// by the endpoint scheme', () => {
    const finding = { ...REPORT.findings[3]!, port: 10248, address: '10.0.0.11' };
    const other = { ...finding, port: 19999 };
    const log = JSON.parse(renderSarif({ ...REPORT, findings: [finding, other] }, RULES));
    assert.equal(validate(log), true);
    assert.deepEqual(log.runs[0].results.map((r: { locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }) => r.locations[0]!.physicalLocation.artifactLocation.uri), ['http://10.0.0.11:10248', 'tcp://10.0.0.11:19999']);
  });
});

describe('json', () => {
  const json = renderJson(REPORT);

  it('starts with the schema and round-trips', () => {
    assert.ok(json.startsWith('{\n  "schema": "kia.report/v1",\n  "tool": {\n    "name": "kia",'), json.slice(0, 80));
    const parsed = JSON.parse(json);
    const redacted = structuredClone(REPORT) as Report;
    redacted.findings[0]!.evidence[0]!.response = 'subject=CN=kia-worker\n[redacted]';
    redacted.findings[2]!.evidence[0]!.request = "curl -sk -H 'Authorization: Bearer [redacted]' https://10.0.0.11:10250/pods";
    assert.deepEqual(parsed, JSON.parse(JSON.stringify(redacted)));
    assert.deepEqual(Object.keys(parsed), ['schema', 'tool', 'startedAt', 'finishedAt', 'scope', 'endpoints', 'findings', 'notes']);
    assert.deepEqual(Object.keys(parsed.endpoints[1].process.flags), ['client-cert-auth', 'data-dir']);
  });

  it('is the same text whatever the key order of the input', () => {
    const shuffled = JSON.parse(JSON.stringify(REPORT, (_k, v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).reverse()) : v)));
    assert.notEqual(Object.keys(shuffled)[0], 'schema');
    assert.equal(renderJson(shuffled), json);
  });
});

describe('markdown', () => {
  const md = renderMarkdown(REPORT, RULES);
  it('puts the findings first, one per rule with its endpoints, then the port tables', () => {
    assert.match(md, /^# kia report\n/);
    assert.ok(md.includes('| Severity | Findings | On endpoints |\n|---|---|---|\n| critical | 1 | 1 |\n| high | 1 | 1 |\n| medium | 0 | 0 |\n| low | 1 | 2 |\n| info | 0 | 0 |\n| **total** | **3** | **4** |'));
    assert.ok(md.indexOf('## Findings') < md.indexOf('## Open ports'));
    assert.ok(md.indexOf('CRITICAL KIA-KUBELET-001') < md.indexOf('HIGH KIA-ETCD-001'));
    assert.ok(md.includes('### LOW KIA-KUBELET-005: kubelet serves a self-generated certificate (2 endpoints)\n\n- `kia-control-plane 10.0.0.10:10250 (kubelet)`: issuer CN=kia-control-plane-ca@1700000000\n- `kia-worker 10.0.0.11:10250 (kubelet)`: issuer'));
    assert.equal(md.match(/^### LOW KIA-KUBELET-005/gm)?.length, 1);
    assert.ok(md.includes('### kia-worker (10.0.0.11)\n\n| Port | Scheme | Component |'));
    assert.match(md, /\| 10250 \| https \| kubelet \| api, v1\.36\.0, high confidence \| TLSv1\.3 \| requested \| network \| CN=kia-worker@1700000000, not after 2026-01-01 \(in 213 days\) \|/);
    assert.ok(md.includes('```sh\ncurl -sk https://10.0.0.10:2379/version\n```'));
    assert.ok(md.includes('**Fix.** Run etcd with --client-cert-auth=true --trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt.'));
    assert.ok(md.includes('&lt;script&gt;') && !md.includes('<script>'));
  });
  it('gives each reference once', () => {
    const section = md.slice(md.indexOf('### CRITICAL KIA-KUBELET-001'), md.indexOf('### HIGH KIA-ETCD-001'));
    assert.ok(section.includes('**References**\n\n- CIS Kubernetes Benchmark 4.2.1, 4.2.2\n- kube-hunter KHV036: https://aquasecurity.github.io/kube-hunter/kb/KHV036\n- <https://kubernetes.io/docs/reference/access-authn-authz/kubelet-authn-authz/>\n'), section);
    assert.equal(section.match(/4\.2\.1/g)?.length, 1);
    assert.equal(section.match(/^- .*KHV036/gm)?.length, 1);
  });
  it('shows the whole certificate, whether it verified, the owning process and why a port reads low confidence', () => {
    assert.ok(md.includes('- **10250** certificate CN=kia-worker@1700000000: issuer CN=kia-worker-ca@1700000000; verified against the given CA; names kia-worker, 10.0.0.11; sha256 `abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789`'));
    assert.ok(md.includes('not verified against the given CA: certificate signed by unknown authority'));
    assert.ok(md.includes('- **2379** process etcd (pid 42): `etcd --client-cert-auth=false`'));
    assert.ok(md.includes('- **8080** not TLS and no HTTP answer: timeout\n- **8080** GET /version: HTTP answer larger than 65536 bytes (status 200)'));
  });
});

describe('html', () => {
  const html = renderHtml(REPORT, RULES);
  it('escapes every value', () => {
    assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
    assert.doesNotMatch(html, /<script/i);
  });
  it('is one self-contained page readable on a phone', () => {
    assert.match(html, /^<!doctype html>/);
    assert.ok(html.includes('<meta name="viewport" content="width=device-width, initial-scale=1">'));
    assert.doesNotMatch(html, /<link|<img|<iframe|\ssrc=|@import|url\(/i);
    assert.ok(html.includes('Set authentication.anonymous.enabled: false and authorization.mode: Webhook.'));
  });
  it('puts the findings first, one article per rule listing its endpoints, each reference once', () => {
    assert.ok(html.indexOf('<h2>Findings</h2>') < html.indexOf('<h2>Open ports</h2>'));
    assert.equal(html.match(/<article /g)?.length, 3);
    assert.ok(html.includes('<code>KIA-KUBELET-005</code> kubelet serves a self-generated certificate (2 endpoints)</h3>'));
    assert.equal(html.match(/<li>CIS Kubernetes Benchmark 4\.2\.1, 4\.2\.2<\/li>/g)?.length, 1);
    assert.equal(html.match(/<li>[^<]*KHV036/g)?.length, 1);
  });
  it('keeps the certificate cell short (the fingerprint goes below the table) and says whether the chain verified', () => {
    const table = html.slice(html.indexOf('<h3>kia-worker (10.0.0.11)</h3>'), html.indexOf('</table>', html.indexOf('<h3>kia-worker (10.0.0.11)</h3>')));
    assert.ok(table.includes('<td data-label="Certificate">CN=kia-worker@1700000000<br>not after 2026-01-01 (in 213 days)<br>verified against the given CA</td>'), table);
    assert.ok(!table.includes('sha256'));
    assert.ok(html.includes('sha256 <code>abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789</code>'));
    assert.ok(html.includes('<li><strong>8080</strong> not TLS and no HTTP answer: timeout</li>'));
  });
});

describe('text', () => {
  const text = renderText(REPORT, { color: false, rules: RULES });
  const lines = text.split('\n');
  it('puts the findings first, one per rule with its endpoints, critical first, with the fix and the references', () => {
    assert.ok(text.startsWith('Findings\n\nCRITICAL  KIA-KUBELET-001  kubelet API open to anonymous callers\n  kia-worker 10.0.0.11:10250 (kubelet)\n  anonymous GET /pods answered 200\n'), text);
    const order = ['CRITICAL  KIA-KUBELET-001', 'HIGH  KIA-ETCD-001', 'LOW  KIA-KUBELET-005', 'Open ports'].map((s) => text.indexOf(s));
    assert.ok(order.every((at, i) => at >= 0 && (i === 0 || at > order[i - 1]!)), String(order));
    const group = lines.indexOf('LOW  KIA-KUBELET-005  kubelet serves a self-generated certificate (2 endpoints)');
    assert.deepEqual(lines.slice(group + 1, group + 4), [
      '  - kia-control-plane 10.0.0.10:10250 (kubelet): issuer CN=kia-control-plane-ca@1700000000',
      '  - kia-worker 10.0.0.11:10250 (kubelet): issuer CN=kia-worker-ca@1700000000',
      '    <script>alert(1)</script>',
    ]);
    assert.ok(text.includes('  fix: Run etcd with --client-cert-auth=true'));
    assert.ok(text.includes('  references: CIS Kubernetes Benchmark 4.2.1, 4.2.2; kube-hunter KHV036:\n'));
    assert.ok(text.endsWith('2 hosts, 5 open ports, findings: 1 critical, 1 high, 0 medium, 1 low, 0 info (4 on endpoints)\n'));
    assert.ok(!text.includes('\u001b['));
  });
  it('groups the ports by host, then component, then port', () => {
    const cpAt = lines.indexOf('kia-control-plane (10.0.0.10)');
    const workerAt = lines.indexOf('kia-worker (10.0.0.11)');
    assert.ok(cpAt > lines.indexOf('Open ports') && workerAt > cpAt, text);
    assert.equal(lines[cpAt + 1], '  etcd');
    assert.match(lines[cpAt + 2]!, /^ {4}2379\/https +TLSv1\.3 +client-cert none +network +client, 3\.6\.5, high confidence$/);
    assert.deepEqual(lines.slice(workerAt + 1, workerAt + 5), ['  unknown', '    8080/unknown  no TLS  client-cert -  network  low confidence', '      note: not TLS and no HTTP answer: timeout', '      note: GET /version: HTTP answer larger than 65536 bytes (status 200)']);
    assert.equal(lines[workerAt + 5], '  kubelet');
    assert.match(lines[workerAt + 6]!, /^ {4}10248\/http +no TLS/);
    assert.match(lines[workerAt + 7]!, /^ {4}10250\/https +TLSv1\.3 +client-cert requested/);
  });
  it('fits 100 columns, certificates included (the commands of the evidence stay whole)', () => {
    for (const line of lines) if (!line.startsWith('  $ ')) assert.ok(line.length <= 100, `${line.length}: ${line}`);
    const at = lines.findIndex((l) => l.startsWith('      certificate CN=kia-worker@1700000000'));
    assert.deepEqual(lines.slice(at, at + 4), [
      '      certificate CN=kia-worker@1700000000; issuer CN=kia-worker-ca@1700000000; not after 2026-01-01',
      '        (in 213 days); verified against the given CA',
      '        names kia-worker, 10.0.0.11',
      '        sha256 abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789',
    ]);
    assert.ok(text.includes('not verified against the given CA: certificate signed by'));
  });
  it('shows the process that owns a socket and its command line, as the JSON has them', () => {
    const at = lines.indexOf('      process etcd (pid 42)');
    assert.ok(at > 0, text);
    assert.equal(lines[at + 1], '      command etcd --client-cert-auth=false');
  });
  it('escapes control characters a peer sent', () => {
    const hostile = structuredClone(REPORT);
    hostile.findings[2]!.evidence[0]!.response = 'HTTP 200\n\u001b]0;pwned\u0007\u001b[2Jbody';
    const out = renderText(hostile, { color: false });
    assert.ok(!out.includes('\u001b') && !out.includes('\u0007'));
    assert.ok(out.includes('    \\x1b]0;pwned\\x07\\x1b[2Jbody'));
  });
  it('colours only when asked', () => {
    assert.ok(renderText(REPORT, { color: true }).includes('\u001b[1;31mCRITICAL\u001b[0m'));
  });
});

describe('sarif fingerprints', () => {
  const base = REPORT.findings[2]!;
  it('are the same for the same rule, component, node, port and route, whatever the message, evidence or address', () => {
    const again = { ...base, message: 'anonymous callers got 200 on 14 kubelet routes', evidence: [], address: '192.168.7.7' };
    assert.equal(findingFingerprint(again), findingFingerprint(base));
    assert.match(findingFingerprint(base), /^[0-9a-f]{64}$/);
  });
  it('differ when the rule, node, port, component or route differ', () => {
    const others = [{ ...base, rule: 'KIA-KUBELET-002' }, { ...base, node: 'kia-worker-9' }, { ...base, port: 10255 }, { ...base, component: 'kube-proxy' as const }, { ...base, route: '/pods' }];
    const prints = new Set([base, ...others].map(findingFingerprint));
    assert.equal(prints.size, others.length + 1);
  });
  it('sit under kiaFinding/v2 in every result, and waived results carry a suppression', () => {
    const waived = { ...REPORT, findings: REPORT.findings.map((f, i) => (i === 0 ? { ...f, waiver: { reason: 'accepted', expires: '2099-01-01', expired: false } } : f)) };
    const log = JSON.parse(renderSarif(waived, RULES));
    assert.equal(sarifValidator()(log), true);
    const results = log.runs[0].results as { ruleId: string; partialFingerprints: Record<string, string>; suppressions?: unknown }[];
    for (const r of results) assert.deepEqual(Object.keys(r.partialFingerprints), ['kiaFinding/v2']);
    assert.deepEqual(results.filter((r) => r.suppressions).map((r) => r.ruleId), ['KIA-KUBELET-005']);
  });
});

describe('hosts that did not answer', () => {
  const target = (address: string) => ({ host: address, address, source: 'cidr' as const });
  it('are named when few, counted when many, with the first 20 addresses kept', () => {
    assert.deepEqual(unansweredTargets([target('10.0.0.1'), target('10.0.0.2')], new Set(['10.0.0.1'])), { notes: ['10.0.0.2: no catalog port answered'], unanswered: { count: 1, addresses: ['10.0.0.2'] } });
    assert.deepEqual(unansweredTargets([{ ...target('10.0.0.3'), host: 'kia-worker-3' }], new Set()).notes, ['kia-worker-3 (10.0.0.3): no catalog port answered']);
    const many = Array.from({ length: 65536 }, (_, i) => target(`10.1.${i >> 8}.${i & 255}`));
    const result = unansweredTargets(many, new Set(['10.1.0.1', '10.1.0.5', '10.1.200.3']));
    assert.deepEqual(result.notes, ['65,533 other hosts: no catalog port answered']);
    assert.equal(result.unanswered?.count, 65533);
    assert.deepEqual(result.unanswered?.addresses.slice(0, 4), ['10.1.0.0', '10.1.0.2', '10.1.0.3', '10.1.0.4']);
    assert.equal(result.unanswered?.addresses.length, 20);
    assert.deepEqual(unansweredTargets(many.slice(0, 5), new Set()).notes, ['5 hosts: no catalog port answered']);
  });
  it('are not listed as hosts in the text report', () => {
    const silentHosts = { ...REPORT, scope: { ...REPORT.scope, targets: [...REPORT.scope.targets, target('10.0.0.99')] } };
    assert.ok(!renderText(silentHosts, { color: false }).includes('10.0.0.99'));
  });
});

describe('secrets', () => {
  it('never appear in any output', () => {
    for (const format of OUTPUT_FORMATS) {
      const out = RENDERERS[format](REPORT, { rules: RULES, color: true });
      assert.ok(!out.includes(TOKEN) && !out.includes('SIGNATURE-kia-test'), `${format} leaks the bearer token`);
      assert.ok(!out.includes(KEY_BODY) && !out.includes('BEGIN PRIVATE KEY'), `${format} leaks the private key`);
      assert.ok(out.includes('[redacted]'), `${format} shows where it redacted`);
    }
  });
  it('redacts headers, curl options, JSON fields and truncated keys', () => {
    assert.equal(redact('Authorization: Bearer abc.def'), 'Authorization: Bearer [redacted]');
    assert.equal(redact(`-H "authorization: bearer abc" -k`), '-H "authorization: bearer [redacted]" -k');
    assert.equal(redact('{"Authorization":"Bearer abc"}'), '{"Authorization":"Bearer [redacted]"}');
    assert.equal(redact('curl --oauth2-bearer abc https://x'), 'curl --oauth2-bearer [redacted] https://x');
    assert.equal(redact('a\n-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE\n-----END EC PRIVATE KEY-----\nb'), 'a\n[redacted]\nb');
    assert.equal(redact('body: -----BEGIN RSA PRIVATE KEY-----\nMIIEow'), 'body: [redacted]');
    assert.equal(redact('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----'), '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----');
  });
});

describe('registry and rule docs', () => {
  it('maps every -o format to a renderer', () => {
    assert.deepEqual(OUTPUT_FORMATS, ['text', 'json', 'sarif', 'markdown', 'html']);
    assert.equal(isOutputFormat('sarif'), true);
    assert.equal(isOutputFormat('yaml'), false);
    assert.equal(isOutputFormat('toString'), false);
  });
  it('renders a rule page with its references', () => {
    const doc = renderRuleDoc(RULES[0]!);
    assert.ok(doc.startsWith('# KIA-KUBELET-001: kubelet API open to anonymous callers (AlwaysAllow)\n'));
    assert.ok(doc.includes('| Severity | critical |') && doc.includes('| Component | kubelet |'));
    assert.ok(doc.includes('## Why it matters\n\nAnyone can list pods and exec.'));
    assert.ok(doc.includes('## Fix\n\nSet authentication.anonymous.enabled: false.'));
    assert.ok(doc.includes('- CIS Kubernetes Benchmark: `4.2.1`, `4.2.2`'));
    assert.ok(doc.includes('- kube-hunter: [KHV036](https://aquasecurity.github.io/kube-hunter/kb/KHV036)'));
  });
});
