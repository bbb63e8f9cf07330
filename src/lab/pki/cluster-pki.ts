// The cluster's certificates as kubeadm issues them (CAs, apiserver, etcd, client identities, the service-account
// key) and each node's kubelet pairs; every pair already on disk is reused, which is what makes a warm start warm.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { clusterPki, kubeletSelfCa, nodeLayout } from '../plan/node-layout.ts';
import { PROFILE_SETTINGS } from '../plan/profiles.ts';
import { VERSIONS } from '../plan/versions.ts';
import type { LabNode, LabPlan } from '../types.ts';
import { ensurePair, ensureServiceAccountKey, issue, validity, writePair, type Pair } from './certificates.ts';

const YEAR = 365;
const TEN_YEARS = 3650;

/** The pairs the lab folder's kubeconfigs and learner files are written from. */
export interface ClusterPki {
  ca: Pair;
  admin: Pair;
  superAdmin: Pair;
  alice: Pair;
  /** A monitoring job's identity: RBAC grants it get on nodes/proxy and nothing else. */
  monitor: Pair;
  controllerManager: Pair;
  scheduler: Pair;
  kubeletClient: Pair;
  healthcheck: Pair;
  foreign: Pair;
}

export async function issueClusterPki(plan: LabPlan, now: number): Promise<ClusterPki> {
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
  const [admin, superAdmin, alice, monitor, controllerManager, scheduler, kubeletClient, etcdClient, healthcheck, foreign] = await Promise.all([
    ensurePair(join(P.pki, '../admin'), client('kubernetes-admin', [behaviour.adminGroup]), kt, ca),
    ensurePair(join(P.pki, '../super-admin'), client('kubernetes-super-admin', ['system:masters']), kt, ca),
    ensurePair(join(P.pki, '../alice'), client('alice'), kt, ca),
    ensurePair(join(P.pki, '../monitor'), client('monitor'), kt, ca),
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
  if (!admin || !superAdmin || !alice || !monitor || !controllerManager || !scheduler || !kubeletClient || !etcdClient || !healthcheck || !foreign) throw new Error('PKI incomplete');
  return { ca, admin, superAdmin, alice, monitor, controllerManager, scheduler, kubeletClient, healthcheck, foreign };
}

/**
 * A node's kubelet client pair, and its serving pair: from the cluster CA where the profile says so, else
 * self-generated with its own CA as upstream does without tlsCertFile.
 */
export async function issueKubeletPairs(plan: LabPlan, node: LabNode, ca: Pair, now: number): Promise<{ client: Pair }> {
  const L = nodeLayout(node);
  const settings = PROFILE_SETTINGS[node.profile];
  const kt = plan.keyType;
  const leaf = validity(now, YEAR);
  const client = await ensurePair(L.kubeletClient, () => ({ cn: `system:node:${node.name}`, o: ['system:nodes'], usage: 'client', ...leaf }), kt, ca);
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
  return { client };
}
