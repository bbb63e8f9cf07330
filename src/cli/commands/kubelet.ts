// `kia kubelet <node> <command>`: read a kubelet's API (pods, configz, metrics, logs, …) and run commands through /run,
// straight to https://<node>:10250 or through the API server's node proxy. Help shows each HTTP request and its curl.
import { addStreamingCommands } from './kubelet-stream.ts';
import { Command, Option } from 'commander';
import { KUBELET_PORT, METRICS_ENDPOINTS, parseRunExit, type ContainerLogOptions, type KubeletClient, type KubeletResult, type PodRef } from '../../clients/kubelet.ts';
import { UsageError } from '../../errors.ts';
import type { KubeletFailure } from '../../clients/kubelet-failure.ts';
import { explain as explainFailure, fromKubelet } from '../explain.ts';
import { addKubeletFlags, forEachKubelet, kubeletPeer, reportKubeletFailure, resolveKubelets, type KubeletFlags } from '../flags/kubelet.ts';
import { act, pump, readAll, type RunFlags } from './kubelet-run.ts';
import { peerText } from '../flags/format.ts';
import { numberOption, parseNumber } from '../flags/numbers.ts';
import { ONE_REQUEST_DEADLINE, withinDeadline } from '../flags/time.ts';
import { EXIT } from '../output.ts';
import { KUBELET_SPECS, kubeletHelp, type KubeletSpec } from './kubelet-specs.ts';
import { blocks, filterFamilies, renderObject, renderPods, table, type NodeAnswer } from './kubelet-render.ts';

// For kubelet-stream.ts until it adopts flags/kubelet.ts (addKubeletFlags, resolveKubeletEndpoints) and explain.ts.
/** @deprecated the kubelet flag set's type, KubeletFlags. */
export type KubeletConnectionFlags = Omit<KubeletFlags, 'kubeconfig'> & { kubeconfig?: string };
export { kubeletAccess, locateNode } from '../flags/kubelet.ts';
/** @deprecated explain.ts: reportKubeletFailure (flags/kubelet.ts) prints the line and returns the code. */
export function explain(f: KubeletFailure): string {
  return explainFailure(fromKubelet(f), kubeletPeer(f)).message;
}
/** @deprecated explain.ts gives the code with the line. */
export function exitFor(f: KubeletFailure): number {
  return explainFailure(fromKubelet(f), kubeletPeer(f)).code;
}

interface Flags extends RunFlags {
  output?: string;
  checks?: boolean;
  endpoint?: string;
  onlyCpuAndMemory?: boolean;
  tail?: number;
  follow?: boolean;
  timestamps?: boolean;
  previous?: boolean;
  since?: string;
  limitBytes?: number;
  uid?: string;
}

function parseRef(value: string, what: string): PodRef {
  const parts = value.split('/');
  if (parts.length !== 3 || parts.some((p) => p === '')) throw new UsageError(`${what} takes <namespace>/<pod>/<container>, got "${value}"`);
  const [namespace, pod, container] = parts as [string, string, string];
  return { namespace, pod, container };
}

function sinceOptions(since: string | undefined): Pick<ContainerLogOptions, 'sinceSeconds' | 'sinceTime'> {
  if (since === undefined) return {};
  const ms = parseNumber(since, { kind: 'duration', min: 1000, max: 100 * 365 * 86_400_000, bare: 's' });
  if (ms !== undefined) return { sinceSeconds: Math.ceil(ms / 1000) };
  if (!Number.isNaN(Date.parse(since)) && /^\d{4}-\d\d-\d\dT/.test(since)) return { sinceTime: since };
  throw new UsageError(`--since takes a duration of at least 1s (30s, 5m, 1h30m) or an RFC 3339 time, got "${since}"`);
}

function output(choices: string[], fallback: string): Option {
  return new Option('-o, --output <format>', 'output format').choices(choices).default(fallback);
}

