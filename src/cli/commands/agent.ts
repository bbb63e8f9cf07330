// `kia agent`: the node's own view on an interval, for a DaemonSet (deploy/kustomize/base/daemonset.yaml): node-local
// discovery through the host's /proc and /, health and the audit of its own endpoints, served over HTTPS on 9472 to
// callers the API server vouches for (or client certificates). Loopback and no authorisation unless told otherwise.
import { hostname } from 'node:os';
import type { Command } from 'commander';
import { startAgent, ApiServerAuthorizer } from '../../agent/index.ts';
import { KIA_AGENT_PORT } from '../../catalog/kia.ts';
import { certificateIdentity, readCaFile, type Identity } from '../../clients/identity.ts';
import { inClusterAccess, podNamespace } from '../../clients/in-cluster.ts';
import { apiServerAccess, loadKubeconfig, type ApiServerAccess } from '../../clients/kube-api.ts';
import { UsageError } from '../../errors.ts';
import { DEFAULT_PROXY_STALE_AFTER_SECONDS } from '../../health/index.ts';
import { selfSignedPair } from '../agent/self-signed.ts';
import { numberOption } from '../flags/numbers.ts';
import { isLoopback, parseListen, readSecretFile } from '../flags/listen.ts';
import { stopSignal } from '../stop-signal.ts';

interface AgentFlags {
  listen: string;
  interval: number;
  auditInterval: number;
  timeout: number;
  hostProc: string;
  hostRoot: string;
  tlsCert?: string;
  tlsKey?: string;
  authorize: string;
  clientCa?: string;
  kubeconfig?: string;
  namespace?: string;
  etcdCert?: string;
  etcdKey?: string;
  etcdCa?: string;
  kubeletCa?: string;
  nodeName?: string;
  addresses?: string;
}

/** The namespace the deploy manifests put the agent in. */
const AGENT_NAMESPACE = 'kia-system';

/** How the agent reaches the API server: --kubeconfig, else the pod's ServiceAccount. */
async function apiServer(flags: AgentFlags): Promise<(() => ApiServerAccess) | undefined> {
  if (flags.kubeconfig) {
    const access = apiServerAccess(await loadKubeconfig({ path: flags.kubeconfig }));
    return () => access;
  }
  const host = process.env.KUBERNETES_SERVICE_HOST;
  const port = process.env.KUBERNETES_SERVICE_PORT;
  return host && port ? inClusterAccess({ host, port }) : undefined;
}

