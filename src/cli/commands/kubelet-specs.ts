// The `kia kubelet` commands as data: the catalog route behind each, from which its help derives (the HTTP request
// straight to the kubelet and through the API server, the equivalent curl, authorisation, exit codes).
import { getPort, type KubeletAuthz, type Route } from '../../catalog/index.ts';
import { CREDENTIAL_PRECEDENCE } from '../flags/credentials.ts';

const KUBELET_PORT = getPort('kubelet', 'api').port;

export interface KubeletSpec {
  name: string;
  args?: string;
  summary: string;
  route: string;
  method: string;
  /** The kubelet path shown in help (placeholders in <>). */
  path: string;
  /** The API server path when it is not the node proxy (container logs use the pods log subresource). */
  apiPath?: string;
  /** May fan out with --all-nodes (a stream or an action may not). */
  readOnly: boolean;
}

export const KUBELET_SPECS: readonly KubeletSpec[] = [
  { name: 'healthz', summary: 'kubelet health: ok, or the failing checks (exit 1)', route: 'api.healthz', method: 'GET', path: '/healthz', readOnly: true },
  { name: 'pods', summary: 'the pods the kubelet intends to run, as a table or -o json|yaml', route: 'api.pods', method: 'GET', path: '/pods', readOnly: true },
  { name: 'runningpods', summary: 'the pods the container runtime reports', route: 'api.running-pods', method: 'GET', path: '/runningpods/', readOnly: true },
  { name: 'configz', summary: "the kubelet's running configuration", route: 'api.configz', method: 'GET', path: '/configz', readOnly: true },
  { name: 'metrics', args: '[family...]', summary: 'Prometheus text, filtered to families whose names start with the given prefixes', route: 'api.metrics', method: 'GET', path: '/metrics', readOnly: true },
  { name: 'stats', summary: 'the Summary API (node and pod CPU, memory, network, filesystems)', route: 'api.stats-summary', method: 'GET', path: '/stats/summary', readOnly: true },
  { name: 'logs', args: '[path]', summary: 'list node log files under /var/log, or print one', route: 'api.logs', method: 'GET', path: '/logs/<path>', readOnly: true },
  { name: 'container-logs', args: '<ns/pod/container>', summary: "a container's log; --follow streams until the peer closes or Ctrl-C", route: 'api.container-logs', method: 'GET', path: '/containerLogs/<ns>/<pod>/<container>?tailLines=<n>&follow=true', apiPath: '/api/v1/namespaces/<ns>/pods/<pod>/log?container=<container>&tailLines=<n>&follow=true', readOnly: false },
  { name: 'run', args: '<ns/pod/container> -- <cmd...>', summary: 'run a command in a container to completion (POST /run; acting: the command itself is the explicit flag)', route: 'api.run', method: 'POST', path: '/run/<ns>/<pod>/<container>?cmd=<cmd joined by spaces>', readOnly: false },
];

export function kubeletRoute(id: string): Route {
  const found = getPort('kubelet', 'api').routes.find((r) => r.id === `kubelet.${id}`);
  if (!found) throw new Error(`catalog: no route kubelet.${id}`);
  return found;
}

export function kubeletHelp(spec: KubeletSpec, node: string): string {
  const r = kubeletRoute(spec.route);
  const a = r.authz as KubeletAuthz | undefined;
  const authz = a ? `nodes/${a.subresource}${a.fineGrained ? ` (first nodes/${a.fineGrained.subresource} from ${a.fineGrained.versions.since ?? '?'})` : ''}` : 'none';
  const kubeletUrl = `https://${node}:${KUBELET_PORT}${spec.path}`;
  const apiUrl = `https://<apiserver>${spec.apiPath ?? `/api/v1/nodes/${node}/proxy${spec.path}`}`;
  const x = spec.method === 'GET' ? '' : `-X ${spec.method} `;
  return [
    '',
    `HTTP request (catalog ${r.id}, ${r.mode}, authorization ${authz}):`,
    `  ${spec.method} ${kubeletUrl}`,
    `  ${spec.method} ${apiUrl}   (--via-apiserver)`,
    `Answer: ${r.returns.status} ${r.returns.contentType}: ${r.returns.shape}`,
    'Equivalent curl:',
    `  curl -sS ${x}--cacert <kubelet-ca> --cert <cert> --key <key> '${kubeletUrl}'`,
    `  curl -sS ${x}--cacert <cluster-ca> --cert <cert> --key <key> '${apiUrl}'`,
    '',
    CREDENTIAL_PRECEDENCE,
    "Direct mode verifies the kubelet's certificate against --kubelet-ca (else --cacert, else the kubeconfig's CA) for the",
    'node name (--tls-server-name).',
    'Exit codes: 0 answered; 1 the peer answered with an error (401, 403, 404, 5xx, a redirect, an answer over',
    `--max-bytes; one line saying what to do)${spec.name === 'run' ? " or the command's own exit status" : ''}; 2 bad flag, argument or credential file;`,
    '3 no answer (refused, timeout, TLS failure, the deadline).',
    '',
  ].join('\n');
}

