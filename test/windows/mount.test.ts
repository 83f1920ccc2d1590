/**
 * NTFS semantics through a real mount, checked with the tools Linux users
 * have: getfattr/setfattr, stat, tar --xattrs, rsync -X, ioctl calls, mount, df.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { MEMEFS, cleanupAll, memefs, sh, tempDir, withMount } from '../helpers/mount.js';
import { bash, getHex, ioctlGetLabel, ioctlSetLabel, ntTime, run, setHex, u32le, u64le } from './helpers.js';

after(cleanupAll);

/** A python3 that other users may run (a pyenv shim under /root is not). */
const PYTHON = fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const ARCHIVE = 0x20;
const HIDDEN = 0x2;
const SYSTEM = 0x4;
const READONLY = 0x1;

describe('DOS attributes (system.ntfs_attrib, system.ntfs_attrib_be)', () => {
  test('new files are ARCHIVE, directories DIRECTORY; set, read back, archive set again on modification', async () => {
    await withMount([], ({ dir }) => {
      const f = path.join(dir, 'f');
      fs.writeFileSync(f, 'x');
      fs.mkdirSync(path.join(dir, 'd'));
      assert.equal(getHex(f, 'system.ntfs_attrib'), u32le(ARCHIVE));
      assert.equal(getHex(path.join(dir, 'd'), 'system.ntfs_attrib'), u32le(0x10));
      assert.equal(setHex(f, 'system.ntfs_attrib', u32le(HIDDEN | SYSTEM)).status, 0);
      assert.equal(getHex(f, 'system.ntfs_attrib'), u32le(HIDDEN | SYSTEM));
      assert.equal(getHex(f, 'system.ntfs_attrib_be'), '00000006');
      fs.appendFileSync(f, 'more');
      assert.equal(getHex(f, 'system.ntfs_attrib'), u32le(HIDDEN | SYSTEM | ARCHIVE), 'writing sets ARCHIVE');
      assert.equal(setHex(f, 'system.ntfs_attrib_be', '00002000').status, 0); // NOT_CONTENT_INDEXED
      assert.equal(getHex(f, 'system.ntfs_attrib'), u32le(0x2000));
      assert.equal(setHex(f, 'system.ntfs_attrib', '00000000').status, 0);
      assert.equal(getHex(f, 'system.ntfs_attrib'), u32le(0x80), 'nothing set reads as NORMAL');
      const bad = setHex(f, 'system.ntfs_attrib', u32le(0x40000000));
      assert.notEqual(bad.status, 0);
      assert.match(bad.stderr, /Invalid argument/);
    });
  });

  test('read-only refuses writes and truncation, even by root; reading and clearing it work', async () => {
    await withMount([], ({ dir }) => {
      const f = path.join(dir, 'ro');
      fs.writeFileSync(f, 'kept');
      assert.equal(setHex(f, 'system.ntfs_attrib', u32le(READONLY)).status, 0);
      assert.throws(() => fs.appendFileSync(f, 'x'), { code: 'EACCES' });
      assert.throws(() => fs.writeFileSync(f, 'x'), { code: 'EACCES' });
      assert.throws(() => fs.truncateSync(f, 0), { code: 'EACCES' });
      assert.equal(fs.readFileSync(f, 'utf8'), 'kept');
      assert.equal(bash(`echo x >> ${f}`).status, 1);
      assert.equal(setHex(f, 'system.ntfs_attrib', u32le(0)).status, 0);
      fs.appendFileSync(f, '!');
      assert.equal(fs.readFileSync(f, 'utf8'), 'kept!');
    });
  });

  test('the system.ntfs_* names are not listed (as ntfs-3g), user.* ones are', async () => {
    await withMount([], ({ dir }) => {
      const f = path.join(dir, 'f');
      fs.writeFileSync(f, '');
      assert.equal(run('setfattr', ['-n', 'user.note', '-v', 'hi', f]).status, 0);
      const listed = sh(`getfattr -d -m - --absolute-names ${f}`);
      assert.match(listed, /user\.note="hi"/);
      assert.doesNotMatch(listed, /ntfs/);
    });
  });
});

