// Node-local discovery, the hunting guide's "look for open ports, check which process owns that port": listening TCP
// sockets from /proc/net, their owners from /proc/<pid>/fd, and what those processes are configured to do.
import { readdir } from 'node:fs/promises';
import type { OpenPort, ProcessInfo } from '../model/index.ts';
import { BOOLEAN_FLAGS, readComponentSettings, recognizeComponent } from './component-config.ts';
import { readListeningSockets, type ListeningSocket } from './proc-net.ts';
import { findSocketOwners, parseFlags, readRawProcess, type HostRoots } from './process-info.ts';

export { decodeHexAddress, decodeIpv4Hex, decodeIpv6Hex, parseProcNetTcp } from './proc-net.ts';
export { recognizeComponent } from './component-config.ts';

export interface DiscoverLocalOptions {
  /** Where /proc is; tests may point it at a fake tree. Default `/proc`. */
  procRoot?: string;
  /**
   * Where the host's `/` is (a pod's read-only mount of it; default `/`): config files are read there when the
   * process's own root (/proc/<pid>/root) is not readable.
   */
  hostRoot?: string;
  /**
   * Only sockets bound to these addresses (the agent of one lab node, whose nodes share a host's network); absent:
   * every socket. What the notes say concerns these sockets only.
   */
  addresses?: readonly string[];
  /** Pids whose open files are read first (the owners the last look found: an agent's cycles). */
  firstPids?: readonly number[];
}

export interface LocalDiscovery {
  /** One entry per listening socket, by port then bind address. */
  ports: OpenPort[];
  /** What could not be seen: unreadable tables, processes hidden from us, config files we could not read. */
  notes: string[];
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * The address to dial for a bind address: loopback for a wildcard. `::` is dual-stack (127.0.0.1 reaches it) unless
 * an IPv4 socket holds the same port, which only a v6-only `::` socket allows; then `::1`.
 */
function dialAddress(socket: ListeningSocket, all: readonly ListeningSocket[]): string {
  if (socket.address === '0.0.0.0') return '127.0.0.1';
  if (socket.address !== '::') return socket.address;
  const v4Taken = all.some((s) => s.family === 4 && s.port === socket.port && (s.address === '0.0.0.0' || s.address === '127.0.0.1'));
  return v4Taken ? '::1' : '127.0.0.1';
}

async function describeProcess(roots: HostRoots, pid: number, notes: string[]): Promise<ProcessInfo | undefined> {
  let raw;
  try {
    raw = await readRawProcess(roots.procRoot, pid);
  } catch (error) {
    notes.push(`pid ${pid}: process details not readable (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    return undefined;
  }
  // Exited between the fd walk and now: nothing to say.
  if (!raw) return undefined;
  const info: ProcessInfo = { ...raw, flags: parseFlags(raw.cmdline, BOOLEAN_FLAGS) };
  const component = recognizeComponent(raw);
  if (!component) return info;
  const settings = await readComponentSettings(roots, { pid, component, flags: info.flags });
  notes.push(...settings.notes);
  if (settings.config && Object.keys(settings.config).length > 0) info.config = settings.config;
  if (settings.configFile) info.configFile = settings.configFile;
  return info;
}

/**
 * Lists the node's listening TCP sockets with the process behind each one and, for Kubernetes components, their
 * security-relevant settings. Without root it reports what it can see and says in `notes` what it could not; it never
 * throws for a permission problem, and a process that exits meanwhile is skipped.
 */
export async function discoverLocal(options: DiscoverLocalOptions = {}): Promise<LocalDiscovery> {
  const procRoot = options.procRoot ?? '/proc';
  const roots: HostRoots = { procRoot, ...(options.hostRoot ? { hostRoot: options.hostRoot } : {}) };
  const read = await readListeningSockets(procRoot);
  const { notes } = read;
  const mine = options.addresses ? new Set(options.addresses) : undefined;
  let sockets = mine ? read.sockets.filter((s) => mine.has(s.address)) : read.sockets;
  if (options.hostRoot) {
    try {
      await readdir(options.hostRoot);
    } catch (error) {
      notes.push(`host root ${options.hostRoot} not readable (${(error as NodeJS.ErrnoException).code ?? String(error)}): config files only where a process's own root is`);
    }
  }
  let owners = new Map<string, number>();
  let hidden: number[] = [];
  try {
    ({ owners, hidden } = await findSocketOwners(procRoot, new Set(sockets.map((s) => s.inode)), options.firstPids));
  } catch (error) {
    notes.push(`cannot list processes in ${procRoot} (${(error as NodeJS.ErrnoException).code ?? String(error)}): no socket owners`);
  }

  // A socket left without an owner may have closed while we looked: only the ones still listening are reported.
  if (sockets.some((s) => !owners.has(s.inode))) {
    const still = new Set((await readListeningSockets(procRoot)).sockets.map((s) => s.inode));
    sockets = sockets.filter((s) => owners.has(s.inode) || still.has(s.inode));
  }

  const processes = new Map<number, Promise<ProcessInfo | undefined>>();
  const ports = await Promise.all(
    sockets.map(async (socket): Promise<OpenPort> => {
      const pid = owners.get(socket.inode);
      if (pid !== undefined && !processes.has(pid)) processes.set(pid, describeProcess(roots, pid, notes));
      const owner = pid === undefined ? undefined : await processes.get(pid);
      const address = dialAddress(socket, sockets);
      return { target: { host: 'localhost', address, source: 'local' }, address, port: socket.port, bindAddress: socket.address, ...(owner ? { process: owner } : {}) };
    }),
  );

  const unowned = sockets.filter((s) => !owners.has(s.inode)).length;
  if (unowned > 0 && hidden.length > 0) {
    notes.push(`${plural(unowned, 'socket whose process', 'sockets whose process')} could not be seen (not root?): open files of ${plural(hidden.length, 'process', 'processes')} not readable`);
  } else if (unowned > 0) {
    notes.push(`${plural(unowned, 'socket', 'sockets')} with no owning process found (closing, or held from another PID namespace)`);
  }
  ports.sort((a, b) => a.port - b.port || (a.bindAddress ?? '').localeCompare(b.bindAddress ?? ''));
  return { ports, notes };
}
