// CIS items over hand-written observations: the benchmark for each version, pass and fail with their source, and
// "not verified" with what would verify it when nothing decides an item. Expected strings are written by hand.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { CisResult, EndpointObservation, Report, RouteObservation } from '../../model/index.ts';
import { benchmarkFor, cisAudit } from './index.ts';

const target = { host: 'kia-worker-3', address: '10.0.0.13', source: 'lab', node: 'kia-worker-3' } as const;

function route(path: string, identity: string, status: number, body?: string, bodySample?: string): RouteObservation {
  return { route: `r${path}`, method: 'GET', path, identity, outcome: 'ok', status, ...(body !== undefined ? { body } : {}), ...(bodySample !== undefined ? { bodySample } : {}), durationMs: 1 };
}

function kubelet(routes: RouteObservation[]): EndpointObservation {
  return { target, address: '10.0.0.13', port: 10250, scheme: 'https', outcome: 'open', fingerprint: { component: 'kubelet', port: 'api', confidence: 'high', evidence: [] }, routes, exposure: 'network', errors: [] };
}

const INSECURE = JSON.stringify({ kubeletconfig: { authentication: { anonymous: { enabled: true }, x509: { clientCAFile: '/etc/kubernetes/pki/ca.crt' } }, authorization: { mode: 'AlwaysAllow' }, readOnlyPort: 10255, streamingConnectionIdleTimeout: '0s', makeIPTablesUtilChains: false, eventRecordQPS: 50, podPidsLimit: -1, seccompDefault: false, featureGates: { RotateKubeletServerCertificate: false } } });

const line = (r: CisResult) => `${r.item} ${r.status}${r.source ? ` ${r.source}` : ''}`;

describe('CIS benchmark choice', () => {
  it('maps 1.28 to cis-1.10, 1.29-1.31 to cis-1.11, 1.32+ to cis-1.12 and labels a newer release', () => {
    assert.equal(benchmarkFor('1.28')?.id, 'cis-1.10');
    assert.equal(benchmarkFor('v1.30.2')?.id, 'cis-1.11');
    assert.equal(benchmarkFor('1.31')?.id, 'cis-1.11');
    assert.equal(benchmarkFor('1.33')?.id, 'cis-1.12');
    assert.equal(benchmarkFor('1.36')?.basis, 'Kubernetes 1.36 is newer than every benchmark: judged by the newest, cis-1.12, written for 1.32, 1.33, 1.34');
    assert.equal(benchmarkFor('1.27'), undefined);
  });
});

