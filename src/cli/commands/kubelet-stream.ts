// `kia kubelet <node> exec|attach|port-forward`: the streaming commands, over WebSocket straight to the kubelet
// (`https://<node>:10250/exec/<ns>/<pod>/<container>?command=…&input=1…`) or through the API server (--via-apiserver:
// `/api/v1/namespaces/<ns>/pods/<pod>/exec?command=…&stdin=true…`). exec's exit code is the remote command's.
import net from 'node:net';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { ANONYMOUS } from '../../clients/identity.ts';
import { excerpt } from '../../redact.ts';
import { portForward, type PortForwarder } from '../../clients/port-forward.ts';
import { attach, exec } from '../../clients/remote-command.ts';
import { isHostName, SETUP_DEADLINE_MS, type StreamResult, type StreamTarget, type StreamTransport } from '../../clients/stream.ts';
import { KiaError, UsageError } from '../../errors.ts';
import { EXIT, exitCodeFor, fail } from '../output.ts';
import { exitFor, explain, kubeletAccess, locateNode, type KubeletConnectionFlags } from './kubelet.ts';

interface StreamFlags extends KubeletConnectionFlags {
  stdin?: boolean;
  tty?: boolean;
  address?: string;
  deadline: number;
}

/** The largest delay Node's timers take (a larger one fires at once, with a TimeoutOverflowWarning). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Every numeric flag of these commands: a whole number in [min, max], else one line and exit 2 (through commander). */
function wholeNumber(flag: string, min: number, max: number, unit = '') {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${flag} takes a whole number${unit ? ` of ${unit}` : ''} from ${min} to ${max}`);
    return n;
  };
}

const DURATION = /^(?:(\d+(?:\.\d+)?)(ms|s|m|h))+$/;

/** A duration as `500ms`, `10s`, `2m`, `1h`, `1m30s`, or a bare number of seconds; in milliseconds. */
export function parseDuration(flag: string, text: string): number {
  const usage = `${flag} takes a duration such as 500ms, 10s or 2m (a bare number is seconds)`;
  const value = text.trim();
  let ms: number;
  if (/^\d+(?:\.\d+)?$/.test(value)) ms = Number(value) * 1000;
  else if (DURATION.test(value)) {
    const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;
    ms = 0;
    for (const [, amount, u] of value.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) ms += Number(amount) * unit[u as keyof typeof unit];
  } else throw new InvalidArgumentError(usage);
  ms = Math.round(ms);
  if (ms < 1) throw new InvalidArgumentError(usage);
  if (ms > MAX_TIMER_MS) throw new InvalidArgumentError(`${usage}, at most 24 days`);
  return ms;
}

function options(cmd: Command): Command {
  return cmd
    .addOption(new Option('--node <name>').hideHelp())
    .option('--kubeconfig <file>', 'kubeconfig: its user is the credential when no other is given; its cluster is the API server for node names and --via-apiserver')
    .option('--context <name>', 'kubeconfig context')
    .option('--cert <file>', 'client certificate (PEM)')
    .option('--key <file>', 'key of --cert')
    .option('--token <token>', 'bearer token')
    .option('--token-file <file>', 'file holding a bearer token')
    .option('--cacert <file>', 'CA bundle for the peer: the kubelet, or the API server with --via-apiserver')
    .option('--kubelet-ca <file>', "CA bundle for the kubelet's serving certificate (wins over --cacert)")
    .option('--insecure-skip-tls-verify', "do not verify the peer's certificate")
    .option('--tls-server-name <name>', "name the kubelet's certificate must carry (default: the node name)")
    .option('--port <port>', "kubelet port (default: the node's daemonEndpoints port, else 10250)", wholeNumber('--port', 1, 65535))
    .option('--via-apiserver', "go through the API server's pods exec/attach/portforward subresources (needs --kubeconfig)")
    .option('--timeout <ms>', 'timeout of each request to the API server (a node name looked up, a kubeconfig credential)', wholeNumber('--timeout', 1, MAX_TIMER_MS, 'milliseconds'), 10_000)
    .addOption(
      new Option('--deadline <duration>', "deadline for setting up the stream (connect, TLS, WebSocket upgrade, a refusal's body), not for the stream itself: 500ms, 10s, 2m; a bare number is seconds")
        .argParser((v: string) => parseDuration('--deadline', v))
        .default(SETUP_DEADLINE_MS, '30s'),
    )
    .addHelpText('after', '\nExit codes: 0 done; 1 the upgrade was refused or the stream broke; 2 bad flag, argument or credential file; 3 no answer (refused, TLS failure, nothing within --deadline).\n');
}

/** Target split as <ns>/<pod>[/<container>]. */
function parseTarget(text: string, withContainer: boolean): { ns: string; pod: string; container: string } {
  const parts = text.split('/');
  if (parts.length !== (withContainer ? 3 : 2) || parts.some((p) => p === '')) throw new UsageError(`expected ${withContainer ? '<namespace>/<pod>/<container>' : '<namespace>/<pod>'}, got "${text}"`);
  return { ns: parts[0] as string, pod: parts[1] as string, container: parts[2] ?? '' };
}

/** The stream's transport and identity, as `kia kubelet <node> pods` would reach the same node (kubelet.ts). */
async function streamTarget(flags: StreamFlags, ns: string, pod: string): Promise<StreamTarget | number> {
  // The node lookup is part of setting up: it gets the deadline too.
  const timeout = Math.min(flags.timeout, flags.deadline);
  const { api, kubeletCa, kubeletUser } = await kubeletAccess({ ...flags, timeout });
  const common = { ns, pod, deadlineMs: flags.deadline };
  if (flags.viaApiserver) {
    if (!api) throw new UsageError('--via-apiserver needs --kubeconfig (the API server and its CA)');
    const transport: StreamTransport = { kind: 'apiserver', server: api.server, ...(api.ca ? { ca: api.ca } : {}), insecureSkipVerify: api.insecureSkipVerify === true, ...(api.servername ? { servername: api.servername } : {}) };
    return { transport, identity: api.identity ?? ANONYMOUS, ...common };
  }
  if (!flags.node) throw new UsageError('name a node: kia kubelet <node> exec …');
  const node = await locateNode(api, flags.node);
  if (!node.ok) {
    fail(explain(node.failure), exitFor(node.failure));
    return exitFor(node.failure);
  }
  if (!isHostName(node.address)) {
    if (node.address === flags.node) throw new UsageError(`not a node name or IP address: "${excerpt(flags.node)}"`);
    fail(`the API server gives node ${excerpt(flags.node)} the address "${excerpt(node.address)}", which is not a host name or IP address`, EXIT.findings);
    return EXIT.findings;
  }
  const servername = flags.tlsServerName ?? (net.isIP(flags.node) ? undefined : flags.node);
  const transport: StreamTransport = { kind: 'kubelet', host: node.address, port: flags.port ?? node.port, ...(kubeletCa ? { ca: kubeletCa } : {}), insecureSkipVerify: flags.insecureSkipTlsVerify === true, ...(servername ? { servername } : {}) };
  return { transport, identity: kubeletUser ?? ANONYMOUS, ...common };
}

function seconds(ms: number): string {
  return ms < 1000 ? `${ms}ms` : `${ms / 1000}s`;
}

/** What to try after a stream could not be set up over TLS. */
function tlsHint(code: string | undefined): string {
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return "; the certificate does not name this node: give the name it carries with --tls-server-name";
  if (code && /CERT|SELF_SIGNED|UNABLE_TO|LEAF/.test(code)) return "; kubelets often serve a self-generated certificate: pass its CA with --kubelet-ca <file>, or --insecure-skip-tls-verify";
  return '';
}

/** The CLI's exit code for a stream, with one line on stderr when it did not end well. */
function finish(result: StreamResult, what: string, deadlineMs: number): number {
  switch (result.outcome) {
    case 'refused': {
      const cut = result.timedOut ? ` (the answer was cut off at the ${seconds(deadlineMs)} deadline, --deadline)` : '';
      fail(`${what}: the upgrade was refused: ${result.httpStatus ?? ''} ${excerpt(result.body ?? '')}`.trim() + cut, EXIT.findings);
      return EXIT.findings;
    }
    case 'down':
      fail(`${what}: ${excerpt(result.error ?? 'no answer')}${result.timedOut ? ' (--deadline)' : tlsHint(result.code)}`, EXIT.down);
      return EXIT.down;
    case 'broken':
      fail(`${what}: ${result.protocol ? 'the stream broke: ' : ''}${excerpt(result.error ?? 'failed')}`, EXIT.findings);
      return result.exitCode ? result.exitCode : EXIT.findings;
    default:
      if (result.error) process.stderr.write(`kia: ${what}: ${excerpt(result.error)}\n`);
      return result.exitCode ?? 0;
  }
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

/** Ctrl-C ends a stream (or its setup) cleanly; a second one leaves at once. */
function interruptible(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const stop = () => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort();
  };
  process.on('SIGINT', stop);
  return { signal: controller.signal, dispose: () => void process.off('SIGINT', stop) };
}

/** Waits for Ctrl-C, then closes the forwarder: 1 if a connection was refused or broke, 3 if one got no answer. */
async function forwardUntilInterrupted(forwarder: PortForwarder): Promise<number> {
  const interrupt = interruptible();
  await new Promise<void>((resolve) => interrupt.signal.addEventListener('abort', () => resolve(), { once: true }));
  try {
    await forwarder.close();
  } finally {
    interrupt.dispose();
  }
  const failed = forwarder.failed;
  return failed.down > 0 ? EXIT.down : failed.refused + failed.broken > 0 ? EXIT.findings : EXIT.ok;
}

/** Adds exec, attach and port-forward to `kia kubelet <node>`. */
export function addStreamingCommands(kubelet: Command): void {
  options(kubelet.command('exec').description('run a command in a container over WebSocket (v5, else v4); its exit status is kia\'s'))
    .usage('[-i] [-t] <namespace>/<pod>/<container> -- <command...>')
    .option('-i, --stdin', 'pass stdin to the command')
    .option('-t, --tty', 'allocate a terminal: raw mode locally, resizes sent on SIGWINCH')
    .argument('<target>', '<namespace>/<pod>/<container>')
    .argument('<command...>', 'the command and its arguments, after --')
    .addHelpText('after', '\nRequest: GET wss://<node>:10250/exec/<ns>/<pod>/<container>?command=<argv…>&input=1&output=1&error=1[&tty=1]\n  Sec-WebSocket-Protocol: v5.channel.k8s.io, v4.channel.k8s.io\nWith --via-apiserver: GET /api/v1/namespaces/<ns>/pods/<pod>/exec?command=…&container=…&stdin=true&stdout=true&stderr=true\nExit code: the remote command\'s when it ran.\n')
    .action((targetText: string, command: string[], flags: StreamFlags) =>
      guard(async () => {
        const { ns, pod, container } = parseTarget(targetText, true);
        const target = await streamTarget(flags, ns, pod);
        if (typeof target === 'number') return target;
        const term = terminal(flags.tty === true);
        try {
          const result = await exec({ ...target, container, command, ...(flags.stdin ? { stdin: process.stdin } : {}), stdout: process.stdout, ...(flags.tty ? {} : { stderr: process.stderr }), tty: flags.tty === true, ...(term.onResize ? { onResize: term.onResize } : {}) });
          return finish(result, 'exec', flags.deadline);
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
        if (typeof target === 'number') return target;
        const interrupt = interruptible();
        try {
          const result = await attach({ ...target, container, ...(flags.stdin ? { stdin: process.stdin } : {}), stdout: process.stdout, stderr: process.stderr, tty: flags.tty === true, signal: interrupt.signal });
          return result.aborted ? EXIT.ok : finish(result, 'attach', flags.deadline);
        } finally {
          interrupt.dispose();
          if (flags.stdin) process.stdin.pause();
        }
      }),
    );
  options(kubelet.command('port-forward').description('forward local ports to a pod, one WebSocket per connection, until Ctrl-C'))
    .option('--address <ip>', 'local address to listen on', '127.0.0.1')
    .argument('<target>', '<namespace>/<pod>')
    .argument('<ports...>', '[LOCAL:]REMOTE (LOCAL 0 or empty: any free port)')
    .addHelpText('after', '\nRequest per connection: GET wss://<node>:10250/portForward/<ns>/<pod>?port=<REMOTE>\n  Sec-WebSocket-Protocol: v5.channel.k8s.io, v4.channel.k8s.io\nAfter Ctrl-C: exit 1 if a connection was refused or broke, 3 if one got no answer, else 0.\n')
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
        if (typeof target === 'number') return target;
        const forwarder = await portForward({ ...target, ports, address: flags.address ?? '127.0.0.1', onError: (e) => process.stderr.write(`kia: error forwarding ${e.local} -> ${e.remote}: ${e.message}\n`) });
        for (const b of forwarder.bound) process.stdout.write(`Forwarding from ${b.address}:${b.local} -> ${b.remote}\n`);
        return forwardUntilInterrupted(forwarder);
      }),
    );
}
