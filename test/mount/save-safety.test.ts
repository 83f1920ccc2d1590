/**
 * Nothing lost at save, nothing damaged by it: saves that cannot succeed are
 * refused at mount; a final save that fails keeps the data; saves follow
 * symlinks, keep owners and modes, write block devices in place and leave
 * character devices alone. All through the real command.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cleanupAll, forceUnmount, isMounted, memefs, mount, sh, tempDir } from '../helpers/mount.js';
import { saveResultFile, type SaveResult, stateFile, unmountWaitFile } from '../../src/cli/daemon.js';

after(cleanupAll);

/** A mount whose saves fail cannot be unmounted by saving: end its daemon first. */
function killAndUnmount(dir: string, pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* gone */
  }
  forceUnmount(dir);
}

function waitForExit(pid: number): void {
  for (let i = 0; i < 600; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    spawnSync('sleep', ['0.05']);
  }
  assert.fail(`daemon ${pid} did not exit`);
}

/** Refused with one line: exit 1 (exit 2 for a malformed command line). */
function refused(args: string[], message: RegExp, status = 1): void {
  const dir = tempDir('mnt-');
  const r = memefs([dir, ...args]);
  assert.equal(r.status, status, r.stderr);
  assert.match(r.stderr, message);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.equal(isMounted(dir), false);
}

