/** The command line itself: help, version, and usage errors as one line with exit 2. */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { applyMountOptions, UsageError } from '../../src/cli/options.js';
import { spawn, spawnSync } from 'node:child_process';
import { cleanupAll, forceUnmount, isMounted, memefs, MEMEFS, mount, ROOT_DIR, sh, tempDir } from '../helpers/mount.js';

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

test('info shows the volume as loaded, on a path inside the mount, for a non-root user', () => {
  const dir = tempDir('info-');
  const img = path.join(dir, 'x.img');
  sh(`truncate -s 8M ${img} && mkfs.fat -n LOADED -i 1234ABCD ${img} >/dev/null`);
  const m = mount(['--image', img, '--save-interval', '5m', '-o', 'writeback']);
  try {
    fs.mkdirSync(path.join(m.dir, 'sub'));
    const r = memefs(['info', path.join(m.dir, 'sub'), '--json']);
    assert.equal(r.status, 0, r.stderr);
    const info = JSON.parse(r.stdout) as { mountPoint: string; label: string; serial: string; options: Record<string, unknown> };
    assert.equal(info.mountPoint, m.dir);
    assert.equal(info.label, 'LOADED');
    assert.equal(info.serial, '1234-ABCD');
    assert.equal(info.options.image, img);
    assert.equal(info.options.save_interval, '300s');
    assert.equal(info.options.writeback, true);
    // As nobody: the mount is visible to every user, and so is its note.
    sh(`chmod o+x ${path.dirname(dir)} ${dir}`);
    const asNobody = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, MEMEFS, 'info', m.dir], { encoding: 'utf8' });
    assert.equal(asNobody.status, 0, asNobody.stderr);
    assert.match(asNobody.stdout, /label: +LOADED/);
    // ps names the mount point the daemon serves.
    assert.match(sh(`ps -o args= -p ${m.pid}`), new RegExp(`^memefs ${m.dir}`));
  } finally {
    forceUnmount(m.dir);
  }
});

test('info shows what a snapshot brought back (label, serial, case-insensitivity), the snapshot and the transport', () => {
  const snapshot = path.join(tempDir('info-'), 'vol.tar');
  const first = mount(['--snapshot', snapshot, '-i', '-l', 'SNAPPED']);
  let serial: string;
  try {
    fs.writeFileSync(path.join(first.dir, 'File.txt'), 'x');
    serial = (JSON.parse(memefs(['info', first.dir, '--json']).stdout) as { serial: string }).serial;
    assert.equal(memefs(['unmount', first.dir]).status, 0);
  } finally {
    forceUnmount(first.dir);
  }
  // Mounted again without -i or -l: the volume is as it was saved, and info says so.
  const m = mount(['--snapshot', snapshot]);
  try {
    const r = memefs(['info', m.dir, '--json']);
    assert.equal(r.status, 0, r.stderr);
    const info = JSON.parse(r.stdout) as { label: string; serial: string; options: Record<string, unknown> };
    assert.equal(info.label, 'SNAPPED');
    assert.equal(info.serial, serial);
    assert.equal(info.options.case_insensitive, true);
    assert.equal(info.options.snapshot, snapshot);
    assert.match(String(info.options.transport), /^(\/dev\/fuse|io_uring)$/);
    assert.equal(fs.readFileSync(path.join(m.dir, 'file.txt'), 'utf8'), 'x');
  } finally {
    forceUnmount(m.dir);
  }
});

test('-D FILE is relative to the caller; -d alone in the background is refused', () => {
  const dir = tempDir('log-');
  const mnt = tempDir('mnt-');
  const r0 = spawnSync(process.execPath, [MEMEFS, mnt, '-D', 'debug.log'], { cwd: dir, encoding: 'utf8' });
  try {
    assert.equal(r0.status, 0, r0.stderr);
    fs.writeFileSync(path.join(mnt, 'f'), 'x');
    assert.ok(fs.statSync(path.join(dir, 'debug.log')).size > 0);
  } finally {
    forceUnmount(mnt);
  }
  const r = memefs([tempDir('mnt-'), '-d', '-1']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /-d logs to standard error.*add -f, or give a log file with -D FILE/);
});

test('unmount --lazy returns while a file is still open', () => {
  const m = mount([]);
  const holder = spawn('sleep', ['600'], { cwd: m.dir, stdio: 'ignore' });
  try {
    const r = memefs(['unmount', '--lazy', m.dir], 20_000);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /detached/);
    assert.equal(isMounted(m.dir), false);
  } finally {
    holder.kill('SIGKILL');
    forceUnmount(m.dir);
  }
});
