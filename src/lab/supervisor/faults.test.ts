// Reading fault words and component names as `kia lab fault` takes them.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseComponent, parseFault } from './faults.ts';

describe('parseFault', () => {
  it('reads every fault, in words or with a colon', () => {
    const cases: [string[], string][] = [
      [['down'], 'down'],
      [['hang'], 'hang'],
      [['unhealthy'], 'unhealthy'],
      [['unhealthy:syncloop'], 'unhealthy:syncloop'],
      [['unhealthy', 'leaderElection'], 'unhealthy:leaderElection'],
      [['unhealthy:NO-LEADER'], 'unhealthy:NO-LEADER'],
      [['unhealthy:poststarthook/rbac/bootstrap-roles'], 'unhealthy:poststarthook/rbac/bootstrap-roles'],
      [['stale'], 'stale'],
      [['frozen'], 'frozen'],
      [['cert-expiring', '5'], 'cert-expiring:5'],
      [['cert-expiring:30'], 'cert-expiring:30'],
      [['cert-expiring 0'], 'cert-expiring:0'],
      [['drift', 'readOnlyPort=10255'], 'drift:readOnlyPort=10255'],
      [['drift:authentication.anonymous.enabled=true'], 'drift:authentication.anonymous.enabled=true'],
      [['clear'], 'clear'],
    ];
    for (const [words, fault] of cases) assert.equal(parseFault(words), fault, words.join(' '));
  });

  it('refuses anything else with a usage error naming what is wrong', () => {
    const cases: [string[], RegExp][] = [
      [[], /^a fault is one of: down, hang, unhealthy\[:<check>\], stale, frozen, cert-expiring <days>, drift <field>=<value>, clear$/],
      [['drift'], /^drift takes one <field>=<value> of the running configuration/],
      [['drift', 'readOnlyPort'], /^drift takes one <field>=<value> of the running configuration/],
      [['sideways'], /^unknown fault "sideways": a fault is one of/],
      [['down', 'now'], /^fault down takes no argument \(got "now"\)$/],
      [['cert-expiring'], /^cert-expiring takes a number of days/],
      [['cert-expiring', '-1'], /^cert-expiring takes a number of days/],
      [['cert-expiring', '2.5'], /^cert-expiring takes a number of days/],
      [['unhealthy', 'a', 'b'], /^unhealthy takes one check name/],
      [['unhealthy:'], /^unhealthy takes one check name/],
    ];
    for (const [words, message] of cases) assert.throws(() => parseFault(words), { name: 'UsageError', message }, words.join(' '));
  });
});

describe('parseComponent', () => {
  it('takes names with or without kube-', () => {
    assert.equal(parseComponent('kubelet'), 'kubelet');
    assert.equal(parseComponent('apiserver'), 'kube-apiserver');
    assert.equal(parseComponent('kube-scheduler'), 'kube-scheduler');
    assert.equal(parseComponent('proxy'), 'kube-proxy');
    assert.throws(() => parseComponent('cloud-controller-manager'), { name: 'UsageError' });
  });
});
