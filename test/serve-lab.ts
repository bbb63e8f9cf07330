// kia serve over a test lab, set up the way `kia serve --lab` does it, for the suites that start one: the lab's
// endpoints, its admin and etcd client certificates, its CA, and no timers (tests step cycles and audits themselves).
import fs from 'node:fs';
import { certificateIdentity } from '../src/clients/identity.ts';
import { endpointsFromLab } from '../src/discover/inventory.ts';
import { readLabFile } from '../src/targets/lab-file.ts';
import type { ServeOptions } from '../src/serve/index.ts';
import type { TestLab } from './helpers.ts';

export function labServeOptions(t: TestLab): Omit<ServeOptions, 'listen'> {
  const files = t.plan.files;
  const lab = readLabFile(t.dir);
  return {
    endpoints: endpointsFromLab(lab),
    identities: [certificateIdentity(files.adminCert, files.adminKey, 'admin'), certificateIdentity(files.etcdClientCert, files.etcdClientKey, 'etcd')],
    trust: { ca: fs.readFileSync(files.ca, 'utf8') },
    intervalMs: 60_000,
    auditIntervalMs: 0,
    autoStart: false,
  };
}
