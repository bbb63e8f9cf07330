// Drift: the running configuration (/configz, /flagz) and the node's own (command line, config file) disagree.
import { hostKey } from '../effective-config.ts';
import { url } from '../evidence.ts';
import type { Rule } from '../types.ts';

export const configDrift: Rule = {
  id: 'KIA-ANY-006',
  title: 'Running configuration differs from the node\'s config file or command line',
  severity: 'medium',
  component: 'any',
  mode: 'read',
  rationale: 'What the process serves as its configuration is not what the node says it runs: a restart is pending (and will change the setting), or something changed the running value under the process. A file-based audit (kube-bench) judges the file and misses it; the next restart undoes a fix made at run time.',
  remediation: 'Decide which value is right, write it to the config file or the static-pod manifest, and restart the component so that the file and the running value agree.',
  references: { urls: ['https://kubernetes.io/docs/tasks/administer-cluster/kubelet-config-file/'] },
  check(endpoint, ctx) {
    if (endpoint.fingerprint.component === 'unknown') return [];
    const mine = [url(endpoint, '/configz'), url(endpoint, '/flagz')];
    const { component } = endpoint.fingerprint;
    const host = hostKey(endpoint);
    const [config] = ctx.effective(`drift\u0000${endpoint.address}\u0000${host}\u0000${component}`, () => ctx.sameHost.filter((e) => e.fingerprint.component === component && hostKey(e) === host));
    // Reported once, on the endpoint that served the running value.
    const drift = (config?.drift ?? []).filter((d) => mine.some((u) => d.running.from.includes(u)));
    const [first] = drift;
    if (!first) return [];
    const said = drift.map((d) => `${d.setting} runs as ${JSON.stringify(d.running.value)} (${d.running.source}) but ${d.declared.from} says ${JSON.stringify(d.declared.value)}`);
    return [{
      message: said.join('; '),
      evidence: [{ request: first.running.from.replace(/^GET (\S+) as (.+)$/, "# as $2\ncurl -s -k '$1'"), response: drift.map((d) => `${d.setting}: ${JSON.stringify(d.running.value)}`).join('\n') }],
      route: first.running.source === 'configz' ? '/configz' : '/flagz',
    }];
  },
};
