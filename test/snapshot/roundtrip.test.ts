import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, lstatSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, S_IFBLK, S_IFCHR, Volume } from '../../src/core/index.js';
import { loadSnapshot, readArchive, saveSnapshot, writeArchive, type Progress } from '../../src/formats/snapshot/index.js';
import { GiB, MiB, RAW_NAME, describe, makedev, richVolume, tempDir } from './helpers.js';

test('a volume with every kind of inode and attribute round-trips exactly', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'vol.tar');
  const original = richVolume();
  const saves: Progress[] = [];
  await saveSnapshot(original, file, { onProgress: (p) => saves.push(p) });
  const loads: Progress[] = [];
  const { volume, warnings } = await loadSnapshot(file, {}, { onProgress: (p) => loads.push(p) });
  assert.deepEqual(warnings, []);
  assert.equal(volume.label, 'RICH');
  assert.equal(volume.caseInsensitive, false);
  assert.equal(volume.serial, original.serial);
  const before = describe(original);
  const after = describe(volume);
  assert.deepEqual([...after.keys()], [...before.keys()], 'same names in the same listing order');
  for (const [path, d] of before) assert.deepEqual(after.get(path), d, path);
  // Progress: a final report with everything counted.
  assert.equal(saves.at(-1)!.done, true);
  assert.equal(saves.at(-1)!.bytesDone, saves.at(-1)!.bytesTotal);
  assert.equal(loads.at(-1)!.done, true);
  assert.equal(loads.at(-1)!.bytesTotal, statSync(file).size);
  // A second save of the loaded volume gives the same bytes (deterministic, nothing drifts).
  const again = join(dir, 'again.tar');
  await saveSnapshot(volume, again);
  assert.ok(readFileSync(again).equals(readFileSync(file)));
});

test('a 1 GiB sparse file stays small on disk and in memory', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'sparse.tar');
  const v = new Volume();
  const f = v.mknod(ROOT, v.root, 'disk.img', 0o644);
  v.write(f, 0, Buffer.from('boot'));
  v.write(f, GiB - 3, Buffer.from('end'));
  v.write(f, 512 * MiB, Buffer.alloc(4096, 0xaa));
  await saveSnapshot(v, file);
  assert.ok(statSync(file).size < 1 * MiB, `archive is ${statSync(file).size} bytes`);
  const rssBefore = process.memoryUsage().rss;
  const { volume, warnings } = await loadSnapshot(file);
  assert.deepEqual(warnings, []);
  const g = volume.lookup(ROOT, volume.root, 'disk.img');
  assert.equal(g.size, GiB);
  assert.ok(volume.used < 2 * MiB, `volume uses ${volume.used} bytes`);
  assert.ok(process.memoryUsage().rss - rssBefore < 64 * MiB);
  assert.equal(Buffer.concat(g.data!.read(GiB - 3, 3)).toString(), 'end');
  assert.equal(Buffer.concat(g.data!.read(512 * MiB, 4)).toString('hex'), 'aaaaaaaa');
  assert.equal(g.data!.seekData(4096 * 1024), 512 * MiB);
  assert.deepEqual(describe(volume), describe(v));
});

test('named streams bigger than an xattr round-trip, and their holes stay holes', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'streams.tar');
  const v = new Volume();
  const f = v.mknod(ROOT, v.root, 'f', 0o644);
  v.setxattr(f, 'user.holey', Buffer.alloc(0));
  const stream = v.stream(f, 'holey')!;
  stream.data.write(20 * MiB, Buffer.from('tail of a stream'));
  await saveSnapshot(v, file);
  const { volume, warnings } = await loadSnapshot(file);
  assert.deepEqual(warnings, []);
  const g = volume.lookup(ROOT, volume.root, 'f');
  const loaded = volume.stream(g, 'holey')!;
  assert.equal(loaded.data.size, 20 * MiB + 16);
  assert.equal(Buffer.concat(loaded.data.read(20 * MiB, 16)).toString(), 'tail of a stream');
  assert.ok(loaded.data.allocated <= 2 * stream.data.allocated, `stream holds ${loaded.data.allocated} bytes`);
  assert.deepEqual(describe(volume), describe(v));
});

test('device numbers beyond the ustar fields round-trip (SCHILY.devmajor/devminor)', async (t) => {
  const file = join(tempDir(t), 'dev.tar');
  const v = new Volume();
  const rdev = makedev(3000, 0xffff_ffff); // a 32-bit minor: too big for the 7 octal digits of devminor
  v.mknod(ROOT, v.root, 'huge', S_IFCHR | 0o600, rdev);
  v.mknod(ROOT, v.root, 'small', S_IFBLK | 0o600, makedev(8, 1));
  await saveSnapshot(v, file);
  assert.ok(readFileSync(file).includes('SCHILY.devminor=4294967295'));
  const { volume, warnings } = await loadSnapshot(file);
  assert.deepEqual(warnings, []);
  assert.equal(volume.lookup(ROOT, volume.root, 'huge').rdev, rdev);
  assert.equal(volume.lookup(ROOT, volume.root, 'small').rdev, makedev(8, 1));
});

