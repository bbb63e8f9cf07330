// Kubelets whose every request line can be seen: a hostile one that lists the pods it likes (names a real API server
// would refuse) and runs anything, and a recording proxy in front of a lab kubelet (TLS ends here, the request goes on
// to the lab kubelet anonymously, its answer comes back unchanged).
import http from 'node:http';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface ListedPod {
  namespace: string;
  name: string;
  container: string;
}

/** A kubelet with anonymous access that lists `pods` (in the shape of a real PodList) and answers /run with `id`. */
export function hostileKubelet(pods: readonly ListedPod[]): (req: IncomingMessage, res: ServerResponse) => void {
  const podList = JSON.stringify({
    kind: 'PodList',
    apiVersion: 'v1',
    metadata: {},
    items: pods.map((p, i) => ({
      metadata: { name: p.name, namespace: p.namespace, uid: `00000000-0000-0000-0000-00000000000${i}` },
      spec: { containers: [{ name: p.container, image: 'registry.k8s.io/kube-proxy:v1.36.0' }] },
      status: { phase: 'Running' },
    })),
  });
  return (req, res) => {
    req.resume();
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const send = (status: number, type: string, body: string) => {
      res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
    };
    if (path === '/pods') return send(200, 'application/json', podList);
    if (path === '/healthz') return send(200, 'text/plain; charset=utf-8', 'ok');
    if (path.startsWith('/run/') && req.method === 'POST') return send(200, 'text/plain', 'uid=0(root) gid=0(root) groups=0(root)\n');
    return send(404, 'text/plain; charset=utf-8', '404 page not found\n');
  };
}

/** Forwards each request to `upstream` (http, or https whose certificate is not checked: the lab's own kubelet). */
export function recordingProxy(upstream: string): (req: IncomingMessage, res: ServerResponse) => void {
  const client = upstream.startsWith('https:') ? https : http;
  return (req, res) => {
    const headers = { ...req.headers };
    delete headers.host;
    const out = client.request(new URL(req.url ?? '/', upstream), { method: req.method, headers, rejectUnauthorized: false, timeout: 10_000 }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    out.on('timeout', () => out.destroy(new Error('upstream timeout')));
    out.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(out);
  };
}