describe('creation time (system.ntfs_crtime, system.ntfs_times)', () => {
  test('crtime sets the birth time stat shows; ntfs_times sets creation, write, access and change', async () => {
    await withMount([], ({ dir }) => {
      const f = path.join(dir, 'f');
      fs.writeFileSync(f, '');
      assert.equal(setHex(f, 'system.ntfs_crtime', u64le(ntTime(1_000_000_000))).status, 0);
      assert.equal(sh(`stat -c %W ${f}`).trim(), '1000000000');
      assert.equal(getHex(f, 'system.ntfs_crtime'), u64le(ntTime(1_000_000_000)));
      const times = [ntTime(900_000_000), ntTime(1_100_000_000), ntTime(1_200_000_000), ntTime(1_300_000_000)];
      assert.equal(setHex(f, 'system.ntfs_times', times.map(u64le).join('')).status, 0);
      assert.equal(sh(`stat -c '%W %Y %X %Z' ${f}`).trim(), '900000000 1100000000 1200000000 1300000000');
      assert.equal(getHex(f, 'system.ntfs_times'), times.map(u64le).join(''));
      // A zero time leaves that time alone (as SetFileTime).
      assert.equal(setHex(f, 'system.ntfs_times', u64le(0n) + u64le(ntTime(1_400_000_000))).status, 0);
      assert.equal(sh(`stat -c '%W %Y' ${f}`).trim(), '900000000 1400000000');
      assert.notEqual(setHex(f, 'system.ntfs_crtime', 'abcd').status, 0);
    });
  });
});

const MEMEFS_SDDL = 'O:BAG:BAD:P(A;;FA;;;SY)(A;;FA;;;BA)(A;;FA;;;WD)';

describe('security descriptors (system.ntfs_acl, memefs security, -S)', () => {
  test('every file has a descriptor that follows mode/uid/gid, and chmod/chown change it', async () => {
    await withMount([], ({ dir }) => {
      const f = path.join(dir, 'f');
      fs.writeFileSync(f, '');
      fs.chmodSync(f, 0o644);
      fs.chownSync(f, 1001, 1002);
      const sddl = (file: string): string => {
        const r = memefs(['security', file]);
        assert.equal(r.status, 0, r.stderr);
        return r.stdout.trim();
      };
      assert.equal(sddl(f), 'O:S-1-22-1-1001G:S-1-22-2-1002D:P(A;;0x1f019f;;;S-1-22-1-1001)(A;;FR;;;S-1-22-2-1002)(A;;FR;;;WD)');
      fs.chmodSync(f, 0o600);
      assert.equal(sddl(f), 'O:S-1-22-1-1001G:S-1-22-2-1002D:P(A;;0x1f019f;;;S-1-22-1-1001)(A;;0x120088;;;S-1-22-2-1002)(A;;0x120088;;;WD)');
      fs.chownSync(f, 0x30000 + 1001, 544);
      assert.match(sddl(f), /^O:S-1-5-21-0-0-0-1001G:BA/);
      assert.match(getHex(f, 'system.ntfs_acl'), /^01000490/); // revision 1, control 0x9004: self-relative, protected, DACL
    });
  });

  test('setting a descriptor sets owner, group and mode; it reads back as set', async () => {
    await withMount([], ({ dir }) => {
      const f = path.join(dir, 'f');
      fs.writeFileSync(f, '');
      fs.chmodSync(f, 0o4755);
      const set = 'O:S-1-22-1-1234G:S-1-22-2-70000D:P(A;;FA;;;S-1-22-1-1234)(A;OI;FR;;;WD)';
      const r = memefs(['security', f, set]);
      assert.equal(r.status, 0, r.stderr);
      const st = fs.statSync(f);
      assert.equal(st.uid, 1234);
      assert.equal(st.gid, 70000);
      assert.equal(st.mode & 0o7777, 0o4744, 'rwx for the owner, r from Everyone for group and others; set-user-ID kept');
      assert.equal(memefs(['security', f]).stdout.trim(), set);
      // setfattr with the binary form works the same way (as tar --xattrs-include or rsync would write it).
      assert.equal(setHex(f, 'system.ntfs_acl', getHex(f, 'system.ntfs_acl')).status, 0);
      // chmod afterwards: the descriptor follows the mode again.
      fs.chmodSync(f, 0o700);
      assert.equal(memefs(['security', f]).stdout.trim(),
        'O:S-1-22-1-1234G:S-1-22-2-70000D:P(A;;0x1f01bf;;;S-1-22-1-1234)(A;;0x120088;;;S-1-22-2-70000)(A;;0x120088;;;WD)');
    });
  });

  test('invalid SDDL and malformed descriptors are refused with a clear error', async () => {
    await withMount([], ({ dir }) => {
      const f = path.join(dir, 'f');
      fs.writeFileSync(f, '');
      const r = memefs(['security', f, 'O:BAD:(A;;FA;;;NOPE)']);
      assert.equal(r.status, 2);
      assert.match(r.stderr, /invalid security descriptor .*unknown SID or alias "NOPE"/);
      const bin = setHex(f, 'system.ntfs_acl', '0100048014000000');
      assert.notEqual(bin.status, 0);
      assert.match(bin.stderr, /Invalid argument/);
      const mount = memefs([tempDir('bad-'), '-S', 'O:BA(']);
      assert.equal(mount.status, 2);
      assert.match(mount.stderr, /invalid security descriptor/);
    });
  });

  test("-S sets the root's descriptor; memefs's default one is Administrators-owned, full access for all", async () => {
    await withMount(['-S', MEMEFS_SDDL], ({ dir }) => {
      const st = fs.statSync(dir);
      assert.equal(st.uid, 544);
      assert.equal(st.gid, 544);
      assert.equal(st.mode & 0o777, 0o777);
      assert.equal(memefs(['security', dir]).stdout.trim(), MEMEFS_SDDL);
    });
  });

  test('non-root users cannot give their files away through a descriptor', async () => {
    await withMount([], ({ dir }) => {
      const f = path.join(dir, 'mine');
      fs.writeFileSync(f, '');
      fs.chownSync(f, 1000, 1000);
      const other = Buffer.from(run('node', ['-e', `
        import('${path.resolve('dist/src/core/windows/sddl.js')}').then((m) => process.stdout.write(Buffer.from(m.sddlToBinary('O:SYG:SYD:(A;;FA;;;WD)')).toString('hex')));
      `]).stdout, 'utf8').toString();
      const r = run('setpriv', ['--reuid=1000', '--regid=1000', '--clear-groups', 'setfattr', '-n', 'system.ntfs_acl', '-v', '0x' + other, f]);
      assert.notEqual(r.status, 0);
      assert.match(r.stderr, /Operation not permitted/);
      assert.equal(fs.statSync(f).uid, 1000);
    });
  });
});

