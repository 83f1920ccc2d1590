/**
 * The image commands as a user runs them (`memefs mkimage`, `extract`, `dump`):
 * bad input gives one line and an exit code, large files survive, nothing is
 * overwritten unasked, and mkimage makes only what fsck.fat and dump accept.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  existsSync, linkSync, lstatSync, mkdirSync, readFileSync, readdirSync, statSync, symlinkSync, truncateSync, writeFileSync, openSync, writeSync, closeSync,
} from 'node:fs';
import { join } from 'node:path';
import { memefs } from '../helpers/mount.js';
import { fsckComplaints, mustRun, tempDir } from './tools.js';

/** A failure as the rules want it: the exit code, one line on stderr, no stack trace. */
function assertOneLine(r: { status: number; stdout: string; stderr: string }, status: number, pattern: RegExp): void {
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(r.status, status, r.stderr);
  assert.equal(lines.length, 1, `one line, got:\n${r.stderr}`);
  assert.match(lines[0]!, /^memefs: /);
  assert.match(lines[0]!, pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at |node:internal|Error:/);
}

function withDir(fn: (dir: string) => void | Promise<void>): () => Promise<void> {
  return async () => {
    const tmp = tempDir('memefs-cmd-');
    try {
      await fn(tmp.path);
    } finally {
      tmp.cleanup();
    }
  };
}

function sourceTree(dir: string): string {
  const src = join(dir, 'src');
  mkdirSync(join(src, 'sub'), { recursive: true });
  writeFileSync(join(src, 'a.txt'), 'alpha\n');
  writeFileSync(join(src, 'sub', 'b.txt'), 'beta\n');
  return src;
}

test('mkimage: impossible sizes and layouts are refused in one line with exit 2, and no image appears', withDir((dir) => {
  const src = sourceTree(dir);
  const img = join(dir, 'x.img');
  const cases: [string[], RegExp][] = [
    [['-s', '1k'], /needs at least 64 KiB/],
    [['-s', '3T'], /-s 3\.00 TiB: a FAT image holds at most 2 TiB - 1 KiB/],
    [['--fat-type', '12', '-s', '1G'], /no FAT12 layout fits 1\.00 GiB; -s 64K to -s 255\.\dM work/],
    [['--fat-type', '16', '--cluster-size', '512', '-s', '64M'], /no FAT16 layout with 512-byte clusters fits 64\.0 MiB; -s [\d.]+M to -s [\d.]+M work/],
    [['--fat-type', '32', '-s', '32M'], /no FAT32 layout fits 32\.0 MiB; -s 32\.\dM to -s 2047\.9G work/],
    [['--fat-type', '16', '-s', '4M'], /no FAT16 layout fits 4\.00 MiB; -s 8\.\dM to /],
    [['--fat-type', '13'], /FAT type "13" must be 12, 16 or 32/],
    [['-s', 'lots'], /is not a size/],
  ];
  for (const [args, pattern] of cases) {
    assertOneLine(memefs(['mkimage', src, img, ...args]), 2, pattern);
    assert.equal(existsSync(img), false, args.join(' '));
  }
}));

test('mkimage: the sizes a refusal names work at both ends, and fsck.fat and dump find nothing wrong', withDir((dir) => {
  const src = sourceTree(dir);
  for (const [type, size] of [['32', '32M'], ['16', '4M'], ['12', '1G']] as const) {
    const r = memefs(['mkimage', src, join(dir, 'no.img'), '--fat-type', type, '-s', size]);
    const m = /-s (\S+) to -s (\S+) work/.exec(r.stderr);
    assert.ok(m, r.stderr);
    // The upper ends of FAT16 (4 GiB) and FAT32 (2 TiB) take minutes of fsck.fat; the lower ends and FAT12's upper end are cheap.
    const ends = type === '12' ? [m[1]!, m[2]!] : [m[1]!];
    for (const end of ends) {
      const img = join(dir, `fat${type}-${end}.img`);
      const made = memefs(['mkimage', src, img, '--fat-type', type, '-s', end]);
      assert.equal(made.status, 0, made.stderr);
      assert.deepEqual(fsckComplaints(img).complaints, [], `${type} ${end}`);
      const dump = memefs(['dump', img]);
      assert.equal(dump.status, 0, dump.stdout);
      assert.match(dump.stdout, new RegExp(`FAT type\\s+FAT${type}`));
      assert.match(dump.stdout, /No problems found\./);
    }
  }
  // The same type without -s picks a standard size that works (it used to try 1440 KiB and fail).
  const auto = join(dir, 'auto32.img');
  assert.equal(memefs(['mkimage', src, auto, '--fat-type', '32']).status, 0);
  assert.deepEqual(fsckComplaints(auto).complaints, []);
}));

