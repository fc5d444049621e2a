import test from 'ava';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  AUDITOR_SHELL_COMMAND,
  computeSoftwareVersionCode,
  listSoftwareFiles,
  PROGRAM_DIRS,
  ROOT_FILES,
  SOFTWARE_CODE_PATTERN,
} from '../shared/software/version-code.ts';
import { REPO_ROOT, runCli } from './helpers/cli.ts';

function tempDir(t: { teardown: (fn: () => void) => void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vep-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * Copies this checkout's program tree (and test/, which must not count) to a temp dir. Other
 * people edit the checkout while tests run, so the comparisons are made between copies.
 */
function copyCheckout(t: { teardown: (fn: () => void) => void }): string {
  const dir = tempDir(t);
  for (const name of [...PROGRAM_DIRS, 'test', ...ROOT_FILES]) {
    const from = path.join(REPO_ROOT, name);
    if (!fs.existsSync(from)) continue;
    fs.cpSync(from, path.join(dir, name), {
      recursive: true,
      filter: (src) => !src.split(path.sep).includes('node_modules'),
    });
  }
  return dir;
}

function copyTree(t: { teardown: (fn: () => void) => void }, from: string): string {
  const dir = tempDir(t);
  fs.cpSync(from, dir, { recursive: true });
  return dir;
}

/** A small synthetic tree: fixed content, so mutations are precise. */
function syntheticTree(t: { teardown: (fn: () => void) => void }): string {
  const dir = tempDir(t);
  const files: Record<string, string> = {
    'package.json': '{"name":"vep"}\n',
    'package-lock.json': '{"lockfileVersion":3}\n',
    'bin/vep.js': 'console.log(1);\n',
    'booth/ui/screen.html': '<p>Vote</p>\n',
    'booth/ui/style.css': 'p{}\n',
    'booth/ui/beep.wav': 'RIFF',
    'shared/a.ts': 'export const a = 1;\n',
    'shared/sub/b.ts': 'export const b = 2;\n',
    'hardware-sim/printer.ts': 'export {};\n',
    'results-station/logo.svg': '<svg/>',
    'test/a.test.ts': 'test();\n',
    'bench/run.ts': 'bench();\n',
    'README.md': '# VEP\n',
    'shared/node_modules/x/index.js': 'ignored();\n',
    'shared/notes.md': 'not a program file\n',
  };
  for (const [rel, content] of Object.entries(files)) {
    fs.mkdirSync(path.join(dir, path.dirname(rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), content);
  }
  return dir;
}

test('the code is 64 lowercase hex and the same on two runs', (t) => {
  const tree = copyCheckout(t);
  const first = computeSoftwareVersionCode(tree);
  t.regex(first, SOFTWARE_CODE_PATTERN);
  t.is(computeSoftwareVersionCode(tree), first);
});

test('copying the tree elsewhere gives the same code', (t) => {
  const a = copyCheckout(t);
  const b = copyTree(t, a);
  t.is(computeSoftwareVersionCode(b), computeSoftwareVersionCode(a));
});

test('covered files: program sources and assets, package files; not tests, bench, docs, node_modules', (t) => {
  const tree = syntheticTree(t);
  t.deepEqual(
    listSoftwareFiles(tree).map((f) => f.path),
    [
      'bin/vep.js',
      'booth/ui/beep.wav',
      'booth/ui/screen.html',
      'booth/ui/style.css',
      'hardware-sim/printer.ts',
      'package-lock.json',
      'package.json',
      'results-station/logo.svg',
      'shared/a.ts',
      'shared/sub/b.ts',
    ],
  );
});

test('changing one byte, adding a file or renaming a file changes the code', (t) => {
  const base = computeSoftwareVersionCode(syntheticTree(t));

  const changed = syntheticTree(t);
  fs.writeFileSync(path.join(changed, 'shared/a.ts'), 'export const a = 2;\n');
  t.not(computeSoftwareVersionCode(changed), base);

  const added = syntheticTree(t);
  fs.writeFileSync(path.join(added, 'shared/sub/c.ts'), '');
  t.not(computeSoftwareVersionCode(added), base);

  const renamed = syntheticTree(t);
  fs.renameSync(path.join(renamed, 'shared/sub/b.ts'), path.join(renamed, 'shared/sub/c.ts'));
  t.not(computeSoftwareVersionCode(renamed), base);

  const moved = syntheticTree(t);
  fs.renameSync(path.join(moved, 'shared/sub/b.ts'), path.join(moved, 'booth/b.ts'));
  t.not(computeSoftwareVersionCode(moved), base);

  const asset = syntheticTree(t);
  fs.writeFileSync(path.join(asset, 'booth/ui/beep.wav'), 'RIFX');
  t.not(computeSoftwareVersionCode(asset), base);

  const lock = syntheticTree(t);
  fs.writeFileSync(path.join(lock, 'package-lock.json'), '{"lockfileVersion":2}\n');
  t.not(computeSoftwareVersionCode(lock), base);
});

test('changing tests, bench, docs or node_modules does not change the code', (t) => {
  const base = computeSoftwareVersionCode(syntheticTree(t));
  const tree = syntheticTree(t);
  fs.writeFileSync(path.join(tree, 'test/a.test.ts'), 'test(); // changed\n');
  fs.writeFileSync(path.join(tree, 'test/new.test.ts'), 'test();\n');
  fs.writeFileSync(path.join(tree, 'bench/run.ts'), 'bench(2);\n');
  fs.writeFileSync(path.join(tree, 'README.md'), '# VEP changed\n');
  fs.writeFileSync(path.join(tree, 'shared/node_modules/x/index.js'), 'changed();\n');
  t.is(computeSoftwareVersionCode(tree), base);
});

test('changing a test file of the real checkout does not change its code', (t) => {
  const tree = copyCheckout(t);
  const base = computeSoftwareVersionCode(tree);
  const testFile = path.join(tree, 'test', 'software-version-code.test.ts');
  fs.appendFileSync(testFile, '\n// changed\n');
  t.is(computeSoftwareVersionCode(tree), base);
  fs.appendFileSync(path.join(tree, 'shared', 'result.ts'), '\n');
  t.not(computeSoftwareVersionCode(tree), base);
});

test('a missing lockfile is a broken installation, not another code', (t) => {
  const tree = syntheticTree(t);
  fs.rmSync(path.join(tree, 'package-lock.json'));
  t.throws(() => computeSoftwareVersionCode(tree), { message: /package-lock\.json is missing/ });
});

test('the documented shell command computes the same code', (t) => {
  for (const tree of [syntheticTree(t), copyCheckout(t)]) {
    const shell = execFileSync('bash', ['-c', AUDITOR_SHELL_COMMAND], { cwd: tree, encoding: 'utf8' }).trim();
    t.is(shell, computeSoftwareVersionCode(tree));
  }
});

test('the shell command in the source comment is the exported one', (t) => {
  // Both are written by hand; normalise whitespace and line continuations to compare them.
  const source = fs.readFileSync(path.join(REPO_ROOT, 'shared/software/version-code.ts'), 'utf8');
  const start = source.indexOf(' *   { find');
  const end = source.indexOf('\n *\n', start);
  const comment = source
    .slice(start, end)
    .split('\n')
    .map((line) => line.replace(/^ \*\s*/, '').replace(/\\$/, ''))
    .join(' ');
  const normalise = (s: string): string => s.replace(/\s+/g, ' ').trim();
  t.is(normalise(comment), normalise(AUDITOR_SHELL_COMMAND));
});

test('vep software-hash prints only the code', async (t) => {
  const tree = copyCheckout(t);
  const run = await runCli(['software-hash', '--root', tree]);
  t.is(run.code, 0, run.stderr);
  t.is(run.stdout, `${computeSoftwareVersionCode(tree)}\n`);
  const missing = await runCli(['software-hash', '--root', path.join(tree, 'nope')]);
  t.is(missing.code, 1);
  t.regex(missing.stderr, /cannot hash/);
});
