// Provider names for secrets from an EncryptionConfiguration's resources: the first covering entry, names only.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { secretProviders } from './encryption-config.ts';

describe('secretProviders', () => {
  it('lists the providers of the first entry that covers secrets, without their keys', () => {
    const resources = [
      { resources: ['configmaps'], providers: [{ secretbox: { keys: [{ name: 'k', secret: 'c2VjcmV0' }] } }] },
      { resources: ['secrets'], providers: [{ aescbc: { keys: [{ name: 'key1', secret: 'c2VjcmV0' }] } }, { identity: {} }] },
    ];
    assert.deepEqual(secretProviders(resources), ['aescbc', 'identity']);
    assert.deepEqual(secretProviders([{ resources: ['*.*'], providers: [{ identity: {} }, { kms: { apiVersion: 'v2', name: 'vault' } }] }]), ['identity', 'kms']);
  });

  it('gives [] when no entry covers secrets and undefined when there is no list', () => {
    assert.deepEqual(secretProviders([{ resources: ['configmaps'], providers: [{ aesgcm: {} }] }]), []);
    assert.equal(secretProviders(undefined), undefined);
    assert.equal(secretProviders('resources'), undefined);
  });
});
