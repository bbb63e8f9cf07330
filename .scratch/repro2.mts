import { startLab } from '/work/wt/engine/src/lab/index.ts';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
const dir = fs.mkdtempSync('/tmp/kia-r-');
const lab = await startLab({ dir, nodes: 2, network: 48, inProcess: true, nodeProfiles: { '2': 'insecure' } });
for (const args of [['--lab', dir], ['--lab', dir], ['--kubeconfig', lab.plan.files.adminConf], ['--kubeconfig', lab.plan.files.adminConf]]) {
  const out = (await promisify(execFile)(process.execPath, ['/work/wt/engine/bin/kia.js', 'hunt', ...args, '-o', 'json'], { maxBuffer: 64 << 20 })).stdout;
  const r = JSON.parse(out);
  const e = r.endpoints.find((e: any) => e.address === '127.96.1.2' && e.port === 10250);
  console.log(args[0], r.findings.filter((f: any) => f.rule === 'KIA-KUBELET-001').length, e.fingerprint.component, e.fingerprint.port, e.routes.filter((x: any) => x.path === '/pods').map((x: any) => `${x.identity}:${x.status}`));
}
await lab.stop();