function buildProgram(node: string | undefined): Command {
  const shown = node ?? '<node>';
  const program = new Command('kubelet')
    .description(`talk to a kubelet's API: https://<node>:${KUBELET_PORT} directly, or through the API server (--via-apiserver)`)
    .usage('<node> <command> [options]')
    .exitOverride()
    .showSuggestionAfterError(true)
    .configureOutput({ writeErr: (text) => process.stderr.write(text) })
    .configureHelp({ commandUsage: (c) => (c.parent ? `kia kubelet ${node ?? '<node>'} ${c.name()} ${c.usage()}` : `kia kubelet ${c.usage()}`) })
    .addHelpText('after', `\nEach command's help (kia kubelet ${shown} <command> --help) shows its HTTP request and the equivalent curl.\n`);
  const sub = (spec: KubeletSpec): Command => {
    const cmd = program.command(spec.name).description(spec.summary).addHelpText('after', kubeletHelp(spec, shown));
    const follows = spec.name === 'container-logs';
    addKubeletFlags(cmd, { deadline: follows ? `${ONE_REQUEST_DEADLINE}, until the log starts (--follow then runs until Ctrl-C)` : `${ONE_REQUEST_DEADLINE}; with --all-nodes, that again per 8 nodes`, ...(follows ? { setupOnly: true } : {}) });
    cmd.option('-v, --verbose', 'print each request on stderr');
    cmd.hook('preAction', (c) => {
      if (!spec.readOnly && (c.opts() as Flags).allNodes) throw new UsageError(`--all-nodes fans out read-only commands only, not ${spec.name}`);
    });
    return spec.args ? cmd.usage(`${spec.args} [options]`) : cmd;
  };
  const spec = (name: string) => KUBELET_SPECS.find((s) => s.name === name) as KubeletSpec;
  const multi = (flags: Flags) => flags.allNodes === true;
  const read = <T>(flags: Flags, fetch: (c: KubeletClient) => Promise<KubeletResult<T>>, render: (answers: NodeAnswer<T>[]) => string | Buffer) => act(flags, (deadline) => readAll(flags, deadline, fetch, render));

  sub(spec('healthz'))
    .option('--checks', 'one line per check (?verbose)')
    .action((flags: Flags) => read(flags, (c) => c.healthz({ verbose: flags.checks === true }), (a) => (multi(flags) && !flags.checks ? table([['NODE', 'HEALTHZ'], ...a.map((x) => [x.node, x.value.trim()])]) : blocks(a, multi(flags), (v) => v))));
  sub(spec('pods'))
    .addOption(output(['table', 'json', 'yaml'], 'table'))
    .action((flags: Flags) => read(flags, (c) => c.pods(), (a) => renderPods(a, flags.output ?? 'table', false, multi(flags))));
  sub(spec('runningpods'))
    .addOption(output(['table', 'json', 'yaml'], 'table'))
    .action((flags: Flags) => read(flags, (c) => c.runningPods(), (a) => renderPods(a, flags.output ?? 'table', true, multi(flags))));
  sub(spec('configz'))
    .addOption(output(['json', 'yaml'], 'json'))
    .action((flags: Flags) => read(flags, (c) => c.configz(), (a) => renderObject(a, flags.output, multi(flags))));
  sub(spec('stats'))
    .addOption(output(['json', 'yaml'], 'json'))
    .option('--only-cpu-and-memory', '?only_cpu_and_memory=true')
    .action((flags: Flags) => read(flags, (c) => c.statsSummary({ onlyCpuAndMemory: flags.onlyCpuAndMemory === true }), (a) => renderObject(a, flags.output, multi(flags))));
  sub(spec('metrics'))
    .argument('[family...]', 'metric family name prefixes')
    .addOption(new Option('--endpoint <name>', 'which exposition: /metrics or /metrics/<name>').choices([...METRICS_ENDPOINTS]).default('metrics'))
    .action((families: string[], flags: Flags) => read(flags, (c) => c.metrics({ endpoint: flags.endpoint as (typeof METRICS_ENDPOINTS)[number] }), (a) => blocks(a, multi(flags), (v) => filterFamilies(v, families))));
  sub(spec('logs'))
    .argument('[path]', 'file or directory under /var/log (none: the listing)')
    .action((path: string | undefined, flags: Flags) => read(flags, (c) => c.nodeLogs(path ?? ''), (a) => blocks(a, multi(flags), (v) => (v.kind === 'listing' ? v.entries.map((e) => `${e}\n`).join('') : v.body))));
  sub(spec('container-logs'))
    .argument('<target>', '<namespace>/<pod>/<container>')
    .addOption(numberOption('--tail <n>', 'only the last n lines (tailLines)', { kind: 'integer', min: 0, max: Number.MAX_SAFE_INTEGER }))
    .option('-f, --follow', 'keep streaming until the peer closes or Ctrl-C (exit 0 either way)')
    .option('--timestamps', 'prefix each line with its RFC 3339 time')
    .option('--previous', 'the previous instance of the container')
    .option('--since <when>', 'a duration (30s, 5m, 1h) or an RFC 3339 time')
    .addOption(numberOption('--limit-bytes <n>', 'stop after n bytes (limitBytes)', { kind: 'bytes', min: 1, max: Number.MAX_SAFE_INTEGER }))
    .action((target: string, flags: Flags) =>
      act(flags, async (deadline) => {
        const options: ContainerLogOptions = {
          ...parseRef(target, 'container-logs'),
          ...sinceOptions(flags.since),
          ...(flags.follow ? { follow: true } : {}),
          ...(flags.timestamps ? { timestamps: true } : {}),
          ...(flags.previous ? { previous: true } : {}),
          ...(flags.tail !== undefined ? { tailLines: flags.tail } : {}),
          ...(flags.limitBytes !== undefined ? { limitBytes: flags.limitBytes } : {}),
        };
        const list = await withinDeadline(deadline, resolveKubelets(flags, deadline));
        if (typeof list === 'number') return list;
        return forEachKubelet(list, async (t) => {
          // Ctrl-C while connecting is a clean end too.
          let interrupted = false;
          const early = () => (interrupted = true);
          process.once('SIGINT', early);
          const answer = await withinDeadline(deadline, t.client.containerLogs(options), `${t.node}: the log did not start`).finally(() => process.off('SIGINT', early));
          if (interrupted) {
            if (answer.ok) answer.value.destroy();
            return 0;
          }
          if (!answer.ok) return reportKubeletFailure(answer.failure, flags);
          // The log started: the deadline covered setting up, not the stream (--follow runs until Ctrl-C).
          if (flags.follow) deadline.clear();
          await (flags.follow ? pump(answer.value) : withinDeadline(deadline, pump(answer.value)));
          return 0;
        });
      }),
    );
  sub(spec('run'))
    .argument('<target>', '<namespace>/<pod>/<container>')
    .argument('[command...]', 'the command, after --; joined with spaces into ?cmd=')
    .option('--uid <uid>', 'pin the pod UID (/run/<ns>/<pod>/<uid>/<container>)')
    .action((target: string, command: string[], flags: Flags) =>
      act(flags, async (deadline) => {
        const ref = { ...parseRef(target, 'run'), ...(flags.uid ? { uid: flags.uid } : {}) };
        if (command.length === 0) throw new UsageError('run needs a command: kia kubelet <node> run <ns>/<pod>/<container> -- <cmd...>');
        const list = await withinDeadline(deadline, resolveKubelets(flags, deadline));
        if (typeof list === 'number') return list;
        return forEachKubelet(list, async (t) => {
          const answer = await withinDeadline(deadline, t.client.run({ ...ref, command }), `${t.node}: run did not finish`);
          if (answer.ok) {
            process.stdout.write(peerText()(answer.value));
            return 0;
          }
          const exit = answer.failure.status === 500 ? parseRunExit(answer.failure.message) : undefined;
          if (!exit) return reportKubeletFailure(answer.failure, flags);
          // The command ran and failed: its stderr and its exit status, as exec would give them.
          if (exit.stderr) process.stderr.write(exit.stderr.endsWith('\n') ? exit.stderr : `${exit.stderr}\n`);
          return exit.exitCode || EXIT.findings;
        });
      }),
    );
  // exec, attach and port-forward: the streaming commands (kubelet-stream.ts).
  addStreamingCommands(program);
  return program;
}

