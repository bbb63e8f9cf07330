// `kia kubelet <node> exec|attach|port-forward`: the streaming commands, over WebSocket straight to the kubelet
// (`https://<node>:10250/exec/<ns>/<pod>/<container>?command=…&input=1…`) or through the API server (--via-apiserver:
// `/api/v1/namespaces/<ns>/pods/<pod>/exec?command=…&stdin=true…`). exec's exit code is the remote command's.
import { readCaFile } from '../../clients/identity.ts';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { portForward } from '../../clients/port-forward.ts';
import { attach, exec, type StreamResult, type StreamTarget, type StreamTransport } from '../../clients/stream.ts';
import { CredentialError, InputError, KiaError, UsageError } from '../../errors.ts';
import { EXIT, exitCodeFor, fail } from '../output.ts';
import { collectIdentities, type HuntFlags } from './hunt.ts';
import type { KubeletConnectionFlags } from './kubelet.ts';

interface StreamFlags extends KubeletConnectionFlags {
  stdin?: boolean;
  tty?: boolean;
  address?: string;
}

function int(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1 || n > 65535) throw new InvalidArgumentError(`${name} must be a port (1-65535)`);
    return n;
  };
}


function options(cmd: Command): Command {
  return cmd
    .addOption(new Option('--node <name>').hideHelp())
    .option('--kubeconfig <file>', 'kubeconfig: its user is the credential when no other is given; its cluster is the API server for --via-apiserver')
    .option('--context <name>', 'kubeconfig context')
    .option('--cert <file>', 'client certificate (PEM)')
    .option('--key <file>', 'key of --cert')
    .option('--token <token>', 'bearer token')
    .option('--token-file <file>', 'file holding a bearer token')
    .option('--cacert <file>', 'CA bundle for the peer: the kubelet, or the API server with --via-apiserver')
    .option('--kubelet-ca <file>', "CA bundle for the kubelet's serving certificate (wins over --cacert)")
    .option('--insecure-skip-tls-verify', "do not verify the peer's certificate")
    .option('--tls-server-name <name>', "name the kubelet's certificate must carry (default: the node name)")
    .option('--port <port>', 'kubelet port (default 10250)', int('--port'))
    .option('--via-apiserver', "go through the API server's pods exec/attach/portforward subresources (needs --kubeconfig)")
    .option('--timeout <ms>', 'deadline of the upgrade handshake', (v) => Number(v), 10_000);
}

/** Target split as <ns>/<pod>[/<container>]. */
function parseTarget(text: string, withContainer: boolean): { ns: string; pod: string; container: string } {
  const parts = text.split('/');
  if (parts.length !== (withContainer ? 3 : 2) || parts.some((p) => p === '')) throw new UsageError(`expected ${withContainer ? '<namespace>/<pod>/<container>' : '<namespace>/<pod>'}, got "${text}"`);
  return { ns: parts[0] as string, pod: parts[1] as string, container: parts[2] ?? '' };
}