/** One EA entry of a FILE_FULL_EA_INFORMATION list, as hex. */
/** A FILE_FULL_EA_INFORMATION list: ntfs-3g's form (the last entry padded, offset to the end) or Windows's (offset 0). */
function eaHex(entries: [string, string][], form: 'ntfs-3g' | 'windows' = 'ntfs-3g'): string {
  const parts = entries.map(([name, value], i) => {
    const len = 8 + name.length + 1 + value.length;
    const windowsLast = form === 'windows' && i === entries.length - 1;
    const padded = windowsLast ? len : (len + 3) & ~3;
    const b = Buffer.alloc(padded);
    b.writeUInt32LE(windowsLast ? 0 : padded, 0);
    b[5] = name.length;
    b.writeUInt16LE(value.length, 6);
    b.write(name, 8, 'latin1');
    b.write(value, 9 + name.length, 'latin1');
    return b.toString('hex');
  });
  return parts.join('');
}

describe('Windows EAs (system.ntfs_ea)', () => {
  test("set replaces the whole list (as ntfs-3g); both list forms are read, ntfs-3g's is written (issue 15, item 4)", async () => {
    await withMount([], ({ dir }) => {
      const f = path.join(dir, 'f');
      fs.writeFileSync(f, '');
      assert.equal(setHex(f, 'system.ntfs_ea', eaHex([['Alpha', 'one'], ['Beta', 'two']], 'windows')).status, 0);
      assert.equal(getHex(f, 'system.ntfs_ea'), eaHex([['Alpha', 'one'], ['Beta', 'two']]), "read back in ntfs-3g's form");
      assert.equal(setHex(f, 'system.ntfs_ea', eaHex([['ALPHA', 'uno'], ['Empty', '']])).status, 0);
      assert.equal(getHex(f, 'system.ntfs_ea'), eaHex([['ALPHA', 'uno'], ['Empty', '']]), 'what was set, nothing merged');
      assert.match(setHex(f, 'system.ntfs_ea', eaHex([['a', '1'], ['A', '2']])).stderr, /Invalid argument/, 'one name twice');
      assert.equal(getHex(f, 'system.ntfs_ea'), eaHex([['ALPHA', 'uno'], ['Empty', '']]), 'a refused list changes nothing');
      assert.equal(run('setfattr', ['-x', 'system.ntfs_ea', f]).status, 0);
      assert.throws(() => getHex(f, 'system.ntfs_ea'), /No such attribute/);
      assert.notEqual(setHex(f, 'system.ntfs_ea', eaHex([['bad:name', 'x']])).status, 0);
      assert.notEqual(setHex(f, 'system.ntfs_ea', '00000000').status, 0);
    });
  });
});

