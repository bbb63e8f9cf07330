// The npm package as a user gets it: `npm pack` of this checkout (the dist/ that `npm test` just built), installed into
// a temporary prefix, then `kia --version`, a lab started and hunted by the installed kia, and `kubectl kia` through
// Debian's kubectl 1.20 finding the plugin on PATH. The tarball's file list is checked against what may ship.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KUBECTL, ROOT, kubectlMissing } from './kustomize.ts';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

// Node's own directory first, so `#!/usr/bin/env node` in the bin scripts finds this node.
const NODE_DIR = path.dirname(process.execPath);

function run(file: string, args: readonly string[], options: { cwd?: string; path?: string[]; timeoutMs?: number } = {}): Promise<Run> {
  const env = { ...process.env, PATH: [...(options.path ?? []), NODE_DIR, process.env.PATH ?? ''].join(path.delimiter) };
  return new Promise((resolve) => {
    execFile(file, args, { cwd: options.cwd ?? ROOT, env, encoding: 'utf8', timeout: options.timeoutMs ?? 120_000, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? (error as unknown as { code: number }).code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

interface PackedFile {
  path: string;
  size: number;
  mode: number;
}

let tmp: string;
let files: PackedFile[];
let prefix: string;
let bin: string;
let labDir: string;

before(async () => {
  assert.ok(fs.existsSync(path.join(ROOT, 'dist/cli/main.js')), 'dist/ is missing: npm run build (npm test builds before it tests)');
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kia-package-'));
  // --ignore-scripts: `prepare` would rebuild dist/ under the tests that are running from it; npm test built it.
  const pack = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp]);
  assert.equal(pack.code, 0, pack.stderr);
  const [info] = JSON.parse(pack.stdout) as { filename: string; files: PackedFile[] }[];
  assert.ok(info, pack.stdout);
  files = info.files;
  prefix = path.join(tmp, 'prefix');
  // From npm's cache when it holds the dependencies (as after `npm ci`), else from the registry.
  const install = await run('npm', ['install', '--prefix', prefix, path.join(tmp, info.filename), '--no-audit', '--no-fund', '--prefer-offline'], { cwd: tmp, timeoutMs: 300_000 });
  assert.equal(install.code, 0, install.stderr);
  bin = path.join(prefix, 'node_modules/.bin');
  labDir = path.join(tmp, 'lab');
});

after(async () => {
  if (labDir && fs.existsSync(path.join(labDir, 'lab.json'))) await run(path.join(bin, 'kia'), ['lab', 'down', '--dir', labDir]);
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('the tarball', () => {
  it('holds what runs and nothing else: no tests, sources, keys or scratch files', () => {
    const SHIPS = /^(package\.json|README\.md|LICENSE|bin\/kia\.js|bin\/kubectl-kia|fixtures\/real-v1\.28\/[\w.-]+|dist\/[\w/.-]+\.(js|d\.ts)|dist\/dashboard\/(app\.css|index\.html))$/;
    const strays = files.map((f) => f.path).filter((p) => !SHIPS.test(p) || /\.test\.|(^|\/)\.|\.(key|pem|crt|ts)$/.test(p.replace(/\.d\.ts$/, '.d')));
    assert.deepEqual(strays, []);
    for (const must of ['package.json', 'bin/kia.js', 'bin/kubectl-kia', 'dist/cli/main.js', 'dist/serve/prober-worker.js', 'dist/dashboard/index.html', 'dist/dashboard/app.js', 'fixtures/real-v1.28/kubelet.pods.json']) {
      assert.ok(files.some((f) => f.path === must), `${must} is not in the tarball`);
    }
  });

  it('has no stale build output: every compiled file comes from a source that exists', () => {
    const stale = files
      .map((f) => f.path)
      .filter((p) => p.startsWith('dist/') && !p.startsWith('dist/dashboard/'))
      .filter((p) => !fs.existsSync(path.join(ROOT, 'src', p.slice('dist/'.length).replace(/(\.d)?\.js$|\.d\.ts$/, '.ts'))));
    assert.deepEqual(stale, [], 'stale files in dist/: rm -rf dist && npm run build');
  });

  it('keeps the executables executable', () => {
    for (const name of ['bin/kia.js', 'bin/kubectl-kia']) {
      const file = files.find((f) => f.path === name);
      assert.ok(file && (file.mode & 0o111) === 0o111, `${name} mode ${file?.mode.toString(8)}`);
    }
  });

  it('carries no private key anywhere in the installed package', () => {
    // A PEM key itself (a header, then base64), not the code that recognises or redacts one.
    const PEM_KEY = /-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----\r?\n[A-Za-z0-9+/]{16}/;
    const installed = path.join(prefix, 'node_modules/kia');
    const holders = fs.readdirSync(installed, { recursive: true, encoding: 'utf8' })
      .filter((p) => fs.statSync(path.join(installed, p)).isFile())
      .filter((p) => PEM_KEY.test(fs.readFileSync(path.join(installed, p), 'latin1')));
    assert.deepEqual(holders, []);
  });
});

describe('the installed kia', () => {
  it('kia --version prints the installed package version', async () => {
    const { version } = JSON.parse(fs.readFileSync(path.join(prefix, 'node_modules/kia/package.json'), 'utf8')) as { version: string };
    assert.match(version, /^\d+\.\d+\.\d+$/);
    const res = await run(path.join(bin, 'kia'), ['--version'], { cwd: tmp });
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.stdout, `${version}\n`);
  });

  it('starts a 1-node lab, hunts it and checks its health, all from the installed package', async () => {
    const kia = path.join(bin, 'kia');
    const up = await run(kia, ['lab', 'up', '--dir', labDir, '--nodes', '1', '--network', '3', '--detach'], { cwd: tmp });
    assert.equal(up.code, 0, up.stderr);
    assert.match(up.stdout, /^lab ready in .*: Kubernetes 1\.36, etcd 3\.6\.8 \(stand-in\), network \d+$/m);
    const hunt = await run(kia, ['hunt', '--lab', labDir, '--cert', path.join(labDir, 'admin.crt'), '--key', path.join(labDir, 'admin.key'), '--cacert', path.join(labDir, 'ca.crt'), '-o', 'json'], { cwd: tmp });
    assert.ok(hunt.code === 0 || hunt.code === 1, `exit ${hunt.code}: ${hunt.stderr}`);
    const report = JSON.parse(hunt.stdout) as { schema: string; endpoints: { address: string; port: number; fingerprint?: { component: string } }[] };
    assert.equal(report.schema, 'kia.report/v1');
    // Network 3: the node IP is 127.6.1.1; what a remote hunt of a kubeadm 1.36 node sees there.
    assert.deepEqual(report.endpoints.map((e) => `${e.address}:${e.port} ${e.fingerprint?.component}`), [
      '127.6.1.1:2379 etcd', '127.6.1.1:2380 etcd', '127.6.1.1:6443 kube-apiserver', '127.6.1.1:10250 kubelet', '127.6.1.1:10256 kube-proxy',
    ]);
    // The stand-ins answer from the real fixtures the package carries (without them: 500 ENOENT).
    const health = await run(kia, ['health', '--lab', labDir, '-o', 'json'], { cwd: tmp });
    assert.equal(health.code, 0, health.stdout + health.stderr);
    const states = (JSON.parse(health.stdout) as { nodes: { components: { component: string; state: string }[] }[] }).nodes.flatMap((n) => n.components.map((c) => `${c.component} ${c.state}`));
    assert.deepEqual(states, ['etcd healthy', 'kube-apiserver healthy', 'kube-controller-manager healthy', 'kube-scheduler healthy', 'kubelet healthy', 'kube-proxy healthy']);
    const down = await run(kia, ['lab', 'down', '--dir', labDir], { cwd: tmp });
    assert.equal(down.code, 0, down.stderr);
    assert.match(down.stdout, /^lab in .* stopped$/m);
  });
});

describe('kubectl kia (a kubectl plugin), with Debian kubectl 1.20', () => {
  before(() => {
    const missing = kubectlMissing();
    if (missing) throw new Error(missing);
  });

  for (const [where, dir] of [['installed by npm', () => bin], ['from a checkout', () => path.join(ROOT, 'bin')]] as const) {
    it(`${where}: kubectl finds kubectl-kia on PATH and runs kia`, async () => {
      const res = await run(KUBECTL, ['kia', '--version'], { path: [dir()], cwd: tmp });
      assert.equal(res.code, 0, res.stderr);
      assert.match(res.stdout, /^\d+\.\d+\.\d+\n$/);
      const list = await run(KUBECTL, ['plugin', 'list'], { path: [dir()], cwd: tmp });
      assert.equal(list.code, 0, list.stderr);
      assert.ok(list.stdout.split('\n').includes(path.join(dir(), 'kubectl-kia')), list.stdout);
      const help = await run(KUBECTL, ['kia', 'lab', '--help'], { path: [dir()], cwd: tmp });
      assert.equal(help.code, 0, help.stderr);
      assert.match(help.stdout, /^Usage: kia lab \[options\] \[command\]$/m);
    });
  }
});

// No container engine runs here and the base images cannot be pulled, so the image is not built (README: how it is).
// These read the Containerfile for the promises it makes; the agent as a process with host roots is tested elsewhere.
describe('the Containerfile, read (not built)', () => {
  const text = fs.readFileSync(path.join(ROOT, 'Containerfile'), 'utf8');
  const stages = text.split(/^FROM /m).slice(1).map((s) => `FROM ${s}`);
  const final = stages.at(-1) ?? '';

  it('is two stages: a Node 20 build, then distroless Node 20 without npm or a shell', () => {
    assert.equal(stages.length, 2);
    assert.match(stages[0] as string, /^FROM docker\.io\/library\/node:20-bookworm AS build$/m);
    assert.match(final, /^FROM gcr\.io\/distroless\/nodejs20-debian12:nonroot$/m);
    assert.doesNotMatch(final, /^RUN /m, 'the final image has no shell to RUN with');
  });

  it('the final image copies only package.json, production node_modules, dist, bin and the fixtures', () => {
    const copies = [...final.matchAll(/^COPY --from=build \/src\/(\S+) /gm)].map((m) => m[1]);
    assert.deepEqual(copies, ['package.json', 'node_modules', 'dist', 'bin', 'fixtures']);
    assert.match(stages[0] as string, /npm prune --omit=dev/);
  });

  it('runs as a non-root user with kia as its entrypoint', () => {
    assert.match(final, /^USER 65532:65532$/m);
    assert.match(final, /^ENTRYPOINT \["\/nodejs\/bin\/node", "\/app\/bin\/kia\.js"\]$/m);
  });

  it('keeps keys, labs, dependencies and builds out of the build context', () => {
    const ignored = fs.readFileSync(path.join(ROOT, '.dockerignore'), 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
    for (const must of ['.git', 'node_modules', 'dist', '.kia-lab', '*.key', '*.pem', 'test']) assert.ok(ignored.includes(must), must);
  });
});
