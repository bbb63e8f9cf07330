// The providers an API server's EncryptionConfiguration (--encryption-provider-config) lists for secrets, in order:
// the first encrypts new writes. Names only: the file holds the keys, and nothing of it but the names leaves here.

/** Whether an entry's `resources` covers secrets: `secrets`, the core group's `*.`, or everything's `*.*`. */
const coversSecrets = (resources: unknown) => Array.isArray(resources) && resources.some((r) => r === 'secrets' || r === '*.' || r === '*.*');

/**
 * The provider names for secrets (`['aescbc', 'identity']`), from the first entry that covers them as upstream
 * matches (staging/src/k8s.io/apiserver/pkg/server/options/encryptionconfig/config.go); `[]` when no entry does
 * (secrets are stored as they are); undefined when `resources` is not a list at all.
 */
export function secretProviders(resources: unknown): string[] | undefined {
  if (!Array.isArray(resources)) return undefined;
  const entry = resources.find((r: unknown) => r !== null && typeof r === 'object' && coversSecrets((r as { resources?: unknown }).resources)) as { providers?: unknown } | undefined;
  if (!entry) return [];
  const providers = Array.isArray(entry.providers) ? entry.providers : [];
  return providers.flatMap((p: unknown) => (p !== null && typeof p === 'object' ? Object.keys(p).slice(0, 1) : []));
}
