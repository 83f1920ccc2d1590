/** Samba's user.DOSATTRIB as a view of memefs's own attributes and creation time, in the volume core. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ROOT } from '../../src/core/access.js';
import { FsError } from '../../src/core/errno.js';
import { Volume } from '../../src/core/volume.js';

/** Asserts that fn fails with this errno (FsError carries it). */
const fails = (fn: () => unknown, errno: number, message?: string): void => assert.throws(fn, (e) => e instanceof FsError && e.errno === errno, message);
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

test('user.DOSATTRIB reads and writes system.ntfs_attrib and system.ntfs_crtime, stores nothing, lists nothing', () => {
  const v = new Volume({ sizeLimit: 1 << 30 });
  const f = v.mknod(ROOT, v.root, 'f', 0o100644);
  v.setxattr(f, 'system.ntfs_attrib', Buffer.from('06000000', 'hex'));
  const blob = v.getxattr(f, 'user.DOSATTRIB');
  const crtime = hex(v.getxattr(f, 'system.ntfs_crtime'));
  assert.equal(hex(blob), '0000050005000000' + '11000000' + '06000000' + crtime);
  // What Samba 4.17 wrote for ARCHIVE with a creation time (seen on disk): taken apart into memefs's fields.
  v.setxattr(f, 'user.DOSATTRIB', Buffer.from('000005000500000011000000200000007ebd6424fe83dd01', 'hex'));
  assert.equal(hex(v.getxattr(f, 'system.ntfs_attrib')), '20000000');
  assert.equal(hex(v.getxattr(f, 'system.ntfs_crtime')), '7ebd6424fe83dd01');
  assert.deepEqual(v.listxattr(f), []);
  const d = v.mkdir(ROOT, v.root, 'd', 0o755);
  v.setxattr(d, 'user.DOSATTRIB', Buffer.from('000005000500000001000000120000000000000000000000', 'hex')); // DIRECTORY|HIDDEN, no time
  assert.equal(hex(v.getxattr(d, 'system.ntfs_attrib')), '12000000');
});

test('user.DOSATTRIB refuses other blob versions, unknown bits, creation and removal', () => {
  const v = new Volume({ sizeLimit: 1 << 30 });
  const f = v.mknod(ROOT, v.root, 'f', 0o100644);
  fails(() => v.setxattr(f, 'user.DOSATTRIB', Buffer.from('0x20\0')), 22, 'Samba 3 hex string');
  fails(() => v.setxattr(f, 'user.DOSATTRIB', Buffer.from('000004000400000001000000200000000000000000000000', 'hex')), 22);
  fails(() => v.setxattr(f, 'user.DOSATTRIB', Buffer.from('000005000500000001000000000000400000000000000000', 'hex')), 22, 'unknown attribute bit');
  fails(() => v.setxattr(f, 'user.DOSATTRIB', v.getxattr(f, 'user.DOSATTRIB'), 1 /* XATTR_CREATE */), 17);
  fails(() => v.removexattr(f, 'user.DOSATTRIB'), 1);
  assert.equal(hex(v.getxattr(f, 'system.ntfs_attrib')), '20000000', 'unchanged');
});

test('with sambaStreams, user.DosStream.NAME:$DATA is stream NAME with Samba\'s NUL; without, an ordinary stream', () => {
  const v = new Volume({ sizeLimit: 1 << 30, sambaStreams: true });
  const f = v.mknod(ROOT, v.root, 'f', 0o100644);
  v.setxattr(f, 'user.DosStream.s:$DATA', Buffer.from('abc\0'));
  assert.equal(Buffer.from(v.getxattr(f, 'user.s')).toString('latin1'), 'abc');
  v.setxattr(f, 'user.t', Buffer.from('xyz'));
  assert.equal(Buffer.from(v.getxattr(f, 'user.DosStream.t:$DATA')).toString('latin1'), 'xyz\0');
  assert.deepEqual(v.listxattr(f).sort(), ['user.DosStream.s:$DATA', 'user.DosStream.t:$DATA', 'user.s', 'user.t']);
  v.removexattr(f, 'user.DosStream.s:$DATA');
  fails(() => v.getxattr(f, 'user.s'), 61);
  const plain = new Volume({ sizeLimit: 1 << 30 });
  const g = plain.mknod(ROOT, plain.root, 'g', 0o100644);
  plain.setxattr(g, 'user.DosStream.s:$DATA', Buffer.from('abc\0'));
  assert.deepEqual(plain.listxattr(g), ['user.DosStream.s:$DATA']);
});
