// Lays the lab folder out like kubeadm's nodes: PKI, kubeconfigs, KubeletConfiguration, kube-proxy config, logs.
// A warm start reuses every certificate already on disk for the same plan.
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { stringify } from 'yaml';
import { ensurePair, ensureServiceAccountKey, issue, validity, writePair, type Pair } from './pki.ts';
import { apiserverUrl, clusterPki, kubeletSelfCa, nodeLayout } from './layout.ts';
import { PROFILE_SETTINGS } from './profiles.ts';
import type { Clock, LabNode, LabPlan } from './types.ts';
import { VERSIONS } from './versions.ts';
import { writeNodeLogs } from './node-logs.ts';

const YEAR = 365;
const TEN_YEARS = 3650;

function write(path: string, content: string, mode?: number): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content, mode === undefined ? undefined : { mode });
}

function kubeconfig(plan: LabPlan, user: string, pair: Pair, caPem: string): string {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'kia-lab', cluster: { server: apiserverUrl(plan), 'certificate-authority-data': b64(caPem) } }],
    contexts: [{ name: `${user}@kia-lab`, context: { cluster: 'kia-lab', user } }],
    'current-context': `${user}@kia-lab`,
    preferences: {},
    users: [{ name: user, user: { 'client-certificate-data': b64(pair.certPem), 'client-key-data': b64(pair.keyPem) } }],
  });
}

interface Meta {
  kubernetesVersion: string;
  keyType: string;
  network: number;
  portOffset: number | null;
}

/** Same PKI can serve a new start only when names and addresses in it are still right. */
function prepareDir(plan: LabPlan): void {
  const metaFile = join(plan.dir, 'pki-meta.json');
  const meta: Meta = { kubernetesVersion: plan.kubernetesVersion, keyType: plan.keyType, network: plan.network, portOffset: plan.portOffset ?? null };
  if (existsSync(metaFile)) {
    const old = JSON.parse(readFileSync(metaFile, 'utf8')) as Meta;
    if (JSON.stringify(old) !== JSON.stringify(meta)) {
      rmSync(join(plan.dir, 'nodes'), { recursive: true, force: true });
      rmSync(join(plan.dir, 'foreign'), { recursive: true, force: true });
      rmSync(join(plan.dir, 'signers'), { recursive: true, force: true });
    }
  }
  mkdirSync(plan.dir, { recursive: true });
  writeFileSync(metaFile, JSON.stringify(meta));
}

