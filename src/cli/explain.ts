// The one place a failed exchange becomes a line for a person: what was tried, what the peer did, which flag fixes
// it, and the exit code CONVENTIONS gives it. Every client command (kubelet, etcd, proxy, controller-manager,
// scheduler, apiserver, get) reports its failures through `explain`.
import { STATUS_CODES } from 'node:http';
import { getComponent, type PortEntry } from '../catalog/index.ts';
import type { Answer } from '../clients/components.ts';
import type { KubeletFailure } from '../clients/kubelet-failure.ts';
import type { ComponentId } from '../model/index.ts';
import { excerpt } from '../redact.ts';
import { EXIT, fail } from './output.ts';

/** What went wrong, in one vocabulary for every transport. */
export type FailureKind =
  | 'refused'
  | 'timeout'
  | 'reset'
  | 'unresolved'
  | 'tls-verify'
  | 'tls-name'
  | 'tls-client-cert'
  | 'tls-error'
  | 'unauthorized'
  | 'forbidden'
  | 'not-found'
  | 'too-large'
  | 'redirect'
  | 'rejected'
  | 'server-error'
  | 'bad-answer'
  | 'error';

export interface Failure {
  kind: FailureKind;
  method: string;
  url: string;
  /** The identity's label (`anonymous`, `cert:admin.crt`, `kubeconfig:kubernetes-admin`). */
  as: string;
  status?: number;
  /** The peer's words or the socket's error. */
  detail?: string;
  /** A bearer token that was not sent over plain HTTP. */
  tokenWithheld?: boolean;
}

/** Who was asked and under which limits: what the advice depends on. */
export interface PeerContext {
  component?: ComponentId;
  port?: PortEntry;
  /** Straight to the component, or through the API server's proxy. */
  via?: 'direct' | 'apiserver';
  timeoutMs: number;
  maxBytes?: number;
  /** A client certificate was offered. */
  hasCert?: boolean;
}

/** Exit codes by kind (CONVENTIONS): 3 no answer, 2 the user's own input, 1 the peer answered unusably. */
const CODES: Record<FailureKind, number> = {
  refused: EXIT.down,
  timeout: EXIT.down,
  reset: EXIT.down,
  'tls-verify': EXIT.down,
  'tls-name': EXIT.down,
  'tls-error': EXIT.down,
  error: EXIT.down,
  unresolved: EXIT.usage,
  'tls-client-cert': EXIT.findings,
  unauthorized: EXIT.findings,
  forbidden: EXIT.findings,
  'not-found': EXIT.findings,
  'too-large': EXIT.findings,
  redirect: EXIT.findings,
  rejected: EXIT.findings,
  'server-error': EXIT.findings,
  'bad-answer': EXIT.findings,
};

/** Where kubeadm keeps what a failing call needs next (spec §2.9, §5.5, §6.1). */
const KUBEADM_HINTS: Partial<Record<ComponentId, { ca?: string; cert?: string }>> = {
  etcd: { ca: '/etc/kubernetes/pki/etcd/ca.crt', cert: '/etc/kubernetes/pki/etcd/healthcheck-client.crt and .key' },
  'kube-apiserver': { ca: '/etc/kubernetes/pki/ca.crt', cert: '--kubeconfig /etc/kubernetes/admin.conf' },
  'kube-controller-manager': { ca: 'none, its serving certificate is self-signed in memory' },
  'kube-scheduler': { ca: 'none, its serving certificate is self-signed in memory' },
  kubelet: { ca: 'none, /var/lib/kubelet/pki/kubelet.crt is self-signed', cert: '/etc/kubernetes/pki/apiserver-kubelet-client.crt and .key' },
};

const CREDENTIAL_FLAGS = '--cert/--key, --token, --token-file or --kubeconfig';
const NAME_MISMATCH = /altnames|does not match certificate|ERR_TLS_CERT_ALTNAME_INVALID|not valid for|does not name/i;

/** OpenSSL's `80…:error:0A000412:SSL routines:ssl3_read_bytes:sslv3 alert bad certificate:…` becomes its reason. */
function tidy(detail: string): string {
  const openssl = /error:[0-9A-F]+:[^:]*:[^:]*:([^:]+)/.exec(detail);
  return excerpt(openssl?.[1] ?? detail);
}

/** The names a certificate carries, from Node's mismatch message (`… is not in the cert's altnames: DNS:node-1`). */
function carriedNames(detail: string): string[] {
  const list = /cert's (?:altnames|list):\s*(.*)$/.exec(detail)?.[1] ?? '';
  return [...list.matchAll(/(?:DNS|IP Address):([^,\s]+)/g)].map((m) => m[1] as string);
}

