/** The bridge: FAT images into the volume core and back. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, Volume, S_IFREG, S_IFIFO, toMs, isFsError, type Inode } from '../../src/core/index.js';
import {
  loadFatIntoVolume, openImageSource, prepareVolumeAsFat, readFat, readImageFile, saveImageFile, saveVolumeAsFat, scanFat, writeFat,
  type FatDirectory, type FatNode,
} from '../../src/formats/fat/index.js';
import { dir, file, flatten, materialize, pattern, sampleTree } from './fixtures.js';
import { fsckComplaints, mustRun, tempDir } from './tools.js';

/** The bytes of a file, without touching its atime (volume.read would, as relatime does). */
function readAll(_volume: Volume, inode: Inode): Uint8Array {
  const out = new Uint8Array(inode.size);
  inode.data!.readInto(0, out);
  return out;
}

function resolve(volume: Volume, path: string): Inode {
  let inode = volume.root;
  for (const part of path.split('/').filter(Boolean)) inode = volume.lookup(ROOT, inode, part);
  return inode;
}

/** Compares what the volume holds with a tree, to FAT's precision. */
function assertVolumeHolds(volume: Volume, root: FatDirectory): void {
  for (const [path, node] of flatten(root)) {
    const inode = resolve(volume, path);
    assert.equal(inode.isDir(), node.kind === 'dir', path);
    assert.equal(inode.dosAttributes, node.attributes & 0x27, `attributes of ${path}`);
    if (node.kind === 'file') {
      assert.deepEqual(readAll(volume, inode), node.data, `bytes of ${path}`);
      assert.equal(inode.mode & 0o777, node.attributes & 1 ? 0o444 : 0o644, `mode of ${path}`);
    }
    assert.equal(toMs(inode.mtime), node.modified, `mtime of ${path}`);
    assert.equal(toMs(inode.btime), node.created, `btime of ${path}`);
  }
}

test('an image made by mkfs.fat + mcopy loads into the volume with names, bytes, attributes, times and label', () => {
  const tmp = tempDir();
  try {
    const tree = sampleTree(2048);
    const host = join(tmp.path, 'host');
    mkdirSync(host);
    materialize(tree.root, host);
    const img = join(tmp.path, 'ref.img');
    mustRun('mkfs.fat', ['-C', '-n', 'FROMTOOLS', img, '16384']);
    mustRun('mcopy', ['-s', '-m', '-i', img, ...readdirSync(host).map((n) => join(host, n)), '::/']);
    mustRun('mattrib', ['-i', img, '+r', '+h', '::/readonly hidden.txt']);
    const volume = new Volume();
    const result = loadFatIntoVolume(new Uint8Array(readFileSync(img)), volume);
    assert.deepEqual(result.warnings, []);
    assert.equal(volume.label, 'FROMTOOLS');
    const ro = resolve(volume, '/readonly hidden.txt');
    assert.equal(ro.dosAttributes & 3, 3);
    assert.equal(ro.mode & 0o777, 0o444);
    assert.deepEqual(readAll(volume, resolve(volume, '/Ünïcödé ñame — ✓ 名前.txt')), pattern(77, 5));
    assert.deepEqual(readAll(volume, resolve(volume, '/level 1/level 2/level 3/level 4/level 5/level 6/level 7/level 8/bottom.txt')), pattern(10, 99));
    assert.equal(toMs(resolve(volume, '/Mixed Case Long Name.Markdown').mtime), tree.root.children[3]!.modified);
  } finally {
    tmp.cleanup();
  }
});

