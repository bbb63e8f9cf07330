// kia hunt against peers in one run: discovery vs `nmap -sT`, the full hunt vs `nmap -sT -sV`, route probes vs
// `curl --parallel`, and a floor (bare connect + handshake + GET per open port). The lab runs in its own process.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { catalogPorts } from '../src/discover/scan.ts';
import { fmt, run } from './lib.ts';

interface Phase {
  ms: number;
  rssMb: number;
  open?: number;
  endpoints?: number;
  requests?: number;
  answered?: number;
  routeUrls?: { identity: string; url: string }[];
}

async function kia(mode: string, dir: string, nodes: number): Promise<Phase> {
  const res = await run(process.execPath, ['--import', 'tsx', 'bench/kia-phase.ts', mode, dir, String(nodes)]);
  if (res.code !== 0) throw new Error(`kia ${mode} failed: ${res.stderr}`);
  return JSON.parse(res.stdout) as Phase;
}

/** Two measurements taking turns, `turns` times: the fastest run of each. */
async function inTurns<A extends { ms: number }, B extends { ms: number }>(turns: number, first: () => Promise<A>, second: () => Promise<B>): Promise<[A, B]> {
  let a = await first();
  let b = await second();
  for (let turn = 1; turn < turns; turn++) {
    const nextA = await first();
    const nextB = await second();
    if (nextA.ms < a.ms) a = nextA;
    if (nextB.ms < b.ms) b = nextB;
  }
  return [a, b];
}

export async function benchHunt(nodes = 256, subset = 16): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'kia-bench-hunt-'));
  const lines: string[] = [];
  try {
    const up = await run(process.execPath, ['bin/kia.js', 'lab', 'up', '--dir', dir, '--nodes', String(nodes), '--network', '61', '--profile', 'mixed', '--detach']);
    if (up.code !== 0) throw new Error(`lab up: ${up.stderr}`);
    const hosts = Array.from({ length: nodes }, (_, i) => `127.122.${1 + Math.floor(i / 254)}.${1 + (i % 254)}`);
    const ports = catalogPorts().join(',');
    const hostFile = join(dir, 'hosts.txt');
    writeFileSync(hostFile, hosts.join('\n'));

    // Discovery: kia's connect scan vs nmap -sT on the same hosts and ports, taking turns, the best of three each (the
    // lab has just started: the first scan of either would also pay for its warm-up).
    const [kiaScan, nmapScan] = await inTurns(3, () => kia('scan', dir, nodes), () => run('nmap', ['-sT', '-n', '-Pn', '-p', ports, '-iL', hostFile, '-oG', '-']));
    lines.push(`discovery, ${nodes} hosts x ${catalogPorts().length} ports: kia ${fmt(kiaScan.ms)} ms (${kiaScan.open} open, ${fmt(kiaScan.rssMb)} MB RSS), nmap -sT ${fmt(nmapScan.ms)} ms -> ${kiaScan.ms <= nmapScan.ms ? `kia ${fmt(nmapScan.ms / kiaScan.ms, 2)}x faster` : `nmap ${fmt(kiaScan.ms / nmapScan.ms, 2)}x faster`} (target: kia no slower)`);

    // Floors and the hunt of every node: discovery + TLS facts + fingerprints against one request per port; the whole
    // hunt against a bare script sending the very requests the hunt sent.
    const [floorRun, identify] = await inTurns(3, () => kia('floor', dir, nodes), () => kia('identify', dir, nodes));
    lines.push(`discovery + TLS facts + fingerprints, ${nodes} nodes: kia ${fmt(identify.ms)} ms (${identify.endpoints} endpoints, ${identify.requests} requests); one-request-per-port floor ${fmt(floorRun.ms)} ms -> ${fmt(identify.ms / floorRun.ms, 2)}x (target <= 2x)`);
    // The hunt first writes the request list the floor sends; then they take turns, the best of three each, so that
    // neither pays alone for the lab's first answers on routes nothing asked before (the lab's own warm-up).
    const [full, same] = await inTurns(3, () => kia('hunt', dir, nodes), () => kia('same-requests', dir, nodes));
    lines.push(`full hunt, ${nodes} nodes: kia ${fmt(full.ms)} ms, ${full.requests} requests, ${full.endpoints} endpoints, peak RSS ${fmt(full.rssMb)} MB (target < 300 MB); same-requests floor ${fmt(same.ms)} ms (${same.answered}/${same.requests} answered) -> ${fmt(full.ms / same.ms, 2)}x (target <= 1.5x); one-request-per-port floor ${fmt(floorRun.ms)} ms -> ${fmt(full.ms / floorRun.ms, 2)}x`);

    // Route probes: the same URLs through curl --parallel, one run per identity.
    const urls = full.routeUrls ?? [];
    let curlMs = 0;
    for (const identity of ['anonymous', 'admin']) {
      const list = urls.filter((u) => u.identity === identity).map((u) => u.url);
      const config = join(dir, `curl-${identity}.txt`);
      writeFileSync(config, list.map((u) => `url = "${u}"\noutput = "/dev/null"\n`).join(''));
      const auth = identity === 'admin' ? ['--cert', join(dir, 'admin.crt'), '--key', join(dir, 'admin.key')] : [];
      const res = await run('curl', ['-sk', '--parallel', '--parallel-max', '64', ...auth, '-K', config]);
      curlMs += res.ms;
    }
    lines.push(`route probes, ${urls.length} requests: curl --parallel ${fmt(curlMs)} ms vs kia's whole hunt ${fmt(full.ms)} ms (incl. scan, TLS facts, client-cert policy, fingerprints) -> ${fmt(curlMs / full.ms, 2)}x`);

    // Full hunt of a subset vs nmap -sT -sV (which names none of these components).
    const sub = await kia('hunt', dir, subset);
    const nmapSv = await run('nmap', ['-sT', '-sV', '-n', '-Pn', '-p', ports, ...hosts.slice(0, subset)]);
    lines.push(`hunt of ${subset} nodes: kia ${fmt(sub.ms)} ms vs nmap -sT -sV ${fmt(nmapSv.ms)} ms -> kia ${fmt(nmapSv.ms / sub.ms, 1)}x faster per node (target >= 20x)`);
  } finally {
    await run(process.execPath, ['bin/kia.js', 'lab', 'down', '--dir', dir]);
    rmSync(dir, { recursive: true, force: true });
  }
  return lines;
}
