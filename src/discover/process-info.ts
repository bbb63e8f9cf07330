// Processes behind sockets, from /proc/<pid>: who holds which socket inode, name, command line, flags, container.
import { access, readFile, readdir, readlink } from 'node:fs/promises';
import { constants } from 'node:fs';
import { isAbsolute, join } from 'node:path';

/** What walking /proc/<pid>/fd found: the lowest pid holding each inode, and the pids we were not allowed to look at. */
export interface SocketOwners {
  owners: Map<string, number>;
  hidden: number[];
}

const FD_BATCH = 64;

function code(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? '';
}

/** A process that went away between listing and reading (ENOENT, ESRCH) is not worth a note. */
export function isGone(error: unknown): boolean {
  return ['ENOENT', 'ESRCH', 'ENOTDIR'].includes(code(error));
}

export async function listPids(procRoot: string): Promise<number[]> {
  const entries = await readdir(procRoot);
  return entries.filter((e) => /^\d+$/.test(e)).map(Number).sort((a, b) => a - b);
}

/**
 * Maps socket inodes to the processes that hold them, through the `socket:[inode]` links in /proc/<pid>/fd. A socket
 * shared after fork (a master and its workers) goes to the lowest pid, usually the parent. Stops once every inode
 * is placed. `first`: pids to read before the others (the owners of the last look: listening sockets rarely change
 * hands, so a node's agent reads a few processes' files each cycle instead of every process's).
 */
export async function findSocketOwners(procRoot: string, inodes: ReadonlySet<string>, first: readonly number[] = []): Promise<SocketOwners> {
  const owners = new Map<string, number>();
  const hidden: number[] = [];
  const listed = await listPids(procRoot);
  const hinted = [...new Set(first)].filter((pid) => listed.includes(pid)).sort((a, b) => a - b);
  const rest = listed.filter((pid) => !hinted.includes(pid));
  const BATCH = 16;
  for (const pids of [hinted, rest]) {
    for (let start = 0; start < pids.length && owners.size < inodes.size; start += BATCH) {
      const batch = pids.slice(start, start + BATCH);
      const held = await Promise.all(batch.map((pid) => socketsOf(procRoot, pid)));
      held.forEach((result, i) => {
        const pid = batch[i] as number;
        if (result === 'hidden') hidden.push(pid);
        else for (const inode of result) if (inodes.has(inode) && !owners.has(inode)) owners.set(inode, pid);
      });
    }
  }
  // A process that exited while we looked (gone, or a zombie whose files are already closed) was not hidden from us.
  const alive = await Promise.all(hidden.map((pid) => stillRunning(procRoot, pid)));
  return { owners, hidden: hidden.filter((_, i) => alive[i]) };
}

