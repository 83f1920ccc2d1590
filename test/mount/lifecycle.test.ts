import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { cleanupAll, daemonPid, forceUnmount, isMounted, memefs, mount, sh, tempDir, withMount } from '../helpers/mount.js';
import { daemonAlive } from '../../src/cli/daemon.js';

after(cleanupAll);

describe('mounting', () => {
  test('mounts, shows in mount and df with the cap, and unmounts', async () => {
    await withMount(['-s', '256M'], (m) => {
      assert.ok(isMounted(m.dir));
      const mounts = sh('mount');
      assert.match(mounts, new RegExp(`memefs on ${m.dir} type fuse\\.memefs`));
      const df = sh(`df -B1 --output=size,fstype ${m.dir} | tail -1`).trim().split(/\s+/);
      assert.equal(Number(df[0]), 256 * 1024 * 1024);
      assert.equal(df[1], 'fuse.memefs');
      const st = fs.statSync(m.dir);
      assert.equal(st.mode & 0o7777, 0o1777, 'root is /tmp-like by default');
      assert.equal(st.uid, process.getuid!());
      const r = memefs(['unmount', m.dir]);
      assert.equal(r.status, 0, r.stderr);
      assert.ok(!isMounted(m.dir));
    });
  });

  test('tmpfs-style -o options set the root mode, owner and size', async () => {
    await withMount(['-o', 'size=10%,mode=755,uid=1234,gid=5678,nr_inodes=100'], (m) => {
      const st = fs.statSync(m.dir);
      assert.equal(st.mode & 0o7777, 0o755);
      assert.equal(st.uid, 1234);
      assert.equal(st.gid, 5678);
      const files = Number(sh(`stat -f -c %c ${m.dir}`).trim());
      assert.equal(files, 100);
      // the inode cap is enforced
      let made = 0;
      assert.throws(() => {
        for (let i = 0; i < 200; i++) {
          fs.writeFileSync(path.join(m.dir, `f${i}`), '');
          made++;
        }
      }, /ENOSPC/);
      assert.ok(made >= 90 && made < 100, `made ${made}`);
    });
  });

  test('-f stays in the foreground and SIGTERM unmounts cleanly', async () => {
    const dir = tempDir('fg-');
    const child = spawnSync('bash', ['-c', `node ${path.resolve('bin/memefs.js')} ${dir} -f & pid=$!; for i in $(seq 100); do mountpoint -q ${dir} && break; sleep 0.05; done; echo hi > ${dir}/x; cat ${dir}/x; kill -TERM $pid; wait $pid; echo "exit=$?"`], { encoding: 'utf8', timeout: 30_000 });
    try {
      assert.match(child.stdout, /hi\n/);
      assert.match(child.stdout, /exit=0/);
      assert.ok(!isMounted(dir));
    } finally {
      forceUnmount(dir);
    }
  });

  test('a mount made at once after an outside umount is not taken away by the old daemon as it ends', () => {
    // The old daemon is held (SIGSTOP) while its mount is detached and a new one made at the same
    // place, the order a loaded machine can give it (a CI run lost its new mount that way).
    const first = mount();
    try {
      process.kill(first.pid, 'SIGSTOP');
      spawnSync('umount', ['-l', '--no-canonicalize', first.dir], { timeout: 10_000 });
      const r = memefs([first.dir]);
      process.kill(first.pid, 'SIGCONT');
      assert.equal(r.status, 0, r.stderr);
      const second = daemonPid(first.dir);
      assert.notEqual(second, first.pid);
      for (let i = 0; i < 200 && daemonAlive(first.pid); i++) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
      assert.ok(!daemonAlive(first.pid), 'the old daemon ended');
      assert.ok(isMounted(first.dir), 'the new mount is still there');
      assert.equal(daemonPid(first.dir), second, 'and so is its note');
      const u = memefs(['unmount', first.dir]);
      assert.equal(u.status, 0, u.stderr);
    } finally {
      if (daemonAlive(first.pid)) process.kill(first.pid, 'SIGCONT');
      forceUnmount(first.dir);
    }
  });
});