describe('CIS kubelet items', () => {
  it('fails what the insecure /configz shows, with the source and the value, and the omitted field as zero', () => {
    const report = cisAudit([kubelet([route('/configz', 'anonymous', 200, INSECURE)])], { kubernetesVersion: '1.31' });
    assert.equal(report.benchmark, 'cis-1.11');
    assert.deepEqual(report.results.filter((r) => r.component === 'kubelet').map(line), [
      '4.2.1 fail configz', '4.2.2 fail configz', '4.2.3 pass configz', '4.2.4 fail configz', '4.2.5 fail configz', '4.2.6 fail configz', '4.2.7 not-verified', '4.2.8 pass configz',
      '4.2.9 not-verified', '4.2.10 fail configz', '4.2.11 fail configz', '4.2.12 fail configz', '4.2.13 fail configz', '4.2.14 fail configz',
    ]);
    const rotate = report.results.find((r) => r.item === '4.2.10');
    assert.equal(rotate?.detail, 'rotateCertificates=false (absent from /configz: the zero value), from GET https://10.0.0.13:10250/configz as anonymous');
    assert.equal(report.results.find((r) => r.item === '4.2.12')?.detail, `tlsCipherSuites=[] (absent from /configz: the zero value), from GET https://10.0.0.13:10250/configz as anonymous: not set: Go's default list, which includes CBC suites outside the benchmark's list`);
  });

  it('leaves out 4.2.14 for cis-1.10 (Kubernetes 1.28)', () => {
    const report = cisAudit([kubelet([route('/configz', 'anonymous', 200, INSECURE)])], { kubernetesVersion: '1.28' });
    assert.equal(report.benchmark, 'cis-1.10');
    assert.equal(report.results.some((r) => r.item === '4.2.14'), false);
  });

  it('says not verified, with the credential that would verify it, when /configz was refused; the wire still proves 4.2.1', () => {
    const report = cisAudit([kubelet([route('/pods', 'anonymous', 401, undefined, 'Unauthorized'), route('/configz', 'anonymous', 401, 'Unauthorized')])], { kubernetesVersion: '1.31' });
    const result = (item: string) => report.results.find((r) => r.item === item);
    assert.deepEqual(result('4.2.1'), { item: '4.2.1', title: 'The kubelet refuses anonymous requests', component: 'kubelet', host: 'kia-worker-3', node: 'kia-worker-3', status: 'pass', source: 'wire', detail: 'anonymous GET /pods on the kubelet answered 401: authentication refuses it' });
    assert.equal(result('4.2.4')?.status, 'not-verified');
    assert.equal(result('4.2.4')?.detail, 'nothing decides it (/configz: 401 to anonymous)');
    assert.match(result('4.2.4')?.needs ?? '', /^a credential the kubelet authorises for nodes\/proxy \(or nodes\/configz from 1\.33\) to read \/configz on 10250/);
    assert.ok(!report.results.some((r) => r.status === 'pass' && r.source === undefined), 'never pass without a source');
  });

  it('judges a control-plane component that did not answer as not verified, once', () => {
    const report = cisAudit([kubelet([])], { kubernetesVersion: '1.36' });
    assert.deepEqual(report.results.filter((r) => r.item === '1.3.2').map((r) => [r.host, r.status, r.detail]), [['-', 'not-verified', 'no kube-controller-manager answered on any target']]);
    assert.match(report.basis, /^Kubernetes 1\.36 is newer than every benchmark: judged by the newest, cis-1\.12/);
  });
});

describe('CIS section in the renderers', () => {
  it('text, Markdown and HTML show each verdict with its source, and what would verify the rest', async () => {
    const { renderText, renderMarkdown } = await import('../../report/index.ts');
    const cis = cisAudit([kubelet([route('/configz', 'anonymous', 200, INSECURE)])], { kubernetesVersion: '1.31' });
    const report: Report = { schema: 'kia.report/v1', tool: { name: 'kia', version: '0' }, startedAt: '2026-06-01T00:00:00Z', finishedAt: '2026-06-01T00:00:01Z', scope: { targets: [], ports: [], identities: ['anonymous'], active: false }, endpoints: [], findings: [], notes: [], cis };
    const text = renderText(report, { color: false });
    assert.match(text, /\n {4}FAIL {9}4\.2\.4 The kubelet read-only port is off \[configz\]\n {17}readOnlyPort=10255, from GET https:\/\/10\.0\.0\.13:10250\/configz as anonymous\n {17}fix: In the KubeletConfiguration set readOnlyPort: 0 \(--read-only-port=0\)\.\n/);
    assert.match(text, /\n {4}NOT VERIFIED 1\.3\.2 The controller manager has profiling off\n {17}no kube-controller-manager answered on any target\n {17}needs a credential kube-controller-manager authorises/);
    const md = renderMarkdown(report, []);
    const { renderHtml } = await import('../../report/index.ts');
    assert.match(renderHtml(report, []), /<td data-label="Item">4\.2\.4<\/td><td data-label="Title">The kubelet read-only port is off<\/td><td data-label="Host">kia-worker-3<\/td><td data-label="Result"><strong>fail<\/strong> \(configz\)<\/td><td data-label="Detail">readOnlyPort=10255, from GET https:\/\/10\.0\.0\.13:10250\/configz as anonymous<br>fix: In the KubeletConfiguration set readOnlyPort: 0 \(--read-only-port=0\)\.<\/td>/);
    assert.match(md, /\n\| 4\.2\.4 \| The kubelet read-only port is off \| kia-worker-3 \| fail \(configz\) \| readOnlyPort=10255, from GET https:\/\/10\.0\.0\.13:10250\/configz as anonymous; fix: In the KubeletConfiguration set readOnlyPort: 0 \(--read-only-port=0\)\. \|\n/);
  });
});

