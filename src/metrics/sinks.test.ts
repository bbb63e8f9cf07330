// The streaming writers give what the whole-exposition renderers give, on the real v1.28 expositions, and the
// summary from the families SUMMARY_FAMILIES names alone equals the summary from every family.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseStream, parseText } from './collect.ts';
import { renderIndex, renderSamples } from './render.ts';
import { IndexSink, JsonSink, SampleSink, SummarySink, Tally, type Sink } from './sinks.ts';
import { SUMMARY_FAMILIES, summarize } from './summary.ts';
import type { ParseOptions } from './types.ts';

const FILES = ['apiserver.metrics', 'etcd.metrics', 'kube-proxy.metrics', 'kubelet.metrics', 'scheduler.metrics'];
const fixture = (name: string) => readFileSync(new URL(`../../fixtures/real-v1.28/${name}`, import.meta.url));

async function* chunks(bytes: Buffer, size: number) {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

/** Everything a sink writes for an exposition read in chunks of `size` bytes. */
async function written(sink: Sink, bytes: Buffer, size: number, options: ParseOptions = {}): Promise<string> {
  const tally = new Tally();
  let out = '';
  for await (const items of parseStream(chunks(bytes, size), options)) {
    tally.add(items);
    out += sink.add(items);
  }
  return out + sink.end({ samples: tally.samples, errorCount: tally.errors.length, errors: tally.errors });
}

for (const file of FILES) {
  test(`streaming ${file}: the index, the text and the JSON equal those of the whole parse`, async () => {
    const bytes = fixture(file);
    const whole = parseText(bytes.toString('utf8'));
    assert.equal(await written(new IndexSink(), bytes, 1000), `${renderIndex(whole.families)}\n`);
    const families = whole.families.slice(0, 40).map((f) => f.name);
    const chosen = parseText(bytes.toString('utf8'), { families });
    assert.equal(await written(new SampleSink(), bytes, 777, { families }), `${renderSamples(chosen.families)}\n`);
    const json = JSON.parse(await written(new JsonSink({ file, status: 200 }), bytes, 4096));
    assert.deepStrictEqual(json, JSON.parse(JSON.stringify({ file, status: 200, families: whole.families, samples: whole.samples, errorCount: 0, errors: [] })));
  });

  test(`summary of ${file} from its summary families alone`, async () => {
    const bytes = fixture(file);
    const sink = new SummarySink({ families: SUMMARY_FAMILIES, maxSamples: 1e6, maxChars: 1e8 });
    for await (const items of parseStream(chunks(bytes, 4096))) sink.add(items);
    const now = 1795887374.84 + 600;
    assert.deepStrictEqual(summarize(sink.families(), { now }), summarize(parseText(bytes.toString('utf8')).families, { now }));
    assert.equal(sink.dropped, 0);
  });
}

test('JSON: no families, errors only; a family in two blocks gets two entries; terminal controls escaped', async () => {
  const empty = JSON.parse(await written(new JsonSink({}), Buffer.from('x{\n'), 10));
  assert.deepStrictEqual(empty, { families: [], samples: 0, errorCount: 1, errors: [{ line: 1, message: 'unterminated label set', text: 'x{' }] });
  const split = await written(new JsonSink({ source: '-' }), Buffer.from('# TYPE a gauge\na 1\nb 2\na{v="\u009b2J\u202e"} 3\n'), 5);
  assert.ok(!/[\u0080-\u009f\u202e]/.test(split), split);
  assert.deepStrictEqual(JSON.parse(split).families, [
    { name: 'a', type: 'gauge', samples: [{ name: 'a', labels: {}, value: 1 }] },
    { name: 'b', type: 'unknown', samples: [{ name: 'b', labels: {}, value: 2 }] },
    { name: 'a', type: 'gauge', samples: [{ name: 'a', labels: { v: '\u009b2J\u202e' }, value: 3 }] },
  ]);
});

test('the summary keeps at most maxSamples samples, and counts the rest', async () => {
  const bytes = fixture('apiserver.metrics');
  const sink = new SummarySink({ families: SUMMARY_FAMILIES, maxSamples: 100, maxChars: 1e8 });
  for await (const items of parseStream(chunks(bytes, 4096))) sink.add(items);
  const kept = sink.families().reduce((n, f) => n + f.samples.length, 0);
  assert.equal(kept, 100);
  // grep -c of the summary families' samples in apiserver.metrics: 3250 + 126 + 2 + 1 (duration, total, inflight, start time).
  assert.equal(sink.dropped, 3250 + 126 + 2 + 1 - 100);
});
