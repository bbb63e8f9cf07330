// kia's own port: the node agent (`kia agent`, one per node as a DaemonSet on hostNetwork). In the catalog so that the
// agent, its manifests, the cluster report and a hunt that meets it agree on what listens there and who may read it.
export interface OwnRoute {
  readonly path: string;
  /** `open`: the kubelet's probes, nothing sensitive; `vouched`: a token the API server reviews and allows, or a client certificate from the agent's CA. */
  readonly access: 'open' | 'vouched';
  readonly description: string;
}

export interface OwnPort {
  readonly name: string;
  readonly port: number;
  readonly scheme: 'https';
  readonly title: string;
  /** The agent's default bind: loopback unless it authorises callers (--authorize apiserver or --client-ca). */
  readonly defaultBind: string;
  readonly routes: readonly OwnRoute[];
  /** Where it is defined in this repository. */
  readonly source: string;
}

export const KIA_AGENT_PORT: OwnPort = {
  name: 'kia-agent',
  port: 9472,
  scheme: 'https',
  title: "kia agent: the node's own view (health, findings, report)",
  defaultBind: '127.0.0.1',
  routes: [
    { path: '/healthz', access: 'open', description: 'liveness: the process serves' },
    { path: '/readyz', access: 'open', description: 'readiness: a first cycle is done' },
    { path: '/metrics', access: 'vouched', description: "the exporter's series for this node plus its findings (Prometheus text)" },
    { path: '/api/report', access: 'vouched', description: "the node's report, kia.report/v1 (as kia hunt -o json)" },
  ],
  source: 'src/agent/server.ts; deploy/kustomize/base/daemonset.yaml',
};
