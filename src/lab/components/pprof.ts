// Go's net/http/pprof as every component mounts it: the index, the command line, and the profiles.
import { gzipSync } from 'node:zlib';
import { goError, NOSNIFF, TEXT, type Reply } from '../net/go-http.ts';

const PROFILES = ['allocs', 'block', 'cmdline', 'goroutine', 'heap', 'mutex', 'profile', 'threadcreate', 'trace'];

// What Go's index says of each profile (net/http/pprof's profileDescriptions, Go 1.20 to 1.22 alike).
const DESCRIPTIONS: Record<string, string> = {
  allocs: 'A sampling of all past memory allocations',
  block: 'Stack traces that led to blocking on synchronization primitives',
  cmdline: 'The command line invocation of the current program',
  goroutine: 'Stack traces of all current goroutines. Use debug=2 as a query parameter to export in the same format as an unrecovered panic.',
  heap: 'A sampling of memory allocations of live objects. You can specify the gc GET parameter to run GC before taking the heap sample.',
  mutex: 'Stack traces of holders of contended mutexes',
  profile: 'CPU profile. You can specify the duration in the seconds GET parameter. After you get the profile file, use the go tool pprof command to investigate the profile.',
  threadcreate: 'Stack traces that led to the creation of new OS threads',
  trace: 'A trace of execution of the current program. You can specify the duration in the seconds GET parameter. After you get the trace file, use the go tool trace command to investigate the trace.',
};

/**
 * The index page as net/http/pprof's Index writes it in the Go releases Kubernetes 1.28 to 1.31 are built with
 * (1.20 to 1.22): a `<style>` block for the descriptions, the table, the goroutine dump link, the descriptions, and
 * no newline after `</html>`. Counts are the lab's (a stand-in has no goroutines to count).
 */
function indexPage(): string {
  const rows = PROFILES.map((p) => `<tr><td>0</td><td><a href='${p}?debug=1'>${p}</a></td></tr>\n`).join('');
  const items = PROFILES.map((p) => `<li><div class=profile-name>${p}: </div> ${DESCRIPTIONS[p] ?? ''}</li>\n`).join('');
  return [
    '<html>\n<head>\n<title>/debug/pprof/</title>\n<style>\n.profile-name{\n\tdisplay:inline-block;\n\twidth:6rem;\n}\n</style>\n</head>\n',
    '<body>\n/debug/pprof/\n<br>\n<p>Set debug=1 as a query parameter to export in legacy text format</p>\n<br>\n',
    'Types of profiles available:\n<table>\n<thead><td>Count</td><td>Profile</td></thead>\n',
    rows,
    '</table>\n<a href="goroutine?debug=2">full goroutine stack dump</a>\n<br>\n<p>\nProfile Descriptions:\n<ul>\n',
    items,
    '</ul>\n</p>\n</body>\n</html>',
  ].join('');
}

/** `/debug/pprof/<name>`; `name` is what follows the prefix ('' for the index). */
export function pprof(name: string, argv: readonly string[]): Reply {
  if (name === '') return { status: 200, headers: { 'Content-Type': 'text/html; charset=utf-8', ...NOSNIFF }, body: indexPage() };
  if (name === 'cmdline') return { status: 200, headers: { 'Content-Type': TEXT, ...NOSNIFF }, body: argv.join('\0') };
  if (PROFILES.includes(name) || name === 'symbol') {
    return { status: 200, headers: { 'Content-Type': 'application/octet-stream', 'Content-Disposition': `attachment; filename="${name}"`, ...NOSNIFF }, body: gzipSync(Buffer.from(`kia lab ${name} profile`)) };
  }
  return goError(404, 'Unknown profile');
}