for (const fatType of [12, 16, 32] as const) {
  test(`FAT${fatType}: image → volume → image keeps everything FAT holds`, () => {
    const size = fatType === 12 ? 1440 * 1024 : fatType === 16 ? 16 << 20 : 40 << 20;
    const tree = sampleTree(512);
    const first = writeFat(tree, { size, fatType, sectorsPerCluster: fatType === 16 ? 4 : 1 }).image;
    const volume = new Volume();
    assert.deepEqual(loadFatIntoVolume(first, volume).warnings, []);
    assertVolumeHolds(volume, tree.root);
    const saved = saveVolumeAsFat(volume, { like: first });
    assert.deepEqual(saved.warnings, []);
    assert.equal(saved.image.length, first.length);
    assert.deepEqual(saved.image.subarray(0, 62), first.subarray(0, 62)); // same BPB, serial and label
    const again = readFat(saved.image);
    assert.deepEqual(again.warnings, []);
    assert.equal(again.tree.label, 'SAMPLE');
    const a = flatten(readFat(first).tree.root); // what FAT kept of the tree (access times are dates)
    const b = flatten(again.tree.root);
    assert.deepEqual([...b.keys()], [...a.keys()]); // same names in the same order
    for (const [path, node] of a) {
      const other = b.get(path)!;
      assert.equal(other.attributes, node.attributes, path);
      assert.equal(other.modified, node.modified, path);
      assert.equal(other.created, node.created, path);
      assert.equal(other.accessed, node.accessed, path);
      if (node.kind === 'file') assert.deepEqual((other as typeof node).data, node.data, path);
    }
    const tmp = tempDir();
    try {
      const img = join(tmp.path, 'saved.img');
      writeFileSync(img, saved.image);
      assert.deepEqual(fsckComplaints(img).complaints, []);
    } finally {
      tmp.cleanup();
    }
  });
}

for (const fatType of [12, 16, 32] as const) {
  test(`FAT${fatType}: a save streamed to a file over the old image equals the image built in memory, and fsck.fat and mtools accept it`, () => {
    const size = fatType === 12 ? 1440 * 1024 : fatType === 16 ? 16 << 20 : 40 << 20;
    const first = writeFat(sampleTree(512), { size, fatType, sectorsPerCluster: fatType === 16 ? 4 : 1 }).image;
    const volume = new Volume();
    assert.deepEqual(loadFatIntoVolume(first, volume).warnings, []);
    // Larger than the writer's 4 MiB piece, so it goes out in several writes.
    const big = pattern(fatType === 12 ? 300_000 : (5 << 20) + 3, 7);
    volume.write(volume.mknod(ROOT, volume.root, 'big.bin', S_IFREG | 0o644), 0, big);
    const tmp = tempDir();
    try {
      const img = join(tmp.path, 'saved.img');
      const trailer = new TextEncoder().encode('past the file system');
      const old = new Uint8Array(first.length + trailer.length);
      old.set(first);
      old.set(trailer, first.length);
      writeFileSync(img, old);
      const expected = saveVolumeAsFat(volume, { like: old }).image;
      const like = openImageSource(img, old.length);
      try {
        const prepared = prepareVolumeAsFat(volume, { like });
        assert.deepEqual(prepared.warnings, []);
        saveImageFile(img, prepared);
      } finally {
        like.close();
      }
      const saved = readImageFile(img);
      assert.equal(saved.length, old.length);
      assert.ok(Buffer.from(saved).equals(Buffer.from(expected)), 'the streamed image differs from the one built in memory');
      assert.deepEqual(fsckComplaints(img).complaints, []);
      const out = join(tmp.path, 'out');
      mkdirSync(out);
      mustRun('mcopy', ['-s', '-m', '-i', img, '::/', out + '/']);
      assert.ok(readFileSync(join(out, 'big.bin')).equals(Buffer.from(big)), 'big.bin as mtools reads it');
      assert.deepEqual(new Uint8Array(readFileSync(join(out, 'README.TXT'))), readAll(volume, resolve(volume, '/README.TXT')));
    } finally {
      tmp.cleanup();
    }
  });
}

test('saving reports what FAT cannot hold, with counts', () => {
  const volume = new Volume({ label: 'Scratch' });
  const root = volume.root;
  const f = volume.mknod(ROOT, root, 'plain.txt', S_IFREG | 0o644);
  volume.write(f, 0, new TextEncoder().encode('hello'));
  const exe = volume.mknod(ROOT, root, 'tool', S_IFREG | 0o755);
  volume.setattr(ROOT, exe, { uid: 1000, gid: 1000 });
  volume.symlink(ROOT, root, 'link', 'plain.txt');
  volume.symlink(ROOT, root, 'link2', 'tool');
  volume.mknod(ROOT, root, 'fifo', S_IFIFO | 0o644);
  volume.link(ROOT, f, root, 'hardlink.txt');
  volume.setxattr(f, 'user.comment', new TextEncoder().encode('x'));
  volume.setxattr(f, 'trusted.x', new Uint8Array([1]));
  const { image, warnings } = saveVolumeAsFat(volume, {});
  const text = warnings.join('\n');
  assert.match(text, /symbolic links \(left out\): 2 \(\/link, \/link2\)/);
  assert.match(text, /special files.*: 1 \(\/fifo\)/);
  assert.match(text, /hard links.*: 1 \(\/hardlink\.txt\)/);
  assert.match(text, /owners \(uid\/gid\): 1 \(\/tool\)/);
  assert.match(text, /permission modes: 1 \(\/tool\)/);
  assert.match(text, /extended attributes: 2/);
  assert.match(text, /named streams.*: 2/);
  assert.doesNotMatch(text, /volume label changed/, 'a mixed-case label is kept (long-name slot, as mlabel)');
  const names = readFat(image).tree.root.children.map((n: FatNode) => n.name);
  assert.deepEqual(names, ['plain.txt', 'tool', 'hardlink.txt']);
  assert.equal(image.length, 1440 * 1024); // the smallest standard size that fits
});

