// lab.json as the one reader takes it: a good plan, and each way a file or its folder can be wrong, said in one line.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseLabFile, readLabFile, writeLabFile } from './lab-file.ts';

const PLAN = {
  schema: 'kia.lab/v1',
  dir: '/srv/labs/one',
  kubernetesVersion: '1.36',
  etcdVersion: '3.6.8',
  etcd: 'standin',
  network: 0,
  keyType: 'ecdsa',
  nodes: [{ name: 'kia-control-plane', index: 0, role: 'control-plane', profile: 'kubeadm', ip: '127.0.1.1', localIp: '127.1.1.1', root: '/srv/labs/one/nodes/kia-control-plane', pods: [] }],
  endpoints: [{ node: 'kia-control-plane', component: 'kubelet', port: 'api', address: '127.0.1.1', number: 10250, scheme: 'https', reach: 'node-ip' }],
  processes: [],
  files: { ca: '/srv/labs/one/ca.crt', adminCert: '/srv/labs/one/admin.crt', adminKey: '/elsewhere/admin.key' },
  state: 'ready',
};

const text = (change: (plan: Record<string, unknown>) => void = () => undefined): string => {
  const plan = structuredClone(PLAN) as Record<string, unknown>;
  change(plan);
  return JSON.stringify(plan);
};

describe('parseLabFile', () => {
  it('gives the plan of a good file', () => {
    assert.deepEqual(parseLabFile(text(), '/srv/labs/one'), PLAN);
  });

  it('moves the paths of a folder that was moved, and only those', () => {
    const plan = parseLabFile(text(), '/home/me/lab');
    assert.equal(plan.dir, '/home/me/lab');
    assert.equal(plan.nodes[0]?.root, '/home/me/lab/nodes/kia-control-plane');
    assert.deepEqual(plan.files, { ca: '/home/me/lab/ca.crt', adminCert: '/home/me/lab/admin.crt', adminKey: '/elsewhere/admin.key' });
  });

  it('says what is wrong, naming the file and the field', () => {
    const cases: [string, string][] = [
      ['{"schema":', '/x/lab.json is not JSON: '],
      ['{\n"schema":\n x}', '/x/lab.json is not JSON: '],
      [text((p) => (p.schema = 'kia.lab/v0')), '/x/lab.json is not a kia lab file: schema should be "kia.lab/v1", got "kia.lab/v0"'],
      ['[]', '/x/lab.json is not a kia lab file: the file should be an object, got []'],
      [text((p) => delete p.nodes), '/x/lab.json is not a kia lab file: nodes should be a list, got nothing'],
      [text((p) => (p.nodes = [])), '/x/lab.json is not a kia lab file: nodes should be at least one node, got []'],
      [text((p) => (p.network = 64)), '/x/lab.json is not a kia lab file: network should be a whole number from 0 to 63, got 64'],
      [text((p) => (p.state = 'gone')), '/x/lab.json is not a kia lab file: state should be one of starting, ready, stopped, got "gone"'],
      [text((p) => ((p.nodes as Record<string, unknown>[])[0]!.ip = 7)), '/x/lab.json is not a kia lab file: nodes[0].ip should be a string, got 7'],
      [text((p) => ((p.endpoints as Record<string, unknown>[])[0]!.number = 70000)), '/x/lab.json is not a kia lab file: endpoints[0].number should be a whole number from 1 to 65535, got 70000'],
      [text((p) => ((p.endpoints as Record<string, unknown>[])[0]!.scheme = 'ftp')), '/x/lab.json is not a kia lab file: endpoints[0].scheme should be one of http, https, got "ftp"'],
      [text((p) => ((p.files as Record<string, unknown>).ca = null)), '/x/lab.json is not a kia lab file: files.ca should be a string, got null'],
      [text((p) => ((p.files as Record<string, unknown>)['a\nb'] = 1)), '/x/lab.json is not a kia lab file: files."a\\nb" should be a string, got 1'],
    ];
    for (const [input, message] of cases) {
      assert.throws(() => parseLabFile(input, '/x'), (error: Error) => {
        assert.equal(error.name, 'InputError');
        assert.ok(error.message.startsWith(message), `${error.message}\n  should start with\n${message}`);
        assert.equal(error.message.split('\n').length, 1);
        assert.ok(error.message.endsWith(' (start one with `kia lab up --dir /x`)'), error.message);
        return true;
      });
    }
  });

  it('leaves out endpoints of a component this kia does not know, and keeps the rest', () => {
    const plan = parseLabFile(text((p) => (p.endpoints as unknown[]).push({ node: 'kia-control-plane', component: 'kube-future', port: 'api', address: '127.0.1.1', number: 10299, scheme: 'https', reach: 'node-ip' })), '/srv/labs/one');
    assert.deepEqual(plan.endpoints, PLAN.endpoints);
  });

  it('takes relative paths from the folder', () => {
    const plan = parseLabFile(text((p) => ((p.files as Record<string, unknown>).ca = 'pki/ca.crt')), '/srv/labs/one');
    assert.equal(plan.files.ca, '/srv/labs/one/pki/ca.crt');
  });
});

describe('readLabFile', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kia-lab-file-'));
  after(() => fs.rmSync(root, { recursive: true, force: true }));
  const said = (dir: string): string => {
    try {
      readLabFile(dir);
    } catch (error) {
      assert.equal((error as Error).name, 'InputError');
      return (error as Error).message;
    }
    return 'no error';
  };

  it('says there is no lab in a folder that is missing or has no lab.json, and how to start one', () => {
    const missing = path.join(root, 'nowhere');
    assert.equal(said(missing), `no lab in ${missing}: lab.json not found (start one with \`kia lab up --dir ${missing}\`)`);
    const empty = path.join(root, 'empty');
    fs.mkdirSync(empty);
    assert.equal(said(empty), `no lab in ${empty}: lab.json not found (start one with \`kia lab up --dir ${empty}\`)`);
  });

  it('says a file is not a lab folder, and a lab.json it cannot read is not readable', () => {
    const file = path.join(root, 'a-file');
    fs.writeFileSync(file, 'x');
    assert.equal(said(file), `${file} is a file, not a lab folder`);
    const odd = path.join(root, 'odd');
    fs.mkdirSync(path.join(odd, 'lab.json'), { recursive: true });
    assert.equal(said(odd), `cannot read ${odd}/lab.json: EISDIR`);
  });

  it('reads back what writeLabFile wrote, with the paths of a moved folder moved', () => {
    const first = path.join(root, 'first');
    fs.mkdirSync(first);
    const plan = { ...structuredClone(PLAN), dir: first, files: { ca: `${first}/ca.crt` } } as unknown as Parameters<typeof writeLabFile>[0];
    writeLabFile(plan);
    assert.deepEqual(readLabFile(first), plan);
    const second = path.join(root, 'second');
    fs.renameSync(first, second);
    assert.equal(readLabFile(second).files.ca, `${second}/ca.crt`);
    assert.deepEqual(fs.readdirSync(second), ['lab.json']);
  });
});