async function streamTarget(flags: StreamFlags, ns: string, pod: string): Promise<StreamTarget> {
  const given = [flags.cert || flags.key ? 'cert' : '', flags.token ? 'token' : '', flags.tokenFile ? 'token-file' : ''].filter(Boolean);
  if (given.length > 1) throw new CredentialError('give one credential: --cert/--key, --token or --token-file');
  const base = { output: 'text', timeout: flags.timeout } as const;
  const explicit = (await collectIdentities({ ...base, cert: flags.cert, key: flags.key, token: flags.token, tokenFile: flags.tokenFile } as HuntFlags))[0];
  const fromKubeconfig = !explicit && flags.kubeconfig ? (await collectIdentities({ ...base, kubeconfig: flags.kubeconfig, context: flags.context } as HuntFlags))[0] : undefined;
  const identity = explicit ?? fromKubeconfig ?? { name: 'anonymous' };
  let transport: StreamTransport;
  if (flags.viaApiserver) {
    if (!flags.kubeconfig) throw new UsageError('--via-apiserver needs --kubeconfig (the API server and its CA)');
    const k8s = await import('@kubernetes/client-node');
    const config = new k8s.KubeConfig();
    try {
      config.loadFromFile(flags.kubeconfig);
      if (flags.context) config.setCurrentContext(flags.context);
    } catch (error) {
      throw new InputError(`cannot load kubeconfig ${flags.kubeconfig}: ${error instanceof Error ? error.message : String(error)}`);
    }
    const cluster = config.getCurrentCluster();
    if (!cluster) throw new InputError(`kubeconfig ${flags.kubeconfig} has no current cluster`);
    const ca = flags.cacert ? readCaFile(flags.cacert, '--cacert') : cluster.caData ? Buffer.from(cluster.caData, 'base64').toString('utf8') : cluster.caFile ? readCaFile(cluster.caFile, 'certificate-authority') : undefined;
    transport = { kind: 'apiserver', server: cluster.server, ...(ca ? { ca } : {}), insecureSkipVerify: flags.insecureSkipTlsVerify === true || cluster.skipTLSVerify };
  } else {
    if (!flags.node) throw new UsageError('name a node: kia kubelet <node> exec …');
    const ca = flags.kubeletCa ? readCaFile(flags.kubeletCa, '--kubelet-ca') : flags.cacert ? readCaFile(flags.cacert, '--cacert') : undefined;
    const isIp = /^[\d.]+$|:/.test(flags.node);
    const servername = flags.tlsServerName ?? (isIp ? undefined : flags.node);
    transport = { kind: 'kubelet', host: flags.node, port: flags.port ?? 10250, ...(ca ? { ca } : {}), insecureSkipVerify: flags.insecureSkipTlsVerify === true, ...(servername ? { servername } : {}) };
  }
  return { transport, identity, ns, pod, timeoutMs: flags.timeout };
}

/** The CLI's exit code for a stream: the remote status when there is one, else what kind of failure it was. */
function finish(result: StreamResult, what: string): number {
  if (result.outcome === 'refused') {
    fail(`${what}: the upgrade was refused: ${result.httpStatus} ${(result.body ?? '').trim().split('\n')[0] ?? ''}`.trim(), EXIT.findings);
    return EXIT.findings;
  }
  if (result.outcome === 'error' && result.status === undefined && result.exitCode === undefined) {
    fail(`${what}: ${result.error ?? 'no answer'}`, EXIT.down);
    return EXIT.down;
  }
  if (result.outcome === 'error') process.stderr.write(`kia: ${what}: ${result.error ?? 'failed'}\n`);
  return result.exitCode ?? 0;
}

function guard(run: () => Promise<number>): Promise<void> {
  return run().then(
    (code) => void (process.exitCode = code),
    (error: unknown) => (error instanceof KiaError ? fail(error.message, exitCodeFor(error)) : fail(String(error), EXIT.findings)),
  );
}

/** Interactive terminal plumbing for -t: raw mode while the stream runs, a resize on every SIGWINCH. */
function terminal(tty: boolean) {
  const stdin = process.stdin;
  const raw = tty && stdin.isTTY === true;
  if (raw) stdin.setRawMode(true);
  const onResize = (send: (size: { width: number; height: number }) => void) => {
    const push = () => send({ width: process.stdout.columns ?? 80, height: process.stdout.rows ?? 24 });
    push();
    process.on('SIGWINCH', push);
    return () => void process.off('SIGWINCH', push);
  };
  return { ...(tty && process.stdout.isTTY ? { onResize } : {}), restore: () => (raw ? stdin.setRawMode(false) : undefined) };
}

