// The exposition parser against real v1.28 expositions, the format's own examples, and generated expositions
// written by a serializer that lives only here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { ExpositionParser } from './parse.ts';
import { FamilyCollector, collect, parseStream, parseText } from './collect.ts';
import { parseMatcher } from './filter.ts';
import type { MetricFamily, ParseResult, Sample } from './types.ts';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/real-v1.28/${name}`, import.meta.url));

/** Feeds bytes cut at the given offsets (anywhere: inside lines, labels, UTF-8 characters). */
function parseChunks(bytes: Buffer, cuts: readonly number[]): ParseResult {
  const parser = new ExpositionParser();
  const collector = new FamilyCollector();
  let from = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    collector.add(parser.push(bytes.subarray(from, cut)));
    from = cut;
  }
  collector.add(parser.push(bytes.subarray(from)));
  collector.add(parser.end());
  return collector.result(parser);
}

// Counted with: grep -v '^#' FILE | grep -vc '^$'; grep -c '^# TYPE' FILE; wc -l FILE.
const REAL: [file: string, samples: number, families: number, lines: number][] = [
  ['apiserver.metrics', 13550, 229, 14008],
  ['etcd.metrics', 1247, 123, 1493],
  ['kube-proxy.metrics', 677, 155, 987],
  ['kubelet.metrics', 1526, 192, 1910],
  ['kubelet-probes.metrics', 31, 3, 37],
  ['kubelet-resource.metrics', 8, 8, 24],
  ['scheduler.metrics', 851, 153, 1157],
];

for (const [file, samples, families, lines] of REAL) {
  test(`real ${file}: ${samples} samples in ${families} families, no errors, the same in 4 KiB chunks`, async () => {
    const bytes = fixture(file);
    const whole = parseText(bytes.toString('utf8'));
    assert.equal(whole.errorCount, 0, JSON.stringify(whole.errors.slice(0, 3)));
    assert.equal(whole.samples, samples);
    assert.equal(whole.families.length, families);
    assert.equal(whole.families.reduce((n, f) => n + f.samples.length, 0), samples);
    assert.equal(whole.lines, lines);
    assert.equal(whole.eof, false);
    async function* chunks() {
      for (let i = 0; i < bytes.length; i += 4096) yield bytes.subarray(i, i + 4096);
    }
    assert.deepStrictEqual(await collect(chunks()), whole);
  });
}

test('real etcd: a histogram family keeps its _bucket, _sum and _count samples in order', () => {
  const { families } = parseText(fixture('etcd.metrics').toString(), { families: ['etcd_disk_wal_fsync_duration_seconds'] });
  assert.equal(families.length, 1);
  const [fsync] = families as [MetricFamily];
  assert.equal(fsync.type, 'histogram');
  assert.equal(fsync.help, 'The latency distributions of fsync called by WAL.');
  assert.equal(fsync.samples.length, 17);
  assert.deepStrictEqual(fsync.samples[0], { name: 'etcd_disk_wal_fsync_duration_seconds_bucket', labels: { le: '0.001' }, value: 908 });
  assert.deepStrictEqual(fsync.samples[14], { name: 'etcd_disk_wal_fsync_duration_seconds_bucket', labels: { le: '+Inf' }, value: 944 });
  assert.deepStrictEqual(fsync.samples[15], { name: 'etcd_disk_wal_fsync_duration_seconds_sum', labels: {}, value: 1.4085190119999986 });
  assert.deepStrictEqual(fsync.samples[16], { name: 'etcd_disk_wal_fsync_duration_seconds_count', labels: {}, value: 944 });
});

test('filters while reading: families by name, labels by =, !=, =~ and !~', () => {
  const text = fixture('apiserver.metrics').toString();
  const matchers = ['verb=~P.*', 'code!=200', 'resource!~events|leases'].map(parseMatcher);
  const { families, samples } = parseText(text, { families: ['apiserver_request_total', 'apiserver_current_inflight_requests'], labels: matchers });
  // grep '^apiserver_request_total' | grep 'verb="P' | grep -v 'code="200"' | grep -v 'resource="events"' | grep -v 'resource="leases"'
  assert.deepStrictEqual(families.map((f) => f.name), ['apiserver_request_total']);
  assert.equal(samples, 5);
  for (const s of families[0]?.samples ?? []) assert.ok(s.labels.verb?.startsWith('P') && s.labels.code !== '200' && s.labels.resource !== 'events');
  const inflight = parseText(text, { families: ['apiserver_current_inflight_requests'], labels: [parseMatcher('request_kind=readOnly')] });
  assert.deepStrictEqual(inflight.families[0]?.samples, [{ name: 'apiserver_current_inflight_requests', labels: { request_kind: 'readOnly' }, value: 1 }]);
  assert.throws(() => parseMatcher('no matcher'), /not a label matcher/);
});

test('label value escapes, +Inf/-Inf/NaN and timestamps (the text format documentation example)', () => {
  const text = [
    '# Escaping in label values:',
    'msdos_file_access_time_seconds{path="C:\\\\DIR\\\\FILE.TXT",error="Cannot find file:\\n\\"FILE.TXT\\""} 1.458255915e9',
    'http_requests_total{method="post",code="400"}    3 1395066363000',
    'something_weird{problem="division by zero"} +Inf -3982045',
    'minus{} -Inf',
    'nan NaN',
    '# HELP help_escapes a \\\\ backslash\\nand a newline',
    'help_escapes{a="b",} 1',
    'proto{__proto__="x"} 1',
  ].join('\n');
  const { families, errors } = parseText(text);
  assert.deepStrictEqual(errors, []);
  const sample = (name: string) => families.find((f) => f.name === name)?.samples[0] as Sample;
  assert.deepStrictEqual(sample('msdos_file_access_time_seconds').labels, { path: 'C:\\DIR\\FILE.TXT', error: 'Cannot find file:\n"FILE.TXT"' });
  assert.equal(sample('msdos_file_access_time_seconds').value, 1458255915);
  assert.deepStrictEqual(sample('http_requests_total'), { name: 'http_requests_total', labels: { method: 'post', code: '400' }, value: 3, timestamp: 1395066363000 });
  assert.deepStrictEqual(sample('something_weird'), { name: 'something_weird', labels: { problem: 'division by zero' }, value: Infinity, timestamp: -3982045 });
  assert.equal(sample('minus').value, -Infinity);
  assert.ok(Number.isNaN(sample('nan').value));
  assert.equal(families.find((f) => f.name === 'help_escapes')?.help, 'a \\ backslash\nand a newline');
  assert.equal(families.find((f) => f.name === 'help_escapes')?.type, 'unknown');
  assert.deepStrictEqual(sample('proto').labels, JSON.parse('{"__proto__":"x"}'));
  assert.equal(Object.getPrototypeOf(sample('proto').labels), Object.prototype);
});

test('OpenMetrics: UNIT, _created, counters by _total, exemplars, # EOF', () => {
  const text = `# TYPE acme_http_router_request_seconds summary
