// /flagz and /statusz text pages (staging/src/k8s.io/apiserver/pkg/server/flagz, statusz; 1.36).
import type { Reply } from '../net/go-http.ts';
import type { VersionBehaviour } from '../plan/versions.ts';

const WARNING = 'Warning: This endpoint is not meant to be machine parseable, has no formatting compatibility guarantees and is for debugging purposes only.';

export interface ZpageInput {
  component: string;
  startedAt: number;
  now: number;
  version: VersionBehaviour;
  flags: Record<string, string>;
  paths?: string[];
}

function unixDate(ms: number): string {
  // Go's time.UnixDate: Mon Jan _2 15:04:05 MST 2006
  const d = new Date(ms);
  const day = d.toUTCString().slice(0, 3);
  const month = d.toUTCString().slice(8, 11);
  return `${day} ${month} ${String(d.getUTCDate()).padStart(2, ' ')} ${d.toISOString().slice(11, 19)} UTC ${d.getUTCFullYear()}`;
}

export function zpage(kind: 'flagz' | 'statusz', input: ZpageInput): Reply {
  // Upstream picks the delimiter at random per process to discourage parsing; the lab keeps ': ' fixed.
  const header = `\n${input.component} ${kind}\n${WARNING}\n`;
  let body: string;
  if (kind === 'flagz') {
    body = header + Object.keys(input.flags).sort().map((name) => `${name}=${input.flags[name]}\n`).join('');
  } else {
    const up = Math.max(0, Math.floor((input.now - input.startedAt) / 1000));
    const uptime = `${Math.floor(up / 3600)} hr ${String(Math.floor((up % 3600) / 60)).padStart(2, '0')} min ${String(up % 60).padStart(2, '0')} sec`;
    const minor = input.version.gitVersion.split('.').slice(0, 2).join('.').slice(1);
    body = `${header}\nStarted: ${unixDate(input.startedAt)}\nUp: ${uptime}\nGo version: ${input.version.goVersion}\nBinary version: ${input.version.gitVersion.slice(1)}\nEmulation version: ${minor}\n${input.paths?.length ? `Paths: ${input.paths.join(' ')}` : ''}\n`;
  }
  return { status: 200, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body };
}