describe('a save that cannot succeed is refused at mount', () => {
  const dir = tempDir('refuse-');
  test('missing parent directory of --image and --snapshot', () => {
    refused(['--image', path.join(dir, 'nodir/x.img'), '-s', '8M'], /directory .*nodir does not exist/);
    refused(['--snapshot', path.join(dir, 'nodir/x.tar')], /directory .*nodir does not exist/);
  });
  test('no FAT layout fits', () => {
    refused(['--image', path.join(dir, 'n.img'), '--fat-type', '12', '-s', '1G'], /no FAT12 layout fits/);
    refused(['--image', path.join(dir, 'n.img'), '--fat-type', '16', '--cluster-size', '512', '-s', '64M'], /no FAT16 layout fits/);
    // Legal but what dump reports as a problem (issue 19): refused as mkfs.fat and mkimage refuse it.
    refused(['--image', path.join(dir, 'n.img'), '--fat-type', '32', '-s', '32M'], /cannot make .*n\.img of 32\.0 MiB: FAT32 with only \d+ clusters \(fewer than 65525\)/);
    assert.equal(fs.existsSync(path.join(dir, 'n.img')), false);
  });
  test('-s larger than an existing image', () => {
    const img = path.join(dir, 'img64');
    sh(`truncate -s 64M ${img} && mkfs.fat ${img}`);
    refused(['--image', img, '-s', '1G'], /more than .*img64 can hold \(64\.0 MiB\)/);
  });
  test('-s smaller than what an existing image holds names -s (issue 19, item 8)', () => {
    const img = path.join(dir, 'full8');
    fs.writeFileSync(path.join(dir, 'three.bin'), Buffer.alloc(3 << 20, 7));
    sh(`mkfs.fat -C ${img} 8192 >/dev/null && mcopy -i ${img} ${path.join(dir, 'three.bin')} ::/`);
    const before = fs.readFileSync(img);
    refused(['--image', img, '-s', '1M'], /full8 holds more than -s 1\.00 MiB allows \(.*three\.bin.*\): give a larger -s, or leave it out/);
    assert.ok(fs.readFileSync(img).equals(before), 'the image is left as it was');
  });
  test('a new image larger than FAT allows (2 TiB), or one nobody asked the size of, says why', () => {
    refused(['--image', path.join(dir, 'big.img'), '-s', '3T'], /cannot make .*big\.img of 3\.00 TiB: a FAT image holds at most 2 TiB/);
    // Without -s the RAM disk's default (half the RAM) would be the image's size: over 4 GiB, -s is asked for.
    if (os.totalmem() / 2 > 4 * 1024 ** 3) refused(['--image', path.join(dir, 'big.img')], /give the size of the new FAT image with -s \(without -s it would be/);
    assert.equal(fs.existsSync(path.join(dir, 'big.img')), false);
  });
  test('what is not an image says so', () => {
    fs.writeFileSync(path.join(dir, 'empty'), '');
    fs.writeFileSync(path.join(dir, 'six'), 'abcdef');
    refused(['--image', path.join(dir, 'empty')], /Not a FAT image: only 0 bytes/);
    refused(['--image', path.join(dir, 'six')], /Not a FAT image: only 6 bytes/);
    const img = path.join(dir, 'trunc.img');
    sh(`truncate -s 8M ${img} && mkfs.fat ${img} >/dev/null && truncate -s 1M ${img}`);
    refused(['--image', img], /truncated: its boot sector describes 8388608 bytes, the file has 1048576/);
    refused(['--image', dir], /is a directory/);
  });
  test('sizes too small for the root give the minimum', () => {
    refused(['-s', '1'], /too small: .*at least 64\.0 KiB/, 2);
    refused(['-s', '1k'], /too small: .*at least 64\.0 KiB/, 2);
  });
});

describe('a final save that fails keeps the data', () => {
  test('unmount: exits 1 with the reason, and the mount keeps working until the problem is fixed', () => {
    const dir = tempDir('keep-');
    const img = path.join(dir, 'x.img');
    const m = mount(['--image', img, '-s', '8M']);
    try {
      fs.writeFileSync(path.join(m.dir, 'a'), 'hello');
      fs.mkdirSync(img); // the target became a directory after the mount
      const r = memefs(['unmount', m.dir]);
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stderr, /saving .*x\.img failed: .*is a directory/);
      assert.match(r.stderr, /mounted again with all its data/);
      assert.equal(fs.readFileSync(path.join(m.dir, 'a'), 'utf8'), 'hello');
      fs.writeFileSync(path.join(m.dir, 'b'), 'more');
      fs.rmdirSync(img);
      const r2 = memefs(['unmount', m.dir]);
      assert.equal(r2.status, 0, r2.stderr);
      assert.equal(isMounted(m.dir), false);
      assert.equal(sh(`mtype -i ${img} ::a`) + sh(`mtype -i ${img} ::b`), 'hellomore');
    } finally {
      killAndUnmount(m.dir, m.pid);
    }
  });
  test('a signal: the data goes to a rescue snapshot beside the target', () => {
    const dir = tempDir('rescue-');
    const img = path.join(dir, 'x.img');
    const m = mount(['--image', img, '-s', '8M']);
    try {
      fs.writeFileSync(path.join(m.dir, 'a'), 'hello');
      fs.mkdirSync(img);
      process.kill(m.pid, 'SIGTERM');
      waitForExit(m.pid);
      assert.equal(isMounted(m.dir), false);
      const rescue = fs.readdirSync(dir).filter((n) => /^x\.img\.rescue-\d{8}-\d{6}\.tar$/.test(n));
      assert.equal(rescue.length, 1, fs.readdirSync(dir).join(' '));
      // The save result stays after this unclean end: it names the rescue snapshot.
      const result = JSON.parse(fs.readFileSync(saveResultFile(m.dir), 'utf8')) as SaveResult;
      assert.match(result.kept ?? '', new RegExp(`rescue snapshot ${path.join(dir, rescue[0]!)}`));
      fs.rmSync(saveResultFile(m.dir));
      const m2 = mount(['--snapshot', path.join(dir, rescue[0]!), '--no-save']);
      try {
        assert.equal(fs.readFileSync(path.join(m2.dir, 'a'), 'utf8'), 'hello');
      } finally {
        forceUnmount(m2.dir);
      }
    } finally {
      killAndUnmount(m.dir, m.pid);
    }
  });
  test('a save interval that fails leaves the mount working', () => {
    const dir = tempDir('interval-');
    const img = path.join(dir, 'x.img');
    const m = mount(['--image', img, '-s', '8M', '--save-interval', '1s']);
    try {
      fs.mkdirSync(img);
      fs.writeFileSync(path.join(m.dir, 'a'), 'hello');
      const r = memefs(['save', m.dir]);
      assert.equal(r.status, 1);
      assert.match(r.stderr, /is a directory/);
      assert.equal(fs.readFileSync(path.join(m.dir, 'a'), 'utf8'), 'hello');
      assert.match(memefs(['info', m.dir]).stdout, /last_save=failed at .*is a directory/);
      fs.rmdirSync(img);
      assert.equal(memefs(['unmount', m.dir]).status, 0);
      assert.equal(sh(`mtype -i ${img} ::a`), 'hello');
    } finally {
      killAndUnmount(m.dir, m.pid);
    }
  });
});

describe('one mount per image', () => {
  test('the same image cannot be mounted twice, through any path', () => {
    const dir = tempDir('lock-');
    const img = path.join(dir, 'x.img');
    sh(`truncate -s 8M ${img} && mkfs.fat ${img} >/dev/null`);
    fs.symlinkSync(img, path.join(dir, 'link.img'));
    const m = mount(['--image', img]);
    try {
      for (const other of [img, path.join(dir, 'link.img'), path.join(dir, '.', 'x.img')]) {
        refused(['--image', other], new RegExp(`already in use by the memefs mount at ${m.dir} \\(pid ${m.pid}\\)`));
      }
      refused(['--snapshot', img], /already in use/);
    } finally {
      forceUnmount(m.dir);
    }
    const again = mount(['--image', path.join(dir, 'link.img')]);
    forceUnmount(again.dir);
  });
  test('--fat-type and --cluster-size for an existing image say they are ignored', () => {
    const dir = tempDir('ignored-');
    const img = path.join(dir, 'x.img');
    sh(`truncate -s 8M ${img} && mkfs.fat ${img} >/dev/null`);
    const mnt = tempDir('mnt-');
    const r = memefs([mnt, '--image', img, '--fat-type', '16', '--cluster-size', '4096']);
    try {
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stderr, /exists: --fat-type and --cluster-size only shape a new image, and are ignored/);
    } finally {
      forceUnmount(mnt);
    }
  });
});