/** `403 Forbidden: <the peer's words>`, or `401 Unauthorized` when the words are only the reason phrase. */
function answered(f: Failure): string {
  const reason = f.status !== undefined ? (STATUS_CODES[f.status] ?? '') : '';
  const words = f.detail ? excerpt(f.detail) : '';
  const head = `${f.status ?? ''} ${reason}`.trim();
  if (!words) return head;
  return reason && words.startsWith(reason) ? `${f.status} ${words}` : `${head}: ${words}`;
}

/** A components-client answer in the common vocabulary. */
export function fromAnswer(answer: Answer): Failure {
  const detail = answer.detail ?? '';
  const secure = answer.url.startsWith('https:');
  let kind: FailureKind;
  switch (answer.problem) {
    case 'credential':
      kind = 'unauthorized';
      break;
    case 'tls-verify':
      kind = NAME_MISMATCH.test(detail) ? 'tls-name' : 'tls-verify';
      break;
    case undefined:
      kind = (answer.status ?? 0) >= 500 ? 'server-error' : (answer.status ?? 0) >= 300 && (answer.status ?? 0) < 400 ? 'redirect' : 'bad-answer';
      break;
    case 'error':
      kind = /ENOTFOUND|EAI_AGAIN/.test(detail) ? 'unresolved' : secure && NAME_MISMATCH.test(detail) ? 'tls-name' : 'error';
      break;
    default:
      kind = answer.problem;
  }
  return { kind, method: answer.method, url: answer.url, as: answer.as, ...(answer.status !== undefined ? { status: answer.status } : {}), ...(answer.detail ? { detail: answer.detail } : {}), ...(answer.tokenWithheld ? { tokenWithheld: true } : {}) };
}

/** A kubelet-client failure in the common vocabulary. */
export function fromKubelet(f: KubeletFailure): Failure {
  const kinds: Record<KubeletFailure['kind'], FailureKind> = {
    unauthorized: 'unauthorized',
    forbidden: 'forbidden',
    'not-found': 'not-found',
    http: (f.status ?? 0) >= 500 ? 'server-error' : (f.status ?? 0) >= 300 && (f.status ?? 0) < 400 ? 'redirect' : 'rejected',
    tls: !f.verify ? 'tls-error' : NAME_MISMATCH.test(f.message) ? 'tls-name' : 'tls-verify',
    refused: 'refused',
    timeout: 'timeout',
    reset: 'reset',
    'too-large': 'too-large',
    'bad-answer': 'bad-answer',
    error: /ENOTFOUND|EAI_AGAIN/.test(f.message) ? 'unresolved' : 'error',
  };
  const r = f.request;
  return { kind: kinds[f.kind], method: r.method, url: r.url, as: r.identity, ...(f.status !== undefined ? { status: f.status } : {}), detail: f.message };
}

