/**
 * Damaged and hostile images: a clear error or a load with warnings, never a
 * crash, a hang or unbounded memory; names never escape a directory.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  clusterOffset, openImageSource, readFat, scanFat, writeFat, FatTable, type ContentSource, type FatNode, type FatScan, type FatType,
} from '../../src/formats/fat/index.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkFat } from '../../src/formats/fat/index.js';
import { dir, file, flatten, pattern, sampleTree } from './fixtures.js';
import { fsckComplaints, tempDir } from './tools.js';

function baseImage(fatType: FatType): Uint8Array {
  const size = fatType === 12 ? 1440 * 1024 : fatType === 16 ? 16 << 20 : 40 << 20;
  const tree = sampleTree(512);
  tree.root.children.push(file('Ab', pattern(10, 1)), file('Cd', pattern(10, 2)), file('Ef', pattern(10, 3)));
  return writeFat(tree, { size, fatType, now: 0 }).image;
}

/** Scans, accepting only a result or a format Error (not TypeError, RangeError...). */
export function scanSafely(image: Uint8Array): FatScan | Error {
  try {
    return scanFat(image, { records: true });
  } catch (e) {
    if (!(e instanceof Error) || e.constructor !== Error) throw e;
    assert.match(e.message, /^not (a valid FAT boot sector|a FAT image)/);
    return e;
  }
}

function entryOf(scan: FatScan, path: string) {
  const r = scan.records.find((x) => x.path === path);
  assert.ok(r, `no entry for ${path}`);
  return r;
}

/** Absolute offset of the short entry of `path` in the image. */
function entryOffset(image: Uint8Array, scan: FatScan, path: string): number {
  const r = entryOf(scan, path);
  const g = scan.geometry;
  if (r.dir === '/' && g.fatType !== 32) return (g.reservedSectors + g.numFats * g.fatSectors) * g.bytesPerSector + r.index * 32;
  const chain = r.dir === '/' ? scan.directoryChains.get('/')! : scan.directoryChains.get(r.dir)!;
  const per = g.clusterBytes / 32;
  return clusterOffset(g, chain[Math.floor(r.index / per)]!) + (r.index % per) * 32;
}

function fatOf(image: Uint8Array, scan: FatScan, copy = 0): FatTable {
  const g = scan.geometry;
  const start = (g.reservedSectors + copy * g.fatSectors) * g.bytesPerSector;
  return new FatTable(g.fatType, image.subarray(start, start + g.fatSectors * g.bytesPerSector));
}

function setFat(image: Uint8Array, scan: FatScan, n: number, v: number): void {
  for (let c = 0; c < scan.geometry.numFats; c++) fatOf(image, scan, c).set(n, v);
}

function has(problems: string[], re: RegExp): void {
  assert.ok(problems.some((p) => re.test(p)), `expected a problem matching ${re}, got:\n${problems.join('\n')}`);
}

