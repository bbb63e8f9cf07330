// Go's net/http/pprof as every component mounts it: the index, the command line, and the profiles.
import { gzipSync } from 'node:zlib';
import { goError, NOSNIFF, TEXT, type Reply } from '../net/go-http.ts';

const PROFILES = ['allocs', 'block', 'cmdline', 'goroutine', 'heap', 'mutex', 'profile', 'threadcreate', 'trace'];

/** `/debug/pprof/<name>`; `name` is what follows the prefix ('' for the index). */
export function pprof(name: string, argv: readonly string[]): Reply {
  if (name === '') {
    const rows = PROFILES.map((p) => `<tr><td>0</td><td><a href='${p}?debug=1'>${p}</a></td></tr>`).join('\n');
    return {
      status: 200,
      headers: { 'Content-Type': 'text/html; charset=utf-8', ...NOSNIFF },
      body: `<html>\n<head>\n<title>/debug/pprof/</title>\n</head>\n<body>\n/debug/pprof/\n<br>\n<p>Set debug=1 as a query parameter to export in legacy text format</p>\n<br>\nTypes of profiles available:\n<table>\n<thead><td>Count</td><td>Profile</td></thead>\n${rows}\n</table>\n</body>\n</html>\n`,
    };
  }
  if (name === 'cmdline') return { status: 200, headers: { 'Content-Type': TEXT, ...NOSNIFF }, body: argv.join('\0') };
  if (PROFILES.includes(name) || name === 'symbol') {
    return { status: 200, headers: { 'Content-Type': 'application/octet-stream', 'Content-Disposition': `attachment; filename="${name}"`, ...NOSNIFF }, body: gzipSync(Buffer.from(`kia lab ${name} profile`)) };
  }
  return goError(404, 'Unknown profile');
}