export async function materialize(plan: LabPlan, clock: Clock): Promise<void> {
  prepareDir(plan);
  const now = clock.now();
  const kt = plan.keyType;
  const cp = plan.nodes[0] as LabNode;
  const P = clusterPki(plan);
  const behaviour = VERSIONS[plan.kubernetesVersion];
  const ca10 = validity(now, TEN_YEARS);
  const leaf = validity(now, YEAR);

  const [ca, etcdCa, frontProxyCa, foreignCa] = await Promise.all([
    ensurePair(join(P.pki, 'ca'), () => ({ cn: 'kubernetes', usage: 'ca', ...ca10 }), kt),
    ensurePair(join(P.etcdPki, 'ca'), () => ({ cn: 'etcd-ca', usage: 'ca', ...ca10 }), kt),
    ensurePair(join(P.pki, 'front-proxy-ca'), () => ({ cn: 'front-proxy-ca', usage: 'ca', ...ca10 }), kt),
    ensurePair(join(plan.dir, 'foreign/ca'), () => ({ cn: 'kubernetes', usage: 'ca', ...ca10 }), kt),
  ]);
  const cpIps = [cp.ip, cp.localIp, '127.0.0.1', '::1'];
  const client = (cn: string, o?: string[]) => () => ({ cn, ...(o ? { o } : {}), usage: 'client' as const, ...leaf });
  const [admin, superAdmin, alice, kcm, scheduler, kubeletClient, etcdClient, healthcheck, foreign] = await Promise.all([
    ensurePair(join(P.pki, '../admin'), client('kubernetes-admin', [behaviour.adminGroup]), kt, ca),
    ensurePair(join(P.pki, '../super-admin'), client('kubernetes-super-admin', ['system:masters']), kt, ca),
    ensurePair(join(P.pki, '../alice'), client('alice'), kt, ca),
    ensurePair(join(P.pki, '../controller-manager'), client('system:kube-controller-manager'), kt, ca),
    ensurePair(join(P.pki, '../scheduler'), client('system:kube-scheduler'), kt, ca),
    ensurePair(join(P.pki, 'apiserver-kubelet-client'), client('kube-apiserver-kubelet-client', [behaviour.adminGroup]), kt, ca),
    ensurePair(join(P.pki, 'apiserver-etcd-client'), client('kube-apiserver-etcd-client'), kt, etcdCa),
    ensurePair(join(P.etcdPki, 'healthcheck-client'), client('kube-etcd-healthcheck-client'), kt, etcdCa),
    ensurePair(join(plan.dir, 'foreign/client'), client('kubernetes-admin', ['system:masters']), kt, foreignCa),
    ensurePair(join(P.pki, 'apiserver'), () => ({
      cn: 'kube-apiserver', usage: 'server', ...leaf,
      dns: [cp.name, 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local', 'localhost'],
      ips: ['10.96.0.1', ...cpIps],
    }), kt, ca),
    ensurePair(join(P.etcdPki, 'server'), () => ({ cn: cp.name, usage: 'server+client', ...leaf, dns: [cp.name, 'localhost'], ips: cpIps }), kt, etcdCa),
    ensurePair(join(P.etcdPki, 'peer'), () => ({ cn: cp.name, usage: 'server+client', ...leaf, dns: [cp.name, 'localhost'], ips: cpIps }), kt, etcdCa),
    ensurePair(join(P.pki, 'front-proxy-client'), client('front-proxy-client'), kt, frontProxyCa),
    ensureServiceAccountKey(join(P.pki, 'sa'), kt),
  ]);
  if (!admin || !superAdmin || !alice || !kcm || !scheduler || !kubeletClient || !etcdClient || !healthcheck || !foreign) throw new Error('PKI incomplete');

  // Kubeconfigs, as kubeadm writes them into /etc/kubernetes.
  const etcK = join(cp.root, 'etc/kubernetes');
  write(join(etcK, 'admin.conf'), kubeconfig(plan, 'kubernetes-admin', admin, ca.certPem), 0o600);
  if (plan.files.superAdminConf) write(join(etcK, 'super-admin.conf'), kubeconfig(plan, 'kubernetes-super-admin', superAdmin, ca.certPem), 0o600);
  write(join(etcK, 'controller-manager.conf'), kubeconfig(plan, 'system:kube-controller-manager', kcm, ca.certPem), 0o600);
  write(join(etcK, 'scheduler.conf'), kubeconfig(plan, 'system:kube-scheduler', scheduler, ca.certPem), 0o600);

  // Static tokens (kube-apiserver --token-auth-file): token,user,uid,"groups".
  const tokensCsv = join(P.pki, '../tokens.csv');
  if (!existsSync(tokensCsv)) {
    const adminToken = randomBytes(24).toString('base64url');
    const aliceToken = randomBytes(24).toString('base64url');
    write(tokensCsv, `${adminToken},kia-admin,kia-admin-uid,"system:masters"\n${aliceToken},alice,alice-uid,""\n`, 0o600);
  }
  const [adminTokenLine, aliceTokenLine] = readFileSync(tokensCsv, 'utf8').trim().split('\n');

  // What a learner uses, at the top of the lab folder.
  const files = plan.files;
  copyFileSync(join(P.pki, 'ca.crt'), files.ca);
  copyFileSync(join(P.etcdPki, 'ca.crt'), files.etcdCa);
  copyFileSync(join(P.pki, 'front-proxy-ca.crt'), files.frontProxyCa);
  writePair(join(plan.dir, 'admin'), admin);
  writePair(join(plan.dir, 'alice'), alice);
  writePair(join(plan.dir, 'foreign'), foreign);
  writePair(join(plan.dir, 'etcd-client'), healthcheck);
  writePair(join(plan.dir, 'apiserver-kubelet-client'), kubeletClient);
  write(files.adminConf, kubeconfig(plan, 'kubernetes-admin', admin, ca.certPem), 0o600);
  if (files.superAdminConf) write(files.superAdminConf, kubeconfig(plan, 'kubernetes-super-admin', superAdmin, ca.certPem), 0o600);
  write(files.aliceConf, kubeconfig(plan, 'alice', alice, ca.certPem), 0o600);
  write(files.adminToken, `${adminTokenLine?.split(',')[0] ?? ''}\n`, 0o600);
  write(files.aliceToken, `${aliceTokenLine?.split(',')[0] ?? ''}\n`, 0o600);

  await Promise.all(plan.nodes.map((node) => materializeNode(plan, node, ca, now)));
}

async function materializeNode(plan: LabPlan, node: LabNode, ca: Pair, now: number): Promise<void> {
  const L = nodeLayout(node);
  const settings = PROFILE_SETTINGS[node.profile];
  const kt = plan.keyType;
  const leaf = validity(now, YEAR);
  const clientPair = await ensurePair(L.kubeletClient, () => ({ cn: `system:node:${node.name}`, o: ['system:nodes'], usage: 'client', ...leaf }), kt, ca);
  if (!existsSync(`${L.kubeletServing}.crt`)) {
    if (settings.kubelet.servingCert === 'cluster-ca') {
      const serving = await ensurePair(`${L.kubeletServing}-server`, () => ({ cn: `system:node:${node.name}`, o: ['system:nodes'], usage: 'server', ...leaf, dns: [node.name], ips: [node.ip, node.localIp] }), kt, ca);
      writePair(L.kubeletServing, serving, ca.certPem);
    } else {
      // client-go's GenerateSelfSignedCertKey: its own CA `<host>-ca@<unix>`, leaf `<host>@<unix>`, SAN DNS:<host>.
      const unix = Math.floor(now / 1000);
      const selfCa = await issue({ cn: `${node.name}-ca@${unix}`, usage: 'ca', ...validity(now, YEAR) }, kt);
      const servingLeaf = await issue({ cn: `${node.name}@${unix}`, usage: 'server', ...validity(now, YEAR), dns: [node.name] }, kt, selfCa);
      writePair(L.kubeletServing, servingLeaf, selfCa.certPem);
      writePair(kubeletSelfCa(plan, node), selfCa);
    }
  }
  mkdirSync(L.pki, { recursive: true });
  if (node.index !== 0) copyFileSync(join(clusterPki(plan).pki, 'ca.crt'), join(L.pki, 'ca.crt'));
  write(L.kubeletConf, kubeconfig(plan, `system:node:${node.name}`, clientPair, ca.certPem), 0o600);
  write(L.kubeletConfig, kubeletConfigYaml(plan, node));
  write(L.kubeProxyConfig, kubeProxyConfigYaml(node));
  writeNodeLogs(node, L.varLog, now);
}

function hostPort(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

export function kubeletConfigYaml(plan: LabPlan, node: LabNode): string {
  const s = PROFILE_SETTINGS[node.profile].kubelet;
  const L = nodeLayout(node);
  const port = (name: string) => plan.endpoints.find((e) => e.node === node.name && e.component === 'kubelet' && e.port === name)?.number ?? 0;
  const config: Record<string, unknown> = {
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    address: '0.0.0.0',
    port: port('api'),
    readOnlyPort: port('read-only'),
    healthzBindAddress: s.healthzBind === 'all' ? '0.0.0.0' : '127.0.0.1',
    healthzPort: port('healthz'),
    authentication: {
      anonymous: { enabled: s.anonymous },
      webhook: { cacheTTL: '0s', enabled: s.webhookAuthn },
      x509: { clientCAFile: join(L.pki, 'ca.crt') },
    },
    authorization: { mode: s.authorization, webhook: { cacheAuthorizedTTL: '0s', cacheUnauthorizedTTL: '0s' } },
    cgroupDriver: 'systemd',
    clusterDNS: ['10.96.0.10'],
    clusterDomain: 'cluster.local',
    enableDebuggingHandlers: s.enableDebuggingHandlers,
    enableProfilingHandler: s.enableProfilingHandler,
    rotateCertificates: true,
    staticPodPath: L.manifests,
  };
  if (s.servingCert === 'cluster-ca') Object.assign(config, { tlsCertFile: `${L.kubeletServing}.crt`, tlsPrivateKeyFile: `${L.kubeletServing}.key` });
  return stringify(config);
}

export function kubeProxyConfigYaml(node: LabNode): string {
  const s = PROFILE_SETTINGS[node.profile].kubeProxy;
  return stringify({
    apiVersion: 'kubeproxy.config.k8s.io/v1alpha1',
    kind: 'KubeProxyConfiguration',
    bindAddress: '0.0.0.0',
    clientConnection: { kubeconfig: '/var/lib/kube-proxy/kubeconfig.conf' },
    enableProfiling: s.enableProfiling,
    healthzBindAddress: s.healthzBind === 'all' ? '0.0.0.0:10256' : '127.0.0.1:10256',
    metricsBindAddress: s.metricsBind === 'all' ? '0.0.0.0:10249' : '127.0.0.1:10249',
    mode: 'iptables',
    hostnameOverride: node.name,
  });
}

export { hostPort };
