/**
 * The RAM disk as an SMB share (--share), driven by a real SMB client
 * (smbclient) against the private Samba that memefs starts.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { cleanupAll, daemonPid, forceUnmount, isMounted, MEMEFS, memefs, mount, tempDir, type Mounted } from '../helpers/mount.js';

after(cleanupAll);

/** A port nobody listens on now (the kernel picks it). */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((r) => server.close(r));
  return port;
}

/** The Samba processes (smbd and any helper) of this mount's share, found by their private smb.conf. */
function smbdPids(confDir: string): number[] {
  return fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
    try {
      return fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0').some((a) => a.includes(confDir));
    } catch {
      return false;
    }
  }).map(Number);
}

function shareDirs(): string[] {
  return fs.readdirSync(os.tmpdir()).filter((d) => d.startsWith('memefs-share-')).map((d) => path.join(os.tmpdir(), d));
}

interface Shared extends Mounted {
  port: number;
  client(cmds: string, user?: string): { status: number; out: string };
}

async function share(args: string[] = []): Promise<Shared> {
  const port = await freePort();
  const m = mount(['--share', 'ram', '--share-port', String(port), '--share-users', 'alice:s3cret,bob:other', ...args]);
  return {
    ...m,
    port,
    client(cmds, user = 'alice%s3cret') {
      const r = spawnSync('smbclient', ['-p', String(port), '//127.0.0.1/ram', '-U', user, '-c', cmds], { encoding: 'utf8', timeout: 30_000 });
      return { status: r.status ?? -1, out: r.stdout + r.stderr };
    },
  };
}

async function withShare(args: string[], fn: (s: Shared) => Promise<void> | void): Promise<void> {
  const s = await share(args);
  try {
    await fn(s);
  } finally {
    s.unmount();
  }
}