/** Whether the process still runs: its stat is readable and its state is not zombie (Z) or dead (X). */
async function stillRunning(procRoot: string, pid: number): Promise<boolean> {
  try {
    const stat = await readFile(join(procRoot, String(pid), 'stat'), 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch (error) {
    return !isGone(error);
  }
}

async function socketsOf(procRoot: string, pid: number): Promise<string[] | 'hidden'> {
  const dir = join(procRoot, String(pid), 'fd');
  let fds: string[];
  try {
    fds = await readdir(dir);
  } catch (error) {
    return isGone(error) ? [] : 'hidden';
  }
  let denied = false;
  const inodes: string[] = [];
  // A few dozen links at a time: an apiserver or a lab holds thousands of descriptors, and reading them all at once
  // is a burst of memory an agent on every node keeps afterwards.
  for (let start = 0; start < fds.length; start += FD_BATCH) {
    const batch = await Promise.all(
      fds.slice(start, start + FD_BATCH).map(async (fd) => {
        try {
          return await readlink(join(dir, fd));
        } catch (error) {
          if (!isGone(error)) denied = true;
          return '';
        }
      }),
    );
    for (const link of batch) {
      const inode = /^socket:\[(\d+)\]$/.exec(link)?.[1];
      if (inode !== undefined) inodes.push(inode);
    }
  }
  // Listing the fds but not following them is how a non-root caller sees other users' processes.
  return denied && inodes.length === 0 ? 'hidden' : inodes;
}

/**
 * argv from /proc/<pid>/cmdline: NUL-separated. A process that rewrote its title (setproctitle, nginx, postgres) leaves
 * one string with spaces instead, so a lone argument with spaces is split on them.
 */
export function parseCmdline(raw: string): string[] {
  const args = raw.replace(/\0+$/, '').split('\0');
  if (args.length === 1 && args[0] === '') return [];
  if (args.length === 1 && (args[0] ?? '').includes(' ')) return (args[0] ?? '').split(' ').filter((a) => a !== '');
  return args;
}

/**
 * Flags from argv (argv[0] skipped): `--flag=value`, `--flag value`, bare `--flag` = "true"; Go's standard `flag`
 * package (etcd) also takes one dash, so `-name value` counts when the name is longer than one letter. `booleans`
 * lists flags that never take a separate value (pflag: `--anonymous-auth false` is true plus a stray argument).
 * A lone `--` is skipped rather than ending the flags, so wrappers (`tini -- kubelet ...`) still show the real flags.
 * A repeated flag keeps its last value, as a Go scalar flag does.
 */
export function parseFlags(argv: readonly string[], booleans: ReadonlySet<string> = new Set()): Record<string, string> {
  const flags: Record<string, string> = {};
  for (let i = 1; i < argv.length; i++) {
    const match = /^(?:--([^-=][^=]*)|-([^-=][^=]+))(?:=([\s\S]*))?$/.exec(argv[i] ?? '');
    if (!match) continue;
    const name = (match[1] ?? match[2]) as string;
    if (match[3] !== undefined) {
      flags[name] = match[3];
      continue;
    }
    const next = argv[i + 1];
    if (!booleans.has(name) && next !== undefined && !next.startsWith('-')) {
      flags[name] = next;
      i++;
    } else flags[name] = 'true';
  }
  return flags;
}

// A 64-hex container id as containerd (cri-containerd-<id>.scope or a bare <id>), docker (docker-<id>.scope,
// /docker/<id>), cri-o (crio-<id>.scope; crio-conmon-<id> is the monitor, not the container) and podman name it.
const CONTAINER_SEGMENT = /^(?:(?:docker|cri-containerd|crio|libpod)-)?([0-9a-f]{64})(?:\.scope)?$/;

/** The innermost container id in /proc/<pid>/cgroup, when the cgroup path shows one (not from inside a cgroup namespace). */
export function containerIdFromCgroup(text: string): string | undefined {
  let found: string | undefined;
  for (const line of text.split('\n')) {
    const path = line.split(':').slice(2).join(':');
    for (const segment of path.split('/')) {
      // systemd's cgroupsPath form puts `cri-containerd:<id>` in one segment.
      const id = CONTAINER_SEGMENT.exec(segment)?.[1] ?? /:(?:cri-containerd|crio|docker):([0-9a-f]{64})$/.exec(segment)?.[1];
      if (id) found = id;
    }
  }
  return found;
}

/** ETCD_* variables from /proc/<pid>/environ as flag names: `ETCD_CLIENT_CERT_AUTH=true` -> `client-cert-auth`. */
export function etcdEnvironment(raw: string): Record<string, string> {
  const settings: Record<string, string> = {};
  for (const entry of raw.split('\0')) {
    const match = /^ETCD_([A-Z0-9_]+)=([\s\S]*)$/.exec(entry);
    if (match?.[1]) settings[match[1].toLowerCase().replace(/_/g, '-')] = match[2] ?? '';
  }
  return settings;
}

/** The raw facts of one process; undefined when it exited meanwhile. */
export interface RawProcess {
  pid: number;
  name: string;
  cmdline: string[];
  containerId?: string;
}

export async function readRawProcess(procRoot: string, pid: number): Promise<RawProcess | undefined> {
  const dir = join(procRoot, String(pid));
  try {
    const [comm, cmdline] = await Promise.all([readFile(join(dir, 'comm'), 'utf8'), readFile(join(dir, 'cmdline'), 'utf8')]);
    const cgroup = await readFile(join(dir, 'cgroup'), 'utf8').catch(() => '');
    const containerId = containerIdFromCgroup(cgroup);
    return { pid, name: comm.replace(/\n$/, ''), cmdline: parseCmdline(cmdline), ...(containerId ? { containerId } : {}) };
  } catch (error) {
    if (isGone(error)) return undefined;
    throw error;
  }
}

/** Where the node's filesystems are, as this process sees them: its /proc, and its root (`/`, or a host mount). */
export interface HostRoots {
  procRoot: string;
  /** The host's `/` (default `/`): where a path is read when the process's own root cannot be. */
  hostRoot?: string;
}

/**
 * A path as the process sees it: under /proc/<pid>/root when that can be read (a process in a container sees its own
 * filesystem), else under the host root (a pod with the host's folders mounted, not allowed to read another
 * process's root). A relative path is relative to the process's working directory (/proc/<pid>/cwd).
 */
export async function pathAsSeenBy(where: HostRoots & { pid: number }, path: string): Promise<string> {
  const base = isAbsolute(path) ? join(where.procRoot, String(where.pid), 'root') : join(where.procRoot, String(where.pid), 'cwd');
  try {
    await access(base, constants.R_OK | constants.X_OK);
    await readdir(base);
    return join(base, path);
  } catch {
    return where.hostRoot && isAbsolute(path) ? join(where.hostRoot, path) : path;
  }
}
