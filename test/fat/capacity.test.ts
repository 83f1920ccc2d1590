/**
 * A RAM disk saved into a FAT image is full when the image is: files count whole clusters, directories
 * their slots in whole clusters, the FAT12/16 root its fixed slots. Real mounts; fsck.fat and mtools referee.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { cleanupAll, forceUnmount, isMounted, mount, sh, tempDir } from '../helpers/mount.js';
import { fsckComplaints, mustRun } from './tools.js';
import { ROOT } from '../../src/core/access.js';
import { Errno } from '../../src/core/errno.js';
import { S_IFREG, type Inode } from '../../src/core/inode.js';
import { FALLOC_FL_KEEP_SIZE, Volume } from '../../src/core/volume.js';
import { fatVolumeLimits, loadFatIntoVolume, saveVolumeAsFat } from '../../src/formats/fat/index.js';

after(cleanupAll);

/**
 * Writes files until the volume refuses one with ENOSPC; returns the names accepted. (The refused one may
 * still exist, created empty or written in part, as on any file system: the save must keep it as it is.)
 */
function fillWithFiles(dir: string, names: (i: number) => string, content: Buffer, most: number): string[] {
  const accepted: string[] = [];
  for (let i = 0; i < most; i++) {
    const name = names(i);
    try {
      fs.writeFileSync(path.join(dir, name), content);
    } catch (e) {
      assert.equal((e as NodeJS.ErrnoException).code, 'ENOSPC', `${name}: ${(e as Error).message}`);
      return accepted;
    }
    accepted.push(name);
  }
  assert.fail(`all ${most} files fit: the volume never reported ENOSPC`);
}

/** The names mdir lists in an image directory (long names where there are any). */
function listed(image: string, dir: string): string[] {
  const out = mustRun('mdir', ['-i', image, '-b', `::${dir}`]);
  return out.split('\n').filter((l) => l !== '').map((l) => path.posix.basename(l.replace(/\/$/, ''))).sort();
}

/** Bytes free in an image, as mtools counts them (free clusters × cluster size). */
function mtoolsFree(image: string): number {
  const m = /([\d ]+) bytes free/.exec(mustRun('mdir', ['-i', image, '::']));
  assert.ok(m, 'mdir prints the free space');
  return Number(m[1]!.replace(/ /g, ''));
}

function unmountAndCheck(dir: string, image: string): void {
  forceUnmount(dir);
  assert.equal(isMounted(dir), false);
  assert.deepEqual(fsckComplaints(image).complaints, []);
}

test('4 MiB image with 16 KiB clusters: small files until ENOSPC, and every accepted one is saved', () => {
  const dir = tempDir('fat-cap-');
  const image = path.join(dir, 'disk.img');
  sh(`mkfs.fat -C -s 32 ${image} 4096 >/dev/null`);
  const clusters = mtoolsFree(image) / 16384;
  const m = mount(['--image', image]);
  let root: string[], sub: string[];
  try {
    const st = fs.statfsSync(m.dir);
    assert.equal(st.bsize, 16384);
    assert.equal(st.bfree * st.bsize, mtoolsFree(image), 'df shows the free clusters mtools counts');
    fs.mkdirSync(path.join(m.dir, 'sub'));
    // Long names in the subdirectory: its slots grow past one cluster (512 slots of 32 bytes) on the way.
    sub = [];
    for (let i = 0; i < 100; i++) {
      sub.push(`a rather long file name number ${i}.txt`);
      fs.writeFileSync(path.join(m.dir, 'sub', sub[i]!), 'x');
    }
    root = fillWithFiles(m.dir, (i) => `F${i}.TXT`, Buffer.from('small'), 1000);
    assert.equal(fs.statfsSync(m.dir).bfree, 0);
    // Every cluster counted: 1 for sub's slots, 100 + root files.
    assert.equal(1 + sub.length + root.length, clusters);
    assert.throws(() => fs.mkdirSync(path.join(m.dir, 'more')), { code: 'ENOSPC' });
    // Rewriting an accepted file within its cluster still works on a full disk.
    fs.writeFileSync(path.join(m.dir, root[0]!), Buffer.alloc(16384, 1));
    assert.throws(() => fs.appendFileSync(path.join(m.dir, root[0]!), 'y'), { code: 'ENOSPC' });
    root = fs.readdirSync(m.dir).filter((n) => n !== 'sub');
  } finally {
    forceUnmount(m.dir);
  }
  assert.ok(fs.readFileSync(image).length === 4096 * 1024);
  unmountAndCheck(m.dir, image);
  assert.deepEqual(listed(image, '/').filter((n) => n !== 'sub'), [...root].sort());
  assert.deepEqual(listed(image, '/sub'), [...sub].sort());
  assert.equal(mustRun('mtype', ['-i', image, `::/${root[1]}`]), 'small');
  assert.equal(mtoolsFree(image), 0);
});