describe('named streams', () => {
  test('-o streams=windows: FILE:NAME opens, creates, reads, writes, truncates and deletes; same as user.NAME', async () => {
    await withMount(['-o', 'streams=windows', '-s', '64M'], ({ dir }) => {
      const f = path.join(dir, 'file');
      fs.writeFileSync(f, 'main data');
      fs.writeFileSync(f + ':s1', 'stream one');
      assert.equal(fs.readFileSync(f + ':s1', 'utf8'), 'stream one');
      assert.equal(fs.readFileSync(f + ':s1:$DATA', 'utf8'), 'stream one');
      assert.equal(fs.readFileSync(f, 'utf8'), 'main data');
      assert.match(sh(`getfattr -n user.s1 --absolute-names ${f}`), /user\.s1="stream one"/);
      assert.equal(run('setfattr', ['-n', 'user.s2', '-v', 'from xattr', f]).status, 0);
      assert.equal(fs.readFileSync(f + ':s2', 'utf8'), 'from xattr');
      assert.equal(run('setfattr', ['-n', 'user.s2', '-v', 'changed', f]).status, 0);
      assert.equal(sh(`cat ${f}:s2`), 'changed');
      fs.appendFileSync(f + ':s1', '+');
      fs.truncateSync(f + ':s1', 6);
      assert.equal(fs.readFileSync(f + ':s1', 'utf8'), 'stream');
      assert.equal(fs.statSync(f + ':s1').size, 6);
      assert.deepEqual(fs.readdirSync(dir), ['file'], 'streams are not directory entries');
      // Large streams, counted against the cap.
      const before = fs.statfsSync(dir).bfree;
      const big = Buffer.alloc(8 << 20, 7);
      fs.writeFileSync(f + ':big', big);
      assert.ok(fs.readFileSync(f + ':big').equals(big));
      assert.ok(before - fs.statfsSync(dir).bfree >= (8 << 20) / 4096);
      assert.throws(() => fs.writeFileSync(f + ':huge', Buffer.alloc(80 << 20)), { code: 'ENOSPC' });
      fs.unlinkSync(f + ':big');
      assert.throws(() => fs.statSync(f + ':big'), { code: 'ENOENT' });
      assert.doesNotMatch(sh(`getfattr -d --absolute-names ${f}`), /user\.big/);
      // Removing the xattr removes the stream at once.
      assert.equal(run('setfattr', ['-x', 'user.s2', f]).status, 0);
      assert.throws(() => fs.readFileSync(f + ':s2'), { code: 'ENOENT' });
      // Missing file, names with ':' otherwise refused.
      assert.throws(() => fs.writeFileSync(path.join(dir, 'nofile:s'), 'x'), { code: 'ENOENT' });
      assert.throws(() => fs.mkdirSync(path.join(dir, 'a:b')), { code: 'EINVAL' });
      // Deleting the file deletes its streams (and gives their memory back).
      const used = fs.statfsSync(dir).bfree;
      fs.writeFileSync(f + ':again', Buffer.alloc(4 << 20, 1));
      fs.unlinkSync(f);
      assert.throws(() => fs.readFileSync(f + ':again'), { code: 'ENOENT' });
      // The kernel forgets the stream's node right after (memefs tells it to): the memory comes back.
      const deadline = Date.now() + 2000;
      while (fs.statfsSync(dir).bfree < used && Date.now() < deadline) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
      assert.ok(fs.statfsSync(dir).bfree >= used);
    });
  });

  test('an open stream keeps its data after the stream is deleted', async () => {
    await withMount(['-o', 'streams=windows'], ({ dir }) => {
      const f = path.join(dir, 'f');
      fs.writeFileSync(f, '');
      fs.writeFileSync(f + ':s', 'still here');
      const fd = fs.openSync(f + ':s', 'r');
      fs.unlinkSync(f + ':s');
      const buf = Buffer.alloc(20);
      assert.equal(fs.readSync(fd, buf, 0, 20, 0), 10);
      assert.equal(buf.subarray(0, 10).toString(), 'still here');
      fs.closeSync(fd);
    });
  });

  test('by default ":" is an ordinary name character; user.* xattrs (streams) survive tar --xattrs and rsync -X', async () => {
    await withMount([], async (a) => {
      await withMount([], ({ dir: b }) => {
        fs.writeFileSync(path.join(a.dir, 'x:y'), 'plain file');
        const f = path.join(a.dir, 'f');
        fs.writeFileSync(f, 'data');
        assert.equal(run('setfattr', ['-n', 'user.Zone.Identifier', '-v', '[ZoneTransfer]', f]).status, 0);
        const tarball = path.join(tempDir('tar-'), 'x.tar');
        sh(`tar --xattrs -cf ${tarball} -C ${a.dir} .`);
        fs.mkdirSync(path.join(b, 't'));
        sh(`tar --xattrs -xf ${tarball} -C ${b}/t`);
        assert.match(sh(`getfattr -d --absolute-names ${b}/t/f`), /user\.Zone\.Identifier="\[ZoneTransfer\]"/);
        assert.equal(fs.readFileSync(path.join(b, 't', 'x:y'), 'utf8'), 'plain file');
        sh(`rsync -aX ${a.dir}/ ${b}/r/`);
        assert.match(sh(`getfattr -d --absolute-names ${b}/r/f`), /user\.Zone\.Identifier="\[ZoneTransfer\]"/);
      });
    });
  });
});

