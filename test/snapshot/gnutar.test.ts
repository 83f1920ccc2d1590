import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, openSync, readSync, closeSync, symlinkSync, linkSync, writeFileSync, truncateSync, writeSync, chownSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../../src/core/index.js';
import { loadSnapshot, saveSnapshot } from '../../src/formats/snapshot/index.js';
import { MiB, pattern, richVolume, tempDir } from './helpers.js';
import { describeDisk, describeVolume, du, tarAvailable, type CompareOptions } from './tree.js';

const skip = tarAvailable() ? false : 'GNU tar and getfattr are needed';

function run(cmd: string, args: string[]): { stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  return { stdout: r.stdout, stderr: r.stderr };
}

test('GNU tar lists and extracts a snapshot: types, modes, owners, ns times, xattrs, hard links, holes', { skip }, async (t) => {
  const dir = tempDir(t);
  const archive = join(dir, 'vol.tar');
  const volume = richVolume();
  await saveSnapshot(volume, archive);

  const listing = run('tar', ['--warning=no-unknown-keyword', '-tvf', archive]).stdout.trim().split('\n');
  const described = describeVolume(volume);
  assert.equal(listing.length, described.size);
  const kinds = new Set(listing.map((l) => l[0]));
  for (const k of ['d', '-', 'h', 'l', 'p', 'c', 'b']) assert.ok(kinds.has(k), `listing shows type ${k}`);
  assert.ok(listing.some((l) => /^hrw-r--r-- 0\/0 .* docs\/again link to docs\/readme\.txt$/.test(l)));

  const out = join(dir, 'x');
  mkdirSync(out);
  // user.big is a 3 MiB named stream: more than a Linux xattr can hold, so tar says so (and goes on).
  spawnSync('tar', ['--xattrs', '--xattrs-include=*', '--warning=no-unknown-keyword', '-xpf', archive, '-C', out]);
  const options: CompareOptions = {
    symlinkTimes: true,
    // GNU tar knows neither over-size xattrs nor LIBARCHIVE.xattr (names with "=").
    skipXattrs: (n) => n === 'user.big' || n === 'user.with=equals',
  };
  const expected = describeVolume(volume, options);
  // Tar has no sockets: GNU tar makes an empty regular file of the same mode.
  expected.set('/socket', { ...expected.get('/socket')!, type: 'file', size: 0, sha: describeDisk(out).get('/empty')!.sha! });
  const actual = describeDisk(out, options);
  assert.deepEqual([...actual.keys()], [...expected.keys()]);
  for (const [path, seen] of expected) assert.deepEqual(actual.get(path), seen, path);

  // Holes survive: 1 GiB and 10 MiB files take almost nothing.
  assert.ok(du(join(out, 'sparse.img')) < 4 * MiB, `sparse.img takes ${du(join(out, 'sparse.img'))}`);
  assert.ok(du(join(out, 'all-hole')) < 64 * 1024);
  const fd = openSync(join(out, 'sparse.img'), 'r');
  const buf = Buffer.alloc(100_000);
  readSync(fd, buf, 0, buf.length, 300 * MiB + 17);
  closeSync(fd);
  assert.ok(buf.equals(pattern(100_000, 3)));
  // cmp agrees byte for byte on a hard-linked file.
  const copy = join(dir, 'readme.copy');
  writeFileSync(copy, 'hello, snapshot\n');
  run('cmp', [copy, join(out, 'readme-link')]);
});