test('a floppy root holds its 224 slots: ENOSPC at the 225th name, and a clean save', () => {
  const dir = tempDir('fat-cap-');
  const image = path.join(dir, 'floppy.img');
  sh(`mkfs.fat -C ${image} 1440 >/dev/null`);
  const m = mount(['--image', image]);
  let accepted: string[];
  try {
    accepted = fillWithFiles(m.dir, (i) => `f${String(i).padStart(3, '0')}.txt`, Buffer.alloc(0), 230);
    assert.equal(accepted.length, 224);
    // A long name needs more slots than the root has left, a directory too; the data area still has room.
    assert.throws(() => fs.mkdirSync(path.join(m.dir, 'd')), { code: 'ENOSPC' });
    assert.ok(fs.statfsSync(m.dir).bfree > 2800);
    // Freeing one 8.3 slot makes room for one 8.3 name, not for a long one (two slots).
    fs.unlinkSync(path.join(m.dir, accepted.pop()!));
    assert.throws(() => fs.writeFileSync(path.join(m.dir, 'Long Name.txt'), ''), { code: 'ENOSPC' });
    fs.writeFileSync(path.join(m.dir, 'LAST.TXT'), 'last');
    accepted.push('LAST.TXT');
  } finally {
    forceUnmount(m.dir);
  }
  unmountAndCheck(m.dir, image);
  assert.deepEqual(listed(image, '/'), accepted.sort());
});

test('a file filling the image to its last cluster is accepted and saved; one byte more is ENOSPC', () => {
  const dir = tempDir('fat-cap-');
  const image = path.join(dir, 'floppy.img');
  sh(`mkfs.fat -C ${image} 1440 >/dev/null`);
  const free = mtoolsFree(image);
  const m = mount(['--image', image]);
  const big = path.join(m.dir, 'BIG.BIN');
  const content = Buffer.alloc(free);
  for (let i = 0; i < content.length; i++) content[i] = (i * 7 + (i >> 9)) & 0xff;
  try {
    const st = fs.statfsSync(m.dir);
    assert.equal(st.bfree * st.bsize, free);
    fs.writeFileSync(big, content);
    assert.equal(fs.statfsSync(m.dir).bfree, 0);
    assert.throws(() => fs.appendFileSync(big, 'x'), { code: 'ENOSPC' });
    assert.throws(() => fs.truncateSync(big, free + 1), { code: 'ENOSPC' });
    assert.equal(fs.statSync(big).size, free);
    // A second name for it would be saved as a second copy: no room.
    assert.throws(() => fs.linkSync(big, path.join(m.dir, 'TWIN.BIN')), { code: 'ENOSPC' });
  } finally {
    forceUnmount(m.dir);
  }
  unmountAndCheck(m.dir, image);
  const back = sh(`mtype -i ${image} ::/BIG.BIN | sha256sum`);
  const expected = path.join(dir, 'expected.bin');
  fs.writeFileSync(expected, content);
  assert.equal(back.split(' ')[0], sh(`sha256sum ${expected}`).split(' ')[0]);
});