for (const type of [12, 16, 32] as FatType[]) {
  test(`FAT${type}: clean image has no problems`, () => {
    assert.deepEqual(scanFat(baseImage(type)).problems, []);
  });

  test(`FAT${type}: truncated images and wrong signatures`, () => {
    const image = baseImage(type);
    for (const n of [0, 1, 100, 511, 512, 513, 1024, 4096, 9000, 20000, Math.floor(image.length / 2), image.length - 1]) {
      const r = scanSafely(image.subarray(0, n));
      if (n < 512) assert.ok(r instanceof Error && /only \d+ bytes/.test(r.message));
      else if (!(r instanceof Error)) has(r.problems, /truncated/);
    }
    const unsigned = image.slice();
    unsigned[510] = 0;
    has((scanSafely(unsigned) as FatScan).problems, /signature/);
    const notFat = image.slice();
    notFat[11] = 0; notFat[12] = 0;
    assert.match((scanSafely(notFat) as Error).message, /bytes per sector 0/);
    const zeroSpc = image.slice();
    zeroSpc[13] = 3;
    assert.match((scanSafely(zeroSpc) as Error).message, /sectors per cluster 3/);
    assert.ok(scanSafely(new Uint8Array(4096)) instanceof Error);
  });

  test(`FAT${type}: loops, cross-links and size mismatches`, () => {
    const image = baseImage(type);
    const scan = scanFat(image, { records: true });
    const inner = entryOf(scan, '/Sub Directory/inner.dat').chain!;
    const readme = entryOf(scan, '/README.TXT').chain!;
    const big = entryOf(scan, '/one cluster plus one.bin').chain!;
    setFat(image, scan, inner[inner.length - 1]!, inner[0]!); // loop
    setFat(image, scan, readme[0]!, big[0]!); // README now runs into another file's chain
    const sizeAt = entryOffset(image, scan, '/lower.txt') + 28;
    image[sizeAt + 3] = 0x40; // 1 GiB
    const r = scanSafely(image) as FatScan;
    has(r.problems, /inner\.dat: chain loops back/);
    has(r.problems, /cross-linked/);
    has(r.problems, /lower\.txt: size \d+ but its chain holds 1 clusters/);
    const files = flatten(r.tree.root);
    const lower = files.get('/lower.txt') as FatNode & { data: Uint8Array };
    assert.equal(lower.data.length, scan.geometry.clusterBytes);
  });

  test(`FAT${type}: directories that contain themselves or the root`, () => {
    const image = baseImage(type);
    const scan = scanFat(image, { records: true });
    const sub = entryOf(scan, '/Sub Directory').path!;
    const subCluster = scan.directoryChains.get(sub)![0]!;
    // "empty dir" inside "Sub Directory" now points at its parent; "level 1" points at the root.
    const emptyAt = entryOffset(image, scan, '/Sub Directory/empty dir');
    image[emptyAt + 26] = subCluster & 0xff; image[emptyAt + 27] = subCluster >> 8;
    image[emptyAt + 20] = subCluster >>> 16; image[emptyAt + 21] = subCluster >>> 24;
    const levelAt = entryOffset(image, scan, '/level 1');
    const rootCluster = scan.geometry.rootCluster;
    image[levelAt + 26] = rootCluster & 0xff; image[levelAt + 27] = 0; image[levelAt + 20] = 0; image[levelAt + 21] = 0;
    const r = scanSafely(image) as FatScan;
    has(r.problems, /empty dir: directory starts at cluster \d+, already used/);
    has(r.problems, /level 1: directory (points at the root|has no cluster)/);
    assert.ok(flatten(r.tree.root).size < 200);
  });

  test(`FAT${type}: hostile long names never yield "/", "..", NUL or control characters`, () => {
    const image = baseImage(type);
    const put = (name: string, units: number[]) => {
      // Find the name's UTF-16 units in the long-name slot and replace them.
      const needle = [...name].flatMap((c) => [c.charCodeAt(0), 0]);
      let at = -1;
      outer: for (let i = 0; i < image.length - needle.length; i++) {
        for (let j = 0; j < needle.length; j++) if (image[i + j] !== needle[j]) continue outer;
        if (image[i + needle.length] === 0 && image[i + needle.length + 1] === 0) { at = i; break; }
      }
      assert.ok(at > 0, `slot for ${name}`);
      units.forEach((u, k) => { image[at + 2 * k] = u & 0xff; image[at + 2 * k + 1] = u >> 8; });
    };
    put('Ab', [0x2e, 0x2e]); // ".."
    put('Cd', [0x2f, 0x01]); // "/\x01"
    put('Ef', [0xd800, 0x41]); // lone surrogate
    const r = scanSafely(image) as FatScan;
    const names = [...flatten(r.tree.root).keys()].map((p) => p.split('/').pop()!);
    for (const n of names) {
      assert.ok(n !== '.' && n !== '..' && n !== '' && !/[\x00-\x1f/]/.test(n) && !/[\ud800-\udfff]/.test(n.replace(/[\ud800-\udbff][\udc00-\udfff]/g, '')), JSON.stringify(n));
    }
    has(r.problems, /not a usable file name/);
    assert.equal(new Set(names.map((n) => n.toUpperCase())).size, names.length);
  });

  test(`FAT${type}: LFN checksum mismatch, orphan slots, dirty bits`, () => {
    const image = baseImage(type);
    const scan = scanFat(image, { records: true });
    const slotAt = entryOffset(image, scan, '/Mixed Case Long Name.Markdown') - 32;
    image[slotAt + 13] ^= 0xff; // checksum of the slot
    const fat = fatOf(image, scan);
    if (type !== 12) fat.set(1, fat.get(1) & ~(type === 16 ? 0x8000 : 0x08000000));
    image[type === 32 ? 65 : 37] |= 1;
    const r = scanSafely(image) as FatScan;
    has(r.problems, /checksum|outside a set/);
    has(r.problems, /dirty bit/);
    if (type !== 12) { has(r.problems, /not unmounted cleanly/); has(r.problems, /FAT #2 differs/); }
    // The file is still there under its short name.
    assert.ok([...flatten(r.tree.root).keys()].includes('/MIXEDC~1.MAR'));
  });
}

test('FAT32: FSInfo and backup boot sector damage is reported', () => {
  const image = baseImage(32);
  image[512 + 488] ^= 1; // free count
  image[6 * 512 + 3] ^= 1; // backup boot sector OEM name
  const r = scanSafely(image) as FatScan;
  has(r.problems, /FSInfo free cluster count/);
  has(r.problems, /backup boot sector differs/);
});

test('a huge claimed size in a tiny image allocates nothing beyond the image', () => {
  const tree = { label: '', root: dir('', [file('f', pattern(3000, 1))]) };
  const image = writeFat(tree, { size: 1440 * 1024 }).image;
  const scan = scanFat(image, { records: true });
  const at = entryOffset(image, scan, '/f');
  image[at + 28] = 0xff; image[at + 29] = 0xff; image[at + 30] = 0xff; image[at + 31] = 0xff;
  const cut = image.subarray(0, 40000);
  const r = readFat(cut);
  const f = r.tree.root.children[0] as FatNode & { data: Uint8Array };
  assert.ok(f.data.length <= cut.length);
  // Read from a file in parts, the same: what the image holds, and no read past its end.
  const tmp = tempDir();
  try {
    const img = join(tmp.path, 'cut.img');
    writeFileSync(img, cut);
    const source = openImageSource(img, cut.length);
    try {
      const streamed = readFat(source);
      assert.deepEqual(streamed.warnings, r.warnings);
      const data = (streamed.tree.root.children[0] as FatNode & { data: ContentSource }).data;
      const bytes = new Uint8Array(data.size);
      assert.equal(data.readInto(0, bytes), f.data.length);
      assert.deepEqual(bytes, f.data);
    } finally {
      source.close();
    }
  } finally {
    tmp.cleanup();
  }
});

test('the check agrees with fsck.fat on what is damaged', () => {
  const tmp = tempDir();
  try {
    const damages: [string, (image: Uint8Array, scan: FatScan) => void][] = [
      ['nothing', () => {}],
      ['a loop', (image, scan) => { const c = entryOf(scan, '/Sub Directory/inner.dat').chain!; setFat(image, scan, c[c.length - 1]!, c[0]!); }],
      ['a cross-link', (image, scan) => { setFat(image, scan, entryOf(scan, '/README.TXT').chain![0]!, entryOf(scan, '/one cluster plus one.bin').chain![0]!); }],
      ['a size beyond the chain', (image, scan) => { image[entryOffset(image, scan, '/lower.txt') + 29] = 0x40; }],
      ['a lost cluster', (image, scan) => { setFat(image, scan, scan.geometry.clusterCount, 0xffff); }],
      ['a long-name checksum', (image, scan) => { image[entryOffset(image, scan, '/Mixed Case Long Name.Markdown') - 32 + 13] ^= 0xff; }],
      ['a dirty bit', (image) => { image[37] |= 1; }],
      ['a "." pointing elsewhere', (image, scan) => { const at = clusterOffset(scan.geometry, scan.directoryChains.get('/Sub Directory')![0]!); image[at + 26] ^= 1; }],
    ];
    for (const [what, damage] of damages) {
      const image = baseImage(16);
      damage(image, scanFat(image, { records: true }));
      const img = join(tmp.path, 'damaged.img');
      writeFileSync(img, image);
      const theirs = fsckComplaints(img).complaints;
      const ours = checkFat(image);
      assert.equal(ours.length > 0, theirs.length > 0, `${what}: fsck.fat says ${JSON.stringify(theirs)}, we say ${JSON.stringify(ours)}`);
    }
  } finally {
    tmp.cleanup();
  }
});

test('a tree thousands of directories deep is written, read, loaded and saved without recursion limits', async () => {
  const { Volume } = await import('../../src/core/index.js');
  const { loadFatIntoVolume, saveVolumeAsFat } = await import('../../src/formats/fat/index.js');
  const depth = 3000;
  const root = dir('', []);
  let d = root;
  for (let i = 0; i < depth; i++) { const next = dir(`d${i}`, []); d.children.push(next); d = next; }
  d.children.push(file('leaf', pattern(3, 1)));
  const image = writeFat({ label: '', root }, { size: 16 << 20 }).image;
  const scan = scanFat(image);
  assert.deepEqual(scan.problems, []);
  const volume = new Volume();
  const loaded = loadFatIntoVolume(image, volume);
  assert.equal(loaded.directories, depth);
  assert.equal(loaded.files, 1);
  assert.deepEqual(saveVolumeAsFat(volume, { like: image }).warnings, []);
});