test('case-insensitive volumes keep their flag and label; explicit options win with a warning', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'ci.tar');
  const v = new Volume({ caseInsensitive: true, label: 'Ünïcode Label' });
  const f = v.mknod(ROOT, v.root, 'MixedCase.TXT', 0o644);
  v.setxattr(f, 'user.Stream', Buffer.from('s'));
  await saveSnapshot(v, file);
  const loaded = await loadSnapshot(file);
  assert.equal(loaded.volume.caseInsensitive, true);
  assert.equal(loaded.volume.label, 'Ünïcode Label');
  assert.equal(loaded.volume.storedName(loaded.volume.root, 'mixedcase.txt'), 'MixedCase.TXT');
  assert.deepEqual(describe(loaded.volume), describe(v));
  const forced = await loadSnapshot(file, { caseInsensitive: false });
  assert.equal(forced.volume.caseInsensitive, false);
  assert.match(forced.warnings.join('\n'), /case-insensitive/);
});

test('names that are not UTF-8 are written as raw bytes', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'raw.tar');
  await saveSnapshot(richVolume(), file);
  const bytes = readFileSync(file);
  assert.ok(bytes.includes(Buffer.from([0x62, 0x61, 0x64, 0xff, 0xfe])));
  const { volume } = await loadSnapshot(file);
  assert.equal(volume.lookup(ROOT, volume.root, RAW_NAME).size, 14);
});

test('a save replaces the file atomically and leaves nothing behind when it fails', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'vol.tar');
  writeFileSync(file, 'old snapshot');
  const v = new Volume();
  const f = v.mknod(ROOT, v.root, 'f', 0o644);
  v.write(f, 0, Buffer.alloc(3 * MiB, 1));
  // A read that fails half-way through the save.
  const data = f.data!;
  const read = data.read.bind(data);
  let calls = 0;
  data.read = (pos, len) => {
    if (++calls > 1) throw new Error('simulated failure');
    return read(pos, len);
  };
  await assert.rejects(saveSnapshot(v, file), /simulated failure/);
  assert.equal(readFileSync(file, 'utf8'), 'old snapshot');
  assert.deepEqual(readdirSync(dir), ['vol.tar']);
  data.read = read;
  await saveSnapshot(v, file);
  assert.deepEqual(readdirSync(dir), ['vol.tar']);
  const { volume } = await loadSnapshot(file);
  assert.equal(volume.lookup(ROOT, volume.root, 'f').size, 3 * MiB);
});

test('a save keeps the mode of the snapshot it replaces and follows a symlink to it', async (t) => {
  const dir = tempDir(t);
  const real = join(dir, 'real.tar');
  const link = join(dir, 'link.tar');
  writeFileSync(real, 'old');
  chmodSync(real, 0o640);
  symlinkSync('real.tar', link);
  await saveSnapshot(new Volume(), link);
  assert.ok(lstatSync(link).isSymbolicLink());
  assert.equal(statSync(real).mode & 0o777, 0o640);
  assert.deepEqual(readdirSync(dir).sort(), ['link.tar', 'real.tar']);
  await loadSnapshot(link);
  const fresh = join(dir, 'fresh.tar');
  await saveSnapshot(new Volume(), fresh);
  assert.equal(statSync(fresh).mode & 0o777, 0o600);
});

test('an empty volume round-trips, and a volume that is too small for a snapshot refuses it', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'vol.tar');
  const empty = new Volume({ rootMode: 0o755, rootUid: 1000, rootGid: 100 });
  await saveSnapshot(empty, file);
  const loaded = await loadSnapshot(file);
  assert.deepEqual(describe(loaded.volume), describe(empty));
  const big = new Volume();
  big.write(big.mknod(ROOT, big.root, 'f', 0o644), 0, Buffer.alloc(4 * MiB, 1));
  await saveSnapshot(big, file);
  await assert.rejects(loadSnapshot(file, { sizeLimit: 1 * MiB }), { name: 'SnapshotError', message: /does not fit/ });
});

test('a volume that changes during a save still gives a well-formed archive', async () => {
  const v = new Volume();
  const cut = v.mknod(ROOT, v.root, 'cut', 0o644);
  const grow = v.mknod(ROOT, v.root, 'grows', 0o644);
  v.write(cut, 0, Buffer.alloc(3 * MiB, 1));
  v.write(grow, 0, Buffer.alloc(MiB, 2));
  const chunks: Buffer[] = [];
  let calls = 0;
  await writeArchive(v, (chunk) => {
    chunks.push(Buffer.from(chunk));
    if (++calls === 2) {
      // Mid-save, while "cut" is being written: it shrinks; "grows" (not written yet) grows.
      v.setattr(ROOT, cut, { size: 10 });
      v.write(grow, MiB, Buffer.alloc(MiB, 3));
    }
  });
  const archive = Buffer.concat(chunks);
  const { volume, warnings } = await readArchive({ read: async (buf, pos) => archive.copy(buf, 0, pos, pos + buf.length) });
  assert.deepEqual(warnings, []);
  // "cut" keeps the size its header declared (the lost tail reads as zeros); "grows" was measured after the change.
  assert.equal(volume.lookup(ROOT, volume.root, 'cut').size, 3 * MiB);
  assert.equal(volume.lookup(ROOT, volume.root, 'grows').size, 2 * MiB);
});

test('archives load from a source of unknown size, and truncation is still caught', async () => {
  const chunks: Buffer[] = [];
  await writeArchive(richVolume(), (chunk) => void chunks.push(Buffer.from(chunk)));
  const archive = Buffer.concat(chunks);
  const from = (bytes: Buffer) => ({ read: async (buf: Uint8Array, pos: number) => bytes.copy(buf, 0, pos, Math.min(bytes.length, pos + buf.length)) });
  const { volume, warnings } = await readArchive(from(archive));
  assert.deepEqual(warnings, []);
  assert.deepEqual(describe(volume).size, describe(richVolume()).size);
  await assert.rejects(readArchive(from(archive.subarray(0, archive.length >> 1))), { name: 'SnapshotError' });
});
