// Labs that never collide on the network (issue 10), through the kia executable: the first free network when none is
// asked for, taken addresses named with their process, `lab ls`, and two namespaces that never meet. Each suite runs
// its labs in a network namespace of its own, so the networks it sees taken or free are its own.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { freshNetns, killAll, labFile, labPids, NETNS_SKIP, runKia, runs, tempLabRoot, type Netns } from './helpers.ts';

const SKIP = NETNS_SKIP ? { skip: NETNS_SKIP } : {};

describe('lab up without --network picks the first free network, and says which address is taken by whom', SKIP, () => {
  let ns: Netns;
  let root: string;
  let blocker: ReturnType<Netns['spawn']>;
  const pids: number[] = [];
  before(async () => {
    ns = await freshNetns();
    root = tempLabRoot();
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
    pids.push(...(fs.existsSync(path.join(root, 'a', 'lab.json')) ? labPids(path.join(root, 'a')) : []));
    assert.equal(a.code, 0, a.stderr);
    assert.match(a.stdout, /^lab ready in .*\/a: Kubernetes 1\.36, etcd 3\.6\.8 \(stand-in\), network 1$/m);
    assert.match(a.stdout, /^ {2}kia-control-plane\s+127\.2\.1\.1\s+local 127\.3\.1\.1 /m);
    assert.match(a.stdout, /^network 1: the first free one here \(--network N chooses another; kia lab ls lists the labs\)$/m);
    assert.equal(labFile(path.join(root, 'a')).network, 1);

    const b = await ns.kia(['lab', 'up', '--detach', '--dir', path.join(root, 'b'), '--nodes', '1']);
    pids.push(...labPids(path.join(root, 'b')));
    assert.equal(b.code, 0, b.stderr);
    assert.match(b.stdout, /^network 2: the first free one here/m);
    assert.equal(labFile(path.join(root, 'b')).network, 2);

    const json = await ns.kia(['lab', 'ls', '-o', 'json']);
    assert.equal(json.code, 0, json.stderr);
    const labs = (JSON.parse(json.stdout) as Record<string, unknown>[]).map(({ dir, network, nodes, kubernetesVersion, pid }) => ({ dir, network, nodes, kubernetesVersion, pid }));
    assert.deepEqual(labs, [
      { dir: path.join(root, 'a'), network: 1, nodes: 1, kubernetesVersion: '1.36', pid: labFile(path.join(root, 'a')).supervisorPid },
      { dir: path.join(root, 'b'), network: 2, nodes: 1, kubernetesVersion: '1.36', pid: labFile(path.join(root, 'b')).supervisorPid },
    ]);
    const table = await ns.kia(['lab', 'ls']);
    const lines = table.stdout.trimEnd().split('\n');
    assert.match(lines[0] ?? '', /^FOLDER\s+NETWORK\s+NODES\s+VERSION\s+PID$/);
    assert.match(lines[1] ?? '', new RegExp(`^${path.join(root, 'a')}\\s+1\\s+1\\s+1\\.36\\s+${labFile(path.join(root, 'a')).supervisorPid}$`));
    assert.equal(lines.length, 3);
  });

  it('names the taken address, its process and a free network when --network asks for a taken one', async () => {
    const c = await ns.kia(['lab', 'up', '--detach', '--dir', path.join(root, 'c'), '--nodes', '1', '--network', '0']);
    assert.equal(c.code, 2, c.stdout);
    assert.match(c.stderr, new RegExp(`^kia: 127\\.0\\.1\\.1:10250 is taken by pid ${blocker.pid} \\(.*node.* -e .*\\): --network 3 moves the lab to a free network \\(or leave out --network to pick one\\)\\n$`));
    const d = await ns.kia(['lab', 'up', '--dir', path.join(root, 'd'), '--nodes', '1', '--network', '1']);
    assert.equal(d.code, 2, d.stdout);
    assert.equal(d.stderr, `kia: network 1 is taken by the lab in ${path.join(root, 'a')} (pid ${labFile(path.join(root, 'a')).supervisorPid}): --network 3 moves the lab to a free network (or leave out --network to pick one)\n`);
  });
});

describe('two network namespaces never meet', SKIP, () => {
  it('runs a lab on the same network in each, each counting only its own sockets', async () => {
    const [one, two] = [await freshNetns(), await freshNetns()];
    const root = tempLabRoot();
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

describe('a lab whose supervisor was killed', { skip: NETNS_SKIP || (fs.existsSync('/usr/bin/etcd') ? false : 'needs /usr/bin/etcd') }, () => {
  it('leaves Debian\'s etcd behind, and the next lab on its network stops it instead of failing on its addresses', async () => {
    const ns = await freshNetns();
    const root = tempLabRoot();
    const [a, b] = [path.join(root, 'a'), path.join(root, 'b')];
    const pids: number[] = [];
    try {
      const up = await ns.kia(['lab', 'up', '--detach', '--dir', a, '--nodes', '1', '--network', '0', '--etcd', 'system']);
      assert.equal(up.code, 0, up.stderr);
      const plan = labFile(a);
      pids.push(...labPids(a));
      const etcd = plan.processes.find((p) => p.name === 'etcd')?.pid ?? 0;
      process.kill(plan.supervisorPid ?? 0, 'SIGKILL');
      // The supervisor's own processes go with it; Debian's etcd, which knows nothing of it, stays.
      while (runs(plan.supervisorPid ?? 0)) await new Promise((r) => setTimeout(r, 50));
      assert.ok(runs(etcd), 'etcd outlived its supervisor');
      const next = await ns.kia(['lab', 'up', '--detach', '--dir', b, '--nodes', '1', '--network', '0']);
      pids.push(...(fs.existsSync(path.join(b, 'lab.json')) ? labPids(b) : []));
      assert.equal(next.code, 0, next.stderr);
      assert.match(next.stdout, /^lab ready in .*\/b: .*network 0$/m);
    } finally {
      for (const dir of [a, b]) if (fs.existsSync(dir)) await ns.kia(['lab', 'down', '--dir', dir]);
      killAll(pids);
      ns.close();
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
