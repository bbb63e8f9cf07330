// Who holds an address the lab wants, and which addresses a lab's own processes listen on: listening sockets from
// /proc/<pid>/net/tcp (the table of that process's network namespace) and their owners from /proc/<pid>/fd.
import { LabError } from '../../errors.ts';
import { readListeningSockets, type ListeningSocket } from '../../discover/proc-net.ts';
import { findSocketOwners, readRawProcess } from '../../discover/process-info.ts';

/** One address:port that a lab endpoint needs and something else listens on. */
export interface TakenAddress {
  address: string;
  port: number;
  /** The listener's own bind address: the one asked for, or a wildcard (0.0.0.0, ::) that covers it. */
  boundTo: string;
  pid?: number;
  command?: string;
}

const WILDCARDS = new Set(['0.0.0.0', '::']);

/** The listening sockets of this process's network namespace (none where there is no /proc). */
export async function listeningHere(): Promise<ListeningSocket[]> {
  return (await readListeningSockets('/proc')).sockets;
}

/** The sockets that would refuse a bind of address:port: the same address, or a wildcard on the same port. */
function blocking(sockets: readonly ListeningSocket[], address: string, port: number): ListeningSocket | undefined {
  return sockets.find((s) => s.port === port && s.address === address) ?? sockets.find((s) => s.port === port && WILDCARDS.has(s.address));
}

/** Which of `wanted` something already listens on (no owners yet: see withOwners). */
export function blockers(wanted: readonly { address: string; number: number }[], sockets: readonly ListeningSocket[]): (TakenAddress & { inode: string })[] {
  const taken: (TakenAddress & { inode: string })[] = [];
  const seen = new Set<string>();
  for (const { address, number } of wanted) {
    const key = `${address}:${number}`;
    const socket = blocking(sockets, address, number);
    if (seen.has(key) || !socket) continue;
    seen.add(key);
    taken.push({ address, port: number, boundTo: socket.address, inode: socket.inode });
  }
  return taken;
}

/** True when the address is taken by a listener on every address, which no other lab network avoids. */
export function isWildcard(taken: TakenAddress): boolean {
  return WILDCARDS.has(taken.boundTo);
}

/** The process behind each taken address, where this user can see it. */
export async function withOwners(taken: readonly (TakenAddress & { inode: string })[]): Promise<TakenAddress[]> {
  const { owners } = await findSocketOwners('/proc', new Set(taken.map((t) => t.inode)));
  return Promise.all(
    taken.map(async ({ inode, ...t }) => {
      const pid = owners.get(inode);
      const raw = pid === undefined ? undefined : await readRawProcess('/proc', pid).catch(() => undefined);
      return { ...t, ...(pid !== undefined ? { pid } : {}), ...(raw ? { command: raw.cmdline.join(' ').slice(0, 80) || raw.name } : {}) };
    }),
  );
}

/** Which of `wanted` are taken, with their owners. */
export async function takenAddresses(wanted: readonly { address: string; number: number }[]): Promise<TakenAddress[]> {
  const taken = blockers(wanted, await listeningHere());
  return taken.length === 0 ? [] : withOwners(taken);
}

/** `127.0.1.1:10250 is taken by pid 123 (python3 -m http.server 10250)`, in one line. */
export function describeTaken(taken: TakenAddress): string {
  const where = taken.boundTo === taken.address ? `${taken.address}:${taken.port}` : `${taken.address}:${taken.port} (a listener on ${taken.boundTo}:${taken.port} covers it)`;
  if (taken.pid === undefined) return `${where} is taken by a process this user cannot see`;
  return `${where} is taken by pid ${taken.pid}${taken.command ? ` (${taken.command})` : ''}`;
}

/** The error of a listener that found its address taken: who holds it, and the way out. */
export async function addressInUse({ address, port }: { address: string; port: number }, cause: Error): Promise<LabError> {
  // The lab was planned on a free network, so this is a race, or a holder this user could not see.
  const [taken] = await takenAddresses([{ address, number: port }]).catch(() => []);
  const what = taken ? describeTaken(taken) : `${address}:${port} is taken`;
  return new LabError(`${what}: --network moves the lab (or leave it out to pick a free network)`, { cause });
}

/** The address:port pairs the given processes listen on, each in its own network namespace. */
export async function listenedBy(pids: readonly number[]): Promise<Set<string>> {
  const sockets = new Map<string, ListeningSocket>();
  for (const pid of new Set(pids)) {
    for (const socket of (await readListeningSockets(`/proc/${pid}`)).sockets) sockets.set(socket.inode, socket);
  }
  const { owners } = await findSocketOwners('/proc', new Set(sockets.keys()));
  const ours = new Set<string>();
  for (const [inode, socket] of sockets) {
    const owner = owners.get(inode);
    if (owner !== undefined && pids.includes(owner)) ours.add(`${socket.address}:${socket.port}`);
  }
  return ours;
}