describe('memefs --share', () => {
  test('put and get through SMB see the RAM disk; wrong passwords and guests are refused', async () => {
    const local = tempDir('share-local-');
    await withShare([], (s) => {
      fs.writeFileSync(path.join(s.dir, 'from-linux.txt'), 'written on Linux\n');
      fs.writeFileSync(path.join(local, 'up.txt'), 'sent over SMB\n');
      const r = s.client(`get from-linux.txt ${local}/got.txt; put ${local}/up.txt up.txt; mkdir sub; ls`);
      assert.equal(r.status, 0, r.out);
      assert.equal(fs.readFileSync(path.join(local, 'got.txt'), 'utf8'), 'written on Linux\n');
      assert.equal(fs.readFileSync(path.join(s.dir, 'up.txt'), 'utf8'), 'sent over SMB\n');
      assert.ok(fs.statSync(path.join(s.dir, 'sub')).isDirectory());
      assert.equal(s.client('ls', 'bob%other').status, 0, 'the second user');
      const wrong = s.client('ls', 'alice%nope');
      assert.notEqual(wrong.status, 0);
      assert.match(wrong.out, /LOGON_FAILURE/);
      const guest = spawnSync('smbclient', ['-p', String(s.port), '//127.0.0.1/ram', '-N', '-c', 'ls'], { encoding: 'utf8' });
      assert.notEqual(guest.status, 0, 'no guest access');
    });
  });

  test('named streams are one copy: user.NAME on Linux is stream NAME in SMB, both ways', async () => {
    const local = tempDir('share-streams-');
    await withShare(['-o', 'streams=windows'], (s) => {
      const f = path.join(s.dir, 'f.txt');
      fs.writeFileSync(f, 'main');
      assert.equal(spawnSync('setfattr', ['-n', 'user.fromlinux', '-v', 'linux data', f]).status, 0);
      const info = s.client('allinfo f.txt');
      assert.equal(info.status, 0, info.out);
      assert.match(info.out, /stream: \[:fromlinux:\$DATA\], 10 bytes/, 'every byte');
      const back = s.client(`get f.txt:fromlinux ${local}/back`);
      assert.equal(back.status, 0, back.out);
      assert.equal(fs.readFileSync(path.join(local, 'back'), 'utf8'), 'linux data');
      fs.writeFileSync(path.join(local, 's'), 'smb data');
      const put = s.client(`put ${local}/s f.txt:fromsmb`);
      assert.equal(put.status, 0, put.out);
      const got = spawnSync('getfattr', ['--only-values', '-n', 'user.fromsmb', f]);
      assert.equal(got.status, 0, String(got.stderr));
      assert.equal(got.stdout.toString('latin1'), 'smb data', 'no NUL: Samba\'s terminator is not part of the stream');
      assert.equal(fs.readFileSync(`${f}:fromsmb`, 'latin1'), 'smb data', 'the same bytes as FILE:NAME');
      // One copy: Samba's name for the stream is a view, the stream is stored once.
      const names = spawnSync('getfattr', ['-d', '-m', '-', '--absolute-names', f], { encoding: 'utf8' }).stdout;
      assert.match(names, /user\.fromsmb="smb data"/);
      assert.match(names, /user\.DosStream\.fromsmb:\$DATA/);
      assert.equal(spawnSync('setfattr', ['-x', 'user.fromsmb', f]).status, 0);
      assert.doesNotMatch(s.client('allinfo f.txt').out, /fromsmb/, 'removed on Linux: gone in SMB');
    });
  });

  test('DOS attributes and creation time are one copy: system.ntfs_attrib and statx on Linux, allinfo and setmode in SMB', async () => {
    const local = tempDir('share-attrs-');
    fs.writeFileSync(path.join(local, 'up'), 'up');
    await withShare([], (s) => {
      const f = path.join(s.dir, 'lin.txt');
      fs.writeFileSync(f, 'x');
      assert.equal(spawnSync('setfattr', ['-n', 'system.ntfs_attrib', '-v', '0x06000000', f]).status, 0); // HIDDEN|SYSTEM
      const info = s.client('allinfo lin.txt');
      assert.match(info.out, /attributes: HS \(6\)/, info.out);
      const r = s.client(`mkdir d; setmode d +h; put ${local}/up up.txt; setmode up.txt +r; utimes up.txt 2020:01:02-03:04:05 -1 -1 -1`);
      assert.equal(r.status, 0, r.out);
      const attrib = (p: string): string => spawnSync('getfattr', ['--only-values', '-n', 'system.ntfs_attrib', p]).stdout.toString('hex');
      assert.equal(attrib(path.join(s.dir, 'd')), '12000000', 'DIRECTORY|HIDDEN');
      assert.equal(attrib(path.join(s.dir, 'up.txt')), '21000000', 'ARCHIVE|READONLY');
      const birth = spawnSync('stat', ['-c', '%W', path.join(s.dir, 'up.txt')], { encoding: 'utf8' }).stdout.trim();
      assert.equal(birth, String(Date.UTC(2020, 0, 2, 3, 4, 5) / 1000), 'creation time set over SMB is the birth time');
      // The name Samba uses is memefs's metadata, not a second copy: it is not listed and not a stream.
      assert.doesNotMatch(spawnSync('getfattr', ['-d', '-m', '-', f], { encoding: 'utf8' }).stdout, /DOSATTRIB/);
      assert.doesNotMatch(s.client('allinfo lin.txt').out, /DOSATTRIB/);
    });
  });

  test('smbcacls shows the security descriptor and sets one that memefs security shows', async () => {
    // smbcacls only speaks to port 445: give the share a network namespace of its own, where 445 is free.
    const dir = tempDir('mnt-');
    const before = new Set(shareDirs());
    const r = spawnSync('unshare', ['-n', 'sh', '-c', 'ip link set lo up && exec "$0" "$@"', process.execPath, MEMEFS, dir,
      '--share', 'ram', '--share-port', '445', '--share-users', 'alice:s3cret'], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 0, r.stderr);
    const conf = shareDirs().filter((d) => !before.has(d))[0]!;
    try {
      const cacls = (...args: string[]): string => {
        const c = spawnSync('nsenter', ['-t', String(daemonPid(dir)), '-n', 'smbcacls', '//127.0.0.1/ram', 'f.txt', '-U', 'alice%s3cret', '--sddl', ...args], { encoding: 'utf8', timeout: 30_000 });
        assert.equal(c.status, 0, c.stderr);
        return c.stdout.trim();
      };
      fs.writeFileSync(path.join(dir, 'f.txt'), 'x');
      fs.chmodSync(path.join(dir, 'f.txt'), 0o640);
      // rw- r-- ---: Samba maps the mode itself (and lists "others" as an empty ACE for Everyone).
      assert.match(cacls(), /^O:S-1-22-1-0G:S-1-22-2-0D:P\(A;;0x0012019f;;;S-1-22-1-0\)\(A;;0x00120089;;;S-1-22-2-0\)/);
      cacls('-S', 'D:P(A;;FA;;;S-1-22-1-0)(A;;FA;;;S-1-22-2-0)(A;;FR;;;WD)');
      assert.equal(fs.statSync(path.join(dir, 'f.txt')).mode & 0o777, 0o774);
      const sec = memefs(['security', path.join(dir, 'f.txt')]);
      assert.equal(sec.status, 0, sec.stderr);
      // What memefs shows is its descriptor of that mode: the same as for a file given rwxrwxr-- on Linux.
      fs.writeFileSync(path.join(dir, 'g.txt'), 'x');
      fs.chmodSync(path.join(dir, 'g.txt'), 0o774);
      assert.equal(sec.stdout, memefs(['security', path.join(dir, 'g.txt')]).stdout);
      assert.match(sec.stdout, /\(A;;FR;;;WD\)/, 'Everyone: read');
    } finally {
      forceUnmount(dir);
    }
    assert.deepEqual(smbdPids(conf), [], 'no Samba process left (smbcacls asks for RPC services too)');
  });

  test('a case-insensitive volume (-i) answers SMB lookups in any case', async () => {
    const local = tempDir('share-ci-');
    await withShare(['-i'], (s) => {
      fs.writeFileSync(path.join(s.dir, 'Mixed Case.TXT'), 'folded');
      const r = s.client(`get "mixed case.txt" ${local}/got; allinfo "MIXED CASE.txt"`);
      assert.equal(r.status, 0, r.out);
      assert.equal(fs.readFileSync(path.join(local, 'got'), 'utf8'), 'folded');
      fs.writeFileSync(path.join(local, 'up'), 'replaced');
      assert.equal(s.client(`put ${local}/up "MIXED CASE.TXT"`).status, 0);
      assert.deepEqual(fs.readdirSync(s.dir), ['Mixed Case.TXT'], 'the same file, its case kept');
      assert.equal(fs.readFileSync(path.join(s.dir, 'Mixed Case.TXT'), 'utf8'), 'replaced');
    });
  });

  test('unmounting stops Samba and removes its folder, even with a client connected', async () => {
    const before = new Set(shareDirs());
    const s = await share();
    try {
      const dirs = shareDirs().filter((d) => !before.has(d));
      assert.equal(dirs.length, 1, 'one private Samba folder');
      const conf = dirs[0]!;
      assert.ok(fs.existsSync(path.join(conf, 'smb.conf')));
      assert.ok(smbdPids(conf).length >= 1, 'smbd runs');
      assert.equal(s.client('ls').status, 0);
      const r = memefs(['unmount', s.dir]);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(isMounted(s.dir), false);
      assert.deepEqual(smbdPids(conf), [], 'no smbd left');
      assert.equal(fs.existsSync(conf), false, 'its folder is gone');
    } finally {
      s.unmount();
    }
  });

  test('a Samba that fails to start fails the mount with its message, leaving nothing behind', async () => {
    const bin = tempDir('fake-smbd-');
    // A stand-in smbd that fails the way a broken installation does (the real one is tested above).
    fs.writeFileSync(path.join(bin, 'smbd'), '#!/bin/sh\necho "smbd: Failed to load config: broken on purpose" >&2\nexit 1\n', { mode: 0o755 });
    const dir = tempDir('mnt-');
    const before = new Set(shareDirs());
    const port = await freePort();
    const r = spawnSync(process.execPath, [MEMEFS, dir, '--share', 'ram', '--share-port', String(port), '--share-users', 'alice:x'], {
      encoding: 'utf8', timeout: 30_000, env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
    });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /Samba stopped at start \(exit 1\): smbd: Failed to load config: broken on purpose/);
    assert.equal(r.stderr.trim().split('\n').length, 1, 'one line');
    assert.equal(isMounted(dir), false, 'nothing mounted');
    assert.deepEqual(shareDirs().filter((d) => !before.has(d)), [], 'no Samba folder left');
  });

  test('bad share options are one-line usage errors (exit 2)', () => {
    const dir = tempDir('mnt-');
    for (const [args, msg] of [
      [['--share', 'ram'], /--share needs --share-users/],
      [['--share', 'ram', '--share-users', 'alice'], /user alice needs a password/],
      [['--share', 'ram', '--share-users', 'a:1,A:2'], /given twice/],
      [['--share', 'ram', '--share-users', 'a:1', '--share-port', '70000'], /not a port number/],
      [['--share', 'a/b', '--share-users', 'a:1'], /share name "a\/b"/],
      [['--share-port', '4450'], /go with --share NAME/],
    ] as const) {
      const r = memefs([dir, ...args]);
      assert.equal(r.status, 2, args.join(' '));
      assert.equal(r.stderr.trim().split('\n').length, 1);
      assert.match(r.stderr, msg);
      assert.equal(isMounted(dir), false);
    }
  });
});
