// The targets flag set: `[targets…]` (hosts, IPs, CIDRs), --file, --lab, the --kubeconfig's nodes, --yes for large
// ranges and --ports for ports besides the catalog's. Nothing given means this node (its sockets, from /proc).
import type { Command } from 'commander';
import type { KubeconfigAccess } from '../../clients/kube-api.ts';
import type { Target } from '../../model/index.ts';
import { parseTarget, targetsFromFile, targetsFromKubeconfig, targetsFromLab, uniqueTargets } from '../../targets/index.ts';
import { addKubeconfigFlags } from './credentials.ts';
import { portListParser } from './numbers.ts';

export interface TargetFlags {
  lab?: string;
  file?: string;
  kubeconfig?: string | true;
  yes?: boolean;
  ports?: number[];
}

export interface TargetSetOptions {
  /** What the command does to a target, for help: `hunt`, `check`, `watch`. */
  verb: string;
  /** Add --ports. */
  ports?: boolean;
  /** Wording of --lab for this command. */
  lab?: string;
}

export const TARGETS_ARGUMENT = 'hostnames, IPs or CIDR ranges; none = this node (listening sockets from /proc)';

/** Adds --lab, --file, --kubeconfig/--context, --yes and (optionally) --ports. The command declares `[targets...]`. */
export function addTargetFlags(command: Command, options: TargetSetOptions): Command {
  command
    .option('--lab <dir>', options.lab ?? `${options.verb} the nodes of a lab (its lab.json)`)
    .option('--file <path>', 'a file of targets, one per line (# comments)');
  addKubeconfigFlags(command);
  command.option('--yes', `${options.verb} ranges larger than a /16`);
  if (options.ports) command.option('--ports <list>', "ports to scan besides the catalog's (8080,9000-9003)", portListParser('--ports'));
  return command;
}

/** True when nothing names a target: the command looks at this node. */
export function isLocal(args: readonly string[], flags: TargetFlags): boolean {
  return args.length === 0 && !flags.file && !flags.lab && flags.kubeconfig === undefined;
}

/**
 * The targets the flags name, each address once. The kubeconfig's nodes (at their address by the one rule of
 * clients/kube-api.ts) count only when no other target is given.
 */
export async function readTargets(args: readonly string[], flags: TargetFlags, options: { kube?: KubeconfigAccess; signal?: AbortSignal; timeoutMs?: number; lab?: boolean } = {}): Promise<Target[]> {
  const yes = { yes: flags.yes === true };
  const targets: Target[] = [];
  for (const arg of args) targets.push(...(await parseTarget(arg, yes)));
  if (flags.file) targets.push(...(await targetsFromFile(flags.file, yes)));
  if (flags.lab && options.lab !== false) targets.push(...targetsFromLab(flags.lab));
  if (options.kube && args.length === 0 && !flags.file && !flags.lab) {
    targets.push(...(await targetsFromKubeconfig(options.kube, { ...(options.signal ? { signal: options.signal } : {}), ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}) })));
  }
  return uniqueTargets(targets);
}
