// `kia metrics` holds bounded memory however many samples an exposition has: a 62 MB exposition of 900,000 small
// series (under the 64 MiB byte cap) through the built CLI as a child process, its peak RSS read from
// /proc/<pid>/status every 50 ms, for the index, the summary and JSON, from a file and from a peer on loopback.
// Needs a built dist (`npm run build`).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';

const KIA = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'kia.js');
const SERIES = 900_000;
/**
 * What a run may take, the whole process (Node itself is about 45 MB here); main took 712 MB, 2.5 GB with JSON. From a
 * peer, clients/http.ts request() holds the capped body twice before the parser sees it (its chunks, then their
 * concatenation: about 180 MB of the 62 MB body, measured with -o raw); that allowance is named apart.
 */
const BOUND_MB = 250;
const REQUEST_ALLOWANCE_MB = 60;
const boundOf = (target: string) => BOUND_MB + (target.startsWith('http') ? REQUEST_ALLOWANCE_MB : 0);
const HELP = 'Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code.';

interface Run {
  args: string;
  code: number | null;
  peakMb: number;
  stderr: string;
}

/** Runs the CLI with stdout into a file, sampling VmHWM (the peak RSS so far) every 50 ms until it exits. */
function runMeasured(args: string[], stdoutFile: string): Promise<Run> {
  return new Promise((resolve) => {
    const out = fs.openSync(stdoutFile, 'w');
    const child = spawn(process.execPath, [KIA, ...args], { stdio: ['ignore', out, 'pipe'] });
    fs.closeSync(out);
    let stderr = '';
    let peakKb = 0;
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const sample = () => {
      try {
        const kb = Number(/VmHWM:\s+(\d+)/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0);
        peakKb = Math.max(peakKb, kb);
      } catch {
        // Gone between two samples.
      }
    };
    const timer = setInterval(sample, 50);
    // A generous kill timer fails a hung command; nothing is asserted on time.
    const kill = setTimeout(() => child.kill('SIGKILL'), 180_000);
    child.on('exit', (code) => {
      clearInterval(timer);
      clearTimeout(kill);
      resolve({ args: args.slice(2).join(' '), code, peakMb: peakKb / 1024, stderr });
    });
  });
}

const INDEX = ['NAME                     TYPE       SAMPLES', `apiserver_request_total  counter    ${SERIES}`, ''].join('\n');

describe('kia metrics on a 62 MB exposition of small samples', () => {
  let dir: string;
  let file: string;
  let server: http.Server;
  let url: string;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kia-metrics-big-'));
    file = path.join(dir, 'big.metrics');
    const fd = fs.openSync(file, 'w');
    fs.writeSync(fd, `# HELP apiserver_request_total ${HELP}\n# TYPE apiserver_request_total counter\n`);
    for (let block = 0; block < SERIES; block += 10_000) {
      let text = '';
      for (let i = block; i < block + 10_000; i++) text += `apiserver_request_total{code="200",resource="r${String(i).padStart(7, '0')}",verb="GET"} 1\n`;
      fs.writeSync(fd, text);
    }
    fs.closeSync(fd);
    const size = fs.statSync(file).size;
    assert.ok(size > 62e6 && size < 64 * 2 ** 20, `${size} bytes: over 62 MB, under the 64 MiB cap`);
    const body = fs.readFileSync(file);
    server = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4', 'content-length': body.length });
      res.end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}/metrics`;
  });
  after(async () => {
    await new Promise((resolve) => server?.close(resolve));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it(`the index from a file and from a peer, under ${BOUND_MB} MB (+${REQUEST_ALLOWANCE_MB} MB from a peer)`, async () => {
    for (const target of [url, file]) {
      const outFile = path.join(dir, 'index.txt');
      const run = await runMeasured(['metrics', target], outFile);
      assert.equal(run.code, 0, run.stderr);
      assert.equal(fs.readFileSync(outFile, 'utf8'), INDEX);
      assert.ok(run.peakMb < boundOf(target), `${target}: peak RSS ${run.peakMb.toFixed(0)} MB`);
      process.stdout.write(`# peak RSS ${run.peakMb.toFixed(0)} MB: kia metrics ${target === file ? 'FILE' : 'URL'} ${run.args}\n`);
    }
  });

  it(`--summary keeps 200,000 samples of its families and says so, under ${BOUND_MB} MB`, async () => {
    const outFile = path.join(dir, 'summary.json');
    const run = await runMeasured(['metrics', file, '--summary', '-o', 'json'], outFile);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stderr, `kia: the summary reads the first 200000 samples of its families; ${SERIES - 200_000} more were not kept\n`);
    const out = JSON.parse(fs.readFileSync(outFile, 'utf8'));
    assert.equal(out.samples, SERIES);
    assert.equal(out.summary.component, 'kube-apiserver');
    assert.deepStrictEqual(out.summary.requests, [{ verb: 'GET', code: '200', count: 200_000 }]);
    assert.ok(run.peakMb < BOUND_MB, `peak RSS ${run.peakMb.toFixed(0)} MB`);
  });

  it(`-o json streams every sample, one a line, from a file and from a peer, under ${BOUND_MB} MB (+${REQUEST_ALLOWANCE_MB} MB from a peer)`, async () => {
    for (const [target, head] of [[url, `"url": "${url}",\n  "status": 200`], [file, `"file": ${JSON.stringify(file)}`]] as const) {
      const outFile = path.join(dir, 'out.json');
      const run = await runMeasured(['metrics', target, '-o', 'json'], outFile);
      assert.equal(run.code, 0, run.stderr);
      const fd = fs.openSync(outFile, 'r');
      const start = Buffer.alloc(800);
      fs.readSync(fd, start, 0, 800, 0);
      const size = fs.fstatSync(fd).size;
      const end = Buffer.alloc(200);
      fs.readSync(fd, end, 0, 200, size - 200);
      fs.closeSync(fd);
      assert.ok(
        start.toString().startsWith(
          `{\n  ${head},\n  "families": [\n    {"name":"apiserver_request_total","type":"counter","help":"${HELP}","samples":[\n` +
            '      {"name":"apiserver_request_total","labels":{"code":"200","resource":"r0000000","verb":"GET"},"value":1},\n',
        ),
        start.toString(),
      );
      assert.ok(
        end.toString().endsWith('      {"name":"apiserver_request_total","labels":{"code":"200","resource":"r0899999","verb":"GET"},"value":1}\n    ]}\n  ],\n  "samples": 900000,\n  "errorCount": 0,\n  "errors": []\n}\n'),
        end.toString(),
      );
      assert.ok(run.peakMb < boundOf(target), `${target}: peak RSS ${run.peakMb.toFixed(0)} MB`);
      process.stdout.write(`# peak RSS ${run.peakMb.toFixed(0)} MB: kia metrics ${target === file ? 'FILE' : 'URL'} ${run.args}\n`);
    }
  });
});
