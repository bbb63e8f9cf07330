// Lays the lab folder out like kubeadm's nodes: the PKI (pki/cluster-pki.ts), kubeconfigs, tokens, the learner's
// credential files, each node's config files and logs. A warm start reuses what is already there for the same plan.
import { appendFileSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { stringify } from 'yaml';
import { writePair, type Pair } from '../pki/certificates.ts';
import { issueClusterPki, issueKubeletPairs } from '../pki/cluster-pki.ts';
import type { Clock, LabNode, LabPlan } from '../types.ts';
import { apiserverUrl, clusterPki, nodeLayout } from './node-layout.ts';
import { kubeletConfigYaml, kubeProxyConfigYaml } from './node-config.ts';
import { writeNodeLogs } from './node-logs.ts';

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
  const cp = plan.nodes[0] as LabNode;
  const P = clusterPki(plan);
  const pki = await issueClusterPki(plan, now);
  const { ca, admin, superAdmin, alice } = pki;

  // Kubeconfigs, as kubeadm writes them into /etc/kubernetes.
  const etcK = join(cp.root, 'etc/kubernetes');
  write(join(etcK, 'admin.conf'), kubeconfig(plan, 'kubernetes-admin', admin, ca.certPem), 0o600);
  if (plan.files.superAdminConf) write(join(etcK, 'super-admin.conf'), kubeconfig(plan, 'kubernetes-super-admin', superAdmin, ca.certPem), 0o600);
  write(join(etcK, 'controller-manager.conf'), kubeconfig(plan, 'system:kube-controller-manager', pki.controllerManager, ca.certPem), 0o600);
  write(join(etcK, 'scheduler.conf'), kubeconfig(plan, 'system:kube-scheduler', pki.scheduler, ca.certPem), 0o600);

  // Static tokens (kube-apiserver --token-auth-file): token,user,uid,"groups".
  const tokensCsv = join(P.pki, '../tokens.csv');
  if (!existsSync(tokensCsv)) {
    const adminToken = randomBytes(24).toString('base64url');
    const aliceToken = randomBytes(24).toString('base64url');
    write(tokensCsv, `${adminToken},kia-admin,kia-admin-uid,"system:masters"\n${aliceToken},alice,alice-uid,""\n`, 0o600);
  }
  // The monitor's token came later: a lab folder made before it gets its line on the next start.
  if (!readFileSync(tokensCsv, 'utf8').includes(',monitor,')) appendFileSync(tokensCsv, `${randomBytes(24).toString('base64url')},monitor,monitor-uid,""\n`);
  const [adminTokenLine, aliceTokenLine] = readFileSync(tokensCsv, 'utf8').trim().split('\n');
  const monitorTokenLine = readFileSync(tokensCsv, 'utf8').split('\n').find((l) => l.includes(',monitor,'));

  // What a learner uses, at the top of the lab folder.
  const files = plan.files;
  copyFileSync(join(P.pki, 'ca.crt'), files.ca);
  copyFileSync(join(P.etcdPki, 'ca.crt'), files.etcdCa);
  copyFileSync(join(P.pki, 'front-proxy-ca.crt'), files.frontProxyCa);
  writePair(join(plan.dir, 'admin'), admin);
  writePair(join(plan.dir, 'alice'), alice);
  writePair(join(plan.dir, 'monitor'), pki.monitor);
  writePair(join(plan.dir, 'foreign'), pki.foreign);
  writePair(join(plan.dir, 'etcd-client'), pki.healthcheck);
  writePair(join(plan.dir, 'apiserver-kubelet-client'), pki.kubeletClient);
  write(files.adminConf, kubeconfig(plan, 'kubernetes-admin', admin, ca.certPem), 0o600);
  if (files.superAdminConf) write(files.superAdminConf, kubeconfig(plan, 'kubernetes-super-admin', superAdmin, ca.certPem), 0o600);
  write(files.aliceConf, kubeconfig(plan, 'alice', alice, ca.certPem), 0o600);
  write(files.adminToken, `${adminTokenLine?.split(',')[0] ?? ''}\n`, 0o600);
  write(files.aliceToken, `${aliceTokenLine?.split(',')[0] ?? ''}\n`, 0o600);
  write(files.monitorToken, `${monitorTokenLine?.split(',')[0] ?? ''}\n`, 0o600);

  await Promise.all(plan.nodes.map((node) => materializeNode(plan, node, ca, now)));
}

async function materializeNode(plan: LabPlan, node: LabNode, ca: Pair, now: number): Promise<void> {
  const L = nodeLayout(node);
  const { client } = await issueKubeletPairs(plan, node, ca, now);
  mkdirSync(L.pki, { recursive: true });
  if (node.index !== 0) copyFileSync(join(clusterPki(plan).pki, 'ca.crt'), join(L.pki, 'ca.crt'));
  write(L.kubeletConf, kubeconfig(plan, `system:node:${node.name}`, client, ca.certPem), 0o600);
  write(L.kubeletConfig, kubeletConfigYaml(plan, node));
  write(L.kubeProxyConfig, kubeProxyConfigYaml(node));
  writeNodeLogs(node, L.varLog, now);
}
