// One kia measurement in its own process (so the lab and the bench driver stay out of its figures):
// `scan|identify|hunt|floor|same-requests <lab dir> <first N nodes>`; prints JSON with wall time, peak RSS and counts.
// `hunt` writes the requests it sent to <lab dir>/requests-<N>.json; `same-requests` sends exactly those.
import { readFileSync, writeFileSync } from 'node:fs';
import { sameRequests, type FloorRequest } from './same-requests.ts';
import http from 'node:http';
import https from 'node:https';
import { built } from './lib.ts';

const { scan, catalogPorts } = await built<typeof import('../src/discover/scan.ts')>('discover/scan.js');
const { hunt } = await built<typeof import('../src/pipelines/hunt.ts')>('pipelines/hunt.js');
const { targetsFromLab } = await built<typeof import('../src/targets/index.ts')>('targets/index.js');
const { certificateIdentity } = await built<typeof import('../src/clients/identity.ts')>('clients/identity.js');
const { readLabFile } = await built<typeof import('../src/targets/lab-file.ts')>('targets/lab-file.js');

const [mode = 'scan', dir = '', countText = '0'] = process.argv.slice(2);
const targets = targetsFromLab(dir).slice(0, Number(countText) || undefined);
const plan = readLabFile(dir);
const peak = () => Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0) / 1024;

/** The floor: for each open port (scheme known in advance from lab.json), one connect, one handshake if TLS, one GET. */
async function floor(ports: { address: string; number: number; scheme: string }[]): Promise<number> {
  let answered = 0;
  await Promise.all(
    ports.map(
      ({ address, number, scheme }) =>
        new Promise<void>((resolve) => {
          const options = { host: address, port: number, path: '/healthz', agent: false as const, rejectUnauthorized: false };
          const req = (scheme === 'https' ? https : http).get(options, (res) => {
            res.resume();
            res.on('end', () => {
              answered++;
              resolve();
            });
          });
          req.on('error', () => resolve());
        }),
    ),
  );
  return answered;
}

// What a mode reads before it starts (the same-requests floor's list and credentials), read before the clock.
const sameList = mode === 'same-requests' ? (JSON.parse(readFileSync(`${dir}/requests-${countText}.json`, 'utf8')) as FloorRequest[]) : [];
const admin = { cert: readFileSync(plan.files.adminCert, 'utf8'), key: readFileSync(plan.files.adminKey, 'utf8') };

// The clock starts once V8's background compiler has finished the loader's own work (tsx and its esbuild compile
// this harness, not kia; `kia` itself runs without them): a quarter second, before every phase and floor alike. It
// stops when the measured work returns: what this harness does with the answer after that is not counted.
await new Promise((r) => setTimeout(r, 250));
let ms = 0;
async function timed<T>(work: () => Promise<T>): Promise<T> {
  const start = performance.now();
  const value = await work();
  ms = performance.now() - start;
  return value;
}
let result: Record<string, unknown>;
if (mode === 'scan') {
  const open = await timed(() => scan(targets, {}));
  result = { open: open.length, probes: targets.length * catalogPorts().length };
} else if (mode === 'floor') {
  const nodes = new Set(targets.map((t) => t.node));
  const open = plan.endpoints.filter((e) => e.reach === 'node-ip' && nodes.has(e.node));
  const answered = await timed(() => floor(open));
  result = { open: open.length, answered };
} else if (mode === 'same-requests') {
  const answered = await timed(() => sameRequests(sameList, { admin }));
  result = { requests: sameList.length, answered };
} else {
  const report = await timed(() => hunt({ targets, identities: [certificateIdentity(plan.files.adminCert, plan.files.adminKey, 'admin')], trust: { ca: readFileSync(plan.files.ca, 'utf8') }, accessMatrix: mode !== 'identify' }));
  const sent = report.endpoints.flatMap((e) =>
    e.routes
      .filter((r) => r.status !== undefined)
      .map((r): FloorRequest => ({ scheme: e.scheme === 'https' ? 'https' : 'http', address: e.address, port: e.port, identity: r.identity, method: r.method, path: r.path })),
  );
  if (mode === 'hunt') writeFileSync(`${dir}/requests-${countText}.json`, JSON.stringify(sent));
  const urls = sent.map((r) => ({ identity: r.identity, url: `${r.scheme}://${r.address}:${r.port}${r.path}` }));
  result = { endpoints: report.endpoints.length, findings: report.findings.length, requests: sent.length, routeUrls: mode === 'hunt' ? urls : [] };
}
// CPU beside wall time: a machine busy with other work stretches the one, not the other.
const cpu = process.cpuUsage();
process.stdout.write(JSON.stringify({ mode, ms, cpuMs: (cpu.user + cpu.system) / 1000, rssMb: peak(), ...result }) + '\n');
