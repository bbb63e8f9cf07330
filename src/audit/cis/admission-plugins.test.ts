// The admission-plugin set the CIS items judge: upstream's defaults, what --enable adds, what --disable takes away.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { admissionPlugins, defaultOnPlugins } from './admission-plugins.ts';

describe('admission plugins', () => {
  it('runs the default-on plugins no flag names, with the ones a release added', () => {
    const at128 = defaultOnPlugins('1.28');
    assert.ok(at128.includes('NamespaceLifecycle') && at128.includes('ServiceAccount'));
    assert.equal(at128.includes('NodeRestriction'), false);
    assert.equal(at128.includes('MutatingAdmissionPolicy'), false);
    assert.equal(defaultOnPlugins('1.32').includes('MutatingAdmissionPolicy'), true);
    assert.equal(defaultOnPlugins('1.32').includes('PodTopologyLabels'), false);
    assert.equal(defaultOnPlugins('v1.36.0').includes('PodTopologyLabels'), true);
    assert.equal(defaultOnPlugins('1.36').length, 22);
  });

  it('adds what --enable-admission-plugins names and removes what --disable-admission-plugins names', () => {
    const set = admissionPlugins(['NodeRestriction', 'AlwaysAdmit'], ['ServiceAccount'], '1.31');
    assert.equal(set.running.includes('NodeRestriction'), true);
    assert.equal(set.running.includes('AlwaysAdmit'), true);
    assert.equal(set.running.includes('ServiceAccount'), false);
    assert.equal(set.running.includes('NamespaceLifecycle'), true);
    assert.equal(set.said, 'enable-admission-plugins=NodeRestriction,AlwaysAdmit, disable-admission-plugins=ServiceAccount');
    assert.equal(admissionPlugins([], [], undefined).said, 'enable-admission-plugins=(none), disable-admission-plugins=(none)');
  });

  it('lets --disable win over a default and over --enable', () => {
    assert.equal(admissionPlugins(['NamespaceLifecycle'], ['NamespaceLifecycle'], '1.36').running.includes('NamespaceLifecycle'), false);
  });
});