describe('reparse points (system.ntfs_reparse_data)', () => {
  test('symlinks and special files read as symlink and WSL reparse data', async () => {
    await withMount([], ({ dir }) => {
      fs.symlinkSync('dir/target', path.join(dir, 'l'));
      sh(`mkfifo ${dir}/p`);
      const l = Buffer.from(getHex(path.join(dir, 'l'), 'system.ntfs_reparse_data'), 'hex');
      assert.equal(l.readUInt32LE(0), 0xa000000c);
      assert.equal(l.readUInt32LE(16), 1, 'relative');
      assert.equal(l.subarray(20, 20 + l.readUInt16LE(10)).toString('utf16le'), 'dir\\target');
      assert.equal(getHex(path.join(dir, 'p'), 'system.ntfs_reparse_data'), '2400008000000000');
      fs.writeFileSync(path.join(dir, 'f'), '');
      assert.throws(() => getHex(path.join(dir, 'f'), 'system.ntfs_reparse_data'), /No such attribute/);
    });
  });

  test('symlink, junction and WSL data turn empty files and directories into symlinks and special files', async () => {
    await withMount([], ({ dir }) => {
      const f = path.join(dir, 'f');
      fs.writeFileSync(f, '');
      assert.equal(fs.statSync(f).isFile(), true); // the kernel has it cached as a file
      const link = Buffer.from(getHex(path.join(dir, '.'), 'system.ntfs_attrib'), 'hex'); // warm-up of the root
      assert.ok(link.length === 4);
      sh(`ln -s some/where ${dir}/model`);
      const data = getHex(path.join(dir, 'model'), 'system.ntfs_reparse_data');
      assert.equal(setHex(f, 'system.ntfs_reparse_data', data).status, 0);
      assert.equal(sh(`stat -c %F ${f}`).trim(), 'symbolic link');
      assert.equal(fs.readlinkSync(f), 'some/where');
      assert.equal(getHex(f, 'system.ntfs_reparse_data'), data, 'kept byte for byte');
      assert.equal(Buffer.from(getHex(f, 'system.ntfs_attrib'), 'hex').readUInt32LE(0) & 0x400, 0x400, 'REPARSE_POINT');
      // A junction (mount point) on an empty directory.
      const d = path.join(dir, 'junction');
      fs.mkdirSync(d);
      const sub = Buffer.from('\\??\\C:\\Windows', 'utf16le');
      const print = Buffer.from('C:\\Windows', 'utf16le');
      const j = Buffer.alloc(16 + sub.length + print.length);
      j.writeUInt32LE(0xa0000003, 0); j.writeUInt16LE(8 + sub.length + print.length, 4);
      j.writeUInt16LE(sub.length, 10); j.writeUInt16LE(sub.length, 12); j.writeUInt16LE(print.length, 14);
      sub.copy(j, 16); print.copy(j, 16 + sub.length);
      assert.equal(setHex(d, 'system.ntfs_reparse_data', j.toString('hex')).status, 0);
      assert.equal(fs.readlinkSync(d), 'C:/Windows');
      assert.equal(fs.statSync(dir).nlink, 2, 'the parent lost the subdirectory link');
      // WSL special files.
      for (const [tag, type] of [[0x80000024, 'fifo'], [0x80000023, 'socket'], [0x80000025, 'character special file'], [0x80000026, 'block special file']] as const) {
        const p = path.join(dir, `w${tag.toString(16)}`);
        fs.writeFileSync(p, '');
        assert.equal(setHex(p, 'system.ntfs_reparse_data', u32le(tag) + '00000000').status, 0);
        assert.equal(sh(`stat -c %F ${p}`).trim(), type);
      }
      // Unknown tags: kept byte for byte, the file stays a file with its data.
      const u = path.join(dir, 'u');
      fs.writeFileSync(u, 'content');
      assert.equal(setHex(u, 'system.ntfs_reparse_data', '1700008004000000deadbeef').status, 0);
      assert.equal(getHex(u, 'system.ntfs_reparse_data'), '1700008004000000deadbeef');
      assert.equal(fs.readFileSync(u, 'utf8'), 'content');
      // Refused: a non-empty file cannot become a link; malformed data.
      const r = setHex(u, 'system.ntfs_reparse_data', data);
      assert.notEqual(r.status, 0);
      assert.match(r.stderr, /not empty/);
      assert.match(setHex(u, 'system.ntfs_reparse_data', '0c0000a0ff000000').stderr, /Invalid argument/);
    });
  });
});

