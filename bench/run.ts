// `npm run bench`: speed and memory against peers measured in the same run, printed as figures and ratios.
import { benchLabStart } from './lab-start.ts';

const which = new Set(process.argv.slice(2));
const all = which.size === 0;
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
if (all || which.has('follow')) {
  const { benchFollow } = await import('./follow.ts');
  for (const line of await benchFollow()) out(line);
}
