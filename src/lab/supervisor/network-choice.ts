// Where a lab goes: the network (or port offset) asked for, checked free, or else the first free network from 0 to
// 63; free means no running lab holds it in the registry and nothing listens on any of its addresses.
import { InputError, LabError } from '../../errors.ts';
import type { ListeningSocket } from '../../discover/proc-net.ts';
import { blockers, describeTaken, isWildcard, listeningHere, withOwners } from '../net/address-owner.ts';
import type { LabEndpoint } from '../types.ts';
import { listLabs, reapStaleLabs, register, type LabRecord, type Registration } from './lab-registry.ts';

const NETWORKS = 64;

export interface NetworkRequest {
  /** The registry folder (lab-registry.ts registryDir). */
  registry: string;
  /** `--network`, when asked for. */
  network?: number;
  portOffset?: number;
  /** Tried first when no network is asked for: the folder's last network keeps a warm start warm. */
  preferred?: number;
  /** The endpoints the lab would have on a network. */
  endpointsOn(network: number): readonly LabEndpoint[];
  /** What the registry records about this lab. */
  lab: Pick<LabRecord, 'dir' | 'nodes' | 'kubernetesVersion' | 'startedAt'>;
}

export interface NetworkChoice {
  network: number;
  /** True when no network was asked for and this one was picked. */
  picked: boolean;
  registration: Registration;
}

function heldBy(record: LabRecord): string {
  return record.pid ? `the lab in ${record.dir} (pid ${record.pid})` : record.dir;
}

/** The first network that looks free (not claimed: the caller reports it as the way out). */
function firstFree(request: NetworkRequest, sockets: readonly ListeningSocket[]): number | undefined {
  const held = new Set(listLabs(request.registry).map((l) => l.network));
  for (let n = 0; n < NETWORKS; n++) if (!held.has(n) && blockers(request.endpointsOn(n), sockets).length === 0) return n;
  return undefined;
}

async function takenMessage(taken: Parameters<typeof withOwners>[0]): Promise<string> {
  const [first] = await withOwners(taken.slice(0, 1));
  const more = taken.length > 1 ? ` (and ${taken.length - 1} more of the lab's addresses)` : '';
  return `${first ? describeTaken(first) : 'an address is taken'}${more}`;
}

/** Takes the network asked for, or says why it cannot and which one would do. */
async function asked(request: NetworkRequest, network: number, sockets: readonly ListeningSocket[]): Promise<NetworkChoice> {
  const registration = register(request.registry, { ...request.lab, network });
  const instead = () => {
    const free = firstFree(request, sockets);
    return free === undefined ? 'leave out --network to pick a free network' : `--network ${free} moves the lab to a free network (or leave out --network to pick one)`;
  };
  if ('heldBy' in registration) throw new InputError(`network ${network} is taken by ${heldBy(registration.heldBy)}: ${instead()}`);
  const taken = blockers(request.endpointsOn(network), sockets);
  if (taken.length > 0) {
    registration.release();
    const wildcard = taken.every(isWildcard);
    throw new InputError(`${await takenMessage(taken)}: ${wildcard ? 'it listens on every address, so no --network avoids it; stop it, or use --port-offset' : instead()}`);
  }
  return { network, picked: false, registration };
}

/** Takes the port offset asked for (the lab then lives on 127.0.0.1), or says why it cannot. */
async function offset(request: NetworkRequest, portOffset: number, sockets: readonly ListeningSocket[]): Promise<NetworkChoice> {
  const network = request.network ?? 0;
  const registration = register(request.registry, { ...request.lab, network, portOffset });
  if ('heldBy' in registration) throw new InputError(`port offset ${portOffset} is taken by ${heldBy(registration.heldBy)}: choose another --port-offset`);
  const taken = blockers(request.endpointsOn(network), sockets);
  if (taken.length > 0) {
    registration.release();
    throw new InputError(`${await takenMessage(taken)}: another --port-offset moves the lab`);
  }
  return { network, picked: false, registration };
}

export async function chooseNetwork(request: NetworkRequest): Promise<NetworkChoice> {
  await reapStaleLabs(request.registry);
  const sockets = await listeningHere();
  if (request.portOffset !== undefined) return offset(request, request.portOffset, sockets);
  if (request.network !== undefined) return asked(request, request.network, sockets);
  const order = [...new Set([...(request.preferred === undefined ? [] : [request.preferred]), ...Array.from({ length: NETWORKS }, (_, n) => n)])];
  for (const network of order) {
    const taken = blockers(request.endpointsOn(network), sockets);
    if (taken.length > 0 && taken.some(isWildcard)) throw new LabError(`${await takenMessage(taken.filter(isWildcard))}: it listens on every address, so no lab network avoids it; stop it, or use --port-offset`);
    if (taken.length > 0) continue;
    const registration = register(request.registry, { ...request.lab, network });
    if ('heldBy' in registration) continue;
    return { network, picked: true, registration };
  }
  throw new LabError(`no free lab network: networks 0 to ${NETWORKS - 1} are all taken here (kia lab ls lists the labs)`);
}
