// What a lab kubelet serves about its node: pods, running pods, configz, stats and metrics, templated from the real
// v1.28 answers in fixtures/.
import { createHash } from 'node:crypto';
import { fixture, fixtureJson, perPodExposition, withBuildInfo, type BuildInfo } from '../../plan/fixtures.ts';
import type { LabNode, LabPlan, LabPod } from '../../types.ts';
import { PROFILE_SETTINGS } from '../../plan/profiles.ts';
import { nodeLayout } from '../../plan/node-layout.ts';
import { kubeletProfileFields } from '../../plan/node-config.ts';
import { applyDrift } from '../component-state.ts';

const IMAGES: Record<string, string> = {
  etcd: 'registry.k8s.io/etcd:3.5.9-0',
  'kube-apiserver': 'registry.k8s.io/kube-apiserver',
  'kube-controller-manager': 'registry.k8s.io/kube-controller-manager',
  'kube-scheduler': 'registry.k8s.io/kube-scheduler',
  'kube-proxy': 'registry.k8s.io/kube-proxy',
  coredns: 'registry.k8s.io/coredns/coredns:v1.11.1',
  web: 'docker.io/library/nginx:1.27',
  'log-shipper': 'docker.io/library/busybox:1.36',
};

function sha(seed: string): string {
  return createHash('sha256').update(seed).digest('hex');
}

export function imageOf(container: string, gitVersion: string): string {
  const image = IMAGES[container] ?? 'docker.io/library/busybox:1.36';
  return image.includes(':') ? image : `${image}:${gitVersion}`;
}

/** The time each pod started: a little after the lab's epoch, fixed for the lab's life. */
export function podStart(epoch: number, pod: LabPod): number {
  return epoch - 600_000 + (parseInt(sha(pod.uid).slice(0, 4), 16) % 300) * 1000;
}

const iso = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

