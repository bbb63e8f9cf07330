// deploy/kustomize rendered by the kustomize inside Debian's kubectl 1.20 (v2.0.3) and, where one is on PATH, a current
// kubectl (kustomize v4/v5): every object validated against the Kubernetes and CRD schemas, the agent's security
// settings and RBAC checked literally, the PrometheusRule equal to deploy/prometheus/kia-alerts.yml, and negative
// controls that break a copy of the manifests and show the checks catch it. Expected values are written out here.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { KUBECTL, KUSTOMIZE_DIR, ROOT, agentPod, find, kubectlMissing, objectId, rbacProblems, render, renderBroken, rules, validate, type K8sObject } from './kustomize.ts';

// Every kustomization and, literally, what it renders.
const DIRS: Record<string, string[]> = {
  base: [
    'Namespace kia-system', 'ServiceAccount kia-system/kia-agent', 'ClusterRole kia-agent', 'ClusterRoleBinding kia-agent',
    'ClusterRole kia-agent-reader', 'Role kia-system/kia-agent-reader', 'DaemonSet kia-system/kia-agent', 'Service kia-system/kia-agent',
  ],
  monitoring: [
    'ServiceMonitor kia-system/kia-agent', 'PrometheusRule kia-system/kia', 'ClusterRoleBinding kia-agent-reader-prometheus',
    'Role kia-system/kia-prometheus-discovery', 'RoleBinding kia-system/kia-prometheus-discovery',
  ],
  'nodes-proxy': ['ClusterRole kia-agent-nodes-proxy', 'ClusterRoleBinding kia-agent-nodes-proxy'],
  'overlays/root': [],
  'overlays/cert-manager': [
    'Issuer kia-system/kia-selfsigned', 'Certificate kia-system/kia-agent-ca', 'Issuer kia-system/kia-agent-ca', 'Certificate kia-system/kia-agent-tls',
  ],
};
const EXPECTED: Record<string, string[]> = {
  ...DIRS,
  'overlays/root': DIRS.base as string[],
  'overlays/cert-manager': [...(DIRS.base as string[]), ...(DIRS.monitoring as string[]), ...(DIRS['overlays/cert-manager'] as string[])],
};

const rendered = new Map<string, K8sObject[]>();
const get = (dir: string): K8sObject[] => rendered.get(dir) ?? assert.fail(`${dir} was not rendered`);

before(async () => {
  const missing = kubectlMissing();
  if (missing) throw new Error(missing);
  for (const dir of Object.keys(EXPECTED)) rendered.set(dir, await render(path.join(KUSTOMIZE_DIR, dir)));
});

describe("kustomize v2.0.3 (Debian's kubectl 1.20)", () => {
  it('is the kubectl 1.20 client', async () => {
    const out = await new Promise<string>((resolve, reject) => execFile(KUBECTL, ['version', '--client', '--short'], (e, stdout) => (e ? reject(e) : resolve(stdout))));
    assert.match(out, /^Client Version: v1\.20\./);
  });

  for (const dir of Object.keys(EXPECTED)) {
    it(`renders ${dir}: exactly the expected objects`, () => {
      assert.deepEqual(get(dir).map(objectId).sort(), [...(EXPECTED[dir] as string[])].sort());
    });
    it(`${dir}: every object validates against its OpenAPI or CRD schema`, async () => {
      for (const o of get(dir)) await validate(o);
    });
  }

  it('negative controls: on a copy, a bad quantity and a bad scrape scheme fail validation', async () => {
    const broken = await renderBroken('base', { file: 'daemonset.yaml', from: 'memory: 64Mi', to: 'memory: 64 MB' });
    await assert.rejects(Promise.all(broken.map(validate)), /DaemonSet kia-system\/kia-agent: .*memory must match format "quantity"/);
    const scheme = await renderBroken('monitoring', { file: 'service-monitor.yaml', from: 'scheme: https', to: 'scheme: ftp' });
    await assert.rejects(Promise.all(scheme.map(validate)), /ServiceMonitor kia-system\/kia-agent: .*scheme must be equal to one of the allowed values/);
  });

  it('every object carries app.kubernetes.io/part-of: kia', () => {
    for (const dir of Object.keys(EXPECTED)) for (const o of get(dir)) assert.equal(o.metadata.labels?.['app.kubernetes.io/part-of'], 'kia', `${dir}: ${objectId(o)}`);
  });
});

