// kia completion: the scripts generated from the commander tree, the bash one sourced in a bash child and asked to
// complete literal command lines.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runKia, type KiaRun } from './helpers.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const kia = (args: readonly string[]): Promise<KiaRun> => runKia(args, { cwd: ROOT });

describe('kia completion', () => {
  const complete = async (script: string, words: string[]): Promise<string[]> => {
    const file = path.join(os.tmpdir(), `kia-completion-${process.pid}.bash`);
    fs.writeFileSync(file, script);
    try {
      const shell = `source ${file}; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _kia; printf '%s\\n' "\${COMPREPLY[@]}"`;
      const out = await new Promise<string>((resolve, reject) => execFile('bash', ['-c', shell], (error, stdout) => (error ? reject(error) : resolve(stdout))));
      return out.split('\n').filter(Boolean);
    } finally {
      fs.rmSync(file, { force: true });
    }
  };

  it('bash: generated from the command tree, sourced in bash, completes commands, subcommands, flags and choices', async () => {
    const run = await kia(['completion', 'bash']);
    assert.equal(run.code, 0, run.stderr);
    const script = run.stdout;
    assert.deepEqual(await complete(script, ['kia', 'hu']), ['hunt']);
    assert.deepEqual(await complete(script, ['kia', 'etcd', '']), ['health', 'version', 'metrics', 'members', 'status']);
    assert.deepEqual(await complete(script, ['kia', 'hunt', '--out']), ['--output', '--output-file']);
    assert.deepEqual(await complete(script, ['kia', 'hunt', '-o', '']), ['text', 'json', 'sarif', 'markdown', 'html']);
    assert.deepEqual(await complete(script, ['kia', 'health', '--output', 'y']), ['yaml']);
    assert.deepEqual(await complete(script, ['kia', 'kubelet', 'kia-worker-1', 'po']), ['pods', 'port-forward']);
    assert.deepEqual(await complete(script, ['kia', 'kubelet', 'kia-worker-1', 'pods', '--all']), ['--all-nodes']);
    assert.deepEqual(await complete(script, ['kia', 'hunt', '--dead']), ['--deadline']);
    assert.deepEqual(await complete(script, ['kia', 'completion', '']), ['bash', 'zsh', 'fish']);
  });

  it('zsh and fish scripts come from the same tree; an unknown shell is exit 2', async () => {
    const zsh = await kia(['completion', 'zsh']);
    assert.ok(zsh.stdout.startsWith('#compdef kia\n'), zsh.stdout.slice(0, 40));
    assert.match(zsh.stdout, /^complete -o default -F _kia kia$/m);
    const fish = await kia(['completion', 'fish']);
    assert.match(fish.stdout, /^complete -c kia -n '__fish_seen_subcommand_from hunt' -l output -s o -x -a 'text json sarif markdown html'$/m);
    const bad = await kia(['completion', 'tcsh']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /value 'tcsh' is invalid for argument 'shell'\. Allowed choices are bash, zsh, fish/);
  });
});
