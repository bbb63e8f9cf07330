// Lab faults as data: what `kia lab fault` and Lab.fault() accept, and the errors upstream reports for each check.
import { UsageError } from '../../errors.ts';
import type { ComponentId } from '../../model/index.ts';
import type { Fault } from '../components/component-state.ts';

export type { Fault } from '../components/component-state.ts';
export type FaultOrClear = Fault | 'clear';

export const FAULT_NAMES = ['down', 'hang', 'unhealthy', 'stale', 'frozen', 'cert-expiring', 'drift', 'clear'] as const;

/** The faults active on one component of one node. */
export interface FaultRecord {
  node: string;
  component: ComponentId;
  faults: Fault[];
}

/** Published on `lab.events` as `fault` once a fault (or clear) has taken effect. */
export interface FaultEvent extends FaultRecord {
  fault: FaultOrClear;
}

export interface LabEvents {
  fault: [FaultEvent];
}

const USAGE = `a fault is one of: down, hang, unhealthy[:<check>], stale, frozen, cert-expiring <days>, drift <field>=<value>, clear`;

/**
 * Reads a fault from words: `down`, `hang`, `unhealthy`, `unhealthy:<check>` or `unhealthy <check>`, `stale`,
 * `frozen`, `cert-expiring:<days>` or `cert-expiring <days>`, `drift <field>=<value>`, `clear`.
 */
export function parseFault(text: readonly string[]): FaultOrClear {
  const words = text.flatMap((w) => w.split(/\s+/)).filter(Boolean);
  const [head = '', ...rest] = words;
  const colon = head.indexOf(':');
  const name = colon < 0 ? head : head.slice(0, colon);
  const args = colon < 0 ? rest : [head.slice(colon + 1), ...rest];
  const noArgs = (fault: FaultOrClear): FaultOrClear => {
    if (args.length > 0) throw new UsageError(`fault ${name} takes no argument (got ${JSON.stringify(args.join(' '))})`);
    return fault;
  };
  switch (name) {
    case 'down':
    case 'hang':
    case 'stale':
    case 'frozen':
    case 'clear':
      return noArgs(name);
    case 'unhealthy': {
      if (args.length === 0) return 'unhealthy';
      const [check = ''] = args;
      if (args.length > 1 || !/^[A-Za-z0-9][\w./-]*$/.test(check)) throw new UsageError(`unhealthy takes one check name, e.g. unhealthy:syncloop (got ${JSON.stringify(args.join(' '))})`);
      return `unhealthy:${check}`;
    }
    case 'cert-expiring': {
      const [days = ''] = args;
      if (args.length !== 1 || !/^\d{1,5}$/.test(days)) throw new UsageError(`cert-expiring takes a number of days from 0 to 99999, e.g. cert-expiring 5 (got ${JSON.stringify(args.join(' '))})`);
      return `cert-expiring:${Number(days)}`;
    }
    case 'drift': {
      const [setting = ''] = args;
      if (args.length !== 1 || !/^[A-Za-z][\w.]*=\S+$/.test(setting)) throw new UsageError(`drift takes one <field>=<value> of the running configuration, e.g. drift readOnlyPort=10255 (got ${JSON.stringify(args.join(' '))})`);
      return `drift:${setting}`;
    }
    default:
      throw new UsageError(head ? `unknown fault ${JSON.stringify(head)}: ${USAGE}` : USAGE);
  }
}

/** The days of a `cert-expiring:<days>` fault. */
export function certDays(fault: FaultOrClear): number | undefined {
  return fault.startsWith('cert-expiring:') ? Number(fault.slice('cert-expiring:'.length)) : undefined;
}

const COMPONENTS: readonly ComponentId[] = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubelet', 'kube-proxy'];

/** A lab component by its name, with or without `kube-` (`apiserver`, `scheduler`, `proxy`). */
export function parseComponent(text: string): ComponentId {
  const found = COMPONENTS.find((c) => c === text || c === `kube-${text}`);
  if (!found) throw new UsageError(`unknown lab component ${JSON.stringify(text)}: one of ${COMPONENTS.join(', ')}`);
  return found;
}

/**
 * What a failing check reports, from upstream: kubelet SyncLoopHealthCheck, klog's flush watchdog, the apiserver's
 * storage check (newETCD3Check), client-go's leader-election watchdog, the apiserver's shutdown and post-start hooks.
 */
export function checkError(component: ComponentId, check: string): string {
  switch (check) {
    case 'syncloop':
      return 'sync Loop took longer than expected';
    case 'log':
      return 'logging blocked';
    case 'etcd':
    case 'etcd-readiness':
      return 'error getting data from etcd: context deadline exceeded';
    case 'leaderElection':
      return `failed election to renew leadership on lease ${component}`;
    case 'shutdown':
      return 'process is shutting down';
    default:
      return check.startsWith('poststarthook/') ? 'not finished' : `${check} check failed`;
  }
}