# UNIT acme_http_router_request_seconds seconds
# HELP acme_http_router_request_seconds Latency though all of ACME's HTTP request router.
acme_http_router_request_seconds_sum{path="/api/v1",method="GET"} 9036.32
acme_http_router_request_seconds_count{path="/api/v1",method="GET"} 807283.0
acme_http_router_request_seconds_created{path="/api/v1",method="GET"} 1605281325.0
# TYPE foo histogram
foo_bucket{le="0.01"} 0
foo_bucket{le="0.1"} 8 # {} 0.054
foo_bucket{le="1"} 11 # {trace_id="KOO5S4vxi0o"} 0.67
foo_bucket{le="10"} 17 # {trace_id="oHg5SJYRHA0"} 9.8 1520879607.789
foo_bucket{le="+Inf"} 17
foo_count 17
foo_sum 324789.3
foo_created 1520430000.123
# TYPE my_counter counter
my_counter_total 1 1520879607.789 # {trace_id="x"} 1.0 123
# EOF
`;
  const result = parseText(text);
  assert.deepStrictEqual(result.errors, []);
  assert.equal(result.eof, true);
  assert.deepStrictEqual(result.families.map((f) => [f.name, f.type, f.samples.length]), [
    ['acme_http_router_request_seconds', 'summary', 3],
    ['foo', 'histogram', 8],
    ['my_counter', 'counter', 1],
  ]);
  assert.equal(result.families[0]?.unit, 'seconds');
  const foo = result.families[1]?.samples ?? [];
  assert.deepStrictEqual(foo[1]?.exemplar, { labels: {}, value: 0.054 });
  assert.deepStrictEqual(foo[3], { name: 'foo_bucket', labels: { le: '10' }, value: 17, exemplar: { labels: { trace_id: 'oHg5SJYRHA0' }, value: 9.8, timestamp: 1520879607.789 } });
  assert.deepStrictEqual(result.families[2]?.samples[0], { name: 'my_counter_total', labels: {}, value: 1, timestamp: 1520879607.789, exemplar: { labels: { trace_id: 'x' }, value: 1, timestamp: 123 } });
  const after = parseText(`${text}late 1\nlater 2\n`);
  assert.deepStrictEqual(after.errors, [{ line: 19, message: 'content after # EOF', text: 'late 1' }]);
});

test('malformed lines are errors with their line numbers; the rest is parsed', () => {
  const text = ['ok_one 1', 'bad{a="1" 2', 'ok_two{a="x"} 2', 'bad_value{} abc', '# TYPE ok_three nonsense', 'bad{a="1",a="2"} 1', 'bad{a="\\q"} 1', 'ok_three 3', 'bad.name 1', 'nobody', '# TYPE h histogram', 'h_bucket{x="1"} 1'].join('\n');
  const result = parseText(text);
  assert.deepStrictEqual(result.errors.map((e) => [e.line, e.message]), [
    [2, 'expected , or } after a label'],
    [4, 'bad value "abc" for bad_value'],
    [5, 'unknown metric type "nonsense" for ok_three'],
    [6, 'label a appears twice'],
    [7, 'bad escape in the value of label a'],
    [9, 'bad character in metric name'],
    [10, 'missing value for nobody'],
    [12, 'h_bucket needs an "le" label holding a number'],
  ]);
  assert.deepStrictEqual(result.families.filter((f) => f.samples.length > 0).map((f) => f.name), ['ok_one', 'ok_two', 'ok_three']);
  const capped = parseText('x\n'.repeat(500), { maxErrors: 3 });
  assert.equal(capped.errors.length, 3);
  assert.equal(capped.errorCount, 500);
  const long = parseText(`a 1\n${'b'.repeat(5000)} 1\nc 1\n`, { maxLineLength: 1000 });
  assert.deepStrictEqual(long.errors.map((e) => [e.line, e.message]), [[2, 'line longer than 1000 characters']]);
  assert.equal(long.samples, 2);
});

test('a UTF-8 character cut between chunks is decoded whole', () => {
  const bytes = Buffer.from('# HELP u ünï ☃ 😀\nu{v="ünïcødé ☃ 😀"} 1\n');
  const expected = parseText(bytes.toString());
  for (let cut = 1; cut < bytes.length; cut++) assert.deepStrictEqual(parseChunks(bytes, [cut]), expected, `cut at ${cut}`);
  assert.equal(expected.families[0]?.samples[0]?.labels.v, 'ünïcødé ☃ 😀');
});

test('parseStream yields each chunk\'s items as they complete', async () => {
  async function* chunks() {
    yield '# TYPE a gauge\na 1\nb';
    yield ' 2\n';
  }
  const batches = [];
  for await (const batch of parseStream(chunks())) batches.push(batch.map((item) => (item.kind === 'sample' ? item.sample.name : item.kind)));
  assert.deepStrictEqual(batches, [['family', 'a'], ['family', 'b']]);
});

// ---- generated expositions ------------------------------------------------------------------------------------

const TYPES = ['counter', 'gauge', 'untyped', 'histogram', 'summary'] as const;
const labelName = fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,8}$/).filter((n) => n !== 'le' && n !== 'quantile' && !n.startsWith('__'));
const labelValue = fc.string({ unit: 'binary', maxLength: 12 });
const value = fc.oneof(fc.double(), fc.integer()).map((v) => (Object.is(v, -0) ? 0 : v));
const labelSet = fc.uniqueArray(fc.tuple(labelName, labelValue), { maxLength: 4, selector: ([n]) => n }).map((pairs) => Object.fromEntries(pairs) as Record<string, string>);
const help = fc.option(fc.string({ unit: 'binary', maxLength: 20 }).filter((h) => !/^[ \t]/.test(h) && !h.includes('\r')), { nil: undefined });
const family = fc.record({
  name: fc.stringMatching(/^[a-zA-Z_:][a-zA-Z0-9_:]{0,10}$/),
  type: fc.constantFrom(...TYPES),
  help,
  series: fc.array(fc.record({ labels: labelSet, values: fc.array(value, { minLength: 4, maxLength: 4 }), timestamp: fc.option(fc.integer(), { nil: undefined }) }), { maxLength: 3 }),
});

type Generated = typeof family extends fc.Arbitrary<infer T> ? T : never;
const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const num = (n: number) => (Number.isNaN(n) ? 'NaN' : n === Infinity ? '+Inf' : n === -Infinity ? '-Inf' : String(n));

/** Writes generated families as an exposition and returns the families a correct parser must read back. */
function serialize(generated: Generated[]): { text: string; expected: MetricFamily[] } {
  const lines: string[] = [];
  const expected: MetricFamily[] = [];
  generated.forEach((g, index) => {
    const name = `f${index}_${g.name}`;
    const out: MetricFamily = { name, type: g.type, samples: [] };
    if (g.help !== undefined) {
      out.help = g.help;
      lines.push(`# HELP ${name} ${g.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`);
    }
    lines.push(`# TYPE ${name} ${g.type}`);
    const add = (sampleName: string, labels: Record<string, string>, v: number, timestamp: number | undefined) => {
      const text = Object.entries(labels).map(([k, val]) => `${k}="${escapeLabel(val)}"`).join(',');
      lines.push(`${sampleName}{${text}} ${num(v)}${timestamp !== undefined ? ` ${timestamp}` : ''}`);
      out.samples.push({ name: sampleName, labels, value: v, ...(timestamp !== undefined ? { timestamp } : {}) });
    };
    for (const s of g.series) {
      const [a = 0, b = 0, c = 0, d = 0] = s.values;
      if (g.type === 'histogram') {
        add(`${name}_bucket`, { ...s.labels, le: '0.5' }, a, s.timestamp);
        add(`${name}_bucket`, { ...s.labels, le: '+Inf' }, b, s.timestamp);
        add(`${name}_sum`, s.labels, c, s.timestamp);
        add(`${name}_count`, s.labels, d, s.timestamp);
      } else if (g.type === 'summary') {
        add(name, { ...s.labels, quantile: '0.99' }, a, s.timestamp);
        add(`${name}_sum`, s.labels, b, s.timestamp);
        add(`${name}_count`, s.labels, c, s.timestamp);
      } else add(name, s.labels, a, s.timestamp);
    }
    expected.push(out);
  });
  return { text: `${lines.join('\n')}\n`, expected };
}