test('mkimage -s 100k (a stack trace in issue 14) writes an image that fsck.fat finds clean', withDir((dir) => {
  const img = join(dir, 'small.img');
  const r = memefs(['mkimage', sourceTree(dir), img, '-s', '100k']);
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
  assert.deepEqual(fsckComplaints(img).complaints, []);
  assert.equal(mustRun('mtype', ['-i', img, '::/sub/b.txt']), 'beta\n');
}));

test('extract and dump: what is not a readable FAT image gives one line and exit 1', withDir((dir) => {
  const garbage = join(dir, 'garbage.img');
  const bytes = new Uint8Array(100_000);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 2654435761) >>> 24;
  writeFileSync(garbage, bytes);
  writeFileSync(join(dir, 'empty.img'), '');
  writeFileSync(join(dir, 'six.img'), 'abcdef');
  const out = join(dir, 'out');
  assertOneLine(memefs(['extract', garbage, out]), 1, /garbage\.img: not a valid FAT boot sector/);
  assertOneLine(memefs(['extract', join(dir, 'empty.img'), out]), 1, /empty\.img: not a FAT image: only 0 bytes/);
  assertOneLine(memefs(['extract', join(dir, 'six.img'), out]), 1, /six\.img: not a FAT image: only 6 bytes/);
  assertOneLine(memefs(['extract', join(dir, 'missing.img'), out]), 1, /missing\.img does not exist/);
  assertOneLine(memefs(['extract', dir, out]), 1, /is a directory, not an image/);
  assertOneLine(memefs(['dump', join(dir, 'missing.img')]), 1, /missing\.img does not exist/);
  assert.equal(existsSync(out), false, 'nothing is created for an image that cannot be read');
  const dump = memefs(['dump', garbage]);
  assert.equal(dump.status, 1);
  assert.match(dump.stdout, /Not a FAT image: not a valid FAT boot sector/);
  assert.equal(dump.stderr, '');
}));

test('mkimage: files of 4 GiB or more are refused, or left out with a warning under --skip-too-big', withDir((dir) => {
  const src = join(dir, 'src');
  mkdirSync(src);
  writeFileSync(join(src, 'huge.bin'), ''); // sparse: costs no disk
  truncateSync(join(src, 'huge.bin'), 4 * 1024 ** 3);
  writeFileSync(join(src, 'small.txt'), 'small\n');
  const img = join(dir, 'x.img');
  assertOneLine(memefs(['mkimage', src, img]), 1, /EFBIG.*\/huge\.bin is 4294967296 bytes/);
  assert.equal(existsSync(img), false);
  const r = memefs(['mkimage', src, img, '--skip-too-big']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /warning: 1 files of 4 GiB or more left out: \/huge\.bin/);
  assert.deepEqual(fsckComplaints(img).complaints, []);
  assert.equal(mustRun('mtype', ['-i', img, '::/small.txt']), 'small\n');
}));

test('mkimage and extract: a file of more than 2 GiB goes in and comes out whole', withDir((dir) => {
  const src = join(dir, 'src');
  mkdirSync(src);
  const huge = join(src, 'huge.bin');
  const size = 2 ** 31 + 4096 + 3; // past the 2 GiB of one Node buffer, and not a whole cluster
  writeFileSync(huge, '');
  truncateSync(huge, size);
  const fd = openSync(huge, 'r+');
  writeSync(fd, 'head', 0);
  writeSync(fd, 'middle', 2 ** 31 - 3); // across the 2 GiB line
  writeSync(fd, 'tail', size - 4);
  closeSync(fd);
  const img = join(dir, 'big.img');
  const made = memefs(['mkimage', src, img, '-s', '2100M'], 300_000);
  assert.equal(made.status, 0, made.stderr);
  assert.deepEqual(fsckComplaints(img).complaints, []);
  const out = join(dir, 'out');
  const ex = memefs(['extract', img, out], 300_000);
  assert.equal(ex.status, 0, ex.stderr);
  assert.equal(statSync(join(out, 'huge.bin')).size, size);
  mustRun('cmp', [huge, join(out, 'huge.bin')]);
  assert.ok(statSync(join(out, 'huge.bin')).blocks * 512 < 64 << 20, 'zero pieces are left as holes');
}));