test('a file of 4 GiB or more fails the save clearly unless skipped', () => {
  const volume = new Volume();
  const small = volume.mknod(ROOT, volume.root, 'small', S_IFREG | 0o644);
  volume.write(small, 0, new Uint8Array([1, 2, 3]));
  const huge = volume.mknod(ROOT, volume.root, 'huge.bin', S_IFREG | 0o644);
  volume.setattr(ROOT, huge, { size: 2 ** 32 }); // sparse: costs no memory
  assert.throws(() => saveVolumeAsFat(volume), (e: unknown) => isFsError(e) && e.code === 'EFBIG' && /\/huge\.bin is 4294967296 bytes; FAT files end at 4 GiB - 1/.test(e.message));
  const { image, warnings } = saveVolumeAsFat(volume, { skipTooBig: true });
  assert.match(warnings.join('\n'), /1 files of 4 GiB or more left out: \/huge\.bin/);
  assert.deepEqual(readFat(image).tree.root.children.map((n) => n.name), ['small']);
});

test('content that does not fit the requested size, or the volume, fails with ENOSPC', () => {
  const volume = new Volume();
  const f = volume.mknod(ROOT, volume.root, 'f', S_IFREG | 0o644);
  volume.write(f, 0, new Uint8Array(2 << 20));
  assert.throws(() => saveVolumeAsFat(volume, { size: 1440 * 1024 }), /ENOSPC.*clusters/);
  const image = saveVolumeAsFat(volume).image;
  assert.throws(() => loadFatIntoVolume(image, new Volume({ sizeLimit: 1 << 20 })), /ENOSPC/);
});

test('names longer than the host allows load under a reachable name and save back as they were', () => {
  const long = '名'.repeat(100);
  const tree = { label: '', root: dir('', [file('ok.txt', pattern(3, 1)), file(long, pattern(3, 2)), file('what?', pattern(1, 3))]) };
  const { image, warnings } = writeFat(tree, { size: 1440 * 1024 });
  assert.match(warnings.join('\n'), /names changed to what FAT can hold: \/what\? -> what_/);
  const volume = new Volume({ windowsNames: false });
  const r = loadFatIntoVolume(image, volume);
  assert.match(r.warnings.join('\n'), /longer than 255 bytes; reachable as "名+~1"/);
  assert.equal(r.files, 3);
  const names = saveVolumeAsFat(volume, { like: image }).image;
  assert.deepEqual(readFat(names).tree.root.children.map((n) => n.name).sort(), ['ok.txt', 'what_', long].sort());
});

test('a new image takes the volume size limit as its size, laid out as mkfs.fat would', () => {
  const volume = new Volume({ sizeLimit: 64 << 20 });
  const f = volume.mknod(ROOT, volume.root, 'f', S_IFREG | 0o644);
  volume.write(f, 0, new Uint8Array([1]));
  const { image } = saveVolumeAsFat(volume);
  assert.equal(image.length, 64 << 20);
  const g = scanFat(image).geometry;
  assert.deepEqual([g.fatType, g.clusterBytes], [16, 2048]);
  assert.throws(() => saveVolumeAsFat(new Volume({ sizeLimit: 2 ** 40 })), /EFBIG.*cannot be built in memory/);
  assert.equal(saveVolumeAsFat(new Volume({ sizeLimit: 2 ** 40 }), { size: 1440 * 1024 }).image.length, 1440 * 1024);
});
