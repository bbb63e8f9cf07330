// The lab apiserver's pods/exec, pods/attach and pods/portforward: the public parameters become the kubelet's
// (pod/strategy.go streamLocation, streamParams, PortForwardLocation), and the upgrade is proxied to the node's
// kubelet with the apiserver-kubelet-client identity, bytes piped both ways once it is switched (upgradeaware.go).
// From 1.30 the apiserver negotiates v5.channel.k8s.io with clients even when the kubelet lacks it: it offers the
// kubelet the rest and answers the client v5. (Upstream translates to SPDY toward the kubelet; the lab kubelet has no
// SPDY framing, so the client's v5 close frame travels on and the lab kubelet closes stdin on it.)
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import tls from 'node:tls';
import { parsePorts, publicStreamParams, streamQuery } from '../../../clients/channel.ts';
import { status, type Reply } from '../../net/go-http.ts';
import { writeRaw } from '../../net/raw-http.ts';
import type { LabPlan } from '../../types.ts';

export const POD_STREAM_PATH = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/(exec|attach|portforward)$/;

export interface PodStreamCall {
  req: IncomingMessage;
  socket: Socket;
  head: Buffer;
  url: URL;
  plan: LabPlan;
  namespace: string;
  pod: string;
  subresource: 'exec' | 'attach' | 'portforward';
  identity: { cert: string; key: string };
}

const V5 = 'v5.channel.k8s.io';
const V4 = 'v4.channel.k8s.io';

/** The kubelet path and query for a pod stream, or the apiserver's refusal. */
function kubeletTarget(call: PodStreamCall): { ip: string; port: number; path: string } | Reply {
  const { req, plan, namespace, pod: podName, url } = call;
  const node = plan.nodes.find((n) => n.pods.some((p) => p.namespace === namespace && p.name === podName));
  const pod = node?.pods.find((p) => p.namespace === namespace && p.name === podName);
  const kubelet = plan.endpoints.find((e) => e.node === node?.name && e.component === 'kubelet' && e.port === 'api' && e.reach === 'node-ip');
  if (!node || !pod || !kubelet) return status(req, 404, 'NotFound', `pods "${podName}" not found`, { details: { name: podName, kind: 'pods' } });
  const base = { ip: node.ip, port: kubelet.number };
  if (call.subresource === 'portforward') {
    const ports = parsePorts(url.searchParams.getAll('ports'));
    if (!ports) return status(req, 400, 'BadRequest', `invalid port: ${url.searchParams.getAll('ports').join(',')}`);
    const query = new URLSearchParams();
    for (const port of ports) query.append('port', String(port));
    const search = query.toString();
    return { ...base, path: `/portForward/${namespace}/${podName}${search ? `?${search}` : ''}` };
  }
  const params = publicStreamParams(url.searchParams);
  const container = params.container ?? (pod.containers.length === 1 ? pod.containers[0] : undefined);
  if (!container) return status(req, 400, 'BadRequest', `a container name must be specified for pod ${podName}, choose one of: [${pod.containers.join(' ')}]`);
  if (!pod.containers.includes(container)) return status(req, 400, 'BadRequest', `container ${container} is not valid for pod ${podName}`);
  if (!params.stdin && !params.stdout && !params.stderr) return status(req, 400, 'BadRequest', 'you must specify at least 1 of stdin, stdout, stderr');
  if (call.subresource === 'exec' && (params.command ?? []).length === 0) return status(req, 400, 'BadRequest', 'you must specify at least 1 command');
  const query = streamQuery({ ...params, command: call.subresource === 'exec' ? params.command : [] }, 'kubelet');
  return { ...base, path: `/${call.subresource}/${namespace}/${podName}/${container}?${query.toString()}` };
}

export function proxyPodStream(call: PodStreamCall, options: { translateV5: boolean }): void {
  const target = kubeletTarget(call);
  if ('status' in target) return writeRaw(call.socket, target);
  const { req, socket, head } = call;
  const offered = String(req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim()).filter(Boolean);
  const translate = options.translateV5 && offered.includes(V5) && offered.includes(V4);
  const toKubelet = translate ? offered.filter((p) => p !== V5) : offered;
  const lines = [`GET ${target.path} HTTP/1.1`, `Host: ${target.ip}:${target.port}`, 'Connection: Upgrade', `Upgrade: ${String(req.headers.upgrade ?? 'websocket')}`];
  for (const name of ['sec-websocket-key', 'sec-websocket-version', 'sec-websocket-extensions', 'user-agent']) {
    const value = req.headers[name];
    if (typeof value === 'string') lines.push(`${name}: ${value}`);
  }
  if (toKubelet.length > 0) lines.push(`Sec-WebSocket-Protocol: ${toKubelet.join(', ')}`);
  const upstream = tls.connect({ host: target.ip, port: target.port, cert: call.identity.cert, key: call.identity.key, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] });
  let answered = false;
  const cut = () => {
    socket.destroy();
    upstream.destroy();
  };
  upstream.setTimeout(10_000, () => {
    if (!answered) {
      answered = true;
      writeRaw(socket, status(req, 503, 'ServiceUnavailable', `error dialing backend: dial tcp ${target.ip}:${target.port}: i/o timeout`));
    }
    upstream.destroy();
  });
  upstream.on('error', (error) => {
    if (!answered) {
      answered = true;
      writeRaw(socket, status(req, 503, 'ServiceUnavailable', `error dialing backend: ${error.message}`));
    } else cut();
  });
  upstream.once('secureConnect', () => {
    upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
    if (head.length > 0) upstream.write(head);
  });
  let buffered = Buffer.alloc(0);
  const onHead = (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    const end = buffered.indexOf('\r\n\r\n');
    if (end < 0) return;
    upstream.off('data', onHead);
    upstream.setTimeout(0);
    answered = true;
    let responseHead = buffered.subarray(0, end).toString('latin1');
    if (translate && / 101 /.test(responseHead.split('\r\n')[0] ?? '')) responseHead = responseHead.replace(/^(sec-websocket-protocol:\s*)v4\.channel\.k8s\.io$/im, `$1${V5}`);
    socket.write(Buffer.concat([Buffer.from(`${responseHead}\r\n\r\n`, 'latin1'), buffered.subarray(end + 4)]));
    upstream.pipe(socket);
    socket.pipe(upstream);
  };
  upstream.on('data', onHead);
  socket.on('error', cut);
  socket.on('close', () => upstream.destroy());
  upstream.on('close', () => socket.end());
}
