/**
 * POSIX conformance: the same ~2,180 observations (system call results, errno
 * values, modes, owners, link counts, sizes, time changes, the whole tree
 * before and after the kernel drops its caches) made by conformance.c on a
 * fresh tmpfs and on a memefs mount must be identical. The C program is
 * compiled here with the machine's cc. Non-root cases run as other uids/gids
 * with supplementary groups (the program forks and calls setresuid).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cleanupAll, ROOT_DIR, tempDir, withMount } from '../helpers/mount.js';

const SOURCE = path.join(ROOT_DIR, 'test', 'posix', 'conformance.c');
let binary = '';

before(() => {
  const dir = tempDir('conformance-bin-');
  binary = path.join(dir, 'conformance');
  execFileSync('cc', ['-O1', '-Wall', '-Wno-format-truncation', '-Wno-unused-result', '-o', binary, SOURCE], { stdio: 'pipe' });
});
after(cleanupAll);

/** Runs the checker in `dir` (a fresh mount); returns its observations, one a line. */
export function observe(dir: string, sections: string[] = []): string[] {
  // Run from a directory outside the mount so that nothing holds it busy afterwards.
  const r = spawnSync(binary, [dir, ...sections], { encoding: 'utf8', cwd: '/', timeout: 120_000, maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`conformance exited ${r.status ?? r.signal}: ${r.stderr}\n${r.stdout.slice(-2000)}`);
  return r.stdout.split('\n').filter((l) => l !== '');
}

export function onTmpfs<T>(fn: (dir: string) => T): T {
  // Outside the helpers' temp root: their cleanupAll() (in any concurrently running suite) unmounts everything there.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memefs-posix-tmpfs-'));
  execFileSync('mount', ['-t', 'tmpfs', 'tmpfs', dir]);
  try {
    return fn(dir);
  } finally {
    spawnSync('umount', [dir], { stdio: 'ignore' });
    spawnSync('umount', ['-l', dir], { stdio: 'ignore' });
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The lines that differ, side by side, for a readable failure. */
function differences(expected: string[], actual: string[]): string {
  const out: string[] = [];
  const n = Math.max(expected.length, actual.length);
  for (let i = 0; i < n && out.length < 40; i++) {
    if (expected[i] !== actual[i]) out.push(`  tmpfs:  ${expected[i] ?? '(none)'}\n  memefs: ${actual[i] ?? '(none)'}`);
  }
  return out.join('\n');
}

test('the checker itself sees what tmpfs does (known answers)', () => {
  const lines = onTmpfs((dir) => observe(dir));
  assert.ok(lines.length > 2000, `only ${lines.length} observations`);
  assert.deepEqual(lines.filter((l) => /^setup|AS failed/.test(l)), []);
  const has = (s: string): void => assert.ok(lines.some((l) => l.endsWith(s)), `no line ending with ${JSON.stringify(s)}`);
  has('rename("d2", "d2/sub") -> EINVAL');
  has('rename("d2", "full") -> ENOTEMPTY');
  has('mkdir(long256, 0755) -> ENAMETOOLONG');
  has('mkdir(long255, 0755) -> ok');
  has('open("chain41", O_RDONLY) -> ELOOP');
  has('open("chain40", O_RDONLY) -> ok');
  has('rename("st/theirs", "st/t2") -> EPERM');
  has('open("p0604", O_RDONLY) -> EACCES');
  has('mknod("rw/c", S_IFCHR | 0644, makedev(1, 3)) -> EPERM');
  has('chmod("own1", 0600) -> EPERM');
  has('path length 4095');
  has('mkdir(path, 0755) -> ENAMETOOLONG');
  has('times f: m+ c+');
  has('times f: m= c=');
  assert.ok(lines.some((l) => l.startsWith('chown:') && l.includes('reg 0555 1001:1001')), 'chown clears set-ID bits on tmpfs');
});

test('memefs gives the same answers as tmpfs for every case', async () => {
  const expected = onTmpfs((dir) => observe(dir));
  const actual = await withMount([], (m) => observe(m.dir));
  assert.equal(actual.length, expected.length, `observation counts differ\n${differences(expected, actual)}`);
  const diff = differences(expected, actual);
  assert.equal(diff, '', `memefs differs from tmpfs:\n${diff}`);
});

test('memefs with a size cap gives the same answers too, times of writes near a full volume included', async () => {
  // Most of the cap in use: allocation runs close to the limit.
  const sections = ['open', 'truncate', 'ftruncate', 'fallocate', 'data', 'unlink', 'chown', 'matrix', 'utimensat'];
  const expected = onTmpfs((dir) => observe(dir, sections));
  const actual = await withMount(['-s', '64M'], (m) => {
    fs.writeFileSync(path.join(m.dir, 'ballast'), Buffer.alloc(40 << 20, 1));
    return observe(m.dir, sections);
  });
  const diff = differences(expected, actual);
  assert.equal(diff, '', `memefs -s 64M differs from tmpfs:\n${diff}`);
});
