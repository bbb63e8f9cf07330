// The exposition parser against parse-prometheus-text-format on 10, 25 and 50 MB expositions built from the real
// apiserver exposition (every series copied once per `instance`, families kept whole). Each parser runs in its own
// process, kia and the peer taking turns, best of five (the machine is shared: turns spread the noise over both): MB/s
// over read + parse, the CPU time of the same span beside it, peak RSS (VmHWM, the median of the five), and samples
// counted. kia must count every sample written. The peer parses every line too, but its output folds all labelled
// series of a histogram or summary into one (its flattenMetrics), so its count is checked exactly on counter, gauge
// and untyped families only.
import { createReadStream, mkdtempSync, openSync, closeSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { built, fmt, run } from './lib.ts';

const SOURCE = fileURLToPath(new URL('../fixtures/real-v1.28/apiserver.metrics', import.meta.url));
const SIZES_MB = [10, 25, 50];
const RUNS = 5;

interface Measure {
  samples: number;
  /** Samples of counter, gauge and untyped families. */
  plain: number;
  errors: number;
  ms: number;
  /** User + system CPU of the same span, every thread of the process. */
  cpuMs: number;
  rssMb: number;
}

const cpuSince = (start: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
};

/** Writes an exposition of about `mb` MB: each family's header once, then its series once per instance. */
function buildExposition(path: string, mb: number): { samples: number; plain: number; bytes: number } {
  const blocks: { header: string[]; samples: string[] }[] = [];
  for (const line of readFileSync(SOURCE, 'utf8').split('\n')) {
    if (line === '') continue;
    const last = blocks[blocks.length - 1];
    if (line.startsWith('#')) {
      if (!last || last.samples.length > 0) blocks.push({ header: [line], samples: [] });
      else last.header.push(line);
    } else last?.samples.push(line);
  }
  const perCopy = blocks.reduce((n, b) => n + b.samples.reduce((m, l) => m + l.length + 20, 0), 0);
  const copies = Math.max(1, Math.round((mb * 1e6) / perCopy));
  const fd = openSync(path, 'w');
  let samples = 0;
  let plain = 0;
  try {
    for (const block of blocks) {
      const folded = block.header.some((h) => / (histogram|summary)$/.test(h));
      const out: string[] = block.header.slice();
      for (let copy = 0; copy < copies; copy++) {
        const label = `instance="copy-${copy}"`;
        for (const line of block.samples) {
          const brace = line.indexOf('{');
          const space = line.indexOf(' ');
          out.push(brace >= 0 && brace < space ? `${line.slice(0, brace + 1)}${label},${line.slice(brace + 1)}` : `${line.slice(0, space)}{${label}}${line.slice(space)}`);
          samples++;
          if (!folded) plain++;
        }
      }
      writeSync(fd, `${out.join('\n')}\n`);
    }
  } finally {
    closeSync(fd);
  }
  return { samples, plain, bytes: statSync(path).size };
}

function peakRss(): number {
  return Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0) / 1024;
}

/** In the child: kia streams the file through its parser; every sample is parsed and counted. */
async function measureKia(file: string): Promise<Measure> {
  // The built parser, loaded before the clock starts.
  const { parseStream } = await built<typeof import('../src/metrics/index.ts')>('metrics/index.js');
  const start = performance.now();
  const cpu = process.cpuUsage();
  let samples = 0;
  let errors = 0;
  // Read as `kia metrics FILE` reads (256 KiB at a time: src/cli/commands/metrics.ts CHUNK).
  for await (const batch of parseStream(createReadStream(file, { highWaterMark: 256 << 10 }))) {
    for (const item of batch) {
      if (item.kind === 'sample') samples++;
      else if (item.kind === 'error') errors++;
    }
  }
  return { samples, plain: -1, errors, ms: performance.now() - start, cpuMs: cpuSince(cpu), rssMb: peakRss() };
}

interface PeerFamily {
  type: string;
  metrics: { buckets?: Record<string, unknown>; quantiles?: Record<string, unknown> }[];
}

