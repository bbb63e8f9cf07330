// Effective configuration from hand-written observations: /configz read with omitempty in mind, /flagz for flags,
// the node's command line and file under them, and drift where the running value and the node's disagree.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { EndpointObservation, ProcessInfo, RouteObservation } from '../model/index.ts';
import { durationMs, effectiveConfig, parseFlagz } from './effective-config.ts';

const target = { host: 'kia-worker-1', address: '10.0.0.11', source: 'lab', node: 'kia-worker-1' } as const;

function route(path: string, identity: string, status: number, body?: string): RouteObservation {
  return { route: `r${path}`, method: 'GET', path, identity, outcome: 'ok', status, ...(body !== undefined ? { body } : {}), durationMs: 1 };
}

function endpoint(component: 'kubelet' | 'kube-scheduler', port: number, routes: RouteObservation[], process?: ProcessInfo): EndpointObservation {
  return { target, address: '10.0.0.11', port, scheme: 'https', outcome: 'open', fingerprint: { component, port: component === 'kubelet' ? 'api' : 'secure', confidence: 'high', evidence: [] }, routes, exposure: 'network', errors: [], ...(process ? { process } : {}) };
}

// A real v1.28 kubelet's /configz, cut to the fields that matter: readOnlyPort, rotateCertificates, tlsCipherSuites
// and featureGates are absent because they are zero (omitempty).
const KUBELET_CONFIGZ = '{"kubeletconfig":{"port":10250,"tlsCertFile":"/var/lib/kubelet/pki/kubelet.crt","authentication":{"x509":{"clientCAFile":"/etc/kubernetes/pki/ca.crt"},"webhook":{"enabled":true,"cacheTTL":"2m0s"},"anonymous":{"enabled":false}},"authorization":{"mode":"Webhook"},"eventRecordQPS":50,"streamingConnectionIdleTimeout":"4h0m0s","makeIPTablesUtilChains":true,"podPidsLimit":-1}}';

