// Before anything is written for a new lab: its folder (one lab per folder) and its network (one lab per network),
// so a second `lab up` never overwrites a running lab's credentials or fails half-way on a taken address.
import { existsSync, statSync } from 'node:fs';
import { InputError } from '../../errors.ts';
import { planLab } from '../plan/address-plan.ts';
import { readLabFile } from '../../targets/lab-file.ts';
import type { Clock, LabOptions, LabPlan } from '../types.ts';
import { registryDir } from './lab-registry.ts';
import { chooseNetwork } from './network-choice.ts';
import { claimDir } from './pid-files.ts';

export interface Reservation {
  plan: LabPlan;
  /** True when no network was asked for and a free one was picked. */
  picked: boolean;
  release(): void;
}

/** The network of the lab last run in this folder, if any: trying it first keeps a warm start warm. */
function lastNetwork(dir: string): number | undefined {
  try {
    const plan = readLabFile(dir);
    return plan.portOffset === undefined ? plan.network : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Takes the folder and a network for a lab and gives its plan. Bad options fail before the folder is touched; a
 * folder that is a file, a lab already running there, or a taken network: InputError saying which and what to do.
 */
export async function reserve(options: LabOptions & { dir: string; clock: Clock }): Promise<Reservation> {
  const { dir } = options;
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new InputError(`the lab folder ${dir} is a file, not a folder`);
  const plans = new Map<number, LabPlan>();
  const planOn = (network: number): LabPlan => {
    let plan = plans.get(network);
    if (!plan) plans.set(network, (plan = planLab({ ...options, network })));
    return plan;
  };
  const first = planOn(options.network ?? 0);
  const claim = await claimDir(dir);
  try {
    const choice = await chooseNetwork({
      registry: registryDir(process.env.XDG_RUNTIME_DIR),
      ...(options.network !== undefined ? { network: options.network } : {}),
      ...(options.portOffset !== undefined ? { portOffset: options.portOffset } : {}),
      ...(options.network === undefined ? { preferred: lastNetwork(dir) ?? 0 } : {}),
      endpointsOn: (network) => planOn(network).endpoints,
      lab: { dir, nodes: first.nodes.length, kubernetesVersion: first.kubernetesVersion, startedAt: new Date(options.clock.now()).toISOString() },
    });
    claim.noteRegistry(choice.registration.path);
    return {
      plan: planOn(choice.network),
      picked: choice.picked,
      release: () => {
        choice.registration.release();
        claim.release();
      },
    };
  } catch (error) {
    claim.release();
    throw error;
  }
}
