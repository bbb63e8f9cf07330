// The command lines the lab's processes carry, as kubeadm writes them (spec §2.9, §3.1, §5.5), so that "check which
// process owns that port" and reading the flags work on the lab as on a real node.
import { join } from 'node:path';
import { stringify } from 'yaml';
import { mkdirSync, writeFileSync } from 'node:fs';
import type { ComponentId } from '../../model/index.ts';
import { clusterPki, nodeLayout } from './node-layout.ts';
import { PROFILE_SETTINGS } from './profiles.ts';
import { tlsFlags } from './tls-serving.ts';
import type { LabNode, LabPlan } from '../types.ts';

function port(plan: LabPlan, node: LabNode, component: ComponentId, name: string): number {
  return plan.endpoints.find((e) => e.node === node.name && e.component === component && e.port === name)?.number ?? 0;
}

export function commandLine(plan: LabPlan, node: LabNode, component: ComponentId): string[] {
  const P = clusterPki(plan);
  const L = nodeLayout(node);
  const s = PROFILE_SETTINGS[node.profile];
  const etcK = join(P.pki, '..');
  switch (component) {
    case 'etcd': {
      const scheme = s.etcd.scheme;
      const tls = scheme === 'https'
        ? [`--cert-file=${P.etcdPki}/server.crt`, `--key-file=${P.etcdPki}/server.key`, ...(s.etcd.clientCertAuth ? [`--trusted-ca-file=${P.etcdPki}/ca.crt`, '--client-cert-auth=true'] : []),
           `--peer-cert-file=${P.etcdPki}/peer.crt`, `--peer-key-file=${P.etcdPki}/peer.key`, ...(s.etcd.clientCertAuth ? [`--peer-trusted-ca-file=${P.etcdPki}/ca.crt`, '--peer-client-cert-auth=true'] : [])]
        : [];
      const client = port(plan, node, 'etcd', 'client');
      const peer = port(plan, node, 'etcd', 'peer');
      const metrics = port(plan, node, 'etcd', 'metrics');
      const metricsHost = s.etcd.metricsBind === 'all' ? node.ip : node.localIp;
      return [
        'etcd',
        `--advertise-client-urls=${scheme}://${node.ip}:${client}`,
        `--data-dir=${join(node.root, 'var/lib/etcd')}`,
        '--experimental-initial-corrupt-check=true',
        `--initial-advertise-peer-urls=${scheme}://${node.ip}:${peer}`,
        `--initial-cluster=${node.name}=${scheme}://${node.ip}:${peer}`,
        `--listen-client-urls=${scheme}://${node.localIp}:${client},${scheme}://${node.ip}:${client}`,
        `--listen-metrics-urls=http://${metricsHost}:${metrics}${s.etcd.metricsBind === 'all' && node.ip !== node.localIp ? `,http://${node.localIp}:${metrics}` : ''}`,
        `--listen-peer-urls=${scheme}://${node.ip}:${peer}`,
        `--name=${node.name}`,
        '--snapshot-count=10000',
        ...tls,
        ...(scheme === 'https' ? tlsFlags(node, 'etcd') : []),
      ];
    }
    case 'kube-apiserver':
      return [
        'kube-apiserver',
        `--advertise-address=${node.ip}`,
        '--allow-privileged=true',
        '--authorization-mode=Node,RBAC',
        `--client-ca-file=${P.pki}/ca.crt`,
        '--enable-admission-plugins=NodeRestriction',
        '--enable-bootstrap-token-auth=true',
        `--etcd-cafile=${P.etcdPki}/ca.crt`,
        `--etcd-certfile=${P.pki}/apiserver-etcd-client.crt`,
        `--etcd-keyfile=${P.pki}/apiserver-etcd-client.key`,
        `--etcd-servers=${s.etcd.scheme}://${node.localIp}:${port(plan, node, 'etcd', 'client')}`,
        ...(s.controlPlane.profiling ? [] : ['--profiling=false']),
        `--kubelet-client-certificate=${P.pki}/apiserver-kubelet-client.crt`,
        `--kubelet-client-key=${P.pki}/apiserver-kubelet-client.key`,
        '--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname',
        `--proxy-client-cert-file=${P.pki}/front-proxy-client.crt`,
        `--proxy-client-key-file=${P.pki}/front-proxy-client.key`,
        `--requestheader-client-ca-file=${P.pki}/front-proxy-ca.crt`,
        `--secure-port=${port(plan, node, 'kube-apiserver', 'secure')}`,
        `--service-account-issuer=https://kubernetes.default.svc.cluster.local`,
        `--service-account-key-file=${P.pki}/sa.pub`,
        `--service-account-signing-key-file=${P.pki}/sa.key`,
        '--service-cluster-ip-range=10.96.0.0/12',
        `--tls-cert-file=${P.pki}/apiserver.crt`,
        ...tlsFlags(node, 'kube-apiserver'),
        `--tls-private-key-file=${P.pki}/apiserver.key`,
        `--token-auth-file=${etcK}/tokens.csv`,
      ];
    case 'kube-controller-manager':
    case 'kube-scheduler': {
      const conf = component === 'kube-scheduler' ? 'scheduler.conf' : 'controller-manager.conf';
      return [
        component,
        `--authentication-kubeconfig=${etcK}/${conf}`,
        `--authorization-kubeconfig=${etcK}/${conf}`,
        `--bind-address=${s.controlPlane.bind === 'all' ? '0.0.0.0' : node.localIp}`,
        ...(component === 'kube-controller-manager' ? [`--client-ca-file=${P.pki}/ca.crt`, `--cluster-signing-cert-file=${P.pki}/ca.crt`, `--cluster-signing-key-file=${P.pki}/ca.key`, '--controllers=*,bootstrapsigner,tokencleaner'] : []),
        `--kubeconfig=${etcK}/${conf}`,
        '--leader-elect=true',
        ...(s.controlPlane.profiling ? [] : ['--profiling=false']),
        ...(component === 'kube-controller-manager' ? [`--requestheader-client-ca-file=${P.pki}/front-proxy-ca.crt`, `--root-ca-file=${P.pki}/ca.crt`, `--service-account-private-key-file=${P.pki}/sa.key`, '--use-service-account-credentials=true'] : []),
        `--secure-port=${port(plan, node, component, 'secure')}`,
        ...tlsFlags(node, component),
      ];
    }
    case 'kubelet':
      return ['kubelet', `--bootstrap-kubeconfig=${join(L.root, 'etc/kubernetes/bootstrap-kubelet.conf')}`, `--kubeconfig=${L.kubeletConf}`, `--config=${L.kubeletConfig}`, '--container-runtime-endpoint=unix:///var/run/containerd/containerd.sock', `--node-ip=${node.ip}`, `--hostname-override=${node.name}`];
    case 'kube-proxy':
      return ['kube-proxy', `--config=${L.kubeProxyConfig}`, `--hostname-override=${node.name}`];
    default:
      return [component];
  }
}

/** The `--flag=value` pairs of a command line, as /flagz prints the process's flags. */
export function commandLineFlags(argv: readonly string[]): Record<string, string> {
  const flags: Record<string, string> = {};
  for (const arg of argv.slice(1)) {
    const m = /^--([^=]+)=(.*)$/.exec(arg);
    if (m) flags[m[1] as string] = m[2] as string;
  }
  return flags;
}

/** kubeadm's static pod manifests for the control plane, with the same command lines. */
export function writeManifests(plan: LabPlan): void {
  const node = plan.nodes[0];
  if (!node) return;
  const dir = nodeLayout(node).manifests;
  mkdirSync(dir, { recursive: true });
  for (const component of ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler'] as const) {
    const command = commandLine(plan, node, component);
    const manifest = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: component, namespace: 'kube-system', labels: { component, tier: 'control-plane' } },
      spec: { hostNetwork: true, priorityClassName: 'system-node-critical', containers: [{ name: component, image: `registry.k8s.io/${component}`, command }] },
    };
    writeFileSync(join(dir, `${component}.yaml`), stringify(manifest));
  }
}
