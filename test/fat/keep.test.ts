/**
 * Nothing lost on a load/save round trip: images made by mkfs.fat and mtools
 * (or damaged by hand), loaded into a volume, saved over themselves, and
 * judged by fsck.fat and mtools.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, Volume, S_IFREG, type Inode } from '../../src/core/index.js';
import {
  loadFatIntoVolume, openImageSource, prepareVolumeAsFat, saveImageFile, scanFat, type LoadResult,
} from '../../src/formats/fat/index.js';
import { pattern } from './fixtures.js';
import { fsckComplaints, mustRun, run, tempDir } from './tools.js';

function image(dir: string, kib: number, mkfsArgs: string[] = []): string {
  const img = join(dir, 'disk.img');
  mustRun('mkfs.fat', ['-C', ...mkfsArgs, img, String(kib)]);
  return img;
}

/** Copies bytes into the image under a FAT name (the host file's own name does not matter). */
function put(dir: string, img: string, fatPath: string, data: Uint8Array): void {
  const host = join(dir, 'payload');
  writeFileSync(host, data);
  mustRun('mcopy', ['-i', img, host, `::${fatPath}`]);
}

/** Loads the image file as `memefs --image` does: read in parts, never whole. */
function load(img: string, volume = new Volume()): { volume: Volume; result: LoadResult } {
  const source = openImageSource(img, statSync(img).size);
  try {
    return { volume, result: loadFatIntoVolume(source, volume) };
  } finally {
    source.close();
  }
}

/** Saves the volume over the image file it came from as memefs does (streamed), which must then be clean for fsck.fat. */
function saveOver(volume: Volume, img: string): string[] {
  const like = openImageSource(img, statSync(img).size);
  let warnings: string[];
  try {
    const prepared = prepareVolumeAsFat(volume, { like });
    saveImageFile(img, prepared);
    warnings = prepared.warnings;
  } finally {
    like.close();
  }
  assert.deepEqual(fsckComplaints(img).complaints, [], 'fsck.fat finds the saved image clean');
  return warnings;
}

function contents(inode: Inode): Uint8Array {
  const out = new Uint8Array(inode.size);
  inode.data!.readInto(0, out);
  return out;
}

/** A file's bytes as mtools reads them. */
function mtype(img: string, fatPath: string): Buffer {
  const out = join(img, '..', 'mtools-out');
  mustRun('mcopy', ['-n', '-i', img, `::${fatPath}`, out]);
  return readFileSync(out);
}

test('long names of more than 255 bytes of UTF-8 stay reachable and come back byte-exact from mtools', () => {
  const tmp = tempDir();
  try {
    const img = image(tmp.path, 4096);
    // Past 255 bytes of UTF-8, short of the ~260 bytes at which mtools 4.0.32 cuts names given on its command line.
    const e200 = 'é'.repeat(129);
    const ja = `${'日'.repeat(84)}.txt`;
    put(tmp.path, img, `/${e200}`, pattern(3000, 1));
    put(tmp.path, img, `/${ja}`, pattern(10, 2));
    const { volume, result } = load(img);
    assert.equal(result.files, 2);
    const names = [...volume.root.dir!.entriesAfter(0)].map((e) => e.name).sort();
    assert.ok(names.every((n) => Buffer.byteLength(n) <= 255), 'reachable names fit the host');
    assert.ok(names.some((n) => /^é+~1$/.test(n)) && names.some((n) => /^日+~1\.txt$/.test(n)), names.join(', '));
    assert.deepEqual(contents(volume.lookup(ROOT, volume.root, names.find((n) => n.startsWith('é'))!)), pattern(3000, 1));
    saveOver(volume, img);
    const listing = mustRun('mdir', ['-/', '-b', '-i', img, '::/']);
    assert.ok(listing.includes(e200) && listing.includes(ja), listing);
    assert.deepEqual(mtype(img, `/${e200}`), Buffer.from(pattern(3000, 1)));
    // Renamed in the volume, it is saved under its new name.
    const reachable = names.find((n) => n.startsWith('日'))!;
    volume.rename(ROOT, volume.root, reachable, volume.root, 'short.txt');
    saveOver(volume, img);
    const after = mustRun('mdir', ['-/', '-b', '-i', img, '::/']);
    assert.ok(after.includes('short.txt') && !after.includes(ja) && after.includes(e200), after);
  } finally { tmp.cleanup(); }
});

