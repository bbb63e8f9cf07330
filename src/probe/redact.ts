// Secrets never leave a probe: tokens, JWTs and private keys in bodies and headers become [redacted].
const RULES: readonly [RegExp, string][] = [
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g, '[redacted private key]'],
  [/\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, '[redacted token]'],
  [/(authorization:\s*bearer\s+)\S+/gi, '$1[redacted]'],
  [/("(?:token|password|client-key-data|id-token|refresh-token)"\s*:\s*")[^"]*"/gi, '$1[redacted]"'],
];

export function redact(text: string): string {
  let out = text;
  for (const [pattern, replacement] of RULES) out = out.replace(pattern, replacement);
  return out;
}

/** The start of a body as text, capped and redacted. */
export function sample(body: Buffer, max = 512): string {
  const text = body.subarray(0, max).toString('utf8').split(String.fromCharCode(0)).join(' ');
  return redact(text);
}
