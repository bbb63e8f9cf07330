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
import { renderSarif } from './sarif.ts';
import { renderText } from './text.ts';

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
  tls: { protocol: 'TLSv1.3', alpn: 'http/1.1', chain: [CERT], clientCert: 'requested', clientCertEvidence: 'CertificateRequest seen' },
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

const REPORT: Report = {
  schema: 'kia.report/v1',
  tool: { name: 'kia', version: '0.1.0' },
  startedAt: '2025-06-01T10:00:00.000Z',
  finishedAt: '2025-06-01T10:00:05.000Z',
  scope: { targets: [cp, worker], ports: [2379, 10248, 10250], identities: ['anonymous'], active: false },
  endpoints: [kubelet, etcd, healthz],
  findings: [
    {
      rule: 'KIA-KUBELET-005', title: 'kubelet serves a self-generated certificate', severity: 'low', mode: 'read', component: 'kubelet',
      host: 'kia-worker', address: '10.0.0.11', port: 10250, node: 'kia-worker', message: 'issuer CN=kia-worker-ca@1700000000 <script>alert(1)</script>',
      evidence: [{ request: 'openssl s_client -connect 10.0.0.11:10250', response: `subject=CN=kia-worker\n${PEM}` }],
      fix: 'Set serverTLSBootstrap: true in the KubeletConfiguration.', references: [],
    },
    {
      rule: 'KIA-KUBELET-001', title: 'kubelet API open to anonymous callers', severity: 'critical', mode: 'read', component: 'kubelet',
      host: 'kia-worker', address: '10.0.0.11', port: 10250, node: 'kia-worker', message: 'anonymous GET /pods answered 200',
      evidence: [{ request: `curl -sk -H 'Authorization: Bearer ${TOKEN}' https://10.0.0.11:10250/pods`, response: 'HTTP/1.1 200 OK\n{"kind":"PodList"}' }],
      fix: 'Set authentication.anonymous.enabled: false and authorization.mode: Webhook.', references: ['https://kubernetes.io/docs/reference/access-authn-authz/kubelet-authn-authz/'],
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
    const results = sarif.runs[0].results.map((r: { ruleId: string; ruleIndex: number; level: string }) => [r.ruleId, r.ruleIndex, r.level]);
    assert.deepEqual(results, [['KIA-KUBELET-001', 0, 'error'], ['KIA-ETCD-001', 1, 'error'], ['KIA-KUBELET-005', 2, 'note']]);
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
    const finding = { ...REPORT.findings[2]!, port: 10248, address: '10.0.0.11' };
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
    redacted.findings[1]!.evidence[0]!.request = "curl -sk -H 'Authorization: Bearer [redacted]' https://10.0.0.11:10250/pods";
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
  it('has the scope, summary table, port tables, evidence and fixes', () => {
    assert.match(md, /^# kia report\n/);
    assert.ok(md.includes('| Severity | Findings |\n|---|---|\n| critical | 1 |\n| high | 1 |\n| medium | 0 |\n| low | 1 |\n| info | 0 |\n| **total** | **3** |'));
    assert.ok(md.includes('### kia-worker (10.0.0.11)\n\n| Port | Scheme | Component |'));
    assert.match(md, /\| 10250 \| https \| kubelet \| api, v1\.36\.0, high confidence \| TLSv1\.3 \| requested \|/);
    assert.ok(md.includes('```sh\ncurl -sk https://10.0.0.10:2379/version\n```'));
    assert.ok(md.includes('**Fix.** Run etcd with --client-cert-auth=true --trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt.'));
    assert.ok(md.indexOf('CRITICAL KIA-KUBELET-001') < md.indexOf('HIGH KIA-ETCD-001'));
    assert.ok(md.includes('&lt;script&gt;') && !md.includes('<script>'));
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
});

describe('text', () => {
  const text = renderText(REPORT, { color: false });
  it('groups by host, then component, then port', () => {
    const lines = text.split('\n');
    const cpAt = lines.indexOf('kia-control-plane (10.0.0.10)');
    const workerAt = lines.indexOf('kia-worker (10.0.0.11)');
    assert.ok(cpAt >= 0 && workerAt > cpAt, text);
    assert.equal(lines[cpAt + 1], '  etcd');
    assert.match(lines[cpAt + 2]!, /^ {4}2379\/https +TLSv1\.3 +client-cert none +network +client, 3\.6\.5, high confidence$/);
    assert.equal(lines[workerAt + 1], '  kubelet');
    assert.match(lines[workerAt + 2]!, /^ {4}10248\/http +no TLS/);
    assert.match(lines[workerAt + 3]!, /^ {4}10250\/https +TLSv1\.3 +client-cert requested/);
    assert.match(lines[workerAt + 4]!, /certificate CN=kia-worker@1700000000, .*sha256 AB:CD:EF/);
  });
  it('lists findings critical first with the fix, then the summary', () => {
    const order = ['CRITICAL  KIA-KUBELET-001', 'HIGH  KIA-ETCD-001', 'LOW  KIA-KUBELET-005'].map((s) => text.indexOf(s));
    assert.ok(order.every((at, i) => at > 0 && (i === 0 || at > order[i - 1]!)), String(order));
    assert.ok(text.includes('  fix: Run etcd with --client-cert-auth=true'));
    assert.ok(text.endsWith('2 hosts, 3 open ports, findings: 1 critical, 1 high, 0 medium, 1 low, 0 info\n'));
    assert.ok(!text.includes('\u001b['));
  });
  it('colours only when asked', () => {
    assert.ok(renderText(REPORT, { color: true }).includes('\u001b[1;31mCRITICAL\u001b[0m'));
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