describe('volume: label ioctls, file system name, serial, memefs info', () => {
  test('-l LABEL is read and set through FS_IOC_GETFSLABEL/FS_IOC_SETFSLABEL; memefs info follows', async () => {
    await withMount(['-l', 'RAMDISK', '-s', '128M'], ({ dir }) => {
      assert.equal(ioctlGetLabel(dir), 'RAMDISK');
      const set = ioctlSetLabel(dir, 'Renamed Disk');
      assert.equal(set.status, 0, set.stderr);
      assert.equal(ioctlGetLabel(dir), 'Renamed Disk');
      const info = memefs(['info', '--json', dir]);
      assert.equal(info.status, 0, info.stderr);
      const i = JSON.parse(info.stdout) as { label: string; serial: string; size: number; used: number; free: number; files: number; options: Record<string, unknown> };
      assert.equal(i.label, 'Renamed Disk');
      assert.match(i.serial, /^[0-9A-F]{4}-[0-9A-F]{4}$/);
      assert.equal(i.size, 128 * 1024 * 1024);
      assert.equal(i.used + i.free, i.size);
      assert.equal(i.files, 1);
      assert.equal(i.options.case_insensitive, false);
      const text = memefs(['info', dir]).stdout;
      assert.match(text, /label:\s+Renamed Disk/);
      assert.match(text, /serial:\s+[0-9A-F]{4}-[0-9A-F]{4}/);
      // Non-root users cannot rename the volume.
      const r = run('setpriv', ['--reuid=1000', '--regid=1000', '--clear-groups', PYTHON, '-c',
        `import fcntl,os; fcntl.ioctl(os.open('${dir}', os.O_RDONLY), 0x41009432, b'x'.ljust(256, b'\\0'))`]);
      assert.notEqual(r.status, 0);
      assert.match(r.stderr, /Operation not permitted/);
    });
  });

  test("labels: 32 characters (NTFS's limit) for -l and the ioctl alike; 33, control characters or invalid UTF-8 refused (issue 15, item 11)", async () => {
    const l32 = 'L'.repeat(31) + 'é';
    await withMount(['-l', l32], ({ dir }) => {
      assert.equal(ioctlGetLabel(dir), l32);
      assert.notEqual(ioctlSetLabel(dir, l32 + 'x').status, 0);
      const bad = run(PYTHON, ['-c', `import fcntl,os; fcntl.ioctl(os.open('${dir}', os.O_RDONLY), 0x41009432, b'ab\\xff\\xfe'.ljust(256, b'\\0'))`]);
      assert.match(bad.stderr, /Invalid argument/);
      assert.equal(ioctlGetLabel(dir), l32, 'a refused label changes nothing');
      assert.equal(ioctlSetLabel(dir, 'M'.repeat(32)).status, 0);
      assert.equal(ioctlGetLabel(dir), 'M'.repeat(32));
    });
    const long = memefs([tempDir('label-'), '-l', 'L'.repeat(33)]);
    assert.equal(long.status, 2);
    assert.match(long.stderr, /longer than 32 characters/);
    const invalid = run('bash', ['-c', `${JSON.stringify(process.execPath)} ${JSON.stringify(MEMEFS)} ${tempDir('label-')} -l $'ab\\xff'`]);
    assert.notEqual(invalid.status, 0);
    assert.match(invalid.stderr, /label is not valid UTF-8/);
  });

  test('-F NAME is the type fuse.NAME and the source in mount and df -T; memefs unmount knows it', async () => {
    const dir = tempDir('fsname-');
    await withMount(['-F', 'ramdisk'], (m) => {
      assert.match(sh('mount'), new RegExp(`^ramdisk on ${m.dir} type fuse\\.ramdisk `, 'm'));
      assert.equal(sh(`df -T ${m.dir} | tail -1`).split(/\s+/)[1], 'fuse.ramdisk');
      const r = memefs(['unmount', m.dir]);
      assert.equal(r.status, 0, r.stderr);
    });
    assert.ok(fs.existsSync(dir));
  });
});

