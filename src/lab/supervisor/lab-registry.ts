// The labs running on this machine, per network namespace (loopback is per namespace, so labs in two namespaces
// never collide): one record per network or port offset a lab holds, created with O_EXCL, stale once its process is
// gone. `lab up` picks a free network from it and `kia lab ls` lists it.
import { lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { LabError } from '../../errors.ts';
import { readRunRecords, stopLab } from './pid-files.ts';
import { isRunning, stampOf, type ProcessStamp } from './process-identity.ts';

export interface LabRecord extends ProcessStamp {
  dir: string;
  network?: number;
  portOffset?: number;
  nodes: number;
  kubernetesVersion: string;
  /** ISO time the lab was started. */
  startedAt: string;
}

/** A record this process holds. */
export interface Registration {
  path: string;
  release(): void;
}

/** `$XDG_RUNTIME_DIR/kia/labs/<netns>` or `<tmp>/kia-labs-<uid>/<netns>`, private to this user. */
export function registryDir(runtimeDir: string | undefined): string {
  const { uid } = userInfo();
  const base = runtimeDir ? join(runtimeDir, 'kia', 'labs') : join(tmpdir(), `kia-labs-${uid}`);
  let namespace = 'net-default';
  try {
    namespace = readlinkSync('/proc/self/ns/net').replace(/^net:\[(\d+)\]$/, 'net-$1');
  } catch {
    // No /proc: one namespace.
  }
  mkdirSync(base, { recursive: true, mode: 0o700 });
  const owner = lstatSync(base);
  // Someone else's folder (or a link planted in /tmp) would let them list or block our labs.
  if (!owner.isDirectory() || (uid >= 0 && owner.uid !== uid)) throw new LabError(`${base} is not a folder of this user: remove it, or set XDG_RUNTIME_DIR`);
  const dir = join(base, namespace);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

function read(file: string): LabRecord | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as LabRecord;
  } catch {
    return undefined;
  }
}

/** The record files, none when the folder went with the namespace's last lab. */
function entries(registry: string): string[] {
  try {
    return readdirSync(registry).filter((name) => name.endsWith('.json'));
  } catch {
    return [];
  }
}

export function recordKey(record: Pick<LabRecord, 'network' | 'portOffset'>): string {
  return record.portOffset !== undefined ? `port-offset-${record.portOffset}` : `network-${record.network ?? 0}`;
}

/**
 * Takes the record for this lab's network (or port offset), or says which running lab holds it. A record whose
 * process is gone is removed and taken.
 */
export function register(registry: string, lab: Omit<LabRecord, keyof ProcessStamp>): Registration | { heldBy: LabRecord } {
  const path = join(registry, `${recordKey(lab)}.json`);
  const record: LabRecord = { ...lab, ...(stampOf(process.pid) ?? { pid: process.pid }) };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(path, JSON.stringify(record), { flag: 'wx', mode: 0o600 });
      return {
        path,
        release: () => {
          const now = read(path);
          if (now?.pid === record.pid && now.startTime === record.startTime && now.dir === record.dir) rmSync(path, { force: true });
          // The namespace's folder goes with its last lab (a namespace made for one test run leaves nothing behind).
          try {
            rmdirSync(registry);
          } catch {
            // Other labs still run here.
          }
        },
      };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // The last lab of the namespace took the folder with it a moment ago: make it again.
      if (code === 'ENOENT') {
        mkdirSync(registry, { recursive: true, mode: 0o700 });
        continue;
      }
      if (code !== 'EEXIST') throw new LabError(`cannot write the lab registry ${path}: ${(error as Error).message}`, { cause: error });
    }
    const holder = read(path);
    if (holder && isRunning(holder)) return { heldBy: holder };
    // Empty for an instant while another lab writes it: that lab holds it.
    if (!holder && Date.now() - (statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? 0) < 2000) return { heldBy: { ...lab, dir: '(a lab starting now)', pid: 0 } };
    rmSync(path, { force: true });
  }
  throw new LabError(`cannot take ${path}: another lab keeps taking it`);
}

/**
 * Forgets the records of labs whose supervisor died, first stopping what such a lab left running (Debian's etcd
 * outlives its parent) when its folder still names that very supervisor: an orphan on a lab's addresses would
 * otherwise hold them until someone finds it.
 */
export async function reapStaleLabs(registry: string): Promise<void> {
  for (const name of entries(registry)) {
    const path = join(registry, name);
    const record = read(path);
    if (!record || isRunning(record)) continue;
    const { supervisor } = readRunRecords(record.dir);
    if (supervisor?.pid === record.pid && supervisor.startTime === record.startTime) await stopLab(record.dir);
    rmSync(path, { force: true });
  }
}

/** The running labs in this network namespace, by network; stale records are removed on the way. */
export function listLabs(registry: string): LabRecord[] {
  const labs: LabRecord[] = [];
  for (const name of entries(registry)) {
    const record = read(join(registry, name));
    if (record && isRunning(record)) labs.push(record);
    else if (record) rmSync(join(registry, name), { force: true });
  }
  return labs.sort((a, b) => (a.network ?? 64) - (b.network ?? 64) || (a.portOffset ?? 0) - (b.portOffset ?? 0));
}

/** The running labs this process can reach (its network namespace), for `kia lab ls`. */
export function runningLabs(runtimeDir: string | undefined): LabRecord[] {
  return listLabs(registryDir(runtimeDir));
}