describe('a current kustomize renders the same objects', () => {
  // The google-cloud-sdk kubectl on these machines embeds kustomize v5; CI elsewhere may have none (then: skipped).
  const modern = process.env.KIA_KUBECTL_MODERN ?? 'kubectl';
  for (const dir of Object.keys(EXPECTED)) {
    it(dir, async (t) => {
      const version = await new Promise<string>((resolve) => execFile(modern, ['version', '--client'], { timeout: 30_000 }, (_e, stdout) => resolve(stdout ?? '')));
      if (!/Kustomize Version: v[45]\./.test(version)) {
        t.skip(`no kubectl with kustomize v4/v5 as ${modern} (set KIA_KUBECTL_MODERN)`);
        return;
      }
      const key = (o: K8sObject) => objectId(o);
      const mine = [...(await render(path.join(KUSTOMIZE_DIR, dir), modern))].sort((a, b) => key(a).localeCompare(key(b)));
      const old = [...get(dir)].sort((a, b) => key(a).localeCompare(key(b)));
      assert.deepEqual(mine, old);
    });
  }
});

describe('the agent DaemonSet', () => {
  it('runs on the host network and PID namespace, with host DNS resolution for cluster names', () => {
    const { pod } = agentPod(get('base'));
    assert.equal(pod.hostNetwork, true);
    assert.equal(pod.hostPID, true);
    assert.equal(pod.dnsPolicy, 'ClusterFirstWithHostNet');
    assert.equal(pod.serviceAccountName, 'kia-agent');
    assert.equal(pod.priorityClassName, undefined);
    assert.deepEqual(pod.securityContext, { seccompProfile: { type: 'RuntimeDefault' } });
    assert.deepEqual(pod.tolerations, [
      { key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' },
      { key: 'node-role.kubernetes.io/master', operator: 'Exists', effect: 'NoSchedule' },
    ]);
  });

  it('runs kia agent with the interface flags, NODE_NAME from the downward API', () => {
    const { container } = agentPod(get('base'));
    assert.equal(container.image, 'ghcr.io/kia-project/kia:0.1.0');
    assert.equal(container.command, undefined, 'the image entrypoint is kia');
    assert.deepEqual(container.args, ['agent', '--listen=0.0.0.0:9472', '--interval=30s', '--host-proc=/host/proc', '--host-root=/host', '--authorize=apiserver', '--node-name=$(NODE_NAME)']);
    // Node without its optimising compilers and with small semi-spaces: the agent's memory target (docs/agent.md).
    assert.deepEqual(container.env, [
      { name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
      { name: 'NODE_OPTIONS', value: '--jitless --max-semi-space-size=1' },
    ]);
    assert.deepEqual(container.ports, [{ name: 'https-metrics', containerPort: 9472, protocol: 'TCP' }]);
  });

  it('probes /readyz and /healthz over HTTPS, with the requests and limits of the targets', () => {
    const { container } = agentPod(get('base'));
    assert.deepEqual(container.readinessProbe, { httpGet: { path: '/readyz', port: 'https-metrics', scheme: 'HTTPS' }, periodSeconds: 10, timeoutSeconds: 5 });
    assert.deepEqual(container.livenessProbe, { httpGet: { path: '/healthz', port: 'https-metrics', scheme: 'HTTPS' }, initialDelaySeconds: 10, periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 3 });
    assert.deepEqual(container.resources, { requests: { cpu: '10m', memory: '64Mi' }, limits: { memory: '128Mi' } });
  });

  it('mounts only /proc, /etc/kubernetes and /var/lib/kubelet of the host, all read-only, under /host', () => {
    const { pod, container } = agentPod(get('base'));
    assert.deepEqual(pod.volumes, [
      { name: 'host-proc', hostPath: { path: '/proc', type: 'Directory' } },
      { name: 'host-etc-kubernetes', hostPath: { path: '/etc/kubernetes', type: 'Directory' } },
      { name: 'host-var-lib-kubelet', hostPath: { path: '/var/lib/kubelet', type: 'Directory' } },
    ]);
    assert.deepEqual(container.volumeMounts, [
      { name: 'host-proc', mountPath: '/host/proc', readOnly: true },
      { name: 'host-etc-kubernetes', mountPath: '/host/etc/kubernetes', readOnly: true },
      { name: 'host-var-lib-kubelet', mountPath: '/host/var/lib/kubelet', readOnly: true },
    ]);
  });

  it('base: non-root, no capability, read-only root filesystem, no privilege escalation', () => {
    const { container } = agentPod(get('base'));
    assert.deepEqual(container.securityContext, {
      runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, privileged: false, allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] },
    });
  });

  it('overlays/root: uid 0 with SYS_PTRACE only (no DAC_READ_SEARCH), AppArmor unconfined, the rest unchanged', () => {
    const { pod, container } = agentPod(get('overlays/root'));
    assert.deepEqual(container.securityContext, {
      runAsNonRoot: false, runAsUser: 0, runAsGroup: 0, privileged: false, allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'], add: ['SYS_PTRACE'] },
    });
    const ds = find(get('overlays/root'), 'DaemonSet', 'kia-agent') as unknown as { spec: { template: { metadata: { annotations: Record<string, string> } } } };
    assert.deepEqual(ds.spec.template.metadata.annotations, { 'container.apparmor.security.beta.kubernetes.io/agent': 'unconfined' });
    const base = agentPod(get('base'));
    assert.deepEqual({ ...pod }, { ...base.pod, containers: [{ ...base.container, securityContext: container.securityContext }] });
  });

  it('overlays/cert-manager: serves the Secret kia-agent-tls, mounted read-only, 0440 for the agent group', () => {
    const { pod, container } = agentPod(get('overlays/cert-manager'));
    assert.deepEqual((container.args as string[]).slice(-2), ['--tls-cert=/var/run/kia/tls/tls.crt', '--tls-key=/var/run/kia/tls/tls.key']);
    const named = (list: unknown, name: string) => (list as { name: string }[]).filter((v) => v.name === name);
    assert.deepEqual(named(container.volumeMounts, 'tls'), [{ name: 'tls', mountPath: '/var/run/kia/tls', readOnly: true }]);
    assert.deepEqual(named(pod.volumes, 'tls'), [{ name: 'tls', secret: { secretName: 'kia-agent-tls', defaultMode: 0o440 } }]);
    assert.equal((pod.volumes as unknown[]).length, 4);
    assert.deepEqual(pod.securityContext, { fsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' } });
  });
});

describe('RBAC', () => {
  it('kia-agent: TokenReview and SubjectAccessReview, and get on the fine-grained kubelet subresources only', () => {
    assert.deepEqual(rules(find(get('base'), 'ClusterRole', 'kia-agent')), [
      { apiGroups: ['authentication.k8s.io'], resources: ['tokenreviews'], verbs: ['create'] },
      { apiGroups: ['authorization.k8s.io'], resources: ['subjectaccessreviews'], verbs: ['create'] },
      { apiGroups: [''], resources: ['nodes/metrics', 'nodes/stats', 'nodes/log', 'nodes/healthz', 'nodes/configz', 'nodes/pods'], verbs: ['get'] },
    ]);
    const binding = find(get('base'), 'ClusterRoleBinding', 'kia-agent');
    assert.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name: 'kia-agent', namespace: 'kia-system' }]);
  });

  it('readers: get /metrics and /api/report; list pods and get pods/proxy in kia-system only', () => {
    assert.deepEqual(rules(find(get('base'), 'ClusterRole', 'kia-agent-reader')), [{ nonResourceURLs: ['/metrics', '/api/report'], verbs: ['get'] }]);
    const role = find(get('base'), 'Role', 'kia-agent-reader');
    assert.equal(role.metadata.namespace, 'kia-system');
    assert.deepEqual(rules(role), [{ apiGroups: [''], resources: ['pods'], verbs: ['list'] }, { apiGroups: [''], resources: ['pods/proxy'], verbs: ['get'] }]);
  });

  it('no role anywhere has a `*`, and nodes/proxy is only in the nodes-proxy add-on', () => {
    for (const dir of Object.keys(EXPECTED)) assert.deepEqual(rbacProblems(get(dir), { allowNodesProxy: dir === 'nodes-proxy' }), [], dir);
    assert.deepEqual(rules(find(get('nodes-proxy'), 'ClusterRole', 'kia-agent-nodes-proxy')), [{ apiGroups: [''], resources: ['nodes/proxy'], verbs: ['get'] }]);
    const text = fs.readFileSync(path.join(KUSTOMIZE_DIR, 'nodes-proxy/rbac.yaml'), 'utf8');
    assert.match(text, /# WARNING: `get nodes\/proxy` also allows exec\. A WebSocket upgrade to the kubelet's \/exec/);
  });

  it('negative controls: on a copy, a `*` verb, a `*` resource and nodes/proxy in the base are each caught', async () => {
    const breakages: [file: string, from: string, to: string, problem: RegExp][] = [
      ['agent-rbac.yaml', 'resources: ["tokenreviews"]\n    verbs: ["create"]', 'resources: ["tokenreviews"]\n    verbs: ["*"]', /^ClusterRole kia-agent rule 0: verbs has "\*"$/],
      ['reader-rbac.yaml', 'resources: ["pods/proxy"]', 'resources: ["*"]', /^Role kia-system\/kia-agent-reader rule 1: resources has "\*"$/],
      ['agent-rbac.yaml', '"nodes/pods"]', '"nodes/pods", "nodes/proxy"]', /^ClusterRole kia-agent rule 2: nodes\/proxy$/],
    ];
    for (const [file, from, to, problem] of breakages) {
      const problems = rbacProblems(await renderBroken('base', { file, from, to }));
      assert.equal(problems.length, 1, `${file} with ${to}: ${problems.join('; ')}`);
      assert.match(problems[0] as string, problem);
    }
  });
});

