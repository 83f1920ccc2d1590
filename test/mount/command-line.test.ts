/** The command line itself: help, version, and usage errors as one line with exit 2. */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { applyMountOptions, UsageError } from '../../src/cli/options.js';
import { cleanupAll, memefs, ROOT_DIR, tempDir } from '../helpers/mount.js';

after(cleanupAll);

test('usage errors are one line and exit 2, in the command and its subcommands', () => {
  for (const args of [['--bogus'], ['unmount'], ['extract'], ['info', '--nope', '/x'], ['-s', 'lots', '/x'], ['-o', 'wat', '/x']]) {
    const r = memefs(args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /^memefs: /);
    assert.equal(r.stdout, '');
  }
});

test('--help lists every -o option, and memefs help [command] works', () => {
  let known = '';
  try {
    applyMountOptions('no-such-option', {});
  } catch (e) {
    assert.ok(e instanceof UsageError);
    known = /known: ([^)]*)/.exec(e.message)![1]!;
  }
  const help = memefs(['--help']);
  assert.equal(help.status, 0);
  for (const key of known.split(', ')) assert.match(help.stdout, new RegExp(`^  ${key}\\b`, 'm'), key);
  const viaHelp = memefs(['help']);
  assert.equal(viaHelp.status, 0);
  assert.equal(viaHelp.stdout, help.stdout);
  const unmountHelp = memefs(['help', 'unmount']);
  assert.equal(unmountHelp.status, 0);
  assert.match(unmountHelp.stdout, /--lazy/);
});

test('--version prints the package version', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT_DIR, 'package.json'), 'utf8')) as { version: string };
  const r = memefs(['--version']);
  assert.equal(r.status, 0);
  assert.equal(r.stdout.trim(), pkg.version);
});

test('info on something that is not a memefs mount is one line, no stack trace', () => {
  const r = memefs(['info', tempDir('info-')]);
  assert.equal(r.status, 1);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
});