describe('saves write to the real target', () => {
  test('a symlink is followed and stays a link; owner, group and mode are kept', () => {
    const dir = tempDir('link-');
    const real = path.join(dir, 'real.img');
    sh(`truncate -s 8M ${real} && mkfs.fat ${real} >/dev/null && chown 1000:1000 ${real} && chmod 640 ${real}`);
    const link = path.join(dir, 'link.img');
    fs.symlinkSync('real.img', link);
    const m = mount(['--image', link]);
    try {
      fs.writeFileSync(path.join(m.dir, 'f'), 'through the link');
      assert.equal(memefs(['unmount', m.dir]).status, 0);
    } finally {
      forceUnmount(m.dir);
    }
    assert.ok(fs.lstatSync(link).isSymbolicLink());
    const st = fs.statSync(real);
    assert.deepEqual([st.uid, st.gid, st.mode & 0o7777], [1000, 1000, 0o640]);
    assert.equal(sh(`mtype -i ${real} ::f`), 'through the link');
  });
  test('a block device is written in place (a blank one gets a new image of its size)', () => {
    const dir = tempDir('loop-');
    const backing = path.join(dir, 'backing');
    sh(`truncate -s 8M ${backing}`);
    const dev = sh(`losetup -f --show ${backing}`).trim();
    try {
      const m = mount(['--image', dev, '-s', '8M']);
      try {
        fs.writeFileSync(path.join(m.dir, 'on-device'), 'in place');
        const r = memefs(['unmount', m.dir]);
        assert.equal(r.status, 0, r.stderr);
      } finally {
        forceUnmount(m.dir);
      }
      assert.ok(fs.statSync(dev).isBlockDevice());
      assert.equal(sh(`mtype -i ${backing} ::on-device`), 'in place');
      sh(`fsck.fat -n ${backing}`);
      // Loaded back from the device (its size comes from the device, not from stat's 0).
      const m2 = mount(['--image', dev, '--no-save']);
      try {
        assert.equal(fs.readFileSync(path.join(m2.dir, 'on-device'), 'utf8'), 'in place');
      } finally {
        forceUnmount(m2.dir);
      }
    } finally {
      sh(`losetup -d ${dev}`);
    }
  });
  test('character devices are refused and left alone (mount and mkimage)', () => {
    const dir = tempDir('chr-');
    const full = path.join(dir, 'full');
    sh(`mknod -m 666 ${full} c 1 7`); // a private /dev/full
    refused(['--image', full], /it is a character device/);
    fs.mkdirSync(path.join(dir, 'src'));
    fs.writeFileSync(path.join(dir, 'src/f'), 'x');
    const r = memefs(['mkimage', path.join(dir, 'src'), full, '-s', '1M']);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /it is a character device/);
    assert.equal(r.stderr.includes('    at '), false, r.stderr);
    assert.ok(fs.statSync(full).isCharacterDevice());
  });
});

describe('the state directory', () => {
  const leftovers = (dir: string): string[] =>
    [stateFile(dir), saveResultFile(dir), unmountWaitFile(dir)].filter((f) => fs.existsSync(f));

  test('a mount that ends cleanly leaves nothing there, however it was unmounted', () => {
    const dir = tempDir('state-');
    for (const how of ['memefs unmount', 'umount', 'memefs unmount --lazy', 'SIGTERM']) {
      const m = mount(['--snapshot', path.join(dir, 'x.tar'), '-s', '8M']);
      try {
        fs.writeFileSync(path.join(m.dir, 'a'), how);
        const saved = memefs(['save', m.dir]);
        assert.equal(saved.status, 0, saved.stderr);
        assert.ok(fs.existsSync(saveResultFile(m.dir)), 'a save leaves its result for memefs info while mounted');
        if (how === 'SIGTERM') process.kill(m.pid, 'SIGTERM');
        else if (how === 'umount') sh(`umount ${m.dir}`);
        else {
          const r = memefs(how === 'memefs unmount' ? ['unmount', m.dir] : ['unmount', '--lazy', m.dir]);
          assert.equal(r.status, 0, r.stderr);
          // The command that waits still reports the final save.
          if (how === 'memefs unmount') assert.match(r.stdout, /saved .*x\.tar/);
        }
        waitForExit(m.pid);
        assert.deepEqual(leftovers(m.dir), [], how);
      } finally {
        killAndUnmount(m.dir, m.pid);
      }
    }
    const m = mount(['--snapshot', path.join(dir, 'x.tar'), '--no-save']);
    try {
      assert.equal(fs.readFileSync(path.join(m.dir, 'a'), 'utf8'), 'SIGTERM');
    } finally {
      forceUnmount(m.dir);
    }
  });
});