describe('Windows names (-o windows_names)', () => {
  test('names Windows cannot hold are refused with EINVAL; others work; off by default', async () => {
    await withMount(['-o', 'windows_names'], ({ dir }) => {
      for (const bad of ['a<b', 'a>b', 'a"b', 'a\\b', 'a|b', 'a?b', 'a*b', 'a:b', 'tab\tname', 'dot.', 'space ', 'CON', 'con.txt', 'PRN', 'AUX', 'NUL', 'COM1', 'LPT9.log']) {
        assert.throws(() => fs.writeFileSync(path.join(dir, bad), ''), { code: 'EINVAL' }, bad);
        assert.throws(() => fs.mkdirSync(path.join(dir, bad)), { code: 'EINVAL' }, bad);
      }
      fs.writeFileSync(path.join(dir, 'ok.txt'), '');
      fs.writeFileSync(path.join(dir, 'CONSOLE'), '');
      assert.throws(() => fs.renameSync(path.join(dir, 'ok.txt'), path.join(dir, 'nul')), { code: 'EINVAL' });
      assert.throws(() => fs.symlinkSync('x', path.join(dir, 'a?')), { code: 'EINVAL' });
    });
    await withMount([], ({ dir }) => {
      fs.writeFileSync(path.join(dir, 'a<b'), '');
      fs.writeFileSync(path.join(dir, 'CON'), '');
    });
  });
});

