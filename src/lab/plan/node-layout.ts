// Where the lab keeps things: each node's folder is laid out like a kubeadm node's root.
import { join } from 'node:path';
import type { LabNode, LabPlan } from '../types.ts';

export interface NodeLayout {
  root: string;
  pki: string;
  etcdPki: string;
  manifests: string;
  kubeletDir: string;
  kubeletConfig: string;
  kubeletConf: string;
  kubeletServing: string;
  kubeletClient: string;
  kubeProxyConfig: string;
  varLog: string;
}

export function nodeLayout(node: Pick<LabNode, 'root'>): NodeLayout {
  const root = node.root;
  const pki = join(root, 'etc/kubernetes/pki');
  return {
    root,
    pki,
    etcdPki: join(pki, 'etcd'),
    manifests: join(root, 'etc/kubernetes/manifests'),
    kubeletDir: join(root, 'var/lib/kubelet'),
    kubeletConfig: join(root, 'var/lib/kubelet/config.yaml'),
    kubeletConf: join(root, 'etc/kubernetes/kubelet.conf'),
    // Self-generated serving pair (kubelet.crt holds the leaf and its own CA), as upstream writes it.
    kubeletServing: join(root, 'var/lib/kubelet/pki/kubelet'),
    kubeletClient: join(root, 'var/lib/kubelet/pki/kubelet-client'),
    kubeProxyConfig: join(root, 'var/lib/kube-proxy/config.conf'),
    varLog: join(root, 'var/log'),
  };
}

export function controlPlane(plan: LabPlan): LabNode {
  const node = plan.nodes[0];
  if (!node) throw new Error('lab plan has no nodes');
  return node;
}

/** The cluster PKI lives on the control-plane node, as kubeadm puts it. */
export function clusterPki(plan: LabPlan): NodeLayout {
  return nodeLayout(controlPlane(plan));
}

/**
 * Where the lab keeps the CA of a kubelet's self-generated serving pair (the real kubelet discards it; the lab keeps
 * it outside the node's folder so the cert-expiring fault can sign with the same CA).
 */
export function kubeletSelfCa(plan: Pick<LabPlan, 'dir'>, node: Pick<LabNode, 'name'>): string {
  return join(plan.dir, 'signers', node.name, 'kubelet-ca');
}

export function apiserverUrl(plan: LabPlan): string {
  const endpoint = plan.endpoints.find((e) => e.component === 'kube-apiserver' && e.reach === 'node-local') ?? plan.endpoints.find((e) => e.component === 'kube-apiserver');
  if (!endpoint) throw new Error('lab plan has no apiserver');
  return `https://${endpoint.address}:${endpoint.number}`;
}
