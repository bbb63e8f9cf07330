// Labs that never collide in a folder (issue 10), through the kia executable: one lab per folder, `lab down` from the
// lab's pid files, `lab status` counting only the lab's own sockets, a --dir that is a file. The labs run in network
// namespaces of their own, so no other test's lab is on their addresses.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { freshNetns, killAll, labFile, labPids, NETNS_SKIP, runKia, runs, tempLabRoot, type Netns } from './helpers.ts';

const SKIP = NETNS_SKIP ? { skip: NETNS_SKIP } : {};

describe('one lab per folder: lab up and kia demo refuse a folder where a lab runs, and lab down stops it from its pid files', SKIP, () => {
  let ns: Netns;
  let root: string;
  const pids: number[] = [];
  before(async () => {
    ns = await freshNetns();
    root = tempLabRoot();
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
    pids.push(...labPids(dir));
    const files = ['lab.json', 'admin.crt', 'admin.key', 'tokens/admin.token'];
    const before = files.map((f) => fs.readFileSync(path.join(dir, f), 'utf8'));
    const expected = `kia: a lab is already running in ${dir} (pid ${labFile(dir).supervisorPid}): stop it with kia lab down --dir ${dir}\n`;
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
    const running = labPids(dir);
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
    const running = labPids(dir);
    pids.push(...running);
    // A lab.json that no longer says who runs the lab (a supervisor long gone, no processes).
    fs.writeFileSync(path.join(dir, 'lab.json'), JSON.stringify({ ...labFile(dir), supervisorPid: 999_999_999, processes: [] }));
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
    root = tempLabRoot();
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
    const root = tempLabRoot();
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
