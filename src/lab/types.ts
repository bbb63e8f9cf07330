// The lab's public data: the address plan written to `<dir>/lab.json`, and the options of startLab().
import type { ComponentId, KubernetesVersion } from '../model/index.ts';

export const PROFILES = ['kubeadm', 'hardened', 'anonymous-webhook', 'insecure', 'insecure-http-etcd'] as const;
export type ProfileName = (typeof PROFILES)[number];
/** `mixed` spreads the profiles over the nodes (see profiles.ts). */
export type ProfileChoice = ProfileName | 'mixed';

export type EtcdMode = 'standin' | 'system';
export type KeyType = 'ecdsa' | 'rsa';

/** An injectable clock: the lab, the probe engine and `kia serve` never read wall time directly. */
export interface Clock {
  now(): number;
}

export interface LabOptions {
  /** The lab folder: PKI, configs, logs, lab.json. Reused (warm start) when it holds a PKI for the same plan. */
  dir: string;
  /** Number of nodes; node 1 is the control plane. Default 3. */
  nodes?: number;
  kubernetesVersion?: KubernetesVersion;
  /** One profile for every node, or `mixed`. Default `kubeadm`. */
  profile?: ProfileChoice;
  /** Per-node override by node name or 1-based index (`"2"`). */
  nodeProfiles?: Record<string, ProfileName>;
  /**
   * Moves the whole address plan so several labs can run side by side: network n puts node IPs in 127.(2n).0.0/16
   * and node-local addresses in 127.(2n+1).0.0/16 (network 0: node 1 is 127.0.1.1, its node-local address
   * 127.1.1.1). A network another lab holds, or whose addresses are taken: InputError naming them. Default: the
   * first free network (0 when nothing else runs here), in `plan.network`.
   */
  network?: number;
  /** Serve everything on 127.0.0.1, node i (0-based) shifted by offset + 100*i ports, for hosts with only 127.0.0.1. */
  portOffset?: number;
  /** `standin` (default) or Debian's real etcd binary (`system`). */
  etcd?: EtcdMode;
  keyType?: KeyType;
  /** Container log lines per second when following (default 1); `max`: as fast as the reader takes them (benchmarks). */
  logLinesPerSecond?: number | 'max';
  clock?: Clock;
  /** Run every component inside the calling process instead of one process per component (faster for tests). */
  inProcess?: boolean;
}

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