describe('effective configuration', () => {
  it('reads an absent /configz field as the zero value: readOnlyPort closed, rotateCertificates false', () => {
    const [kubelet] = effectiveConfig([endpoint('kubelet', 10250, [route('/configz', 'anonymous', 401, 'Unauthorized'), route('/configz', 'admin', 200, KUBELET_CONFIGZ)])]);
    assert.deepEqual(kubelet?.values.readOnlyPort, { value: 0, source: 'configz', from: "GET https://10.0.0.11:10250/configz as admin", omitted: true });
    assert.deepEqual(kubelet?.values.rotateCertificates, { value: false, source: 'configz', from: "GET https://10.0.0.11:10250/configz as admin", omitted: true });
    assert.equal(kubelet?.values['authorization.mode']?.value, 'Webhook');
    assert.equal(kubelet?.values.streamingConnectionIdleTimeout?.value, '4h0m0s');
    assert.deepEqual(kubelet?.values.tlsCipherSuites?.value, []);
    assert.equal(kubelet?.values['featureGates.RotateKubeletServerCertificate']?.value, null);
    assert.deepEqual(kubelet?.drift, []);
    assert.deepEqual(kubelet?.unread, []);
  });

  it('says which sources could not be read, and falls back to the node', () => {
    const process: ProcessInfo = { pid: 812, name: 'kubelet', cmdline: ['kubelet', '--config=/var/lib/kubelet/config.yaml', '--read-only-port=10255'], flags: { config: '/var/lib/kubelet/config.yaml', 'read-only-port': '10255' }, config: { 'authentication.anonymous.enabled': true, readOnlyPort: 10255 }, configFile: '/var/lib/kubelet/config.yaml' };
    const [kubelet] = effectiveConfig([endpoint('kubelet', 10250, [route('/configz', 'anonymous', 401, 'Unauthorized'), route('/configz', 'alice', 403, 'Forbidden')], process)]);
    assert.deepEqual(kubelet?.unread, ['/configz: 401 to anonymous, 403 to alice']);
    assert.deepEqual(kubelet?.values.readOnlyPort, { value: 10255, source: 'cmdline', from: 'pid 812 command line' });
    assert.deepEqual(kubelet?.values['authentication.anonymous.enabled'], { value: true, source: 'file', from: '/var/lib/kubelet/config.yaml' });
    // The file leaves the field out: v1beta1's default, said as such.
    assert.deepEqual(kubelet?.values.makeIPTablesUtilChains, { value: true, source: 'file', from: '/var/lib/kubelet/config.yaml', defaulted: true });
  });

  it('finds drift: the file says one thing, the running kubelet another', () => {
    const process: ProcessInfo = { pid: 812, name: 'kubelet', cmdline: ['kubelet', '--config=/var/lib/kubelet/config.yaml'], flags: { config: '/var/lib/kubelet/config.yaml' }, config: { readOnlyPort: 10255, streamingConnectionIdleTimeout: '4h' }, configFile: '/var/lib/kubelet/config.yaml' };
    const [kubelet] = effectiveConfig([endpoint('kubelet', 10250, [route('/configz', 'admin', 200, KUBELET_CONFIGZ)], process)]);
    assert.deepEqual(kubelet?.drift.map((d) => `${d.setting}: running ${JSON.stringify(d.running.value)} (${d.running.source}), file ${JSON.stringify(d.declared.value)} (${d.declared.source})`), [
      'readOnlyPort: running 0 (configz), file 10255 (file)',
    ]);
    // 4h and 4h0m0s are the same duration: no drift.
    assert.equal(kubelet?.values.readOnlyPort?.source, 'configz');
  });

  it('takes a flag-only setting from /flagz, and a control-plane flag from /flagz where /configz does not hold it', () => {
    const flagz = '\nkube-scheduler flagz\nWarning: This endpoint is not meant to be machine parseable, has no formatting compatibility guarantees and is for debugging purposes only.\nbind-address=0.0.0.0\nleader-elect=true\nprofiling=true\n';
    const [scheduler] = effectiveConfig([endpoint('kube-scheduler', 10259, [route('/configz', 'admin', 200, '{"componentconfig":{"EnableProfiling":false}}'), route('/flagz', 'admin', 200, flagz)])]);
    assert.deepEqual(scheduler?.values['bind-address'], { value: '0.0.0.0', source: 'flagz', from: 'GET https://10.0.0.11:10259/flagz as admin' });
    assert.deepEqual(scheduler?.values.profiling, { value: false, source: 'configz', from: 'GET https://10.0.0.11:10259/configz as admin' });
  });

  it('parses /flagz with either delimiter and Go durations', () => {
    assert.deepEqual(parseFlagz('\nkubelet flagz\nWarning: not parseable\nhostname-override: node-1\nv=2\n'), { 'hostname-override': 'node-1', v: '2' });
    assert.equal(durationMs('4h0m0s'), 14_400_000);
    assert.equal(durationMs('4h'), 14_400_000);
    assert.equal(durationMs('0s'), 0);
    assert.equal(durationMs('5 minutes'), undefined);
  });
});

describe('drift as a finding (KIA-ANY-006)', () => {
  it('fires once on the endpoint that served the running value, naming the file', async () => {
    const { audit } = await import('./index.ts');
    const process: ProcessInfo = { pid: 812, name: 'kubelet', cmdline: ['kubelet', '--config=/var/lib/kubelet/config.yaml'], flags: { config: '/var/lib/kubelet/config.yaml' }, config: { readOnlyPort: 10255 }, configFile: '/var/lib/kubelet/config.yaml' };
    const findings = audit([endpoint('kubelet', 10250, [route('/configz', 'admin', 200, KUBELET_CONFIGZ)], process)], { now: 0 }).filter((f) => f.rule === 'KIA-ANY-006');
    assert.deepEqual(findings.map((f) => [f.port, f.route, f.message, f.evidence[0]?.request]), [
      [10250, '/configz', 'readOnlyPort runs as 0 (configz) but /var/lib/kubelet/config.yaml says 10255', "# as admin\ncurl -s -k 'https://10.0.0.11:10250/configz'"],
    ]);
  });
});
