// What health judging (`kia health` and `kia serve` share it) gets wrong about hostile peers today: the members it
// calls healthy or leaves out. Each is a todo in both suites until the fix lands.
import type { Member } from './family.ts';

const FINGERPRINT = 'health does not fingerprint first:';

/** Members whose kubelet is judged healthy, with what is missing. */
export const HEALTHY_TODAY: Partial<Record<Member, string>> = {
  'tls:endless-body': 'a 200 whose body is over the cap is judged healthy',
  'tls:oversized-body': 'a 200 whose body is over the cap is judged healthy',
  'tls:gzip-bomb': 'a 200 whose body is over the cap is judged healthy',
  'tls:bad-chunking': 'a 200 with invalid chunking is judged healthy',
  'tls:two-lengths': 'a 200 with two Content-Lengths is judged healthy',
  'tls:bad-utf8': `${FINGERPRINT} a 200 of invalid UTF-8 is a healthy kubelet`,
  'tls:binary': `${FINGERPRINT} a 200 of binary is a healthy kubelet`,
  'tls:escapes': `${FINGERPRINT} a 200 of escape sequences is a healthy kubelet`,
  'plain:bad-utf8': `${FINGERPRINT} a 200 of invalid UTF-8 is a healthy kubelet`,
  'plain:binary': `${FINGERPRINT} a 200 of binary is a healthy kubelet`,
  'plain:escapes': `${FINGERPRINT} a 200 of escape sequences is a healthy kubelet`,
};

/** Members missing from the report. */
export const MISSING_TODAY: Partial<Record<Member, string>> = {
  'plain:reset': 'a peer that resets every connection is missing from the report',
};