export function registerAgent(program: Command): void {
  program
    .command('agent')
    .description("the node's own view on an interval (its loopback-only ports, processes, flags and config files): health and findings served over HTTPS as /metrics and /api/report (kia.report/v1), with /healthz and /readyz")
    .option('--listen <host:port>', 'where to listen (beyond loopback: with --authorize apiserver or --client-ca)', `${KIA_AGENT_PORT.defaultBind}:${KIA_AGENT_PORT.port}`)
    .addOption(numberOption('--interval <duration>', 'between the starts of two cycles (a bare number is seconds)', { kind: 'duration', min: 1000, max: 86_400_000, bare: 's' }, 30_000))
    .addOption(numberOption('--audit-interval <duration>', 'between two audits (every port\'s access matrix, the costly part; a bare number is seconds)', { kind: 'duration', min: 1000, max: 604_800_000, bare: 's' }, 600_000))
    .addOption(numberOption('--timeout <duration>', 'per connection and request (a bare number is milliseconds)', { kind: 'duration', min: 100, max: 600_000, bare: 'ms' }, 5000))
    .option('--host-proc <dir>', "the host's /proc (hostPID: every process of the node)", '/proc')
    .option('--host-root <dir>', "the host's / (its /etc/kubernetes and /var/lib/kubelet): config files are read there when a process's own root is not readable", '/')
    .option('--tls-cert <file>', 'serving certificate (default: self-signed at start)')
    .option('--tls-key <file>', 'key of --tls-cert')
    .option('--authorize <mode>', '`apiserver`: callers of /metrics and /api/report need a token the API server reviews (TokenReview) and allows (SubjectAccessReview); `none`: loopback only', 'none')
    .option('--client-ca <file>', 'let in client certificates signed by this CA')
    .option('--kubeconfig <file>', 'reach the API server with this kubeconfig instead of the pod\'s ServiceAccount (tests, outside a cluster)')
    .option('--namespace <name>', `the agent's namespace: /api/report needs get pods/proxy there (default: the ServiceAccount's, else ${AGENT_NAMESPACE})`)
    .option('--etcd-cert <file>', "etcd client certificate (kubeadm's healthcheck-client) for etcd's client port")
    .option('--etcd-key <file>', 'key of --etcd-cert')
    .option('--etcd-ca <file>', "CA of etcd's serving certificates")
    .option('--kubelet-ca <file>', "CA of the kubelet's serving certificate (the ServiceAccount token goes only to a kubelet it verifies)")
    .option('--node-name <name>', 'this node (default: $NODE_NAME, else the host name)')
    .option('--addresses <ip,...>', "only sockets bound to these addresses: a lab's nodes share one host (default: every socket of the host network)")
    .action(async (flags: AgentFlags) => {
      const listen = parseListen(flags.listen);
      if (flags.authorize !== 'apiserver' && flags.authorize !== 'none') throw new UsageError(`--authorize takes apiserver or none: ${flags.authorize}`);
      if ((flags.tlsCert === undefined) !== (flags.tlsKey === undefined)) throw new UsageError('--tls-cert and --tls-key go together');
      if ((flags.etcdCert === undefined) !== (flags.etcdKey === undefined)) throw new UsageError('--etcd-cert and --etcd-key go together');
      if (!isLoopback(listen.host) && flags.authorize === 'none' && !flags.clientCa) throw new UsageError(`--listen ${listen.host} is not loopback: add --authorize apiserver or --client-ca`);
      const nodeName = flags.nodeName || process.env.NODE_NAME || hostname();
      // The API server's access serves two ends: the identity the kubelet is read with, and the authoriser.
      const access = await apiServer(flags);
      if (flags.authorize === 'apiserver' && !access) throw new UsageError('--authorize apiserver needs the pod\'s ServiceAccount (KUBERNETES_SERVICE_HOST) or --kubeconfig');
      const identities: Identity[] = [];
      if (flags.etcdCert && flags.etcdKey) identities.push(certificateIdentity(flags.etcdCert, flags.etcdKey, 'etcd-client'));
      // The ServiceAccount (or kubeconfig) identity reads the kubelet; it goes only to servers the CAs verify.
      const own = access?.().identity;
      if (own) identities.push(own);
      const ca = [readCaFile(flags.kubeletCa, '--kubelet-ca'), readCaFile(flags.etcdCa, '--etcd-ca'), access?.().ca].filter((c): c is string => c !== undefined).join('');
      const tls = flags.tlsCert && flags.tlsKey ? { cert: readSecretFile(flags.tlsCert, '--tls-cert'), key: readSecretFile(flags.tlsKey, '--tls-key') } : await selfSignedPair(nodeName);
      const clientCa = readCaFile(flags.clientCa, '--client-ca');
      const agent = await startAgent({
        nodeName,
        procRoot: flags.hostProc,
        hostRoot: flags.hostRoot,
        ...(flags.addresses ? { addresses: flags.addresses.split(',').map((a) => a.trim()).filter(Boolean) } : {}),
        intervalMs: flags.interval,
        auditIntervalMs: flags.auditInterval,
        timeoutMs: flags.timeout,
        identities,
        trust: { ...(ca ? { ca } : {}), insecureSkipVerify: false },
        proxyStaleAfterSeconds: DEFAULT_PROXY_STALE_AFTER_SECONDS,
        listen: {
          ...listen,
          tls: { ...tls, ...(clientCa ? { clientCa } : {}) },
          ...(access && flags.authorize === 'apiserver' ? { authorizer: new ApiServerAuthorizer({ access, namespace: flags.namespace ?? podNamespace() ?? AGENT_NAMESPACE }) } : {}),
        },
      });
      agent.view.on('failure', (error) => process.stderr.write(`kia agent: ${error.message}\n`));
      // One line once the pages have something to serve (the readiness probe's moment), then only failures.
      agent.view.once('cycle', ({ report }) => process.stderr.write(`kia agent: ready: ${report.endpoints.length} endpoints, ${report.findings.length} findings\n`));
      // Heard before the agent says where it listens: a signal sent on reading it finds its handler.
      const stop = stopSignal();
      process.stderr.write(`kia agent: node ${nodeName}, every ${flags.interval / 1000}s; ${agent.url}metrics · ${agent.url}api/report\n`);
      // Started by `kia lab up --agents` (an IPC channel): it goes with the lab's process.
      const orphaned = process.send ? new Promise<void>((done) => process.once('disconnect', done)) : new Promise<void>(() => undefined);
      await Promise.race([stop.promise, orphaned]);
      stop.dispose();
      await agent.close();
    });
}
