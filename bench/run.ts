// `npm run bench`: speed and memory against peers measured in the same run, printed as figures and ratios.
import { benchLabStart } from './lab-start.ts';

// `--seconds N` shortens the load bench (60 s per URL by default); every other argument names a bench.
const args = process.argv.slice(2);
const secondsAt = args.indexOf('--seconds');
const seconds = secondsAt >= 0 ? Number(args.splice(secondsAt, 2)[1]) : undefined;
const which = new Set(args);
const all = which.size === 0;
if (seconds !== undefined && !(seconds >= 1)) {
  process.stderr.write('bench: --seconds takes a number of seconds (1 or more)\n');
  process.exit(2);
}
const out = (line: string) => process.stdout.write(`${line}\n`);

if (all || which.has('lab')) for (const line of await benchLabStart()) out(line);
if (all || which.has('hunt')) {
  const { benchHunt } = await import('./hunt.ts');
  for (const line of await benchHunt()) out(line);
}
if (all || which.has('metrics')) {
  const { benchMetrics } = await import('./metrics.ts');
  for (const line of await benchMetrics()) out(line);
}
if (all || which.has('port-forward')) {
  const { benchPortForward } = await import('./port-forward.ts');
  for (const line of await benchPortForward()) out(line);
}
if (all || which.has('serve')) {
  const { benchServe } = await import('./serve.ts');
  for (const line of await benchServe()) out(line);
}
if (all || which.has('agent')) {
  const { benchAgent } = await import('./agent.ts');
  for (const line of await benchAgent()) out(line);
}
if (all || which.has('follow')) {
  const { benchFollow } = await import('./follow.ts');
  for (const line of await benchFollow()) out(line);
}
if (all || which.has('scale')) {
  const { benchScale } = await import('./scale.ts');
  for (const line of await benchScale()) out(line);
}
if (all || which.has('load')) {
  const { benchLoad } = await import('./load.ts');
  for (const line of await benchLoad(seconds !== undefined ? { seconds } : {})) out(line);
}
