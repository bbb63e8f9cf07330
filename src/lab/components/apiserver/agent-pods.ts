// kia's agents as pods of the lab apiserver: `<lab>/agents.json` names each agent process (its pod, node, address
// and port; written by `kia lab up --agents` or a test that starts agents), the apiserver lists them as pods of
// kia-system and serves the pods proxy subresource to them, so `kia report --cluster` runs its in-cluster path here.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const AGENTS_FILE = 'agents.json';
export const AGENT_NAMESPACE = 'kia-system';
const AGENT_LABELS = { 'app.kubernetes.io/name': 'kia-agent', 'app.kubernetes.io/part-of': 'kia' };

export interface AgentPod {
  pod: string;
  node: string;
  address: string;
  port: number;
}

/** The agents a lab runs now; none when the file is absent. */
export function readAgentPods(dir: string): AgentPod[] {
  try {
    return JSON.parse(readFileSync(join(dir, AGENTS_FILE), 'utf8')) as AgentPod[];
  } catch {
    return [];
  }
}

/** The agent pod a lab node's agent is listed as: `kia-agent-worker-1` for `kia-worker-1`. */
export function agentPodName(node: string): string {
  return `kia-agent-${node.replace(/^kia-/, '')}`;
}

export function writeAgentPods(dir: string, pods: readonly AgentPod[]): void {
  writeFileSync(join(dir, AGENTS_FILE), `${JSON.stringify(pods, null, 2)}\n`);
}

/** Equality selectors only (`a=b,c=d`), which is what the agents are listed by. */
function selected(selector: string | null): boolean {
  if (!selector) return true;
  return selector.split(',').every((term) => {
    const [key = '', value = ''] = term.split('=').map((s) => s.trim());
    return (AGENT_LABELS as Record<string, string>)[key] === value;
  });
}

/** GET /api/v1/namespaces/<ns>/pods as a PodList: the agents in kia-system, nothing elsewhere. */
export function agentPodList(dir: string, namespace: string, selector: string | null): Record<string, unknown> {
  const pods = namespace === AGENT_NAMESPACE && selected(selector) ? readAgentPods(dir) : [];
  return {
    kind: 'PodList',
    apiVersion: 'v1',
    metadata: { resourceVersion: '1' },
    items: pods.map((p) => ({
      metadata: { name: p.pod, namespace: AGENT_NAMESPACE, labels: AGENT_LABELS },
      spec: { nodeName: p.node, hostNetwork: true, containers: [{ name: 'agent', ports: [{ name: 'https-metrics', containerPort: p.port, protocol: 'TCP' }] }] },
      status: { phase: 'Running', podIP: p.address, hostIP: p.address, conditions: [{ type: 'Ready', status: 'True' }] },
    })),
  };
}

export const POD_LIST_PATH = /^\/api\/v1\/namespaces\/([^/]+)\/pods$/;
export const POD_PROXY_PATH = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/proxy(\/.*)?$/;

/** `[scheme:]name[:port]` of a pods proxy path (upstream's `net.SplitSchemeNamePort`). */
export function splitSchemeNamePort(id: string): { scheme: 'http' | 'https'; name: string; port?: number } | undefined {
  const parts = decodeURIComponent(id).split(':');
  const [a = '', b, c] = parts;
  if (parts.length > 3 || !a) return undefined;
  if (parts.length === 3) return a === 'http' || a === 'https' ? { scheme: a, name: b ?? '', port: Number(c) } : undefined;
  return parts.length === 2 ? { scheme: 'http', name: a, port: Number(b) } : { scheme: 'http', name: a };
}

/** Request headers the proxy passes on: not the credential it authenticated, nor hop-by-hop ones, nor HTTP/2's pseudo-headers. */
export function forwardedHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const dropped = new Set(['authorization', 'host', 'connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-authorization', 'te', 'trailer', 'content-length']);
  const out: Record<string, string> = {};
  // An HTTP/2 caller's `:method`, `:path`… are no header names in the HTTP/1.1 request to the pod.
  for (const [name, value] of Object.entries(headers)) if (typeof value === 'string' && !dropped.has(name) && !name.startsWith(':')) out[name] = value;
  return out;
}