describe('case-insensitive volumes (-i)', () => {
  test('lookups in any case, creation opens the existing file, listings keep the stored case', async () => {
    await withMount(['-i'], ({ dir }) => {
      fs.writeFileSync(path.join(dir, 'foo'), 'first');
      assert.equal(fs.readFileSync(path.join(dir, 'FOO'), 'utf8'), 'first');
      assert.equal(sh(`stat -c %s ${dir}/FoO`).trim(), '5');
      fs.writeFileSync(path.join(dir, 'Foo'), 'second');
      assert.deepEqual(fs.readdirSync(dir), ['foo']);
      assert.equal(fs.readFileSync(path.join(dir, 'foo'), 'utf8'), 'second');
      assert.throws(() => fs.writeFileSync(path.join(dir, 'FOO'), 'x', { flag: 'wx' }), { code: 'EEXIST' });
      // Unicode, not only ASCII (NTFS's upcase table maps these).
      fs.writeFileSync(path.join(dir, 'Ärger_Σ_Ж'), '');
      assert.ok(fs.existsSync(path.join(dir, 'äRGER_σ_ж')));
      fs.mkdirSync(path.join(dir, 'Dir'));
      fs.writeFileSync(path.join(dir, 'DIR', 'inner'), 'x');
      assert.equal(fs.readFileSync(path.join(dir, 'dir', 'INNER'), 'utf8'), 'x');
    });
  });

  test('the dentry cache never answers for another spelling', async () => {
    await withMount(['-i'], ({ dir }) => {
      fs.writeFileSync(path.join(dir, 'foo'), '');
      assert.ok(fs.existsSync(path.join(dir, 'foo')));
      assert.ok(fs.existsSync(path.join(dir, 'FOO')));
      fs.unlinkSync(path.join(dir, 'FOO'));
      assert.equal(bash(`ls ${dir}/foo`).status, 2, 'after rm FOO, ls foo fails');
      assert.equal(bash(`stat ${dir}/Foo`).status, 1);
      assert.equal(bash(`touch ${dir}/foo && stat ${dir}/FOO`).status, 0, 'after touch foo, stat FOO succeeds at once');
      for (let i = 0; i < 50; i++) {
        fs.writeFileSync(path.join(dir, `n${i}`), '');
        assert.ok(fs.existsSync(path.join(dir, `N${i}`)));
        fs.unlinkSync(path.join(dir, `N${i}`));
        assert.ok(!fs.existsSync(path.join(dir, `n${i}`)));
      }
    });
  });

  test('a case-only rename: rename(2) to another spelling is a no-op for the kernel; two steps work', async () => {
    await withMount(['-i'], ({ dir }) => {
      fs.writeFileSync(path.join(dir, 'readme.txt'), 'x');
      // The kernel sees the same inode under both names and returns success without asking memefs.
      fs.renameSync(path.join(dir, 'readme.txt'), path.join(dir, 'README.txt'));
      assert.deepEqual(fs.readdirSync(dir), ['readme.txt']);
      fs.renameSync(path.join(dir, 'readme.txt'), path.join(dir, 'tmp-name'));
      fs.renameSync(path.join(dir, 'tmp-name'), path.join(dir, 'README.txt'));
      assert.deepEqual(fs.readdirSync(dir), ['README.txt']);
      assert.equal(fs.readFileSync(path.join(dir, 'readme.TXT'), 'utf8'), 'x');
    });
  });
});

describe('debug log (-d, -D)', () => {
  test('one line per operation with node, names, result and duration; nothing without -d/-D', async () => {
    const log = path.join(tempDir('log-'), 'ops.log');
    await withMount(['-d', '-1', '-D', log], ({ dir }) => {
      fs.mkdirSync(path.join(dir, 'd'));
      fs.writeFileSync(path.join(dir, 'd', 'a'), 'x');
      fs.renameSync(path.join(dir, 'd', 'a'), path.join(dir, 'b'));
      fs.symlinkSync('target path', path.join(dir, 'l'));
      fs.linkSync(path.join(dir, 'b'), path.join(dir, 'hard'));
      sh(`setfattr -n user.k -v v ${dir}/b`);
      sh(`mknod ${dir}/fifo p`);
      assert.throws(() => fs.statSync(path.join(dir, 'missing')));
      fs.unlinkSync(path.join(dir, 'hard'));
      fs.rmdirSync(path.join(dir, 'd'));
    });
    const text = fs.readFileSync(log, 'utf8');
    const lines = text.trim().split('\n');
    for (const l of lines) assert.match(l, /^\S+ [A-Z_0-9]+ node=\d+.* -> (ok|E[A-Z]+) \d+\.\dus$/, l);
    const has = (re: RegExp): void => assert.ok(lines.some((l) => re.test(l)), `${re} in\n${text}`);
    has(/MKDIR node=1 name="d" -> ok/);
    has(/CREATE node=\d+ name="a" -> ok/);
    has(/RENAME2? node=\d+ name="a" newdir=1 newname="b"( flags=\d+)? -> ok/);
    has(/SYMLINK node=1 name="l" target="target path" -> ok/);
    has(/LINK node=1 name="hard" from=\d+ -> ok/);
    has(/SETXATTR node=\d+ name="user.k" size=1 -> ok/);
    has(/MKNOD node=1 name="fifo" -> ok/);
    has(/LOOKUP node=1 name="missing" -> (ok|ENOENT)/); // ok: a negative entry the kernel caches
    has(/UNLINK node=1 name="hard" -> ok/);
    has(/RMDIR node=1 name="d" -> ok/);
    const quiet = path.join(tempDir('nolog-'), 'none.log');
    await withMount([], ({ dir }) => fs.writeFileSync(path.join(dir, 'x'), ''));
    assert.ok(!fs.existsSync(quiet));
  });
});
