import { startLab } from '/work/wt/engine/src/lab/index.ts';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
const dir = fs.mkdtempSync('/tmp/kia-r-');
const lab = await startLab({ dir, nodes: 2, network: 48, inProcess: true, nodeProfiles: { '2': 'insecure' } });
try {
  const out = (await promisify(execFile)(process.execPath, ['/work/wt/engine/bin/kia.js', 'hunt', '--kubeconfig', lab.plan.files.adminConf, '-o', 'json'], { maxBuffer: 64 << 20 })).stdout;
  const r = JSON.parse(out);
  if (0) for (const e of r.endpoints.filter((e: any) => e.port === 10250)) for (const x of e.routes) console.log(e.address, x.route, x.path, x.identity, x.outcome, x.status, x.detail ?? "", (x.bodySample ?? "").slice(0, 50));
  console.log(r.findings.map((f: any) => `${f.rule}@${f.address}:${f.port}`));
  const { audit } = await import('/work/wt/engine/src/audit/index.ts');
  const { hunt } = await import('/work/wt/engine/src/pipelines/hunt.ts');
  const { targetsFromKubeconfig } = await import('/work/wt/engine/src/targets/index.ts');
  const { kubeconfigIdentity } = await import('/work/wt/engine/src/clients/kubeconfig.ts');
  const id = await kubeconfigIdentity(lab.plan.files.adminConf);
  const h = await hunt({ targets: await targetsFromKubeconfig(lab.plan.files.adminConf), identities: id ? [id] : [] });
  console.log('inproc', h.findings.map((f: any) => `${f.rule}@${f.address}:${f.port}`).join(' '));
  console.log('reaudit', audit(h.endpoints, { now: Date.now() }).map((f: any) => `${f.rule}@${f.address}:${f.port}`).join(' '));
  console.log(audit(r.endpoints, { now: Date.now() }).map((f: any) => `${f.rule}@${f.address}:${f.port}`));
} catch (e) { console.log(String(e)); }
await lab.stop();
