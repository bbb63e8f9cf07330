// What the lab emulates for each supported Kubernetes minor: the release it pretends to be and the behaviour
// switches the spec lists between 1.28, 1.31 and 1.36 (spec §8, §11). Route presence itself comes from the catalog.
import type { KubernetesVersion } from '../../model/index.ts';

export interface VersionBehaviour {
  gitVersion: string;
  goVersion: string;
  buildDate: string;
  gitCommit: string;
  etcdVersion: string;
  /** kubelet /run reads `cmd` from a POST form body too (go-restful < 3.10). */
  runCmdFromFormBody: boolean;
  /** KubeletFineGrainedAuthz on: several subresources tried, `subresource(s)=[...]` 403 body with a newline. */
  kubeletFineGrainedAuthz: boolean;
  /** admin.conf group: system:masters up to 1.28, kubeadm:cluster-admins from 1.29 (with super-admin.conf). */
  adminGroup: 'system:masters' | 'kubeadm:cluster-admins';
  /** kube-proxy 10256 body: Go time strings (old) or compact JSON with RFC 3339 times and per-family status. */
  kubeProxyHealthBody: 'go-time-string' | 'json';
  /** The kubelet translates WebSocket v5 itself (ExtendWebSocketsToKubelet); before, a v5-only offer gets 403. */
  kubeletWebSocketV5: boolean;
  /** Prometheus exposition content type of component-base metrics. */
  metricsContentType: string;
}

const base = { goVersion: 'go1.22.0', gitCommit: '0000000000000000000000000000000000000000' };

export const VERSIONS: Record<KubernetesVersion, VersionBehaviour> = {
  '1.28': {
    ...base,
    gitVersion: 'v1.28.7',
    goVersion: 'go1.21.7',
    gitCommit: 'c8dcb00be9961ec36d141d2e4103f85f92bcf291',
    buildDate: '2024-02-14T10:32:40Z',
    etcdVersion: '3.5.9',
    runCmdFromFormBody: true,
    kubeletFineGrainedAuthz: false,
    adminGroup: 'system:masters',
    kubeProxyHealthBody: 'go-time-string',
    kubeletWebSocketV5: false,
    metricsContentType: 'text/plain; version=0.0.4; charset=utf-8',
  },
  '1.31': {
    ...base,
    gitVersion: 'v1.31.2',
    goVersion: 'go1.22.8',
    gitCommit: '5864a4677267e6adeae276ad85882a8714d69d9d',
    buildDate: '2024-10-22T20:28:14Z',
    etcdVersion: '3.5.15',
    runCmdFromFormBody: false,
    kubeletFineGrainedAuthz: false,
    adminGroup: 'kubeadm:cluster-admins',
    kubeProxyHealthBody: 'go-time-string',
    kubeletWebSocketV5: false,
    metricsContentType: 'text/plain; version=0.0.4; charset=utf-8; escaping=values',
  },
  '1.36': {
    ...base,
    gitVersion: 'v1.36.3',
    goVersion: 'go1.25.4',
    buildDate: '2026-09-10T12:00:00Z',
    etcdVersion: '3.6.8',
    runCmdFromFormBody: false,
    kubeletFineGrainedAuthz: true,
    adminGroup: 'kubeadm:cluster-admins',
    kubeProxyHealthBody: 'json',
    kubeletWebSocketV5: true,
    metricsContentType: 'text/plain; version=0.0.4; charset=utf-8; escaping=underscores',
  },
};

export function versionInfo(version: KubernetesVersion): Record<string, string> {
  const v = VERSIONS[version];
  const [major, minor] = version.split('.') as [string, string];
  const info: Record<string, string> = { major, minor };
  if (version === '1.36') {
    Object.assign(info, { emulationMajor: major, emulationMinor: minor, minCompatibilityMajor: major, minCompatibilityMinor: String(Number(minor) - 1) });
  }
  return {
    ...info,
    gitVersion: v.gitVersion,
    gitCommit: v.gitCommit,
    gitTreeState: 'clean',
    buildDate: v.buildDate,
    goVersion: v.goVersion,
    compiler: 'gc',
    platform: 'linux/amd64',
  };
}