test('property: generated families, labels and values read back as written', () => {
  fc.assert(
    fc.property(fc.array(family, { maxLength: 6 }), (generated) => {
      const { text, expected } = serialize(generated);
      const result = parseText(text);
      assert.deepStrictEqual(result.errors, []);
      assert.deepStrictEqual(result.families, expected);
    }),
    { numRuns: 300 },
  );
});

test('property: any chunking of the bytes gives the same result', () => {
  fc.assert(
    fc.property(fc.array(family, { maxLength: 4 }), fc.array(fc.nat(), { maxLength: 12 }), (generated, cuts) => {
      const bytes = Buffer.from(serialize(generated).text);
      const whole = parseText(bytes.toString('utf8'));
      assert.deepStrictEqual(parseChunks(bytes, cuts.map((c) => c % (bytes.length + 1))), whole);
    }),
    { numRuns: 300 },
  );
});

test('property: arbitrary bytes never throw, and every error names a line that exists', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.array(fc.nat(), { maxLength: 5 }), (raw, cuts) => {
      const bytes = Buffer.from(raw);
      const result = parseChunks(bytes, cuts.map((c) => c % (bytes.length + 1)));
      for (const e of result.errors) assert.ok(e.line >= 1 && e.line <= result.lines);
    }),
    { numRuns: 500 },
  );
});