export function podObject(node: LabNode, pod: LabPod, gitVersion: string, epoch: number): Record<string, unknown> {
  const started = iso(podStart(epoch, pod));
  const hostNetwork = pod.static || pod.name.startsWith('kube-proxy-');
  const metadata: Record<string, unknown> = { name: pod.name, namespace: pod.namespace, uid: pod.uid, creationTimestamp: pod.static ? null : started };
  if (pod.static) {
    metadata.labels = { component: pod.containers[0], tier: 'control-plane' };
    metadata.annotations = { 'kubernetes.io/config.hash': pod.uid, 'kubernetes.io/config.seen': `${started.slice(0, -1)}.812095398Z`, 'kubernetes.io/config.source': 'file' };
  } else {
    metadata.labels = { 'k8s-app': pod.containers[0] };
    metadata.annotations = { 'kubernetes.io/config.seen': `${started.slice(0, -1)}.812095398Z`, 'kubernetes.io/config.source': 'api' };
  }
  const condition = (type: string) => ({ type, status: 'True', lastProbeTime: null, lastTransitionTime: started });
  return {
    metadata,
    spec: {
      containers: pod.containers.map((name) => ({
        name,
        image: imageOf(name, gitVersion),
        resources: {},
        terminationMessagePath: '/dev/termination-log',
        terminationMessagePolicy: 'File',
        imagePullPolicy: 'IfNotPresent',
      })),
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
      dnsPolicy: hostNetwork ? 'ClusterFirstWithHostNet' : 'ClusterFirst',
      ...(pod.static ? {} : { serviceAccountName: pod.name.startsWith('kube-proxy-') ? 'kube-proxy' : pod.name.startsWith('coredns-') ? 'coredns' : 'default' }),
      nodeName: node.name,
      ...(hostNetwork ? { hostNetwork: true } : {}),
      securityContext: {},
      schedulerName: 'default-scheduler',
      tolerations: [{ operator: 'Exists', effect: 'NoExecute' }],
      priorityClassName: pod.namespace === 'kube-system' ? 'system-node-critical' : undefined,
      enableServiceLinks: true,
    },
    status: {
      phase: 'Running',
      conditions: ['Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map(condition),
      hostIP: node.ip,
      podIP: hostNetwork ? node.ip : `10.244.${node.index}.${(parseInt(sha(pod.uid).slice(0, 2), 16) % 250) + 2}`,
      startTime: started,
      containerStatuses: pod.containers.map((name) => ({
        name,
        state: { running: { startedAt: started } },
        lastState: {},
        ready: true,
        restartCount: 0,
        image: imageOf(name, gitVersion),
        imageID: `sha256:${sha(`image/${name}`)}`,
        containerID: `containerd://${sha(`${pod.uid}/${name}`)}`,
        started: true,
      })),
      qosClass: pod.static ? 'Burstable' : 'BestEffort',
    },
  };
}

export function podList(node: LabNode, gitVersion: string, epoch: number): string {
  return JSON.stringify({ kind: 'PodList', apiVersion: 'v1', metadata: {}, items: node.pods.map((pod) => podObject(node, pod, gitVersion, epoch)) }) + '\n';
}

/** `/runningpods/`: only what the runtime knows (spec §3.4), images as the runtime's image ids. */
export function runningPodList(node: LabNode): string {
  const items = node.pods.map((pod) => ({
    metadata: { name: pod.name, namespace: pod.namespace, uid: pod.uid, creationTimestamp: null },
    spec: { containers: pod.containers.map((name) => ({ name, image: `sha256:${sha(`image/${name}`)}`, resources: {} })) },
    status: {},
  }));
  return JSON.stringify({ kind: 'PodList', apiVersion: 'v1', metadata: {}, items }) + '\n';
}

/** `/configz`: the plan's KubeletConfiguration as running, with the fields a `drift` fault changed under the process. */
export function configz(plan: LabPlan, node: LabNode, drifted: Record<string, unknown> = {}): string {
  const base = fixtureJson<{ kubeletconfig: Record<string, unknown> }>('kubelet.configz.json').kubeletconfig;
  const s = PROFILE_SETTINGS[node.profile].kubelet;
  const L = nodeLayout(node);
  const port = (name: string) => plan.endpoints.find((e) => e.node === node.name && e.component === 'kubelet' && e.port === name)?.number ?? 0;
  const config: Record<string, unknown> = {
    ...base,
    staticPodPath: L.manifests,
    address: '0.0.0.0',
    port: port('api'),
    readOnlyPort: port('read-only'),
    tlsCertFile: `${L.kubeletServing}.crt`,
    tlsPrivateKeyFile: `${L.kubeletServing}.key`,
    authentication: {
      x509: { clientCAFile: `${L.pki}/ca.crt` },
      webhook: { enabled: s.webhookAuthn, cacheTTL: '2m0s' },
      anonymous: { enabled: s.anonymous },
    },
    authorization: { mode: s.authorization, webhook: { cacheAuthorizedTTL: '5m0s', cacheUnauthorizedTTL: '30s' } },
    enableDebuggingHandlers: s.enableDebuggingHandlers,
    healthzPort: port('healthz'),
    healthzBindAddress: s.healthzBind === 'all' ? '0.0.0.0' : '127.0.0.1',
    enableProfilingHandler: s.enableProfilingHandler,
    ...kubeletProfileFields(s),
  };
  applyDrift(config, drifted);
  // The kubelet serialises v1beta1 with omitempty: zero scalars are left out (pointer fields stay).
  for (const key of ['readOnlyPort', 'rotateCertificates'] as const) if (!config[key]) delete config[key];
  return JSON.stringify({ kubeletconfig: config });
}

export function statsSummary(node: LabNode, epoch: number, now: number): string {
  const summary = fixtureJson<{ node: Record<string, unknown>; pods: Record<string, unknown>[] }>('kubelet.stats-summary.json');
  const template = summary.pods[0] ?? {};
  const containerTemplate = ((template.containers as Record<string, unknown>[] | undefined) ?? [])[0] ?? {};
  const t = iso(now);
  const pods = node.pods.map((pod) => ({
    ...template,
    podRef: { name: pod.name, namespace: pod.namespace, uid: pod.uid },
    startTime: iso(podStart(epoch, pod)),
    containers: pod.containers.map((name) => ({ ...containerTemplate, name, startTime: iso(podStart(epoch, pod)) })),
  }));
  const text = JSON.stringify({ node: { ...summary.node, nodeName: node.name }, pods }, null, 1);
  return text.replace(/"time": "[^"]+"/g, `"time": "${t}"`) + '\n';
}

export function kubeletMetrics(node: LabNode, info: BuildInfo): string {
  return withBuildInfo(perPodExposition(fixture('kubelet.metrics'), [], node.name), info);
}

export function resourceMetrics(node: LabNode): string {
  return perPodExposition(fixture('kubelet-resource.metrics'), node.pods, node.name);
}

export function probeMetrics(node: LabNode): string {
  return perPodExposition(fixture('kubelet-probes.metrics'), node.pods, node.name);
}

export function cadvisorMetrics(node: LabNode, now: number): string {
  const lines = [
    '# HELP container_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the container in core-seconds',
    '# TYPE container_cpu_usage_seconds_total counter',
  ];
  for (const pod of node.pods) {
    for (const container of pod.containers) {
      lines.push(`container_cpu_usage_seconds_total{container="${container}",id="/kubepods/${pod.uid}/${container}",image="${imageOf(container, '')}",name="${sha(pod.uid + container).slice(0, 64)}",namespace="${pod.namespace}",pod="${pod.name}"} ${(parseInt(sha(pod.uid).slice(0, 6), 16) / 1e5).toFixed(6)} ${now}`);
    }
  }
  lines.push('# HELP machine_cpu_cores Number of logical CPU cores.', '# TYPE machine_cpu_cores gauge', `machine_cpu_cores{boot_id="${sha(node.name).slice(0, 36)}",machine_id="${sha(node.name).slice(0, 32)}",system_uuid="${sha(node.name).slice(0, 36)}"} 2`, '');
  return lines.join('\n');
}

export function sliMetrics(checks: readonly string[]): string {
  const lines = [
    '# HELP kubernetes_healthcheck [STABLE] This metric records the result of a single healthcheck.',
    '# TYPE kubernetes_healthcheck gauge',
    ...checks.map((c) => `kubernetes_healthcheck{name="${c}",type="healthz"} 1`),
    '# HELP kubernetes_healthchecks_total [STABLE] This metric records the results of all healthcheck.',
    '# TYPE kubernetes_healthchecks_total counter',
    ...checks.map((c) => `kubernetes_healthchecks_total{name="${c}",status="success",type="healthz"} 1`),
    '',
  ];
  return lines.join('\n');
}