test('mkimage: an existing image is kept unless --force', withDir((dir) => {
  const src = sourceTree(dir);
  const img = join(dir, 'x.img');
  writeFileSync(img, 'precious');
  assertOneLine(memefs(['mkimage', src, img]), 1, /x\.img already exists; --force replaces it/);
  assert.equal(readFileSync(img, 'utf8'), 'precious');
  assertOneLine(memefs(['mkimage', src, dir]), 1, /is a directory/);
  assertOneLine(memefs(['mkimage', src, join(dir, 'nodir', 'x.img')]), 1, /cannot write .*nodir.*does not exist/);
  assert.deepEqual(readdirSync(dir).sort(), ['src', 'x.img']);
  const r = memefs(['mkimage', src, img, '--force']);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(fsckComplaints(img).complaints, []);
  // Not a regular file: refused even with --force (it would have become one).
  assertOneLine(memefs(['mkimage', src, '/dev/null', '--force']), 1, /\/dev\/null: it is a character device/);
  assert.ok(statSync('/dev/null').isCharacterDevice());
  // A symlink is followed: the image it names is replaced, the link stays.
  const link = join(dir, 'link.img');
  symlinkSync(img, link);
  writeFileSync(img, 'old');
  assert.equal(memefs(['mkimage', src, link, '--force']).status, 0);
  assert.ok(lstatSync(link).isSymbolicLink());
  assert.deepEqual(fsckComplaints(img).complaints, []);
}));

test('extract: existing files are refused (exit 1) and --force replaces links instead of writing through them', withDir((dir) => {
  const src = sourceTree(dir);
  const img = join(dir, 'x.img');
  assert.equal(memefs(['mkimage', src, img]).status, 0);
  const out = join(dir, 'out');
  mkdirSync(join(out, 'sub'), { recursive: true });
  const outsideA = join(dir, 'outside-a');
  const outsideB = join(dir, 'outside-b');
  writeFileSync(outsideA, 'keep a');
  writeFileSync(outsideB, 'keep b');
  linkSync(outsideA, join(out, 'a.txt')); // a hard link to a file outside the target
  symlinkSync(outsideB, join(out, 'sub', 'b.txt')); // a symlink to a file outside the target

  const r = memefs(['extract', img, out]);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /warning: a\.txt: not extracted: already exists; --force replaces it/);
  assert.match(r.stderr, /warning: sub\/b\.txt: not extracted: already exists/);
  assert.match(r.stderr, /2 entries were not extracted/);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
  assert.equal(readFileSync(outsideA, 'utf8'), 'keep a');
  assert.equal(readFileSync(outsideB, 'utf8'), 'keep b');

  const f = memefs(['extract', img, out, '--force']);
  assert.equal(f.status, 0, f.stderr);
  assert.equal(readFileSync(outsideA, 'utf8'), 'keep a');
  assert.equal(readFileSync(outsideB, 'utf8'), 'keep b');
  assert.equal(statSync(outsideA).nlink, 1, 'the hard link in the target was replaced, not written through');
  assert.equal(readFileSync(join(out, 'a.txt'), 'utf8'), 'alpha\n');
  assert.equal(readFileSync(join(out, 'sub', 'b.txt'), 'utf8'), 'beta\n');
  assert.deepEqual(readdirSync(out).sort(), ['a.txt', 'sub'], 'no temporary files are left');
}));

test('mkimage: a root with many long names gets a bigger fixed root, not a 512 MiB FAT32 image', withDir((dir) => {
  const src = join(dir, 'src');
  mkdirSync(src);
  for (let i = 0; i < 300; i++) writeFileSync(join(src, `a file with a long name ${i}.txt`), `${i}\n`);
  const img = join(dir, 'x.img');
  const r = memefs(['mkimage', src, img]);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(statSync(img).size <= 8 << 20, `${statSync(img).size} bytes`);
  assert.deepEqual(fsckComplaints(img).complaints, []);
  assert.match(mustRun('mdir', ['-i', img, '::/']), /300 files/);
  assert.equal(mustRun('mtype', ['-i', img, '::/a file with a long name 299.txt']), '299\n');
}));

test('extract and dump of damaged images: never a stack trace, never a file outside the target', withDir((dir) => {
  const src = sourceTree(dir);
  const img = join(dir, 'good.img');
  assert.equal(memefs(['mkimage', src, img, '-s', '1440k']).status, 0);
  const good = readFileSync(img);
  let seed = 0x5eed;
  const random = (n: number) => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed % n;
  };
  for (let round = 0; round < 12; round++) {
    const bad = Buffer.from(good);
    // The boot sector, the FATs and the root directory: the structures the commands trust least.
    for (let k = 0; k < 1 + random(24); k++) bad[random(20 * 512)] = random(256);
    const damaged = join(dir, `bad${round}.img`);
    writeFileSync(damaged, bad);
    const out = join(dir, `out${round}`);
    for (const args of [['extract', damaged, out], ['dump', damaged]]) {
      const r = memefs(args);
      assert.ok(r.status === 0 || r.status === 1, `${args[0]} round ${round}: exit ${r.status}\n${r.stderr}`);
      assert.doesNotMatch(r.stderr, /\n\s+at |node:internal|Error:/, `${args[0]} round ${round}`);
    }
  }
  assert.deepEqual(readdirSync(dir).filter((n) => !/^(src|good\.img|bad\d+\.img|out\d+)$/.test(n)), []);
}));
