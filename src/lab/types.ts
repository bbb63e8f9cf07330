// The lab's public data: the address plan written to `<dir>/lab.json` (its types live in model/ so the library's
// reader can return them), and the options of startLab().
import type { KubernetesVersion } from '../model/index.ts';
import type { EtcdMode, KeyType, ProfileName } from '../model/lab-plan.ts';

export { PROFILES } from '../model/lab-plan.ts';
export type { EtcdMode, KeyType, LabEndpoint, LabFiles, LabNode, LabPlan, LabPod, LabProcess, ProfileName } from '../model/lab-plan.ts';
/** `mixed` spreads the profiles over the nodes (see profiles.ts). */
export type ProfileChoice = ProfileName | 'mixed';

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

