import { test } from 'node:test';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { closeSync, openSync, readSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  buildLfnSlots, chooseLayout, FatTable, fromDosStamp, geometryOf, lfnChecksum, makeAlias, parseBootSector, parseLfnSlot,
  plainShortName, toDosStamp, unitsToName, basisName, describeRuns, storableName, labelField, mixedCaseLabel, readShortName, scanFat, writeFat,
} from '../../src/formats/fat/index.js';
import { fsckComplaints, mustRun, run, tempDir } from './tools.js';

const bytes = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

test('LFN checksum rotates right then adds', () => {
  const naive = (name: string) => {
    let sum = 0;
    for (const ch of name) sum = (((sum & 1) ? 0x80 : 0) + (sum >> 1) + ch.charCodeAt(0)) & 0xff;
    return sum;
  };
  for (const n of ['FOO     BAR', 'ALONGF~1TEX', 'README  TXT', '\x05BC     DEF', '~~~~~~~~~~~']) {
    assert.equal(lfnChecksum(bytes(n)), naive(n));
  }
});

test('LFN slots: ordinals, terminator, padding, and no padding at a multiple of 13', () => {
  for (const name of ['a', 'exactly13char', 'twenty-six characters....', 'x'.repeat(255), 'Ünïcödé 名前 ✓']) {
    const slots = buildLfnSlots(name, 0x5a);
    assert.equal(slots.length, Math.ceil(name.length / 13));
    const parsed = slots.map(parseLfnSlot);
    assert.equal(parsed[0]!.last, true);
    assert.deepEqual(parsed.map((p) => p.ordinal), parsed.map((_, i) => slots.length - i));
    assert.ok(parsed.every((p) => p.checksum === 0x5a));
    const units = parsed.reverse().flatMap((p) => p.units);
    assert.equal(unitsToName(units), name);
    if (name.length % 13 === 0) assert.ok(!units.includes(0) && !units.includes(0xffff));
    else {
      assert.equal(units[name.length], 0);
      assert.ok(units.slice(name.length + 1).every((u) => u === 0xffff));
    }
  }
  assert.throws(() => buildLfnSlots('x'.repeat(256), 0));
});

test('plain 8.3 names and NT case bits', () => {
  assert.deepEqual(plainShortName('README.TXT'), { name11: 'README  TXT', ntCase: 0 });
  assert.deepEqual(plainShortName('readme.txt'), { name11: 'README  TXT', ntCase: 0x18 });
  assert.deepEqual(plainShortName('README.txt'), { name11: 'README  TXT', ntCase: 0x10 });
  assert.deepEqual(plainShortName('a'), { name11: 'A          ', ntCase: 0x08 });
  assert.deepEqual(plainShortName('1_2'), { name11: '1_2        ', ntCase: 0 });
  for (const n of ['Readme.txt', 'toolongname.txt', 'a.b.c', '.hidden', 'a b', 'x.', 'a+b', 'été', 'x.html']) {
    assert.equal(plainShortName(n), null, n);
  }
  assert.equal(readShortName(bytes('README  TXT'), 0, 0x18), 'readme.txt');
  assert.equal(readShortName(bytes('\x05BC        '), 0, 0), 'ÕBC', 'code page 850 by default, as mtools');
  assert.equal(readShortName(bytes('\x05BC        '), 0, 0, 437), 'σBC');
});

test('aliases: basis, numeric tails, then the hashed form', () => {
  assert.deepEqual(basisName('A long file name.text'), { base: 'ALONGFIL', ext: 'TEX', lossy: true });
  assert.deepEqual(basisName('Mixed.Txt'), { base: 'MIXED', ext: 'TXT', lossy: false });
  assert.deepEqual(basisName('...dots'), { base: 'DOTS', ext: '', lossy: true });
  const taken = new Set<string>();
  const got: string[] = [];
  for (let i = 0; i < 12; i++) {
    const a = makeAlias(`collision name ${i}.txt`, taken);
    assert.equal(a.length, 11);
    assert.ok(!taken.has(a));
    taken.add(a);
    got.push(a);
  }
  assert.deepEqual(got.slice(0, 4), ['COLLIS~1TXT', 'COLLIS~2TXT', 'COLLIS~3TXT', 'COLLIS~4TXT']);
  assert.ok(got.slice(4).every((a) => /^CO[0-9A-F]{4}~[1-9]TXT$/.test(a)), got.join());
  assert.equal(makeAlias('Mixed.Txt', new Set()), 'MIXED   TXT');
  assert.equal(makeAlias('Mixed.Txt', new Set(['MIXED   TXT'])), 'MIXED~1 TXT');
  // Thousands of colliding names still get unique aliases.
  const many = new Set<string>();
  for (let i = 0; i < 3000; i++) many.add(makeAlias(`same prefix ${i}`, many));
  assert.equal(many.size, 3000);
});