describe('Prometheus', () => {
  it('the PrometheusRule holds exactly the groups of deploy/prometheus/kia-alerts.yml', () => {
    const rule = find(get('monitoring'), 'PrometheusRule', 'kia') as K8sObject & { spec: { groups: unknown } };
    const alerts = YAML.parse(fs.readFileSync(path.join(ROOT, 'deploy/prometheus/kia-alerts.yml'), 'utf8')) as { groups: unknown };
    assert.deepEqual(rule.spec.groups, alerts.groups, 'regenerate: node --import tsx scripts/gen-prometheus-rule.ts');
    assert.deepEqual(Object.keys(rule.spec), ['groups']);
  });

  it('the ServiceMonitor scrapes https-metrics with the bearer token of Prometheus; self-signed needs insecureSkipVerify', () => {
    const sm = find(get('monitoring'), 'ServiceMonitor', 'kia-agent') as K8sObject & { spec: Record<string, unknown> };
    assert.deepEqual(sm.spec.selector, { matchLabels: { 'app.kubernetes.io/name': 'kia-agent' } });
    assert.deepEqual(sm.spec.namespaceSelector, { matchNames: ['kia-system'] });
    assert.deepEqual(sm.spec.endpoints, [{
      port: 'https-metrics', scheme: 'https', path: '/metrics', interval: '30s', scrapeTimeout: '10s',
      bearerTokenFile: '/var/run/secrets/kubernetes.io/serviceaccount/token', tlsConfig: { insecureSkipVerify: true },
      relabelings: [{ sourceLabels: ['__meta_kubernetes_pod_node_name'], targetLabel: 'instance', action: 'replace' }],
    }]);
  });

  it('overlays/cert-manager: the ServiceMonitor verifies the agents against their CA and name instead', () => {
    const sm = find(get('overlays/cert-manager'), 'ServiceMonitor', 'kia-agent') as K8sObject & { spec: { endpoints: { tlsConfig: unknown }[] } };
    assert.deepEqual(sm.spec.endpoints[0]?.tlsConfig, { ca: { secret: { name: 'kia-agent-tls', key: 'ca.crt' } }, serverName: 'kia-agent.kia-system.svc' });
    const cert = find(get('overlays/cert-manager'), 'Certificate', 'kia-agent-tls') as K8sObject & { spec: Record<string, unknown> };
    assert.deepEqual(cert.spec.dnsNames, ['kia-agent.kia-system.svc', 'kia-agent.kia-system.svc.cluster.local']);
    assert.equal(cert.spec.secretName, 'kia-agent-tls');
  });

  it('the Service is headless, port 9472 named https-metrics', () => {
    const svc = find(get('base'), 'Service', 'kia-agent') as K8sObject & { spec: Record<string, unknown> };
    assert.equal(svc.spec.clusterIP, 'None');
    assert.deepEqual(svc.spec.ports, [{ name: 'https-metrics', port: 9472, targetPort: 'https-metrics', protocol: 'TCP' }]);
  });

  it('the namespace enforces the privileged Pod Security level the agent needs, and warns at restricted', () => {
    assert.deepEqual(find(get('base'), 'Namespace', 'kia-system').metadata.labels, {
      'app.kubernetes.io/part-of': 'kia', 'pod-security.kubernetes.io/enforce': 'privileged',
      'pod-security.kubernetes.io/audit': 'restricted', 'pod-security.kubernetes.io/warn': 'restricted',
    });
  });
});