test('property: values read as Number() reads them, exactly (the fast path for short decimals included)', () => {
  const written = fc.oneof(
    fc.double({ noNaN: true }).chain((v) => fc.constantFrom(String(v), v.toExponential(), Number.isFinite(v) ? v.toPrecision(15) : String(v))),
    fc.tuple(fc.stringMatching(/^-?[0-9]{0,17}$/), fc.stringMatching(/^[0-9]{0,17}$/), fc.option(fc.integer({ min: -400, max: 400 }), { nil: undefined })).map(
      ([a, b, e]) => `${a}.${b}${e === undefined ? '' : `e${e}`}`,
    ),
  );
  fc.assert(
    fc.property(fc.array(written, { minLength: 1, maxLength: 20 }), (values) => {
      const result = parseText(values.map((v, i) => `m{i="${i % 3}"} ${v}\n`).join(''));
      const read = result.families[0]?.samples.map((s) => s.value) ?? [];
      const want = values.filter((v) => !Number.isNaN(Number(v))).map(Number);
      assert.equal(result.errorCount, values.length - want.length);
      for (const [i, v] of want.entries()) assert.ok(Object.is(read[i], v), `${values[i]}: ${read[i]} != ${v}`);
    }),
    { numRuns: 300 },
  );
});

test('a label set repeated from the line before is read alike, up to where it differs', () => {
  const text = [
    'h_bucket{a="x",b="y\\"z",le="1"} 1',
    'h_bucket{a="x",b="y\\"z",le="+Inf"} 2',
    'h_bucket{a="x",b="y\\"z",a="w"} 3',
    'h_bucket{a="x",b="y\\"z",le="2",} 4',
    'h_bucket{a="x",b="y\\"z"x,le="2"} 5',
    'h_bucket{a="x",b="y\\"z",le="2"} 6',
    'h_sum{a="x",b="y\\"z"} 7',
    'h_count{a="x",b="y\\"z"} 8',
  ].join('\n');
  const { families, errors } = parseText(`# TYPE h histogram\n${text}\n`);
  assert.deepStrictEqual(
    errors.map((e) => [e.line, e.message]),
    [
      [4, 'label a appears twice'],
      [6, 'expected , or } after a label'],
    ],
  );
  const labels = { a: 'x', b: 'y"z' };
  assert.deepStrictEqual(
    families[0]?.samples.map((s) => [s.name, s.labels, s.value]),
    [
      ['h_bucket', { ...labels, le: '1' }, 1],
      ['h_bucket', { ...labels, le: '+Inf' }, 2],
      ['h_bucket', { ...labels, le: '2' }, 4],
      ['h_bucket', { ...labels, le: '2' }, 6],
      ['h_sum', labels, 7],
      ['h_count', labels, 8],
    ],
  );
});