test('a name changed to fit FAT never takes the place of a name that fits as it is', () => {
  const tmp = tempDir();
  try {
    const img = image(tmp.path, 1440);
    const volume = new Volume({ windowsNames: false });
    const write = (name: string, text: string) => volume.write(volume.mknod(ROOT, volume.root, name, S_IFREG | 0o644), 0, Buffer.from(text));
    write('a:b', 'one');
    write('a_b', 'two');
    const warnings = saveOver(volume, img).join('\n');
    assert.match(warnings, /names changed to what FAT can hold: \/a:b -> a_b~2/);
    assert.doesNotMatch(warnings, /only in case/);
    assert.equal(mtype(img, '/a_b').toString(), 'two');
    assert.equal(mtype(img, '/a_b~2').toString(), 'one');
  } finally { tmp.cleanup(); }
});

test('FAT #1 zeroed: the mirror is read as fsck.fat does, and the next save repairs FAT #1', () => {
  for (const type of ['12', '16', '32']) {
    const tmp = tempDir();
    try {
      const img = image(tmp.path, { '12': 4096, '16': 16384, '32': 66000 }[type]!, ['-F', type]);
      put(tmp.path, img, '/big.bin', pattern(50_000, 3));
      put(tmp.path, img, '/small.txt', pattern(10, 4));
      const bytes = readFileSync(img);
      const reserved = bytes.readUInt16LE(14);
      const fatSectors = type === '32' ? bytes.readUInt32LE(36) : bytes.readUInt16LE(22);
      bytes.fill(0, reserved * 512, (reserved + fatSectors) * 512);
      writeFileSync(img, bytes);
      assert.match(run('fsck.fat', ['-n', img]).stdout, /FATs differ|using second FAT/i);
      const { volume, result } = load(img);
      assert.match(result.warnings.join('\n'), /FAT #1 is damaged.*FAT #2 is used/);
      assert.deepEqual(contents(volume.lookup(ROOT, volume.root, 'big.bin')), pattern(50_000, 3), `FAT${type}`);
      saveOver(volume, img);
      assert.deepEqual(mtype(img, '/big.bin'), Buffer.from(pattern(50_000, 3)));
    } finally { tmp.cleanup(); }
  }
});

test('FAT32 with FSInfo sector 0xFFFF loads with a warning; the save puts FSInfo back at sector 1', () => {
  const tmp = tempDir();
  try {
    const img = image(tmp.path, 66000, ['-F', '32']);
    put(tmp.path, img, '/f.txt', pattern(5000, 5));
    const bytes = readFileSync(img);
    bytes.writeUInt16LE(0xffff, 48);
    bytes.writeUInt16LE(0xffff, 6 * 512 + 48); // the backup boot sector says the same
    writeFileSync(img, bytes);
    const { volume, result } = load(img);
    assert.match(result.warnings.join('\n'), /no FSInfo sector \(field is 0xffff\)/);
    volume.write(volume.mknod(ROOT, volume.root, 'new.txt', S_IFREG | 0o644), 0, Buffer.from('new'));
    saveOver(volume, img);
    const saved = readFileSync(img);
    assert.equal(saved.readUInt16LE(48), 1);
    assert.equal(saved.readUInt32LE(512), 0x41615252);
    assert.equal(mtype(img, '/new.txt').toString(), 'new');
    assert.deepEqual(mtype(img, '/f.txt'), Buffer.from(pattern(5000, 5)));
  } finally { tmp.cleanup(); }
});

test('existing 8.3 aliases are kept on save', () => {
  const tmp = tempDir();
  try {
    const img = image(tmp.path, 1440);
    put(tmp.path, img, '/Long File A.txt', pattern(1, 6));
    put(tmp.path, img, '/Long File B.txt', pattern(1, 7));
    mustRun('mdel', ['-i', img, '::/Long File A.txt']);
    const before = mustRun('mdir', ['-i', img, '::/']);
    assert.match(before, /LONGFI~2 TXT .* Long File B\.txt/);
    const { volume } = load(img);
    volume.write(volume.mknod(ROOT, volume.root, 'Long File C.txt', S_IFREG | 0o644), 0, Buffer.from('c'));
    saveOver(volume, img);
    const after = mustRun('mdir', ['-i', img, '::/']);
    assert.match(after, /LONGFI~2 TXT .* Long File B\.txt/);
    assert.match(after, /LONGFI~1 TXT .* Long File C\.txt/);
  } finally { tmp.cleanup(); }
});

test('thousands of identical names in one directory load, each under its own name', () => {
  const tmp = tempDir();
  try {
    const img = image(tmp.path, 4096);
    put(tmp.path, img, '/SAME.TXT', new Uint8Array(0));
    // Copy the one entry over the whole root directory region of a FAT16-sized root: 512 identical entries.
    const bytes = readFileSync(img);
    const g = scanFat(new Uint8Array(bytes)).geometry;
    const rootAt = (g.reservedSectors + g.numFats * g.fatSectors) * g.bytesPerSector;
    const entry = bytes.subarray(rootAt, rootAt + 32);
    for (let i = 1; i < g.rootEntries; i++) entry.copy(bytes, rootAt + 32 * i);
    writeFileSync(img, bytes);
    const { volume, result } = load(img);
    assert.equal(result.files, g.rootEntries);
    const names = new Set([...volume.root.dir!.entriesAfter(0)].map((e) => e.name));
    assert.equal(names.size, g.rootEntries);
    assert.ok(names.has('SAME.TXT') && names.has('SAME.TXT~dup2') && names.has(`SAME.TXT~dup${g.rootEntries}`));
  } finally { tmp.cleanup(); }
});

test("mlabel's mixed-case label loads as given, without warnings, and is saved in a long-name slot as mlabel does", () => {
  const tmp = tempDir();
  try {
    const img = image(tmp.path, 1440);
    mustRun('mlabel', ['-i', img, '::MyDisk']);
    const { volume, result } = load(img);
    assert.equal(volume.label, 'MyDisk');
    assert.deepEqual(result.warnings, []);
    saveOver(volume, img);
    assert.match(mustRun('mlabel', ['-s', '-i', img, '::']), /Volume label is MyDisk/);
    assert.equal(readFileSync(img).subarray(43, 54).toString('latin1'), 'MYDISK     ', 'the boot sector field fsck.fat expects');
    assert.equal(load(img).volume.label, 'MyDisk');
  } finally { tmp.cleanup(); }
});

/** The image's bytes and the offset of the first FAT12/16 root entry, checked to be the short entry `name11`. */
function firstRootEntry(img: string, name11: string): { bytes: Buffer; at: number } {
  const bytes = readFileSync(img);
  const g = scanFat(new Uint8Array(bytes)).geometry;
  const at = (g.reservedSectors + g.numFats * g.fatSectors) * g.bytesPerSector;
  assert.equal(bytes.subarray(at, at + 11).toString('latin1'), name11);
  return { bytes, at };
}

test('a time in the DST gap and the stored entry bytes survive an untouched round trip', () => {
  const tz = process.env.TZ;
  process.env.TZ = 'America/New_York';
  const tmp = tempDir();
  try {
    const img = image(tmp.path, 1440);
    put(tmp.path, img, '/GAP.TXT', pattern(10, 8));
    const { bytes, at } = firstRootEntry(img, 'GAP     TXT');
    const gapDate = ((2021 - 1980) << 9) | (3 << 5) | 14; // 2021-03-14, clocks go 02:00 -> 03:00
    const gapTime = (2 << 11) | (30 << 5); // 02:30:00
    for (const o of [16, 24]) bytes.writeUInt16LE(gapDate, at + o);
    for (const o of [14, 22]) bytes.writeUInt16LE(gapTime, at + o);
    writeFileSync(img, bytes);
    const before = Buffer.from(bytes.subarray(at, at + 32));
    const { volume } = load(img);
    saveOver(volume, img);
    const saved = readFileSync(img).subarray(at, at + 32);
    assert.deepEqual(saved.subarray(11, 32), before.subarray(11, 32));
  } finally {
    tmp.cleanup();
    if (tz === undefined) delete process.env.TZ; else process.env.TZ = tz;
  }
});

test('short names with high bytes read as code page 850 like mtools (437 on request) and keep their bytes on save', () => {
  const tmp = tempDir();
  try {
    const img = image(tmp.path, 1440);
    put(tmp.path, img, '/NAIVE.TXT', pattern(10, 9));
    const { bytes, at } = firstRootEntry(img, 'NAIVE   TXT');
    bytes[at + 2] = 0xd8; // Ï in code page 850, ╪ in 437
    bytes[at + 12] = 0x18; // NT case bits: base and extension lowercase
    writeFileSync(img, bytes);
    assert.match(mustRun('mdir', ['-i', img, '::/']), /naïve\.txt|NAÏVE/i);
    const { volume } = load(img);
    assert.deepEqual([...volume.root.dir!.entriesAfter(0)].map((e) => e.name), ['naïve.txt']);
    const v437 = new Volume();
    loadFatIntoVolume(new Uint8Array(bytes), v437, { codepage: 437 });
    assert.deepEqual([...v437.root.dir!.entriesAfter(0)].map((e) => e.name), ['na╪ve.txt']);
    saveOver(volume, img);
    const saved = readFileSync(img);
    // The short entry keeps its bytes (an LFN slot may now precede it); mtools still reads the same name.
    assert.match(mustRun('mdir', ['-/', '-b', '-i', img, '::/']), /naïve\.txt/i);
    assert.deepEqual(mtype(img, '/naïve.txt'), Buffer.from(pattern(10, 9)));
    assert.ok(saved.includes(Buffer.from('NA\xd8VE   TXT', 'latin1')), 'the stored 8.3 bytes are kept');
  } finally { tmp.cleanup(); }
});
