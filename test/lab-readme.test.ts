// The lab as a newcomer meets it: the README's tour run as written, line for line, and the demo's "what to try next",
// whose commands are run too. Each in a network namespace of its own, where network 0 (the README's addresses) is free.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freshNetns, NETNS_SKIP, type Netns } from './helpers.ts';

const ROOT = process.cwd();
const KUBECTL = process.env.KIA_KUBECTL ?? '/usr/bin/kubectl';
const TOOLS = ['/usr/bin/jq', '/usr/bin/ss', '/usr/bin/curl', KUBECTL];
const skip = NETNS_SKIP || (TOOLS.find((t) => !fs.existsSync(t)) ? `needs ${TOOLS.join(', ')} (set KIA_KUBECTL)` : false);

/** Runs a shell script inside the namespace; exit code and both outputs. */
function sh(ns: Netns, script: string, options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('nsenter', ['-t', String(ns.pid), '-n', 'bash', '-c', script], { cwd: options.cwd, env: options.env ?? process.env, timeout: options.timeoutMs ?? 120_000, encoding: 'utf8' }, (error, stdout, stderr) => {
      const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** The first ```sh block after a README heading. */
function readmeBlock(heading: string): string {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const from = readme.indexOf(`\n${heading}\n`);
  assert.ok(from >= 0, `README.md has no heading ${heading}`);
  const block = /```sh\n([\s\S]*?)```/.exec(readme.slice(from));
  assert.ok(block?.[1], `no sh block under ${heading}`);
  return block[1];
}

describe('the README tour of the lab, run as written', { skip }, () => {
  let ns: Netns;
  let cwd: string;
  before(async () => {
    ns = await freshNetns();
    // A folder of its own for .kia-lab, where `node bin/kia.js` is this checkout's.
    cwd = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'kia-tour-')));
    fs.symlinkSync(path.join(ROOT, 'bin'), path.join(cwd, 'bin'));
  });
  after(async () => {
    await ns.kia(['lab', 'down', '--dir', path.join(cwd, '.kia-lab')]);
    ns.close();
    fs.rmSync(cwd, { recursive: true, force: true });
  });

  it('runs every line, each answering what its comment says', async () => {
    const tour = readmeBlock('## A tour: the hunting guide on the lab');
    // `kia` on PATH as the README's first command puts it there (bin/kia).
    const env = { ...process.env, PATH: `${path.join(ROOT, 'bin')}:${path.dirname(KUBECTL)}:${process.env.PATH ?? ''}` };
    const res = await sh(ns, `set -eo pipefail\n${tour}`, { cwd, env });
    assert.equal(res.code, 0, `${res.stdout}\n${res.stderr}`);
    const out = res.stdout;
    for (const expected of [
      /^lab ready in .*\/\.kia-lab: Kubernetes 1\.28, etcd 3\.5\.9 \(stand-in\), network 0$/m,
      /LISTEN .* 127\.0\.1\.1:10250 .*users:\(\("kubelet",pid=\d+/,
      /LISTEN .* 127\.1\.1\.1:2381 .*users:\(\("etcd",pid=\d+/,
      /Unauthorized/,
      /Forbidden \(user=alice, verb=get, resource=nodes, subresource=proxy\)/,
      /\{"kind":"PodList","apiVersion":"v1","metadata":\{\},"items":\[\{"metadata":\{"name":"etcd-kia-control-plane"/,
      /^bin$/m,
      /\{"health":"true","reason":""\}/,
      /\{\n {2}"kind": "Status",[\s\S]*"message": "forbidden: User \\"system:anonymous\\" cannot get path \\"\/configz\\"",[\s\S]*"code": 403\n\}/,
      /"name":"kube-proxy-[a-z0-9]{5}","namespace":"kube-system"/,
      /^lab in .*\/\.kia-lab stopped$/m,
    ]) {
      assert.match(out, expected);
    }
  });
});

describe('kia demo ends by saying what to try next, and those commands work', { skip }, () => {
  let ns: Netns;
  let dir: string;
  before(async () => {
    ns = await freshNetns();
    dir = path.join(fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'kia-demo-'))), 'lab');
  });
  after(async () => {
    await ns.kia(['lab', 'down', '--dir', dir]);
    ns.close();
    fs.rmSync(path.dirname(dir), { recursive: true, force: true });
  });

  it('prints the next steps after the report and the health table', async () => {
    const demo = await ns.kia(['demo', '--dir', dir, '--nodes', '1'], { timeoutMs: 180_000, cwd: ROOT });
    assert.equal(demo.code, 0, demo.stderr);
    const kia = 'node bin/kia.js';
    assert.ok(demo.stdout.endsWith([
      '',
      'What to try next:',
      `  ${kia} lab up --detach --dir ${dir} --nodes 1 --profile mixed    # the same lab, in the background`,
      `  ${kia} hunt --lab ${dir} --cert ${dir}/admin.crt --key ${dir}/admin.key --cacert ${dir}/ca.crt`,
      `  ${kia} lab fault kia-control-plane kubelet down --dir ${dir} && ${kia} health --lab ${dir}`,
      `  ${kia} serve --lab ${dir}                    # dashboard at http://127.0.0.1:9470/, Prometheus at /metrics`,
      `  ${kia} lab down --dir ${dir}`,
      'and the hunting guide by hand: README.md, "A tour: the hunting guide on the lab".',
      '',
    ].join('\n')), demo.stdout.slice(-1500));
    assert.match(demo.stderr, /^lab stopped$/m);

    const steps = demo.stdout.split('What to try next:\n')[1]?.split('\n').filter((l) => l.startsWith(`  ${kia} `)).map((l) => l.replace(/ +#.*$/, '').trim()) ?? [];
    const [up, hunt, fault, , down] = steps;
    const run = (line = '') => sh(ns, line, { cwd: ROOT, timeoutMs: 120_000 });
    const started = await run(up);
    assert.equal(started.code, 0, started.stderr);
    assert.match(started.stdout, /^lab ready in /m);
    const hunted = await run(hunt);
    assert.ok([0, 1].includes(hunted.code), hunted.stderr);
    assert.match(hunted.stdout, /kia-control-plane/);
    // The kubelet is down, so health exits 3 (down) and says so.
    const faulted = await run(fault);
    assert.equal(faulted.code, 3, faulted.stderr);
    assert.match(faulted.stdout, /^kubelet on kia-control-plane: down \(active: down\)$/m);
    assert.match(faulted.stdout, /kubelet.*down/);
    const stopped = await run(down);
    assert.equal(stopped.code, 0, stopped.stderr);
    assert.equal(stopped.stdout, `lab in ${dir} stopped\n`);
  });
});