// A 1.34 API server's /flagz as upstream prints it: every flag, string slices in brackets, defaults included.
const FLAGZ = `
kube-apiserver flagz
Warning: This endpoint is not meant to be machine parseable, has no formatting compatibility guarantees and is for debugging purposes only.

audit-log-maxage: 7
audit-log-maxbackup: 0
audit-log-maxsize: 0
audit-log-path: /var/log/kubernetes/audit.log
audit-policy-file:
disable-admission-plugins: [NamespaceLifecycle]
enable-admission-plugins: [NodeRestriction,AlwaysPullImages]
encryption-provider-config:
kubelet-client-certificate: /etc/kubernetes/pki/apiserver-kubelet-client.crt
kubelet-client-key: /etc/kubernetes/pki/apiserver-kubelet-client.key
request-timeout: 0s
service-account-extend-token-expiration: true
service-account-lookup: false
tls-cipher-suites: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_RSA_WITH_AES_128_CBC_SHA]
tls-min-version:
token-auth-file: /etc/kubernetes/tokens.csv
`;

describe('CIS API server items from /flagz', () => {
  it('judges the admission plugins that run, the audit log, tokens and suites, each with the value', () => {
    const apiserver: EndpointObservation = { target: { host: 'cp', address: '10.0.0.10', source: 'argument', node: 'cp' }, address: '10.0.0.10', port: 6443, scheme: 'https', outcome: 'open', fingerprint: { component: 'kube-apiserver', port: 'secure', confidence: 'high', evidence: [] }, routes: [route('/flagz', 'admin', 200, FLAGZ)], exposure: 'network', errors: [] };
    const report = cisAudit([apiserver], { kubernetesVersion: '1.34' });
    const got = Object.fromEntries(report.results.filter((r) => r.component === 'kube-apiserver').map((r) => [r.item, `${r.status}${r.source ? ` ${r.source}` : ''}`]));
    assert.deepEqual(Object.fromEntries(['1.2.2', '1.2.3', '1.2.4', '1.2.9', '1.2.10', '1.2.11', '1.2.12', '1.2.13', '1.2.14', '1.2.16', '1.2.17', '1.2.18', '1.2.19', '1.2.20', '1.2.21', '1.2.27', '1.2.28', '1.2.29', '1.2.30', '3.2.1'].map((id) => [id, got[id]])), {
      '1.2.2': 'fail flagz', '1.2.3': 'fail flagz', '1.2.4': 'pass flagz', '1.2.9': 'fail flagz', '1.2.10': 'pass flagz', '1.2.11': 'pass flagz',
      '1.2.12': 'pass flagz', '1.2.13': 'fail flagz', '1.2.14': 'pass flagz', '1.2.16': 'pass flagz', '1.2.17': 'fail flagz', '1.2.18': 'fail flagz',
      '1.2.19': 'fail flagz', '1.2.20': 'fail flagz', '1.2.21': 'fail flagz', '1.2.27': 'fail flagz', '1.2.28': 'fail flagz', '1.2.29': 'fail flagz',
      '1.2.30': 'fail flagz', '3.2.1': 'fail flagz',
    });
    const detail = (id: string) => report.results.find((r) => r.item === id)?.detail;
    assert.equal(detail('1.2.13'), 'enable-admission-plugins=NodeRestriction,AlwaysPullImages, disable-admission-plugins=NamespaceLifecycle, from GET https://10.0.0.10:6443/flagz as admin: NamespaceLifecycle does not run');
    assert.equal(detail('1.2.12'), 'enable-admission-plugins=NodeRestriction,AlwaysPullImages, disable-admission-plugins=NamespaceLifecycle, from GET https://10.0.0.10:6443/flagz as admin: ServiceAccount runs');
    assert.equal(detail('1.2.29'), `tls-cipher-suites=["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256","TLS_RSA_WITH_AES_128_CBC_SHA"], from GET https://10.0.0.10:6443/flagz as admin: outside the benchmark's list: TLS_RSA_WITH_AES_128_CBC_SHA`);
    assert.equal(detail('1.2.17'), 'audit-log-maxage=7, from GET https://10.0.0.10:6443/flagz as admin: under 30');
    assert.equal(detail('1.2.28'), 'encryption-provider-config="", from GET https://10.0.0.10:6443/flagz as admin: no encryption configuration: secrets are stored in plain text');
  });

  it('says 1.2.28 is not verified when an encryption configuration is named: its providers are in the file', () => {
    const body = FLAGZ.replace('encryption-provider-config:', 'encryption-provider-config: /etc/kubernetes/enc.yaml');
    const apiserver: EndpointObservation = { target: { host: 'cp', address: '10.0.0.10', source: 'argument', node: 'cp' }, address: '10.0.0.10', port: 6443, scheme: 'https', outcome: 'open', fingerprint: { component: 'kube-apiserver', port: 'secure', confidence: 'high', evidence: [] }, routes: [route('/flagz', 'admin', 200, body)], exposure: 'network', errors: [] };
    const report = cisAudit([apiserver], { kubernetesVersion: '1.34' });
    assert.deepEqual(report.results.filter((r) => ['1.2.27', '1.2.28'].includes(r.item)).map((r) => [r.item, r.status, r.needs]), [
      ['1.2.27', 'pass', undefined],
      ['1.2.28', 'not-verified', 'a hunt on the control-plane node (kia hunt --local) to read the file --encryption-provider-config names (its providers are not on the wire)'],
    ]);
  });

  it('judges 1.2.28 from the providers of the encryption file on the node: the first one encrypts new writes', () => {
    const onNode = (providers: string[]): EndpointObservation => {
      const process = { pid: 700, name: 'kube-apiserver', cmdline: ['kube-apiserver', '--encryption-provider-config=/etc/kubernetes/enc.yaml'], flags: { 'encryption-provider-config': '/etc/kubernetes/enc.yaml' }, config: { 'encryption-providers': providers } };
      return { target: { host: 'localhost', address: '127.0.0.1', source: 'local' }, address: '127.0.0.1', port: 6443, scheme: 'https', outcome: 'open', fingerprint: { component: 'kube-apiserver', port: 'secure', confidence: 'high', evidence: [] }, routes: [], exposure: 'loopback', errors: [], process };
    };
    const verdict = (providers: string[]) => cisAudit([onNode(providers)], { kubernetesVersion: '1.31' }).results.filter((r) => r.item === '1.2.28').map((r) => [r.status, r.source, r.detail]);
    assert.deepEqual(verdict(['aescbc', 'identity']), [['pass', 'file', 'encryption-providers=["aescbc","identity"], from /etc/kubernetes/enc.yaml: new secrets are written with aescbc']]);
    assert.deepEqual(verdict(['identity', 'aescbc']), [['fail', 'file', 'encryption-providers=["identity","aescbc"], from /etc/kubernetes/enc.yaml: new secrets are written in plain text']]);
    assert.deepEqual(verdict([]), [['fail', 'file', 'encryption-providers=[], from /etc/kubernetes/enc.yaml: new secrets are written in plain text']]);
  });
});

