// The address plan: node names, node IPs and node-local addresses, which component listens where, and the pods.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { getPort } from '../../catalog/index.ts';
import type { ComponentId, KubernetesVersion } from '../../model/index.ts';
import { UsageError } from '../../errors.ts';
import { PROFILE_SETTINGS, profileFor, type Bind } from './profiles.ts';
import type { EtcdMode, KeyType, LabEndpoint, LabNode, LabOptions, LabPlan, LabPod, ProfileName } from '../types.ts';
import { VERSIONS } from './versions.ts';

export const MAX_NODES = 127 * 254;

export function nodeName(index: number): string {
  return index === 0 ? 'kia-control-plane' : `kia-worker-${index}`;
}

/** Node i (0-based): 127.(2n).(1 + i/254).(1 + i%254); its node-local address the same in 127.(2n+1). */
export function nodeAddresses(network: number, index: number): { ip: string; localIp: string } {
  const third = 1 + Math.floor(index / 254);
  const fourth = 1 + (index % 254);
  return { ip: `127.${2 * network}.${third}.${fourth}`, localIp: `127.${2 * network + 1}.${third}.${fourth}` };
}

// Kubernetes' rand.String alphabet (no vowels, no confusable digits).
const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
function suffix(seed: string, length: number): string {
  const digest = createHash('sha256').update(seed).digest();
  return Array.from(digest.subarray(0, length), (b) => ALPHABET[b % ALPHABET.length]).join('');
}
function hex(seed: string, length: number): string {
  return createHash('sha256').update(seed).digest('hex').slice(0, length);
}
function uid(seed: string): string {
  const h = hex(seed, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function podsFor(name: string, index: number, nodes: number): LabPod[] {
  const pods: LabPod[] = [];
  if (index === 0) {
    for (const component of ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler']) {
      pods.push({ namespace: 'kube-system', name: `${component}-${name}`, uid: hex(`${name}/${component}`, 32), containers: [component], static: true });
    }
  }
  pods.push({ namespace: 'kube-system', name: `kube-proxy-${suffix(`${name}/kube-proxy`, 5)}`, uid: uid(`${name}/kube-proxy`), containers: ['kube-proxy'], static: false });
  // coredns' two replicas land on the first two workers (or the control plane when it is alone).
  if ((nodes === 1 && index === 0) || (index >= 1 && index <= 2)) {
    pods.push({ namespace: 'kube-system', name: `coredns-${hex('coredns', 10)}-${suffix(`${name}/coredns`, 5)}`, uid: uid(`${name}/coredns`), containers: ['coredns'], static: false });
  }
  if (index >= 1) {
    pods.push({ namespace: 'default', name: `web-${hex('web', 10)}-${suffix(`${name}/web`, 5)}`, uid: uid(`${name}/web`), containers: ['web', 'log-shipper'], static: false });
  }
  return pods;
}

interface EndpointRule {
  component: ComponentId;
  port: string;
  controlPlaneOnly: boolean;
  bind: (profile: ProfileName) => Bind | 'node-ip' | 'off';
  scheme?: (profile: ProfileName) => 'http' | 'https';
}

// Where each port listens, per profile: kubeadm's binds (spec §7) and what the profile changes.
const RULES: readonly EndpointRule[] = [
  { component: 'etcd', port: 'client', controlPlaneOnly: true, bind: () => 'all', scheme: (p) => PROFILE_SETTINGS[p].etcd.scheme },
  { component: 'etcd', port: 'peer', controlPlaneOnly: true, bind: () => 'node-ip', scheme: (p) => PROFILE_SETTINGS[p].etcd.scheme },
  { component: 'etcd', port: 'metrics', controlPlaneOnly: true, bind: (p) => PROFILE_SETTINGS[p].etcd.metricsBind },
  { component: 'kube-apiserver', port: 'secure', controlPlaneOnly: true, bind: () => 'all' },
  { component: 'kube-controller-manager', port: 'secure', controlPlaneOnly: true, bind: (p) => PROFILE_SETTINGS[p].controlPlane.bind },
  { component: 'kube-scheduler', port: 'secure', controlPlaneOnly: true, bind: (p) => PROFILE_SETTINGS[p].controlPlane.bind },
  { component: 'kubelet', port: 'api', controlPlaneOnly: false, bind: () => 'all' },
  { component: 'kubelet', port: 'healthz', controlPlaneOnly: false, bind: (p) => PROFILE_SETTINGS[p].kubelet.healthzBind },
  { component: 'kubelet', port: 'read-only', controlPlaneOnly: false, bind: (p) => (PROFILE_SETTINGS[p].kubelet.readOnlyPort ? 'all' : 'off') },
  { component: 'kube-proxy', port: 'metrics', controlPlaneOnly: false, bind: (p) => PROFILE_SETTINGS[p].kubeProxy.metricsBind },
  { component: 'kube-proxy', port: 'healthz', controlPlaneOnly: false, bind: (p) => PROFILE_SETTINGS[p].kubeProxy.healthzBind },
];

export function planLab(options: LabOptions & { dir: string }): LabPlan {
  const count = options.nodes ?? 3;
  const network = options.network ?? 0;
  const version: KubernetesVersion = options.kubernetesVersion ?? '1.36';
  if (!Number.isInteger(count) || count < 1 || count > MAX_NODES) throw new UsageError(`--nodes must be a whole number from 1 to ${MAX_NODES}, got ${count}`);
  if (!Number.isInteger(network) || network < 0 || network > 63) throw new UsageError(`--network must be a whole number from 0 to 63, got ${network}`);
  const portOffset = options.portOffset;
  if (portOffset !== undefined && (!Number.isInteger(portOffset) || portOffset < 0 || portOffset + 10260 + 100 * (count - 1) > 65535)) {
    throw new UsageError(`--port-offset ${portOffset} does not fit ${count} nodes under port 65535 (node i uses offset + 100*i)`);
  }
  const etcd: EtcdMode = options.etcd ?? 'standin';
  const rate = options.logLinesPerSecond;
  if (rate !== undefined && rate !== 'max' && (!Number.isFinite(rate) || rate <= 0 || rate > 1_000_000)) throw new UsageError(`--log-lines-per-second takes a number from 0 to 1000000, or max: ${String(rate)}`);
  const logLinePeriodMs = rate === undefined ? undefined : rate === 'max' ? 0 : 1000 / rate;
  const keyType: KeyType = options.keyType ?? 'ecdsa';
  const nodes: LabNode[] = [];
  const endpoints: LabEndpoint[] = [];
  const seen = new Set<string>();
  for (let index = 0; index < count; index++) {
    const name = nodeName(index);
    const profile = profileFor(options.profile ?? 'kubeadm', index, options.nodeProfiles ?? {}, name);
    const addresses = portOffset === undefined ? nodeAddresses(network, index) : { ip: '127.0.0.1', localIp: '127.0.0.1' };
    nodes.push({ name, index, role: index === 0 ? 'control-plane' : 'worker', profile, ...addresses, root: join(options.dir, 'nodes', name), pods: podsFor(name, index, count) });
    for (const rule of RULES) {
      if (rule.controlPlaneOnly && index !== 0) continue;
      const bind = rule.bind(profile);
      if (bind === 'off') continue;
      const entry = getPort(rule.component, rule.port);
      const number = portOffset === undefined ? entry.port : entry.port + portOffset + 100 * index;
      const scheme = rule.scheme ? rule.scheme(profile) : entry.scheme;
      const places: { address: string; reach: LabEndpoint['reach'] }[] = [];
      if (bind === 'all' || bind === 'node-ip') places.push({ address: addresses.ip, reach: 'node-ip' });
      if (bind === 'all' || bind === 'node-local') places.push({ address: addresses.localIp, reach: 'node-local' });
      for (const place of places) {
        const key = `${place.address}:${number}`;
        if (seen.has(key)) continue;
        seen.add(key);
        endpoints.push({ node: name, component: rule.component, port: rule.port, address: place.address, number, scheme, reach: place.reach });
      }
    }
  }
  const plan: LabPlan = {
    schema: 'kia.lab/v1',
    dir: options.dir,
    kubernetesVersion: version,
    etcdVersion: etcd === 'system' ? '3.4.23' : VERSIONS[version].etcdVersion,
    etcd,
    network,
    keyType,
    ...(logLinePeriodMs !== undefined ? { logLinePeriodMs } : {}),
    nodes,
    endpoints,
    processes: [],
    files: labFiles(options.dir, version),
    state: 'starting',
  };
  if (portOffset !== undefined) plan.portOffset = portOffset;
  return plan;
}

function labFiles(dir: string, version: KubernetesVersion): LabPlan['files'] {
  const files: LabPlan['files'] = {
    ca: join(dir, 'ca.crt'),
    etcdCa: join(dir, 'etcd-ca.crt'),
    frontProxyCa: join(dir, 'front-proxy-ca.crt'),
    adminCert: join(dir, 'admin.crt'),
    adminKey: join(dir, 'admin.key'),
    adminConf: join(dir, 'admin.conf'),
    aliceCert: join(dir, 'alice.crt'),
    aliceKey: join(dir, 'alice.key'),
    aliceConf: join(dir, 'alice.conf'),
    monitorCert: join(dir, 'monitor.crt'),
    monitorKey: join(dir, 'monitor.key'),
    foreignCert: join(dir, 'foreign.crt'),
    foreignKey: join(dir, 'foreign.key'),
    adminToken: join(dir, 'tokens', 'admin.token'),
    aliceToken: join(dir, 'tokens', 'alice.token'),
    monitorToken: join(dir, 'tokens', 'monitor.token'),
    etcdClientCert: join(dir, 'etcd-client.crt'),
    etcdClientKey: join(dir, 'etcd-client.key'),
    kubeletClientCert: join(dir, 'apiserver-kubelet-client.crt'),
    kubeletClientKey: join(dir, 'apiserver-kubelet-client.key'),
  };
  if (VERSIONS[version].adminGroup !== 'system:masters') files.superAdminConf = join(dir, 'super-admin.conf');
  return files;
}

export function endpointsOf(plan: LabPlan, node: string, component: ComponentId): LabEndpoint[] {
  return plan.endpoints.filter((e) => e.node === node && e.component === component);
}