test('names FAT cannot hold and the label field', () => {
  assert.equal(storableName('a:b?c'), 'a_b_c');
  assert.equal(storableName('trailing. '), 'trailing__');
  assert.equal(storableName('.'), null);
  assert.equal(storableName('x'.repeat(300) + '.txt')!.length, 255);
  assert.ok(storableName('x'.repeat(300) + '.txt')!.endsWith('.txt'));
  // Case is not a change: a mixed-case label is kept in long-name slots, as mlabel does.
  assert.deepEqual(labelField('My Disk'), { field: 'MY DISK    ', changed: false });
  assert.equal(mixedCaseLabel('My Disk'), 'My Disk');
  assert.equal(mixedCaseLabel('DATA'), null);
  assert.deepEqual(labelField('Dätä'), { field: 'D_T_       ', changed: true });
  assert.equal(mixedCaseLabel('Dätä'), null);
  assert.deepEqual(labelField('DATA'), { field: 'DATA       ', changed: false });
  assert.equal(labelField('').field, 'NO NAME    ');
});

test('DOS times round-trip in local time, clamped to 1980..2107', () => {
  const t = new Date(2021, 6, 4, 13, 37, 43, 270).getTime();
  const s = toDosStamp(t);
  assert.equal(fromDosStamp(s.date, s.time, s.tenths), t);
  assert.equal(fromDosStamp(s.date, s.time), t - 1270);
  assert.equal(fromDosStamp(toDosStamp(0).date), new Date(1980, 0, 1).getTime());
  assert.equal(fromDosStamp(0), null);
  assert.equal(fromDosStamp((1 << 9) | (13 << 5) | 1), null); // month 13
  assert.equal(fromDosStamp((41 << 9) | (2 << 5) | 30), null); // 30 February
});

test('FAT12 entries straddle bytes and sector boundaries', () => {
  const fat = new FatTable(12, new Uint8Array(1536));
  for (let n = 0; n < fat.capacity; n++) fat.set(n, (n * 7 + 3) & 0xfff);
  for (let n = 0; n < fat.capacity; n++) assert.equal(fat.get(n), (n * 7 + 3) & 0xfff);
  fat.set(341, 0xabc); // bytes 511 and 512
  assert.equal(fat.get(341), 0xabc);
  assert.equal(fat.get(340), (340 * 7 + 3) & 0xfff);
  assert.equal(fat.get(342), (342 * 7 + 3) & 0xfff);
  const f32 = new FatTable(32, new Uint8Array(64));
  f32.bytes[7] = 0xf0;
  f32.set(1, 0x0fffffff);
  assert.equal(f32.get(1), 0x0fffffff);
  assert.equal(f32.bytes[7], 0xff); // top nibble kept
  assert.equal(describeRuns([2, 3, 4, 9, 11, 12]), '2-4, 9, 11-12');
});