test('a new image with --cluster-size is full when its clusters are: the save fits', () => {
  const dir = tempDir('fat-cap-');
  const image = path.join(dir, 'new.img');
  const m = mount(['--image', image, '-s', '2M', '--cluster-size', '8K']);
  let present: string[];
  try {
    assert.equal(fs.statfsSync(m.dir).bsize, 8192);
    fs.mkdirSync(path.join(m.dir, 'd'));
    const accepted = fillWithFiles(path.join(m.dir, 'd'), (i) => `file-${i}.dat`, Buffer.alloc(9000, 3), 1000);
    assert.ok(accepted.length > 100);
    present = fs.readdirSync(path.join(m.dir, 'd'));
    // The refused file was created, and holds the one cluster that was left, if one was.
    assert.deepEqual(present.filter((n) => !accepted.includes(n)), [`file-${accepted.length}.dat`]);
    assert.ok([0, 8192].includes(fs.statSync(path.join(m.dir, 'd', `file-${accepted.length}.dat`)).size));
    assert.equal(fs.statfsSync(m.dir).bfree, 0);
  } finally {
    forceUnmount(m.dir);
  }
  unmountAndCheck(m.dir, image);
  assert.equal(fs.statSync(image).size, 2 << 20);
  assert.deepEqual(listed(image, '/d'), present.sort());
  assert.equal(mtoolsFree(image), 0);
});

test('what the volume charges is what the save spends, through renames, links, truncates and labels', () => {
  const dir = tempDir('fat-cap-');
  for (const mkfs of ['-F 16 -s 4 -C IMG 16384', '-F 32 -s 1 -C IMG 40000', '-F 12 -s 8 -C IMG 8192']) {
    const image = path.join(dir, 'x.img');
    fs.rmSync(image, { force: true });
    sh(`mkfs.fat ${mkfs.replace('IMG', image)} >/dev/null`);
    const bytes = new Uint8Array(fs.readFileSync(image));
    const limits = fatVolumeLimits(bytes);
    const volume = new Volume(limits);
    loadFatIntoVolume(bytes, volume);
    const cluster = limits.metadataCost.blockSize!;
    let seed = 7;
    const random = (n: number) => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed % n; };
    const dirs: Inode[] = [volume.root];
    const files: { dir: Inode; name: string }[] = [];
    let serial = 0;
    const newName = () => (random(2) === 0 ? `F${serial++}.TXT` : `A longer name ${serial++} with ${'x'.repeat(random(40))}.data`);
    for (let round = 0; round < 6; round++) {
      for (let op = 0; op < 150; op++) {
        const d = dirs[random(dirs.length)]!;
        const f = files.length > 0 ? files[random(files.length)]! : null;
        const k = random(10);
        if (k === 0) {
          dirs.push(volume.mkdir(ROOT, d, newName(), 0o755));
        } else if (k <= 3 || f === null) {
          const name = newName();
          const inode = volume.mknod(ROOT, d, name, S_IFREG | 0o644);
          volume.write(inode, 0, new Uint8Array(random(3) === 0 ? 0 : random(20000)));
          files.push({ dir: d, name });
        } else if (k === 4) {
          const inode = volume.lookup(ROOT, f.dir, f.name);
          volume.setattr(ROOT, inode, { size: random(30000) });
        } else if (k === 5) {
          const name = newName();
          volume.rename(ROOT, f.dir, f.name, d, name);
          files.splice(files.indexOf(f), 1, { dir: d, name });
        } else if (k === 6) {
          const name = newName();
          volume.link(ROOT, volume.lookup(ROOT, f.dir, f.name), d, name);
          files.push({ dir: d, name });
        } else if (k === 7) {
          volume.unlink(ROOT, f.dir, f.name);
          files.splice(files.indexOf(f), 1);
        } else if (k === 8) {
          const g = files[random(files.length)]!;
          if (volume.lookup(ROOT, g.dir, g.name) !== volume.lookup(ROOT, f.dir, f.name)) { // links to one file: rename does nothing
            volume.rename(ROOT, f.dir, f.name, g.dir, g.name);
            files.splice(files.indexOf(f), 1);
          }
        } else {
          volume.label = ['', 'DATA', 'MyDisk', 'x'][random(4)]!;
        }
      }
      const saved = saveVolumeAsFat(volume, { like: bytes });
      fs.writeFileSync(image, saved.image);
      const free = mtoolsFree(image);
      const total = limits.sizeLimit;
      assert.equal(volume.used, total - free, `${mkfs}, round ${round}: charged ${volume.used}, the image uses ${total - free} (${cluster}-byte clusters)`);
      assert.equal(volume.statfs().bfree * cluster, free);
    }
    // Everything removed: back to the empty volume's charge (FAT32: its root's cluster).
    for (const f of files) volume.unlink(ROOT, f.dir, f.name);
    for (const d of dirs.slice(1).reverse()) volume.rmdir(ROOT, d.parent!, volume.namesOf(d)[0]![1]);
    assert.equal(volume.used, mkfs.includes('-F 32') ? cluster : 0);
  }
});