/** Adds exec, attach and port-forward to `kia kubelet <node>`. */
export function addStreamingCommands(kubelet: Command): void {
  options(kubelet.command('exec').description('run a command in a container over WebSocket (v5, else v4); its exit status is kia\'s'))
    .usage('[-i] [-t] <namespace>/<pod>/<container> -- <command...>')
    .option('-i, --stdin', 'pass stdin to the command')
    .option('-t, --tty', 'allocate a terminal: raw mode locally, resizes sent on SIGWINCH')
    .argument('<target>', '<namespace>/<pod>/<container>')
    .argument('<command...>', 'the command and its arguments, after --')
    .addHelpText('after', '\nRequest: GET wss://<node>:10250/exec/<ns>/<pod>/<container>?command=<argv…>&input=1&output=1&error=1[&tty=1]\n  Sec-WebSocket-Protocol: v5.channel.k8s.io, v4.channel.k8s.io\nWith --via-apiserver: GET /api/v1/namespaces/<ns>/pods/<pod>/exec?command=…&container=…&stdin=true&stdout=true&stderr=true\n')
    .action((targetText: string, command: string[], flags: StreamFlags) =>
      guard(async () => {
        const { ns, pod, container } = parseTarget(targetText, true);
        const target = await streamTarget(flags, ns, pod);
        const term = terminal(flags.tty === true);
        try {
          const result = await exec({ ...target, container, command, ...(flags.stdin ? { stdin: process.stdin } : {}), stdout: process.stdout, ...(flags.tty ? {} : { stderr: process.stderr }), tty: flags.tty === true, ...(term.onResize ? { onResize: term.onResize } : {}) });
          return finish(result, 'exec');
        } finally {
          term.restore();
          if (flags.stdin) process.stdin.pause();
        }
      }),
    );
  options(kubelet.command('attach').description("attach to a container's main process and follow its output until Ctrl-C"))
    .option('-i, --stdin', 'pass stdin to the process')
    .option('-t, --tty', 'the container has a terminal')
    .argument('<target>', '<namespace>/<pod>/<container>')
    .addHelpText('after', '\nRequest: GET wss://<node>:10250/attach/<ns>/<pod>/<container>?output=1&error=1\n')
    .action((targetText: string, flags: StreamFlags) =>
      guard(async () => {
        const { ns, pod, container } = parseTarget(targetText, true);
        const target = await streamTarget(flags, ns, pod);
        const controller = new AbortController();
        const stop = () => controller.abort();
        process.once('SIGINT', stop);
        try {
          const result = await attach({ ...target, container, ...(flags.stdin ? { stdin: process.stdin } : {}), stdout: process.stdout, stderr: process.stderr, tty: flags.tty === true, signal: controller.signal });
          return controller.signal.aborted && result.outcome === 'ok' ? EXIT.ok : finish(result, 'attach');
        } finally {
          process.off('SIGINT', stop);
          if (flags.stdin) process.stdin.pause();
        }
      }),
    );
  options(kubelet.command('port-forward').description('forward local ports to a pod, one WebSocket per connection, until Ctrl-C'))
    .option('--address <ip>', 'local address to listen on', '127.0.0.1')
    .argument('<target>', '<namespace>/<pod>')
    .argument('<ports...>', '[LOCAL:]REMOTE (LOCAL 0 or empty: any free port)')
    .addHelpText('after', '\nRequest per connection: GET wss://<node>:10250/portForward/<ns>/<pod>?port=<REMOTE>\n  Sec-WebSocket-Protocol: v5.channel.k8s.io, v4.channel.k8s.io\n')
    .action((targetText: string, specs: string[], flags: StreamFlags) =>
      guard(async () => {
        const { ns, pod } = parseTarget(targetText, false);
        const ports = specs.map((spec) => {
          const m = /^(?:(\d*):)?(\d+)$/.exec(spec);
          const local = Number(m?.[1] || (m?.[1] === '' ? 0 : m?.[2]));
          const remote = Number(m?.[2]);
          if (!m || local > 65535 || remote < 1 || remote > 65535) throw new UsageError(`not a port mapping: "${spec}" ([LOCAL:]REMOTE)`);
          return [local, remote] as const;
        });
        const target = await streamTarget(flags, ns, pod);
        const forwarder = await portForward({ ...target, ports, address: flags.address ?? '127.0.0.1', onError: (e) => process.stderr.write(`kia: error forwarding ${e.local} -> ${e.remote}: ${e.message}\n`) });
        for (const b of forwarder.bound) process.stdout.write(`Forwarding from ${b.address}:${b.local} -> ${b.remote}\n`);
        await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
        await forwarder.close();
        return EXIT.ok;
      }),
    );
}
