// Recorded node reports made another node's: a thousand real agents cannot run on one machine, so a few kia.report/v1
// documents recorded from real agents stand for every node, each with that node's name, addresses and lab folder put
// in, so no two nodes answer alike and a merged report names each node where its own agent would have.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LabNode } from '../types.ts';

/** One recorded report: which lab node's agent answered it, and its text. */
export interface Recording {
  node: string;
  ip: string;
  localIp: string;
  text: string;
}

export interface Recordings {
  /** The lab folder the recording lab ran in, as it appears in the reports' paths. */
  lab: string;
  /** In the recording lab's node order: the control plane first, then its workers. */
  recordings: Recording[];
}

interface Index {
  lab: string;
  recordings: { file: string; node: string; ip: string; localIp: string }[];
}

/** Reads `<dir>/recordings.json` and the reports it names; throws with the file's name when one is missing or bad. */
export function readRecordings(dir: string): Recordings {
  const index = JSON.parse(readFileSync(join(dir, 'recordings.json'), 'utf8')) as Index;
  if (!Array.isArray(index.recordings) || index.recordings.length === 0) throw new Error(`${join(dir, 'recordings.json')}: no recordings listed`);
  const recordings = index.recordings.map((r) => {
    const text = readFileSync(join(dir, r.file), 'utf8');
    if ((JSON.parse(text) as { schema?: string }).schema !== 'kia.report/v1') throw new Error(`${join(dir, r.file)}: not a kia.report/v1 document`);
    return { node: r.node, ip: r.ip, localIp: r.localIp, text };
  });
  return { lab: index.lab, recordings };
}

/** The recording that stands for node `index`: the control plane's for the control plane, the workers' in turn for workers. */
export function recordingFor(recordings: Recordings, index: number): { recording: Recording; at: number } {
  const all = recordings.recordings;
  const workers = all.length - 1;
  const at = index === 0 || workers === 0 ? 0 : 1 + ((index - 1) % workers);
  return { recording: all[at] as Recording, at };
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The report node `index` of `nodes` answers: its recording with every recorded node's name and addresses moved by
 * the same offset (a worker's report may name its neighbour, whose kubelet shares its lab process) and the lab folder
 * replaced. One pass, so a name put in is never replaced again.
 */
export function reportFor(recordings: Recordings, nodes: readonly LabNode[], index: number, labDir: string): string {
  const { recording, at } = recordingFor(recordings, index);
  const swap = new Map<string, string>([[recordings.lab, labDir]]);
  recordings.recordings.forEach((r, i) => {
    const target = nodes[Math.min(nodes.length - 1, Math.max(0, index + i - at))];
    if (!target) return;
    swap.set(r.node, target.name);
    swap.set(r.ip, target.ip);
    swap.set(r.localIp, target.localIp);
  });
  // Longest first, and no digit may follow: 127.0.1.1 is not the start of 127.0.1.10, nor kia-worker-1 of kia-worker-10.
  const keys = [...swap.keys()].sort((a, b) => b.length - a.length).map(escape);
  const pattern = new RegExp(`(${keys.join('|')})(?![0-9])`, 'g');
  return recording.text.replace(pattern, (m) => swap.get(m) ?? m);
}