test('copy_file_range, fallocate and the label are counted as the image will spend them', () => {
  const dir = tempDir('fat-cap-');
  const image = path.join(dir, 'floppy.img');
  sh(`mkfs.fat -C ${image} 1440 >/dev/null`);
  const limits = fatVolumeLimits(new Uint8Array(fs.readFileSync(image)));
  const volume = new Volume({ ...limits, label: '' });
  const cluster = 512;
  const total = limits.sizeLimit / cluster;
  const a = volume.mknod(ROOT, volume.root, 'A.BIN', S_IFREG | 0o644);
  volume.write(a, 0, new Uint8Array(1000));
  assert.equal(volume.used, 2 * cluster);
  // fallocate that grows the size counts whole clusters; one past the end with KEEP_SIZE cannot be counted.
  volume.fallocate(a, 0, 0, 1500);
  assert.equal(volume.used, 3 * cluster);
  assert.throws(() => volume.fallocate(a, FALLOC_FL_KEEP_SIZE, 0, 2000), { errno: Errno.EOPNOTSUPP });
  volume.fallocate(a, FALLOC_FL_KEEP_SIZE, 0, 1500); // within the size: nothing to count
  // A copy into a file that would pass the last cluster is short, and ends exactly there.
  const b = volume.mknod(ROOT, volume.root, 'B.BIN', S_IFREG | 0o644);
  volume.setattr(ROOT, b, { size: (total - 3) * cluster - 100 });
  assert.equal(volume.copyRange(a, 0, b, (total - 3) * cluster - 100, 1500), 100);
  assert.equal(volume.statfs().bfree, 0);
  assert.throws(() => volume.copyRange(a, 0, b, b.data!.size, 1), { code: 'ENOSPC' });
  assert.throws(() => volume.write(b, b.data!.size, new Uint8Array(1)), { code: 'ENOSPC' });
  // Names fill the root's 224 slots; the label takes one (two in mixed case, as mlabel writes it).
  volume.setattr(ROOT, b, { size: 0 });
  for (let i = 0; i < 221; i++) volume.mknod(ROOT, volume.root, `F${i}`, S_IFREG | 0o644);
  volume.label = 'DATA';
  assert.throws(() => { volume.label = 'MyDisk'; }, { code: 'ENOSPC' });
  assert.equal(volume.label, 'DATA');
  assert.throws(() => volume.mknod(ROOT, volume.root, 'ONE.TXT', S_IFREG | 0o644), { code: 'ENOSPC' });
  volume.label = '';
  volume.mknod(ROOT, volume.root, 'ONE.TXT', S_IFREG | 0o644);
});

test('a loaded image is charged what it uses: the load goes through the same counting', () => {
  const dir = tempDir('fat-cap-');
  const src = path.join(dir, 'src');
  for (let d = 0; d < 4; d++) {
    fs.mkdirSync(path.join(src, `dir ${d}`, 'SUB'), { recursive: true });
    for (let f = 0; f < 40; f++) {
      fs.writeFileSync(path.join(src, `dir ${d}`, f % 2 ? `F${f}.BIN` : `a long name ${f}.data`), Buffer.alloc(f * 997 + d));
    }
    fs.writeFileSync(path.join(src, `dir ${d}`, 'SUB', 'X.TXT'), 'x');
  }
  for (const mkfs of ['-F 16 -s 4 -C IMG 16384', '-F 32 -s 1 -C IMG 40000']) {
    const image = path.join(dir, 'x.img');
    fs.rmSync(image, { force: true });
    sh(`mkfs.fat ${mkfs.replace('IMG', image)} >/dev/null && MTOOLS_SKIP_CHECK=1 mcopy -s -i ${image} '${src}'/* ::/`);
    const bytes = new Uint8Array(fs.readFileSync(image));
    const limits = fatVolumeLimits(bytes);
    const volume = new Volume(limits);
    loadFatIntoVolume(bytes, volume);
    assert.equal(volume.used, limits.sizeLimit - mtoolsFree(image), mkfs);
  }
});