describe('refusals', () => {
  test('a missing mount point', () => {
    const r = memefs([path.join(tempDir('x-'), 'nope')]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /does not exist/);
  });

  test('a mount point that is not a directory', () => {
    const f = path.join(tempDir('x-'), 'file');
    fs.writeFileSync(f, '');
    const r = memefs([f]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /not a directory/);
  });

  test('a mount point already mounted', async () => {
    await withMount([], (m) => {
      const r = memefs([m.dir]);
      assert.equal(r.status, 1);
      assert.match(r.stderr, /already a mount point/);
    });
  });

  for (const [args, pattern] of [
    [['-s', '12Q'], /not a size/],
    [['-s', ''], /not a size/],
    [['-o', 'size=abc'], /not a size/],
    [['-o', 'mode=999'], /not an octal mode/],
    [['-o', 'uid=bob'], /not a numeric id/],
    [['-o', 'frobnicate=1'], /unknown mount option/],
    [['-l', 'x'.repeat(40)], /longer than 32/],
    [['-F', 'a-name-longer-than-15'], /1 to 15 characters/],
    [['--no-such-flag'], /unknown option/],
  ] as const) {
    test(`a malformed value: ${args.join(' ')}`, () => {
      const dir = tempDir('bad-');
      const r = memefs([dir, ...args]);
      assert.notEqual(r.status, 0);
      assert.match(r.stderr, pattern);
      assert.ok(!isMounted(dir));
    });
  }

  test('no permission to mount: a user refused by fusermount3 gets its reason in one line', () => {
    const dir = tempDir('perm-');
    fs.chmodSync(path.dirname(dir), 0o755);
    const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, path.resolve('bin/memefs.js'), dir], { encoding: 'utf8' });
    assert.equal(r.status, 1);
    // The mount point is root's (mode 0700), and here /dev/fuse may be 0600 too: either way fusermount3 says no.
    assert.match(r.stderr, /^memefs: fusermount3 refused to mount: .+\n$/);
    assert.ok(!isMounted(dir));
  });
});

describe('server death', () => {
  test('SIGKILL: users get an error at once; memefs unmount clears it; a new mount works', () => {
    const m = mount();
    try {
      fs.writeFileSync(path.join(m.dir, 'f'), 'data');
      process.kill(m.pid, 'SIGKILL');
      const started = Date.now();
      let err: NodeJS.ErrnoException | undefined;
      for (let i = 0; i < 100 && !err; i++) {
        try {
          spawnSync('sleep', ['0.02']);
          fs.statSync(path.join(m.dir, 'f'));
        } catch (e) {
          err = e as NodeJS.ErrnoException;
        }
      }
      assert.equal(err?.code, 'ENOTCONN');
      assert.ok(Date.now() - started < 5000);
      const again = memefs([m.dir]);
      assert.equal(again.status, 1);
      assert.match(again.stderr, /dead memefs mount/);
      // info on the dead mount: one line that says what to do, no stack trace.
      const info = memefs(['info', m.dir]);
      assert.equal(info.status, 1);
      assert.match(info.stderr, /^memefs: .* does not answer \(ENOTCONN\).*memefs unmount/);
      assert.equal(info.stderr.trim().split('\n').length, 1, info.stderr);
      const r = memefs(['unmount', m.dir]);
      assert.equal(r.status, 0, r.stderr);
      assert.ok(!isMounted(m.dir));
      const m2 = mount([], m.dir);
      fs.writeFileSync(path.join(m2.dir, 'g'), 'ok');
      assert.equal(fs.readFileSync(path.join(m2.dir, 'g'), 'utf8'), 'ok');
    } finally {
      forceUnmount(m.dir);
    }
  });
});

describe('a server that stops answering', () => {
  test('memefs unmount aborts the connection instead of hanging', () => {
    const m = mount();
    try {
      process.kill(m.pid, 'SIGSTOP');
      const started = Date.now();
      const r = memefs(['unmount', m.dir], 30_000);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /did not answer/);
      assert.ok(!isMounted(m.dir));
      assert.ok(Date.now() - started < 20_000);
    } finally {
      try {
        process.kill(m.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
      forceUnmount(m.dir);
    }
  });
});