/** A real tree with what GNU tar can archive: every file type, holes, links, xattrs, odd names, ns times. */
function makeTree(root: string, full: boolean): void {
  mkdirSync(join(root, 'sub/inner'), { recursive: true });
  writeFileSync(join(root, 'plain.txt'), 'plain text\n');
  writeFileSync(join(root, 'sub/data.bin'), pattern(300_000, 5));
  linkSync(join(root, 'sub/data.bin'), join(root, 'data-link'));
  symlinkSync('sub/data.bin', join(root, 'sym'));
  execFileSync('mkfifo', [join(root, 'fifo')]);
  execFileSync('mknod', [join(root, 'tty'), 'c', '5', '0']);
  writeFileSync(join(root, 'setgid'), '');
  chmodSync(join(root, 'setgid'), 0o2750);
  chownSync(join(root, 'setgid'), 1234, 5678);
  // Sparse: data at the start, in the middle and at the end of 200 MiB.
  const sp = join(root, 'sparse.img');
  writeFileSync(sp, 'head');
  truncateSync(sp, 200 * MiB);
  const fd = openSync(sp, 'r+');
  writeSync(fd, pattern(70_000, 8), 0, 70_000, 77 * MiB + 5);
  writeSync(fd, Buffer.from('tail'), 0, 4, 200 * MiB - 4);
  closeSync(fd);
  if (full) {
    writeFileSync(join(root, 'n'.repeat(150)), 'long name');
    const deep = join(root, ...Array.from({ length: 12 }, (_, i) => `directory-level-${i}-xxxxxxxx`));
    mkdirSync(deep, { recursive: true });
    writeFileSync(join(deep, 'leaf.txt'), 'deep');
    writeFileSync(Buffer.concat([Buffer.from(join(root, 'raw-')), Buffer.from([0xff, 0xfe])]), 'raw');
    writeFileSync(join(root, 'Grüße 日本.txt'), 'utf8');
    execFileSync('setfattr', ['-n', 'user.note', '-v', 'hello', join(root, 'plain.txt')]);
    execFileSync('setfattr', ['-n', 'trusted.bin', '-v', '0x00ff0a', join(root, 'plain.txt')]);
    execFileSync('setfattr', ['-n', 'user.dir', '-v', 'd', join(root, 'sub')]);
  }
  // Times last: nanoseconds on files, links and directories.
  for (const [i, p] of ['plain.txt', 'sub/data.bin', 'sparse.img', 'sym', 'fifo', 'sub/inner', 'sub', '.'].entries()) {
    execFileSync('touch', ['-h', '-d', `@${1_600_000_000 + i * 1000}.${String(123_456_789 + i).padStart(9, '0')}`, join(root, p)]);
  }
}

for (const format of ['pax', 'pax-sparse-0.1', 'pax-sparse-0.0', 'gnu', 'ustar'] as const) {
  test(`loads a tree archived by GNU tar (${format})`, { skip }, async (t) => {
    const dir = tempDir(t);
    const src = join(dir, 'src');
    mkdirSync(src);
    const full = format !== 'ustar';
    makeTree(src, full);
    const archive = join(dir, 'tree.tar');
    const args = {
      pax: ['--format=pax', '--xattrs', '--xattrs-include=*', '-S'],
      'pax-sparse-0.1': ['--format=pax', '--sparse-version=0.1', '-S'],
      'pax-sparse-0.0': ['--format=pax', '--sparse-version=0.0', '-S'],
      gnu: ['--format=gnu', '-S'],
      ustar: ['--format=ustar'],
    }[format];
    run('tar', [...args, '-cf', archive, '-C', src, '.']);
    const { volume, warnings } = await loadSnapshot(archive);
    assert.deepEqual(warnings, []);
    const pax = format.startsWith('pax');
    const options: CompareOptions = {
      seconds: !pax,
      symlinkTimes: true,
      skipXattrs: format === 'pax' ? undefined : () => true,
    };
    const expected = describeDisk(src, options);
    const actual = describeVolume(volume, options);
    assert.deepEqual([...actual.keys()], [...expected.keys()]);
    for (const [path, seen] of expected) assert.deepEqual(actual.get(path), seen, path);
    // Holes stay holes: only the data regions take memory.
    const sparse = volume.lookup(ROOT, volume.root, 'sparse.img');
    assert.equal(sparse.size, 200 * MiB);
    assert.ok(sparse.allocated < 2 * MiB, `sparse.img holds ${sparse.allocated} bytes`);
  });
}
