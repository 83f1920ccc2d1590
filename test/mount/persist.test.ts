import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { cleanupAll, forceUnmount, isMounted, memefs, mount, sh, tempDir } from '../helpers/mount.js';
import { diffTrees, snapshotTree } from '../helpers/tree.js';

after(cleanupAll);

const sha = (file: string): string => crypto.createHash('sha1').update(fs.readFileSync(file)).digest('hex');

/** fsck.fat -n prints nothing but its version and summary for a clean image. */
function assertFsckClean(image: string): void {
  const out = sh(`fsck.fat -n ${image}`);
  const lines = out.split('\n').filter((l) => l.trim() && !/^fsck\.fat \d/.test(l) && !/^\S+: \d+ files, \d+\/\d+ clusters$/.test(l));
  assert.deepEqual(lines, [], out);
}

function unmountOk(dir: string): string {
  const r = memefs(['unmount', dir]);
  assert.equal(r.status, 0, r.stderr);
  return r.stderr;
}

describe('--image', () => {
  test('a new 8 GiB image (past the old 4 GiB limit) is written sparse, checks clean, lists in mtools and loads back', () => {
    const image = path.join(tempDir('img8-'), 'eight.img');
    const m = mount(['--image', image, '-s', '8G']);
    try {
      fs.mkdirSync(path.join(m.dir, 'sub'));
      fs.writeFileSync(path.join(m.dir, 'sub/long name.txt'), 'eight');
      fs.writeFileSync(path.join(m.dir, 'big.bin'), crypto.randomBytes(5 << 20));
      const before = sha(path.join(m.dir, 'big.bin'));
      unmountOk(m.dir);
      const st = fs.statSync(image);
      assert.equal(st.size, 16777215 * 512); // 16,777,215 sectors, as mkfs.fat -C lays out 8 GiB
      assert.ok(st.blocks * 512 < 64 << 20, `the image takes ${st.blocks * 512} bytes on disk`);
      assertFsckClean(image);
      const listing = sh(`LC_ALL=C.UTF-8 mdir -/ -b -i ${image} ::/`);
      assert.match(listing, /big\.bin/);
      assert.match(listing, /long name\.txt/);
      const dump = memefs(['dump', image]); // read in parts: an image over 4 GiB could not be read whole
      assert.equal(dump.status, 0, dump.stdout + dump.stderr);
      assert.match(dump.stdout, /No problems found\./);
      const m2 = mount(['--image', image]);
      try {
        assert.equal(sha(path.join(m2.dir, 'big.bin')), before);
        assert.equal(fs.readFileSync(path.join(m2.dir, 'sub/long name.txt'), 'utf8'), 'eight');
        const df = fs.statfsSync(m2.dir);
        assert.ok(df.blocks * df.bsize > 7.9 * 1024 ** 3, `df shows ${df.blocks * df.bsize} bytes`);
      } finally {
        forceUnmount(m2.dir);
      }
    } finally {
      forceUnmount(m.dir);
    }
  });

  test('a mostly empty 2 GiB image loads holding its data, not the image (issue 19: memory follows the data)', () => {
    const dir = tempDir('img2g-');
    const image = path.join(dir, 'two.img');
    const data = path.join(dir, 'data.bin');
    fs.writeFileSync(data, crypto.randomBytes(16 << 20));
    sh(`mkfs.fat -C ${image} 2097152 >/dev/null && mcopy -i ${image} ${data} ::/`);
    const m = mount(['--image', image, '--no-save']);
    try {
      assert.equal(sha(path.join(m.dir, 'data.bin')), sha(data));
      // The peak of the daemon's memory so far: the load. Reading the image whole took over 2 GiB here.
      const peak = Number(/^VmHWM:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${m.pid}/status`, 'utf8'))![1]) * 1024;
      assert.ok(peak < 512 << 20, `the daemon peaked at ${peak} bytes loading 16 MiB from a 2 GiB image`);
    } finally {
      forceUnmount(m.dir);
    }
  });

  test('a new image is created at unmount, checks clean, lists in mtools and loads back', () => {
    const image = path.join(tempDir('img-'), 'disk.img');
    const m = mount(['--image', image, '-s', '32M', '-l', 'MYDISK']);
    try {
      fs.mkdirSync(path.join(m.dir, 'Docs/Deep/Er'), { recursive: true });
      fs.writeFileSync(path.join(m.dir, 'Docs/Deep/Er/Ünïcödé long name.txt'), 'grüße');
      fs.writeFileSync(path.join(m.dir, 'empty'), '');
      fs.writeFileSync(path.join(m.dir, 'big.bin'), crypto.randomBytes(3 << 20));
      fs.writeFileSync(path.join(m.dir, 'UPPER.TXT'), 'x');
      const before = sha(path.join(m.dir, 'big.bin'));
      unmountOk(m.dir);
      assert.ok(fs.existsSync(image));
      assertFsckClean(image);
      const listing = sh(`LC_ALL=C.UTF-8 mdir -/ -b -i ${image} ::/`);
      assert.match(listing, /Ünïcödé long name\.txt/);
      assert.match(sh(`mlabel -s -i ${image} ::`), /MYDISK/);
      const out = tempDir('mcopy-');
      sh(`LC_ALL=C.UTF-8 mcopy -s -i ${image} ::/ ${out}/`);
      assert.equal(sha(path.join(out, 'big.bin')), before);
      assert.equal(fs.readFileSync(path.join(out, 'Docs/Deep/Er/Ünïcödé long name.txt'), 'utf8'), 'grüße');
      const m2 = mount(['--image', image]);
      try {
        assert.equal(sha(path.join(m2.dir, 'big.bin')), before);
        assert.deepEqual(fs.readdirSync(m2.dir).sort(), ['Docs', 'UPPER.TXT', 'big.bin', 'empty']);
        assert.equal(fs.statSync(path.join(m2.dir, 'empty')).size, 0);
        // without -s, the image's capacity is the cap, shown in clusters: its data area (mkfs.fat's 32M: 16,343 × 2 KiB)
        assert.equal(fs.statfsSync(m2.dir).bsize, 2048);
        assert.equal(fs.statfsSync(m2.dir).blocks, 16343);
      } finally {
        forceUnmount(m2.dir);
      }
    } finally {
      forceUnmount(m.dir);
    }
  });

  test('an image made by mkfs.fat and mcopy loads with its files and label', () => {
    const dir = tempDir('mk-');
    const image = path.join(dir, 'fat16.img');
    const src = path.join(dir, 'src');
    fs.mkdirSync(path.join(src, 'sub'), { recursive: true });
    fs.writeFileSync(path.join(src, 'sub', 'a file.txt'), 'hello from mtools');
    fs.writeFileSync(path.join(src, 'DATA.BIN'), crypto.randomBytes(100_000));
    sh(`mkfs.fat -C -F 16 -n TOOLDISK ${image} 20480 >/dev/null && mcopy -s -i ${image} ${src}/* ::/`);
    const m = mount(['--image', image, '--no-save']);
    try {
      assert.equal(fs.readFileSync(path.join(m.dir, 'sub', 'a file.txt'), 'utf8'), 'hello from mtools');
      assert.equal(sha(path.join(m.dir, 'DATA.BIN')), sha(path.join(src, 'DATA.BIN')));
    } finally {
      forceUnmount(m.dir);
    }
  });

  test('--no-save leaves the image untouched', () => {
    const image = path.join(tempDir('ns-'), 'd.img');
    sh(`mkfs.fat -C ${image} 4096 >/dev/null`);
    const before = sha(image);
    const m = mount(['--image', image, '--no-save']);
    try {
      fs.writeFileSync(path.join(m.dir, 'new'), 'x');
    } finally {
      forceUnmount(m.dir);
    }
    assert.equal(sha(image), before);
  });

  test('a corrupt image is refused before anything is mounted, and is not changed', () => {
    const image = path.join(tempDir('bad-'), 'bad.img');
    fs.writeFileSync(image, crypto.randomBytes(1 << 20));
    const before = sha(image);
    const dir = tempDir('mnt-');
    const r = memefs([dir, '--image', image]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /memefs: .*(FAT|boot|signature|image)/i);
    assert.ok(!isMounted(dir));
    assert.equal(sha(image), before);
  });

  test('what FAT cannot hold is reported at unmount with counts', () => {
    const image = path.join(tempDir('loss-'), 'd.img');
    const m = mount(['--image', image, '-s', '16M']);
    try {
      fs.writeFileSync(path.join(m.dir, 'f'), 'x');
      fs.symlinkSync('f', path.join(m.dir, 'l1'));
      fs.symlinkSync('f', path.join(m.dir, 'l2'));
      const stderr = unmountOk(m.dir);
      assert.match(stderr, /symbolic links.*2/i);
    } finally {
      forceUnmount(m.dir);
    }
  });

  test('memefs save writes the image while mounted, and --save-interval saves on a timer', async () => {
    const image = path.join(tempDir('save-'), 'd.img');
    const m = mount(['--image', image, '-s', '16M', '--save-interval', '1s']);
    try {
      fs.writeFileSync(path.join(m.dir, 'first.txt'), 'one');
      const r = memefs(['save', m.dir]);
      assert.equal(r.status, 0, r.stderr);
      assert.match(sh(`mdir -b -i ${image} ::/`), /FIRST\.TXT|first\.txt/i);
      fs.writeFileSync(path.join(m.dir, 'second.txt'), 'two');
      await new Promise((res) => setTimeout(res, 2500));
      assert.match(sh(`mdir -b -i ${image} ::/`), /second\.txt/i);
    } finally {
      forceUnmount(m.dir);
    }
  });
});

describe('--snapshot', () => {
  test('keeps everything: links, modes, owners, xattrs, times', () => {
    const file = path.join(tempDir('snap-'), 'vol.tar');
    const m = mount(['--snapshot', file, '-s', '64M']);
    let before: ReturnType<typeof snapshotTree>;
    try {
      sh(`cd ${m.dir} && mkdir -p a/b && echo data > a/f && ln a/f a/hard && ln -s f a/sym && mkfifo a/fifo &&
          chmod 640 a/f && chown 1234:5678 a/f && setfattr -n user.note -v hello a/f && truncate -s 100M a/sparse &&
          touch -d '2003-04-05 06:07:08.123456789' a/f`);
      before = snapshotTree(m.dir);
      unmountOk(m.dir);
    } finally {
      forceUnmount(m.dir);
    }
    assert.ok(fs.statSync(file).size < 1 << 20, 'sparse file stays sparse in the snapshot');
    const m2 = mount(['--snapshot', file, '-s', '64M']);
    try {
      assert.deepEqual(diffTrees(before, snapshotTree(m2.dir)), []);
      assert.match(sh(`getfattr -n user.note ${m2.dir}/a/f`), /hello/);
    } finally {
      forceUnmount(m2.dir);
    }
  });
  test("the README's restore command extracts a saved snapshot with GNU tar, without a warning", () => {
    const readme = fs.readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    const command = /`(tar --warning=[^`]*) ram\.tar`/.exec(readme)?.[1];
    assert.ok(command, 'README gives a tar command that restores ram.tar');
    const dir = tempDir('snap-');
    const file = path.join(dir, 'ram.tar');
    const m = mount(['--snapshot', file]);
    try {
      sh(`cd ${m.dir} && mkdir d && echo data > d/f && setfattr -n user.note -v hello d/f`);
      unmountOk(m.dir);
    } finally {
      forceUnmount(m.dir);
    }
    const out = path.join(dir, 'out');
    fs.mkdirSync(out);
    const r = spawnSync('bash', ['-c', `${command} ${file}`], { cwd: out, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.equal(fs.readFileSync(path.join(out, 'd/f'), 'utf8'), 'data\n');
    assert.match(sh(`getfattr -n user.note ${out}/d/f`), /hello/);
  });
  test('keeps chattr flags (+i, +a, +d, +A), and what they forbid stays forbidden', () => {
    const file = path.join(tempDir('snap-'), 'flags.tar');
    const flagged = ['dir', 'dir/in', 'frozen', 'log', 'nodump', 'noatime'];
    const lsattr = (dir: string): string => sh(`cd ${dir} && lsattr -d ${flagged.join(' ')}`);
    const m = mount(['--snapshot', file, '-s', '64M']);
    let before: string;
    let tree: ReturnType<typeof snapshotTree>;
    try {
      sh(`cd ${m.dir} && mkdir dir && echo inside > dir/in && chattr +a dir/in && chattr +i dir && echo data > frozen && chattr +i frozen &&
          echo line > log && chattr +a log && touch nodump noatime && chattr +d nodump && chattr +A noatime`);
      before = lsattr(m.dir);
      tree = snapshotTree(m.dir);
      unmountOk(m.dir);
    } finally {
      forceUnmount(m.dir);
    }
    assert.match(before, /^-+i-+ dir$/m, before);
    const m2 = mount(['--snapshot', file, '-s', '64M']);
    try {
      assert.equal(lsattr(m2.dir), before);
      assert.deepEqual(diffTrees(tree, snapshotTree(m2.dir)), []);
      assert.throws(() => sh(`{ echo more > ${m2.dir}/frozen; } 2>/dev/null`));
      assert.throws(() => sh(`{ touch ${m2.dir}/dir/new; } 2>/dev/null`));
      assert.throws(() => sh(`{ echo over > ${m2.dir}/log; } 2>/dev/null`));
      sh(`echo more >> ${m2.dir}/log`);
      assert.equal(fs.readFileSync(path.join(m2.dir, 'log'), 'utf8'), 'line\nmore\n');
    } finally {
      forceUnmount(m2.dir);
    }
  });
});
