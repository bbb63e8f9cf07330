// Labs that never collide (issue 10), through the kia executable: one lab per folder, the first free network when none
// is asked for, taken addresses named with their process, `lab ls`, `lab status` counting only the lab's own sockets,
// `lab down` from the lab's pid files, a --dir that is a file. Each suite runs its labs in a network namespace of its
// own, so the networks it sees taken or free are its own, whatever other tests run beside it.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freshNetns, NETNS_SKIP, runKia, type Netns } from './helpers.ts';

const SKIP = NETNS_SKIP ? { skip: NETNS_SKIP } : {};

function tempDir(): string {
  return fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'kia-collide-')));
}

interface PlanFile {
  network: number;
  supervisorPid?: number;
  processes: { pid: number }[];
}

function planOf(dir: string): PlanFile {
  return JSON.parse(fs.readFileSync(path.join(dir, 'lab.json'), 'utf8')) as PlanFile;
}

/** The pids a lab reports in lab.json: its supervisor and every process it spawned. */
function pidsOf(dir: string): number[] {
  const plan = planOf(dir);
  return [plan.supervisorPid ?? 0, ...plan.processes.map((p) => p.pid)].filter((p) => p > 0);
}

/** Still running: /proc/<pid> is there and not a zombie. */
function runs(pid: number): boolean {
  try {
    return !/\) Z /.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Whatever a failing run left: kill it by pid, so a test that fails leaks nothing. */
function killAll(pids: readonly number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
}

describe('lab up without --network picks the first free network, and says which address is taken by whom', SKIP, () => {
  let ns: Netns;
  let root: string;
  let blocker: ReturnType<Netns['spawn']>;
  const pids: number[] = [];
  before(async () => {
    ns = await freshNetns();
    root = tempDir();
    // Someone else holds one of network 0's addresses (127.0.1.1:10250, the control plane's kubelet).
    blocker = ns.spawn(process.execPath, ['-e', "require('net').createServer().listen(10250, '127.0.1.1', () => console.log('listening'))"]);
    await new Promise((resolve) => blocker.stdout?.once('data', resolve));
  });
  after(async () => {
    for (const name of ['a', 'b', 'c', 'd']) if (fs.existsSync(path.join(root, name))) await ns.kia(['lab', 'down', '--dir', path.join(root, name)]);
    killAll(pids);
    blocker.kill('SIGKILL');
    ns.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('starts two labs without --network on networks 1 and 2, says so, and lab ls lists them', async () => {
    const a = await ns.kia(['lab', 'up', '--detach', '--dir', path.join(root, 'a'), '--nodes', '1']);
    pids.push(...(fs.existsSync(path.join(root, 'a', 'lab.json')) ? pidsOf(path.join(root, 'a')) : []));
    assert.equal(a.code, 0, a.stderr);
    assert.match(a.stdout, /^lab ready in .*\/a: Kubernetes 1\.36, etcd 3\.6\.8 \(stand-in\), network 1$/m);
    assert.match(a.stdout, /^ {2}kia-control-plane\s+127\.2\.1\.1\s+local 127\.3\.1\.1 /m);
    assert.match(a.stdout, /^network 1: the first free one here \(--network N chooses another; kia lab ls lists the labs\)$/m);
    assert.equal(planOf(path.join(root, 'a')).network, 1);

    const b = await ns.kia(['lab', 'up', '--detach', '--dir', path.join(root, 'b'), '--nodes', '1']);
    pids.push(...pidsOf(path.join(root, 'b')));
    assert.equal(b.code, 0, b.stderr);
    assert.match(b.stdout, /^network 2: the first free one here/m);
    assert.equal(planOf(path.join(root, 'b')).network, 2);

    const json = await ns.kia(['lab', 'ls', '-o', 'json']);
    assert.equal(json.code, 0, json.stderr);
    const labs = (JSON.parse(json.stdout) as Record<string, unknown>[]).map(({ dir, network, nodes, kubernetesVersion, pid }) => ({ dir, network, nodes, kubernetesVersion, pid }));
    assert.deepEqual(labs, [
      { dir: path.join(root, 'a'), network: 1, nodes: 1, kubernetesVersion: '1.36', pid: planOf(path.join(root, 'a')).supervisorPid },
      { dir: path.join(root, 'b'), network: 2, nodes: 1, kubernetesVersion: '1.36', pid: planOf(path.join(root, 'b')).supervisorPid },
    ]);
    const table = await ns.kia(['lab', 'ls']);
    const lines = table.stdout.trimEnd().split('\n');
    assert.match(lines[0] ?? '', /^FOLDER\s+NETWORK\s+NODES\s+VERSION\s+PID$/);
    assert.match(lines[1] ?? '', new RegExp(`^${path.join(root, 'a')}\\s+1\\s+1\\s+1\\.36\\s+${planOf(path.join(root, 'a')).supervisorPid}$`));
    assert.equal(lines.length, 3);
  });

  it('names the taken address, its process and a free network when --network asks for a taken one', async () => {
    const c = await ns.kia(['lab', 'up', '--detach', '--dir', path.join(root, 'c'), '--nodes', '1', '--network', '0']);
    assert.equal(c.code, 2, c.stdout);
    assert.match(c.stderr, new RegExp(`^kia: 127\\.0\\.1\\.1:10250 is taken by pid ${blocker.pid} \\(.*node.* -e .*\\): --network 3 moves the lab to a free network \\(or leave out --network to pick one\\)\\n$`));
    const d = await ns.kia(['lab', 'up', '--dir', path.join(root, 'd'), '--nodes', '1', '--network', '1']);
    assert.equal(d.code, 2, d.stdout);
    assert.equal(d.stderr, `kia: network 1 is taken by the lab in ${path.join(root, 'a')} (pid ${planOf(path.join(root, 'a')).supervisorPid}): --network 3 moves the lab to a free network (or leave out --network to pick one)\n`);
  });
});

describe('one lab per folder: lab up and kia demo refuse a folder where a lab runs, and lab down stops it from its pid files', SKIP, () => {
  let ns: Netns;
  let root: string;
  const pids: number[] = [];
  before(async () => {
    ns = await freshNetns();
    root = tempDir();
  });
  after(async () => {
    for (const name of ['a', 'b']) if (fs.existsSync(path.join(root, name))) await ns.kia(['lab', 'down', '--dir', path.join(root, name)]);
    killAll(pids);
    ns.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('refuses lab up, lab up --detach and kia demo in the folder of a running lab, leaving it untouched and running', async () => {
    const dir = path.join(root, 'a');
    const up = await ns.kia(['lab', 'up', '--detach', '--dir', dir, '--nodes', '1']);
    assert.equal(up.code, 0, up.stderr);
    pids.push(...pidsOf(dir));
    const files = ['lab.json', 'admin.crt', 'admin.key', 'tokens/admin.token'];
    const before = files.map((f) => fs.readFileSync(path.join(dir, f), 'utf8'));
    const expected = `kia: a lab is already running in ${dir} (pid ${planOf(dir).supervisorPid}): stop it with kia lab down --dir ${dir}\n`;
    for (const args of [['lab', 'up', '--dir', dir, '--nodes', '1'], ['lab', 'up', '--detach', '--dir', dir], ['demo', '--dir', dir, '--nodes', '1']]) {
      const again = await ns.kia(args, { timeoutMs: 30_000 });
      assert.equal(again.code, 2, `${args.join(' ')}: ${again.stdout}`);
      assert.equal(again.stderr, expected, args.join(' '));
    }
    assert.deepEqual(files.map((f) => fs.readFileSync(path.join(dir, f), 'utf8')), before);
    const status = await runKia(['lab', 'status', '--dir', dir]);
    assert.equal(status.code, 0, status.stdout);
    assert.match(status.stdout, /^(\d+)\/\1 endpoints listening$/m);
  });

  it('stops every process of the lab when lab.json is gone', async () => {
    const dir = path.join(root, 'a');
    const running = pidsOf(dir);
    assert.equal(running.length, 7);
    assert.ok(running.every(runs));
    fs.rmSync(path.join(dir, 'lab.json'));
    const down = await runKia(['lab', 'down', '--dir', dir]);
    assert.equal(down.code, 0, down.stderr);
    assert.equal(down.stdout, `lab in ${dir} stopped\n`);
    assert.deepEqual(running.filter(runs), []);
  });

  it('stops every process of the lab when lab.json is stale', async () => {
    const dir = path.join(root, 'b');
    const up = await ns.kia(['lab', 'up', '--detach', '--dir', dir, '--nodes', '1']);
    assert.equal(up.code, 0, up.stderr);
    const running = pidsOf(dir);
    pids.push(...running);
    // A lab.json that no longer says who runs the lab (a supervisor long gone, no processes).
    fs.writeFileSync(path.join(dir, 'lab.json'), JSON.stringify({ ...planOf(dir), supervisorPid: 999_999_999, processes: [] }));
    const down = await runKia(['lab', 'down', '--dir', dir]);
    assert.equal(down.code, 0, down.stderr);
    assert.equal(down.stdout, `lab in ${dir} stopped\n`);
    assert.deepEqual(running.filter(runs), []);
  });
});

describe('lab status counts only the lab\'s own sockets', SKIP, () => {
  let ns: Netns;
  let root: string;
  before(async () => {
    ns = await freshNetns();
    root = tempDir();
  });
  after(async () => {
    for (const name of ['a', 'b']) await ns.kia(['lab', 'down', '--dir', path.join(root, name)]);
    ns.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('says a stopped lab is stopped while another lab listens on its addresses, without the hunting guide', async () => {
    const a = path.join(root, 'a');
    const b = path.join(root, 'b');
    assert.equal((await ns.kia(['lab', 'up', '--detach', '--dir', a, '--nodes', '1', '--network', '0'])).code, 0);
    assert.equal((await ns.kia(['lab', 'down', '--dir', a])).code, 0);
    const other = await ns.kia(['lab', 'up', '--detach', '--dir', b, '--nodes', '1', '--network', '0']);
    assert.equal(other.code, 0, other.stderr);
    const status = await ns.kia(['lab', 'status', '--dir', a]);
    assert.equal(status.code, 3, status.stdout);
    assert.match(status.stdout, new RegExp(`^lab stopped in ${a}: Kubernetes 1\\.36, etcd 3\\.6\\.8 \\(stand-in\\), network 0$`, 'm'));
    assert.match(status.stdout, /^0\/14 endpoints listening$/m);
    assert.match(status.stdout, new RegExp(`^no process of this lab runs: start it with kia lab up --dir ${a}$`, 'm'));
    assert.doesNotMatch(status.stdout, /hunting guide|curl/);
    const running = await ns.kia(['lab', 'status', '--dir', b]);
    assert.equal(running.code, 0, running.stdout);
    assert.match(running.stdout, /^14\/14 endpoints listening$/m);
    assert.match(running.stdout, /^Try the hunting guide \(from the lab folder\):$/m);
  });
});

describe('a --dir that is a file', () => {
  it('is one line naming --dir and exit 2, for every lab command and the demo', async () => {
    const root = tempDir();
    const file = path.join(root, 'not-a-folder');
    fs.writeFileSync(file, '');
    try {
      for (const args of [['lab', 'up'], ['lab', 'up', '--detach'], ['lab', 'status'], ['lab', 'down'], ['lab', 'fault', 'kia-worker-1', 'kubelet', 'down'], ['demo']]) {
        const res = await runKia([...args, '--dir', file], { timeoutMs: 30_000 });
        assert.equal(res.code, 2, args.join(' '));
        assert.equal(res.stderr, `kia: --dir ${file} is a file, not a lab folder\n`, args.join(' '));
      }
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('two network namespaces never meet', SKIP, () => {
  it('runs a lab on the same network in each, each counting only its own sockets', async () => {
    const [one, two] = [await freshNetns(), await freshNetns()];
    const root = tempDir();
    const dirs = [path.join(root, 'one'), path.join(root, 'two')];
    try {
      const ups = await Promise.all([one.kia(['lab', 'up', '--detach', '--dir', dirs[0]!, '--nodes', '1', '--network', '0']), two.kia(['lab', 'up', '--detach', '--dir', dirs[1]!, '--nodes', '1', '--network', '0'])]);
      for (const up of ups) assert.equal(up.code, 0, up.stderr);
      for (const [ns, dir] of [[one, dirs[0]!], [two, dirs[1]!]] as const) {
        const ls = JSON.parse((await ns.kia(['lab', 'ls', '-o', 'json'])).stdout) as { dir: string; network: number }[];
        assert.deepEqual(ls.map(({ dir, network }) => ({ dir, network })), [{ dir, network: 0 }]);
        const status = await runKia(['lab', 'status', '--dir', dir]);
        assert.equal(status.code, 0, status.stdout);
        assert.match(status.stdout, /^14\/14 endpoints listening$/m);
      }
    } finally {
      for (const [ns, dir] of [[one, dirs[0]!], [two, dirs[1]!]] as const) await ns.kia(['lab', 'down', '--dir', dir]);
      one.close();
      two.close();
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