/** In the child: the peer takes the whole text; a histogram or summary series counts its buckets/quantiles + sum + count. */
function measurePeer(file: string): Measure {
  const parse = createRequire(import.meta.url)('parse-prometheus-text-format') as (text: string) => PeerFamily[];
  const start = performance.now();
  const cpu = process.cpuUsage();
  const families = parse(readFileSync(file, 'utf8'));
  let samples = 0;
  let plain = 0;
  for (const family of families) {
    for (const m of family.metrics) {
      if (family.type === 'HISTOGRAM') samples += Object.keys(m.buckets ?? {}).length + 2;
      else if (family.type === 'SUMMARY') samples += Object.keys(m.quantiles ?? {}).length + 2;
      else {
        samples += 1;
        plain += 1;
      }
    }
  }
  return { samples, plain, errors: 0, ms: performance.now() - start, cpuMs: cpuSince(cpu), rssMb: peakRss() };
}

async function child(which: 'kia' | 'peer', file: string): Promise<Measure> {
  const res = await run(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), 'child', which, file]);
  if (res.code !== 0) throw new Error(`${which} on ${file}: ${res.stderr}`);
  return JSON.parse(res.stdout) as Measure;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

/**
 * The best (fastest) run of each, kia and the peer taking turns; the CPU figure is the least of each's runs, and the
 * peak RSS the median of each's runs (a process's peak wanders by a few MB from run to run whatever it parses).
 */
async function best(file: string): Promise<{ kia: Measure; peer: Measure }> {
  const top: { kia?: Measure; peer?: Measure } = {};
  const cpu = { kia: Infinity, peer: Infinity };
  const rss = { kia: [] as number[], peer: [] as number[] };
  for (let i = 0; i < RUNS; i++) {
    for (const which of ['kia', 'peer'] as const) {
      const m = await child(which, file);
      cpu[which] = Math.min(cpu[which], m.cpuMs);
      rss[which].push(m.rssMb);
      if (!top[which] || m.ms < (top[which] as Measure).ms) top[which] = m;
    }
  }
  return { kia: { ...(top.kia as Measure), cpuMs: cpu.kia, rssMb: median(rss.kia) }, peer: { ...(top.peer as Measure), cpuMs: cpu.peer, rssMb: median(rss.peer) } };
}

export async function benchMetrics(): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'kia-bench-metrics-'));
  const lines: string[] = [];
  const kiaRss: number[] = [];
  try {
    for (const mb of SIZES_MB) {
      const file = join(dir, `apiserver-${mb}mb.metrics`);
      const built = buildExposition(file, mb);
      const size = built.bytes / 1e6;
      const { kia, peer } = await best(file);
      if (kia.samples !== built.samples || peer.plain !== built.plain || kia.errors !== 0) {
        throw new Error(`samples of ${file}: written ${built.samples} (${built.plain} plain), kia ${kia.samples} (${kia.errors} errors), peer ${peer.plain} plain`);
      }
      kiaRss.push(kia.rssMb);
      const kiaRate = size / (kia.ms / 1000);
      const peerRate = size / (peer.ms / 1000);
      lines.push(
        `metrics ${fmt(size)} MB, ${built.samples} samples (kia counted ${kia.samples}; the peer returned ${peer.samples}, all ${peer.plain} plain ones): kia ${fmt(kiaRate)} MB/s, peak RSS ${fmt(kia.rssMb)} MB; ` +
          `parse-prometheus-text-format ${fmt(peerRate)} MB/s, peak RSS ${fmt(peer.rssMb)} MB -> kia ${fmt(kiaRate / peerRate, 2)}x the throughput (target >= 5x), ${fmt(peer.rssMb / kia.rssMb, 1)}x less memory; ` +
          `CPU ${fmt(kia.cpuMs, 0)} ms against ${fmt(peer.cpuMs, 0)} ms (${fmt(peer.cpuMs / kia.cpuMs, 2)}x)`,
      );
    }
    const spread = Math.max(...kiaRss) - Math.min(...kiaRss);
    lines.push(`metrics: kia peak RSS over ${SIZES_MB.join('/')} MB: ${kiaRss.map((r) => fmt(r)).join(' / ')} MB -> spread ${fmt(spread)} MB (target < 10 MB)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return lines;
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] === 'child') {
  const [which, file] = [process.argv[3], process.argv[4] as string];
  const measure = which === 'kia' ? await measureKia(file) : measurePeer(file);
  process.stdout.write(JSON.stringify(measure));
}