describe('CIS control-plane items from the node', () => {
  it('reads a flag the command line leaves out as its default: profiling on, bound to every address', () => {
    const process = { pid: 901, name: 'kube-scheduler', cmdline: ['kube-scheduler', '--kubeconfig=/etc/kubernetes/scheduler.conf'], flags: { kubeconfig: '/etc/kubernetes/scheduler.conf' }, config: { kubeconfig: '/etc/kubernetes/scheduler.conf' } };
    const scheduler: EndpointObservation = { target: { host: 'localhost', address: '127.0.0.1', source: 'local' }, address: '127.0.0.1', port: 10259, scheme: 'https', outcome: 'open', fingerprint: { component: 'kube-scheduler', port: 'secure', confidence: 'high', evidence: [] }, routes: [], exposure: 'loopback', errors: [], process };
    const report = cisAudit([scheduler], { kubernetesVersion: '1.31' });
    assert.deepEqual(report.results.filter((r) => r.component === 'kube-scheduler').map((r) => [r.item, r.status, r.source, r.detail]), [
      ['1.4.1', 'fail', 'cmdline', 'profiling=true (flag not given: the default), from pid 901 command line'],
      ['1.4.2', 'fail', 'cmdline', 'bind-address="0.0.0.0" (flag not given: the default), from pid 901 command line: other hosts reach it'],
    ]);
  });
});