/** One line naming what was tried and what to do, and the exit code. */
export function explain(f: Failure, peer: PeerContext): { message: string; code: number } {
  const tried = `${f.method} ${f.url} ${f.as === 'anonymous' ? '(no credential)' : `as ${f.as}`}`;
  const url = new URL(f.url);
  const viaApi = peer.via === 'apiserver';
  const component = viaApi ? 'kube-apiserver' : peer.component;
  const title = viaApi ? 'the API server' : component ? getComponent(component).title : 'the server';
  const hint = component ? KUBEADM_HINTS[component] : undefined;
  const detail = f.detail ? ` (${tidy(f.detail)})` : '';
  const said = answered(f);
  const port = peer.port;
  const onLoopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  const loopback = port?.kubeadmBind === 'loopback' && !onLoopback ? ` (kubeadm binds ${title} ${port.port} to 127.0.0.1: run kia on the node)` : '';
  const kubelet = component === 'kubelet' && !viaApi;
  // A certificate-less connection to a port that requires one can end in a reset rather than an alert.
  const kind: FailureKind = f.kind === 'reset' && url.protocol === 'https:' && port?.clientCert === 'required' ? 'tls-client-cert' : f.kind;
  const line = (message: string) => ({ message: `${tried}: ${message}`, code: CODES[kind] });
  switch (kind) {
    case 'refused':
      return line(`connection refused by ${url.host}: nothing listens there${loopback}; check the address${kubelet ? ` and --port (kubelet default ${port?.port ?? 10250})` : ', or name the endpoint with --endpoint'}`);
    case 'timeout':
      return line(`no answer within ${peer.timeoutMs} ms${detail}: the port is filtered or ${title} hangs; check the address or raise --timeout`);
    case 'unresolved':
      return line(`cannot resolve ${url.hostname}: give the node's address${component === 'kubelet' ? ', or --kubeconfig to find node names through the API server' : ''}`);
    case 'tls-name': {
      const names = carriedNames(f.detail ?? '');
      const name = names[0] ?? (kubelet ? "<the node's name>" : '<name>');
      return line(`the certificate served at ${url.host} does not name ${url.hostname}${names.length > 0 ? ` (it names ${names.join(', ')})` : ''}: give the name it carries with --tls-server-name ${name}`);
    }
    case 'tls-verify':
      if (kubelet) return line(`the kubelet's serving certificate did not verify${detail}; kubelets often serve a self-generated certificate: pass its CA with --kubelet-ca <file> (the node's /var/lib/kubelet/pki/kubelet.crt holds it), or skip verification with --insecure-skip-tls-verify`);
      if (viaApi) return line(`the API server's certificate did not verify${detail}; pass its CA with --cacert <file> or fix the kubeconfig's certificate-authority (or --insecure-skip-tls-verify)`);
      return line(`the server certificate did not verify${detail}: pass its CA with --cacert <file>${hint?.ca ? ` (kubeadm: ${hint.ca})` : ''}, or --insecure-skip-tls-verify to skip the check`);
    case 'tls-client-cert':
      return peer.hasCert
        ? line(`${title} refused the client certificate in the TLS handshake${detail}: give one signed by the CA it trusts with --cert/--key${hint?.cert ? ` (kubeadm: ${hint.cert})` : ''}`)
        : line(`${title} requires a client certificate and ended the TLS handshake${detail}: give --cert and --key${hint?.cert ? ` (kubeadm: ${hint.cert})` : ''}`);
    case 'tls-error':
      return line(`TLS handshake with ${url.host} failed${detail}: check that it is ${title}'s HTTPS port${kubelet ? ' (--port)' : ''}, --cacert (or --insecure-skip-tls-verify) and the client certificate --cert/--key`);
    case 'reset':
      return line(`${title} closed the connection without an answer${detail}${url.protocol === 'http:' ? ': the port may speak TLS; try --endpoint https://…' : `; check that ${url.host} is ${title}'s HTTPS port${kubelet ? ' (--port)' : ''}`}`);
    case 'too-large':
      return line(`the answer is larger than ${peer.maxBytes ?? 'the cap of'} bytes: raise --max-bytes`);
    case 'redirect':
      return line(`${said}: a redirect, not followed (credentials never follow one); ask the place it names directly`);
    case 'unauthorized':
      return f.as === 'anonymous'
        ? line(`${said}: ${title} wants a credential: give ${CREDENTIAL_FLAGS}`)
        : line(`${said}: ${title} did not accept ${f.as} (a certificate must be signed by ${kubelet ? "the kubelet's client CA" : 'the CA it trusts'}, a token must be known to the API server)${f.tokenWithheld ? '; the token was not sent over plain HTTP' : ''}: give another with ${CREDENTIAL_FLAGS}`);
    case 'forbidden':
      if (viaApi) return line(`${said}: grant this user the RBAC the API server names (the node proxy needs nodes/proxy, container logs pods/log), or use another --kubeconfig user`);
      if (f.as === 'anonymous') return line(`${said}: give a credential allowed to ${f.method} ${url.pathname} with ${CREDENTIAL_FLAGS}`);
      return kubelet
        ? line(`${said}: ${f.as} is authenticated but not allowed; it needs RBAC on the nodes subresource named above (e.g. a binding to system:kubelet-api-admin), or use another credential (${CREDENTIAL_FLAGS})`)
        : line(`${said}: this identity is not authorised; use one that is with ${CREDENTIAL_FLAGS} (kubeadm: --kubeconfig /etc/kubernetes/admin.conf)`);
    case 'not-found':
      return kubelet || viaApi
        ? line(`${said}; check the node and the namespace/pod/container (\`kia kubelet <node> pods\` lists them)`)
        : line(`404 Not Found: ${title} does not serve ${url.pathname} here (version or port); \`kia catalog${component ? ` ${component}` : ''}\` lists its routes`);
    case 'rejected':
      return line(`${said}${/HTTP request to an HTTPS server/.test(f.detail ?? '') ? ': use https:// (--endpoint https://…)' : ''}`);
    case 'server-error':
      return line(`${title} answered ${said}`);
    case 'bad-answer':
      return line(`unexpected answer${f.detail ? `: ${excerpt(f.detail)}` : ''}${component ? ` (is this ${title}'s port?)` : ''}`);
    case 'error':
      return line(`${f.detail ? excerpt(f.detail) : 'failed'}: check the address and port`);
  }
}

/** Explains a failure on stderr (one line, `prefix` first when several peers were asked) and returns its exit code. */
export function reportFailure(f: Failure, peer: PeerContext, prefix = ''): number {
  const { message, code } = explain(f, peer);
  fail(`${prefix}${message}`, code);
  return code;
}
