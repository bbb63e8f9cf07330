// The text format as Prometheus reads it: escaping, label order, families without labels, resets, and promtool's
// own check of what the agent serves about itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { ProcessMetrics } from './process-metrics.ts';
import { Exposition, seriesKey } from './exposition.ts';

test('families render in declaration order, labels in their declared order and escaped', () => {
  const e = new Exposition();
  const g = e.family({ type: 'gauge', name: 'x_info', help: 'A help with a \\ and a\nnewline.', labelNames: ['b', 'a'] });
  const c = e.family({ type: 'counter', name: 'x_total', help: 'Counted.' });
  g.set({ a: 'say "hi"\n', b: 'C:\\dir' }, 1);
  g.set({ a: '2', b: '1' }, Number.POSITIVE_INFINITY);
  g.set({ a: 'say "hi"\n', b: 'C:\\dir' }, 0.5);
  c.inc(2);
  assert.equal(
    e.render(),
    [
      '# HELP x_info A help with a \\\\ and a\\nnewline.',
      '# TYPE x_info gauge',
      'x_info{b="C:\\\\dir",a="say \\"hi\\"\\n"} 0.5',
      'x_info{b="1",a="2"} +Inf',
      '',
      '# HELP x_total Counted.',
      '# TYPE x_total counter',
      'x_total 2',
      '',
    ].join('\n'),
  );
  g.reset();
  c.reset();
  assert.equal(e.render(), '# HELP x_info A help with a \\\\ and a\\nnewline.\n# TYPE x_info gauge\n\n# HELP x_total Counted.\n# TYPE x_total counter\nx_total 0\n');
});

test('a round keeps the series it sets, in the order they first appeared, and drops the others', () => {
  const e = new Exposition();
  const g = e.family({ type: 'gauge', name: 'x', help: 'X.', labelNames: ['n'] });
  const lines = () => e.render().split('\n').slice(2, -1);
  for (const n of ['a', 'b', 'c']) g.set({ n }, 1);
  g.reset();
  g.set({ n: 'c' }, 3);
  g.set({ n: 'a' }, 2);
  assert.deepEqual(lines(), ['x{n="a"} 2', 'x{n="c"} 3']);
  g.reset();
  g.set({ n: 'b' }, 4);
  g.set({ n: 'a' }, 5);
  // b went away for a round: it comes back after those that stayed.
  assert.deepEqual(lines(), ['x{n="a"} 5', 'x{n="b"} 4']);
  g.reset();
  assert.deepEqual(lines(), []);
});

test('a series set by its key is the series set by its labels', () => {
  const e = new Exposition();
  const g = e.family({ type: 'gauge', name: 'y', help: 'Y.', labelNames: ['node', 'port'] });
  g.set({ node: 'n1', port: '10250' }, 1);
  let asked = 0;
  g.setKeyed('n1\u000010250', () => (asked++, { node: 'n1', port: '10250' }), 2);
  g.setKeyed(seriesKey(['node', 'port'], { port: '10248', node: 'n1' }), () => (asked++, { node: 'n1', port: '10248' }), 3);
  assert.equal(seriesKey(['node', 'port'], { node: 'n1', port: '10250' }), 'n1\u000010250');
  assert.equal(asked, 1);
  assert.equal(e.render(), '# HELP y Y.\n# TYPE y gauge\ny{node="n1",port="10250"} 2\ny{node="n1",port="10248"} 3\n');
});

test("kia's process series pass promtool's check", async () => {
  const text = await new ProcessMetrics().metrics();
  assert.match(text, /^# TYPE process_cpu_seconds_total counter$/m);
  assert.match(text, /^process_resident_memory_bytes \d+$/m);
  assert.match(text, /^nodejs_version_info\{version="v\d+\.\d+\.\d+",major="\d+",minor="\d+",patch="\d+"\} 1$/m);
  // promtool reads the exposition from stdin; it exits 0 when the format is right (lint notes aside).
  execFileSync('promtool', ['check', 'metrics'], { input: text });
});