/** Splits `<node> <command> …` (options anywhere) into the command first and the node as --node. */
function arrange(tokens: readonly string[], program: Command): string[] {
  const names = new Set(program.commands.map((c) => c.name()));
  const valued = new Set(program.commands[0]?.options.filter((o) => o.required || o.optional).flatMap((o) => [o.long, o.short].filter((n): n is string => n !== undefined)) ?? []);
  let node: number | undefined;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as string;
    if (token === '--') break;
    if (token.startsWith('-')) {
      if (!token.includes('=') && valued.has(token)) i++;
      continue;
    }
    if (names.has(token)) {
      const rest = tokens.filter((_, j) => j !== i && j !== node);
      return [token, ...(node !== undefined ? ['--node', tokens[node] as string] : []), ...rest];
    }
    if (node !== undefined) throw new UsageError(`unknown kubelet command "${token}" (known: ${[...names].join(', ')})`);
    node = i;
  }
  if (node !== undefined) throw new UsageError(`no command after node "${tokens[node]}" (known: ${[...names].join(', ')})`);
  return [...tokens];
}

/** Adds `kia kubelet <node> <command>` to the program. */
export function registerKubelet(program: Command): void {
  program
    .command('kubelet')
    .description(`talk to a kubelet: ${KUBELET_SPECS.map((s) => s.name).join(', ')} (kia kubelet --help)`)
    .usage('<node> <command> [options]')
    .argument('[args...]', '<node> <command> [options]')
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .action(async () => {
      // The raw tokens after `kubelet`: commander would drop a `--` that `run` needs.
      const raw = process.argv.slice(2);
      const tokens = raw.slice(raw.indexOf('kubelet') + 1);
      const probe = buildProgram(undefined);
      const arranged = arrange(tokens, probe);
      const node = arranged[1] === '--node' ? arranged[2] : undefined;
      const inner = buildProgram(node);
      if (arranged.length === 0) {
        process.stderr.write(inner.helpInformation());
        process.exitCode = EXIT.usage;
        return;
      }
      await inner.parseAsync(arranged, { from: 'user' });
    });
}

/** The kubelet command tree as `kia completion` sees it (its subcommands parse their own argv). */
export function kubeletCommandTree(): Command {
  return buildProgram(undefined);
}