test('a line that differs from the one before inside a value (escaped, unterminated, with an escape) is read whole', () => {
  const text = [
    '# TYPE h histogram',
    'h_bucket{a="x",b="y\\"z",le="1"} 1',
    'h_bucket{a="x",b="y\\"w",le="2"} 2',
    'h_bucket{a="x",b="y\\"w,le="3"} 3',
    'h_bucket{a="x",b="y\\"w",le="4} 4',
    'h_bucket{a="x",b="y\\"w",le="5"} 5',
    'h_bucket{a="x",b="y\\"w",le="5\\n"} 6',
    'h_bucket{a="x",b="y\\"w",le="6",c="1"} 7',
    'h_bucket{a="x",b="y\\"w",le="6",c="2",c="3"} 8',
    'h_bucket{a="x",b="y\\"w",le="7",c="2"} 9',
  ].join('\n');
  const { families, errors } = parseText(`${text}\n`);
  assert.deepStrictEqual(
    errors.map((e) => [e.line, e.message]),
    [
      [4, 'expected , or } after a label'],
      [5, 'unterminated value of label le'],
      [9, 'label c appears twice'],
    ],
  );
  const w = { a: 'x', b: 'y"w' };
  assert.deepStrictEqual(
    families[0]?.samples.map((s) => [s.labels, s.value]),
    [
      [{ a: 'x', b: 'y"z', le: '1' }, 1],
      [{ ...w, le: '2' }, 2],
      [{ ...w, le: '5' }, 5],
      [{ ...w, le: '5\n' }, 6],
      [{ ...w, le: '6', c: '1' }, 7],
      [{ ...w, le: '7', c: '2' }, 9],
    ],
  );
});