test('layouts match mkfs.fat 4.2 for floppies, FAT12, FAT16 and FAT32 sizes', () => {
  const dir = tempDir();
  try {
    const cases: [number, 0 | 12 | 16 | 32][] = [];
    for (const kib of [360, 720, 1200, 1440, 2880, 3000, 4096, 8192, 8200, 16384, 65536, 262144, 300000, 524288, 1048576, 9000000]) cases.push([kib, 0]);
    for (const kib of [1440, 8192, 30000]) cases.push([kib, 12]);
    for (const kib of [20000, 65536, 300000]) cases.push([kib, 16]);
    for (const kib of [1440, 40960, 100000]) cases.push([kib, 32]);
    for (const [kib, type] of cases) {
      const img = join(dir.path, `l${kib}-${type}.img`);
      mustRun('mkfs.fat', ['-C', ...(type ? ['-F', String(type)] : []), img, String(kib)]);
      const fd = openSync(img, 'r');
      const sector = new Uint8Array(512);
      readSync(fd, sector, 0, 512, 0);
      closeSync(fd);
      const bs = parseBootSector(sector);
      const g = geometryOf(bs);
      const mine = chooseLayout(kib * 1024, type ? { fatType: type } : {});
      const what = `${kib} KiB${type ? ` -F ${type}` : ''}`;
      assert.deepEqual(
        [mine.fatType, mine.sectorsPerCluster, mine.reservedSectors, mine.rootEntries, mine.totalSectors, mine.fatSectors, mine.media, mine.sectorsPerTrack, mine.heads, mine.clusterCount],
        [g.fatType, g.sectorsPerCluster, g.reservedSectors, g.rootEntries, g.totalSectors, g.fatSectors, bs.media, bs.sectorsPerTrack, bs.heads, g.clusterCount],
        what,
      );
    }
    // Where mkfs.fat refuses (FAT16 needs 4087 clusters), so does the layout.
    assert.equal(run('mkfs.fat', ['-C', '-F', '16', join(dir.path, 'small16.img'), '8192']).status, 1);
    assert.throws(() => chooseLayout(8192 * 1024, { fatType: 16 }), /no FAT16 layout/);
  } finally {
    dir.cleanup();
  }
});

test('FAT times are local time: same TZ both ways keeps them, another TZ shifts them', () => {
  const module = fileURLToPath(new URL('../../src/formats/fat/dostime.js', import.meta.url));
  const inTz = (tz: string, code: string) => {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', `import * as t from ${JSON.stringify(module)}; ${code}`], { env: { ...process.env, TZ: tz }, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.trim();
  };
  const ms = Date.UTC(2022, 5, 1, 12, 0, 0);
  const stamp = inTz('Asia/Kolkata', `const s = t.toDosStamp(${ms}); console.log(JSON.stringify(s))`);
  const { date, time } = JSON.parse(stamp) as { date: number; time: number };
  assert.equal(time >> 11, 17); // 12:00 UTC is 17:30 in Kolkata
  assert.equal(Number(inTz('Asia/Kolkata', `console.log(t.fromDosStamp(${date}, ${time}))`)), ms);
  assert.equal(Number(inTz('UTC', `console.log(t.fromDosStamp(${date}, ${time}))`)), ms + 5.5 * 3600 * 1000);
});

test('a directory that fills its clusters exactly (no end marker) reads and checks clean', () => {
  // 2 dot entries + 14 plain names = 16 entries = one 512-byte cluster.
  const children = Array.from({ length: 14 }, (_, i) => ({ kind: 'file' as const, name: `F${i}.TXT`, attributes: 0x20, data: new Uint8Array([i]) }));
  const tree = { label: '', root: { kind: 'dir' as const, name: '', attributes: 0, children: [{ kind: 'dir' as const, name: 'FULL', attributes: 0, children }] } };
  const image = writeFat(tree, { size: 1440 * 1024 });
  const scan = scanFat(image.image, { records: true });
  assert.deepEqual(scan.problems, []);
  assert.equal(scan.directoryChains.get('/FULL')!.length, 1);
  assert.ok(!scan.records.some((r) => r.dir === '/FULL' && r.kind === 'end'));
  assert.equal((scan.tree.root.children[0] as { children: unknown[] }).children.length, 14);
  const dir = tempDir();
  try {
    const img = join(dir.path, 'full.img');
    writeFileSync(img, image.image);
    assert.deepEqual(fsckComplaints(img).complaints, []);
  } finally {
    dir.cleanup();
  }
});

test('aliases never equal another entry\'s long name; non-BMP names round-trip', () => {
  const f = (name: string) => ({ kind: 'file' as const, name, attributes: 0x20, data: new Uint8Array([1]) });
  const tree = { label: '', root: { kind: 'dir' as const, name: '', attributes: 0, children: [f('foo bar.txt'), f('Foobar~1.txt'), f('😀 smile 𝄞.txt')] } };
  const image = writeFat(tree, { size: 1440 * 1024 }).image;
  const scan = scanFat(image, { records: true });
  assert.deepEqual(scan.problems, []);
  assert.deepEqual(scan.tree.root.children.map((n) => n.name), ['foo bar.txt', 'Foobar~1.txt', '😀 smile 𝄞.txt']);
  const shorts = scan.tree.root.children.map((n) => n.shortName);
  assert.equal(shorts[1], 'FOOBAR~1TXT'); // its own basis
  assert.notEqual(shorts[0], 'FOOBAR~1TXT');
});
