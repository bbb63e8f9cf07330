// The plan of a lab as `<dir>/lab.json` holds it: the lab writes it, the library reads it (targets/lab-file.ts), so
// its types live here where both may import them.
import type { ComponentId, KubernetesVersion } from './index.ts';

export const PROFILES = ['kubeadm', 'hardened', 'anonymous-webhook', 'insecure', 'insecure-http-etcd'] as const;
export type ProfileName = (typeof PROFILES)[number];
export type EtcdMode = 'standin' | 'system';
export type KeyType = 'ecdsa' | 'rsa';

export interface LabEndpoint {
  node: string;
  component: ComponentId;
  /** The catalog's port name: `api`, `healthz`, `read-only`, `client`, `peer`, `metrics`, `secure`. */
  port: string;
  address: string;
  number: number;
  scheme: 'http' | 'https';
  /** Where kubeadm would bind it: `node-ip` endpoints are reachable on the node IP, `node-local` only on the node-local address. */
  reach: 'node-ip' | 'node-local';
}

export interface LabPod {
  namespace: string;
  name: string;
  uid: string;
  containers: string[];
  static: boolean;
}

export interface LabNode {
  name: string;
  index: number;
  role: 'control-plane' | 'worker';
  profile: ProfileName;
  /** The node's address: a remote hunt of the node IPs sees what a remote hunt of real nodes sees. */
  ip: string;
  /** The node's own loopback stand-in: what kubeadm binds to 127.0.0.1 is bound here. */
  localIp: string;
  /** This node's folder, laid out like a kubeadm node's root (`etc/kubernetes`, `var/lib/kubelet`, `var/log`). */
  root: string;
  pods: LabPod[];
}

export interface LabProcess {
  name: string;
  pid: number;
  nodes: string[];
  components: ComponentId[];
}

/** `<dir>/lab.json`. Paths are absolute. */
export interface LabPlan {
  schema: 'kia.lab/v1';
  dir: string;
  kubernetesVersion: KubernetesVersion;
  etcdVersion: string;
  etcd: EtcdMode;
  network: number;
  portOffset?: number;
  keyType: KeyType;
  /** Milliseconds between container log lines when following (default 1000); 0: as fast as the reader takes them. */
  logLinePeriodMs?: number;
  nodes: LabNode[];
  endpoints: LabEndpoint[];
  processes: LabProcess[];
  /** Credential files for the callers a learner or a test uses. */
  files: LabFiles;
  /** The pid of the process that runs the lab (the `kia lab up` process, or the caller of startLab). */
  supervisorPid?: number;
  /** Active faults (kia lab fault), kept up to date by the process that runs the lab. */
  faults?: { node: string; component: ComponentId; faults: string[] }[];
  state: 'starting' | 'ready' | 'stopped';
}

export interface LabFiles {
  /** Cluster CA (`pki/ca.crt`): signs apiserver, client certificates; kubelet client CA. */
  ca: string;
  etcdCa: string;
  frontProxyCa: string;
  /** admin.conf's client certificate: O=system:masters at 1.28, O=kubeadm:cluster-admins from 1.29. */
  adminCert: string;
  adminKey: string;
  adminConf: string;
  /** super-admin.conf (1.29+): O=system:masters. */
  superAdminConf?: string;
  /** An authenticated user with no rights on nodes or non-resource paths beyond public info. */
  aliceCert: string;
  aliceKey: string;
  aliceConf: string;
  /** A monitoring job: RBAC grants it only get on nodes/proxy, which lets it exec through a kubelet WebSocket upgrade. */
  monitorCert: string;
  monitorKey: string;
  /** A client certificate from a CA no component trusts (CN=admin, O=system:masters): the "invalid" caller. */
  foreignCert: string;
  foreignKey: string;
  /** Static bearer tokens (kube-apiserver --token-auth-file): admin (system:masters), alice and monitor. */
  adminToken: string;
  aliceToken: string;
  /** The monitor's static token (get nodes/proxy only). */
  monitorToken: string;
  /** etcd healthcheck-client (kubeadm's) and apiserver-etcd-client certificates. */
  etcdClientCert: string;
  etcdClientKey: string;
  /** The apiserver's client certificate toward kubelets (kubeadm's apiserver-kubelet-client). */
  kubeletClientCert: string;
  kubeletClientKey: string;
}