test('the paths kept out of the optimizing compiler read as before: metadata names, new sample names, long decimals, +Inf, 70 labels', () => {
  const many = Array.from({ length: 70 }, (_, i) => `l${i}="v${i}"`).join(',');
  const text = [
    '# TYPE a:b_c gauge',
    'a:b_c 1',
    '# HELP 9bad x',
    '# TYPE a-b gauge',
    '# TYPE  spaced\tcounter',
    'spaced_total 3',
    'long_value 12345678901234567890.5',
    'long_value{s="-"} -0.00000000000000012345678901234567',
    'long_value{s="+"} +1.2345678901234567e5',
    '# TYPE h histogram',
    'h_bucket{le="+Inf"} 1',
    'h_bucket{le="+inf"} 1',
    `wide{${many}} 1`,
    `wide{${many}} 2`,
    `wide{${many.replace('v69', 'w69')}} 3`,
  ].join('\n');
  const { families, errors } = parseText(`${text}\n`);
  assert.deepStrictEqual(errors, [
    { line: 3, message: '# HELP needs a metric name', text: '# HELP 9bad x' },
    { line: 4, message: '# TYPE needs a metric name', text: '# TYPE a-b gauge' },
  ]);
  const byName = new Map(families.map((f) => [f.name, f]));
  assert.deepStrictEqual(byName.get('a:b_c'), { name: 'a:b_c', type: 'gauge', samples: [{ name: 'a:b_c', labels: {}, value: 1 }] });
  assert.deepStrictEqual(byName.get('spaced')?.samples, [{ name: 'spaced_total', labels: {}, value: 3 }]);
  assert.deepStrictEqual(byName.get('long_value')?.samples.map((s) => s.value), [12345678901234567000, -1.2345678901234568e-16, 123456.78901234567]);
  assert.deepStrictEqual(byName.get('h')?.samples.map((s) => s.labels.le), ['+Inf', '+inf']);
  const wide = byName.get('wide')?.samples ?? [];
  assert.deepStrictEqual(wide.map((s) => [Object.keys(s.labels).length, s.labels.l0, s.labels.l69, s.value]), [
    [70, 'v0', 'v69', 1],
    [70, 'v0', 'v69', 2],
    [70, 'v0', 'w69', 3],
  ]);
});
