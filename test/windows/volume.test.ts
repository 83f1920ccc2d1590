/** The Windows semantics in the volume core, without a mount (what the node:fs facade can build on). */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ROOT } from '../../src/core/access.js';
import { FsError } from '../../src/core/errno.js';
import { StreamInode } from '../../src/core/stream-node.js';
import { Volume, XATTR_CREATE, XATTR_REPLACE } from '../../src/core/volume.js';
import { encodeSymlinkReparse } from '../../src/core/windows/reparse.js';
import { binaryToSddl, sddlToBinary } from '../../src/core/windows/sddl.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (parts: Uint8Array[]): string => Buffer.concat(parts).toString();
const errno = (fn: () => unknown): number => {
  try {
    fn();
  } catch (e) {
    if (e instanceof FsError) return e.errno;
    throw e;
  }
  return 0;
};

describe('stream nodes', () => {
  test('FILE:NAME is one node per stream, with the file metadata and its own data', () => {
    const v = new Volume({ streams: 'windows', sizeLimit: 1 << 30 });
    const f = v.mknod(ROOT, v.root, 'f', 0o100640);
    v.write(f, 0, enc('main'));
    const s = v.mknod(ROOT, v.root, 'f:s', 0o100644);
    assert.ok(s instanceof StreamInode);
    assert.notEqual(s.ino, f.ino);
    assert.equal(v.lookup(ROOT, v.root, 'f:s'), s);
    assert.equal(v.lookup(ROOT, v.root, 'F:s:$DATA'.replace('F', 'f')), s);
    v.write(s, 0, enc('side'));
    assert.equal(dec(v.read(s, 0, 100)), 'side');
    assert.equal(dec(v.read(f, 0, 100)), 'main');
    assert.equal(Buffer.from(v.getxattr(f, 'user.s')).toString(), 'side');
    assert.equal(s.mode, 0o100640, "the stream shows the file's mode");
    v.setattr(ROOT, s, { mode: 0o600 });
    assert.equal(f.mode & 0o777, 0o600, 'and changing it changes the file');
    v.setxattr(f, 'user.s', enc('replaced'));
    assert.equal(dec(v.read(s, 0, 100)), 'replaced', 'an existing node reads the new value');
    assert.equal(v.lookup(ROOT, v.root, 'f::$DATA'), f);
    assert.equal(errno(() => v.lookup(ROOT, v.root, 'f:nope')), 2);
    assert.equal(errno(() => v.lookup(ROOT, v.root, 'f:s:$OTHER')), 2);
    assert.equal(errno(() => v.mkdir(ROOT, v.root, 'a:b', 0o755)), 22);
  });

  test('an open stream keeps its data after deletion; memory is released when it is let go', () => {
    const v = new Volume({ streams: 'windows', sizeLimit: 1 << 30 });
    const f = v.mknod(ROOT, v.root, 'f', 0o100644);
    const base = v.used;
    const s = v.mknod(ROOT, v.root, 'f:big', 0o100644);
    v.ref(s);
    v.write(s, 0, new Uint8Array(1 << 20));
    assert.ok(v.used >= base + (1 << 20));
    v.unlink(ROOT, v.root, 'f:big');
    assert.equal(s.nlink, 0);
    assert.equal(v.read(s, 0, 4).length > 0, true);
    assert.equal(errno(() => v.getxattr(f, 'user.big')), 61);
    v.unref(s);
    assert.ok(v.used <= base, 'stream data and node freed');
    assert.equal(v.find(s.ino), undefined);
    // A stream node holds its file alive; deleting the file frees both once let go.
    const t = v.mknod(ROOT, v.root, 'f:t', 0o100644);
    v.ref(t);
    v.unlink(ROOT, v.root, 'f');
    assert.ok(v.find(f.ino) !== undefined);
    v.unref(t);
    assert.equal(v.find(f.ino), undefined);
  });
});

describe('system.ntfs_* through the volume', () => {
  test('the root descriptor from -S decides the root owner and mode', () => {
    const v = new Volume({ rootSecurity: sddlToBinary('O:BAG:BUD:P(A;;FA;;;BA)(A;;FR;;;BU)') });
    assert.equal(v.root.uid, 544);
    assert.equal(v.root.gid, 545);
    assert.equal(v.root.mode & 0o777, 0o740);
    assert.equal(binaryToSddl(v.getxattr(v.root, 'system.ntfs_acl')), 'O:BAG:BUD:P(A;;FA;;;BA)(A;;FR;;;BU)');
  });

  test('listxattr hides the system.ntfs_* names; XATTR_CREATE on them is EEXIST; unknown ones are EOPNOTSUPP', () => {
    const v = new Volume();
    const f = v.mknod(ROOT, v.root, 'f', 0o100644);
    v.setxattr(f, 'user.a', enc('1'));
    assert.deepEqual(v.listxattr(f), ['user.a']);
    assert.equal(errno(() => v.setxattr(f, 'system.ntfs_attrib', new Uint8Array(4), 1)), 17);
    assert.equal(errno(() => v.getxattr(f, 'system.ntfs_nothing')), 95);
  });
});

describe('XATTR_CREATE and XATTR_REPLACE on system.ntfs_ea and system.ntfs_reparse_data', () => {
  test('as for any attribute that may be absent: CREATE refuses an existing one, REPLACE an absent one', () => {
    const v = new Volume({ sizeLimit: 1 << 30 });
    const f = v.mknod(ROOT, v.root, 'f', 0o100644);
    const ENODATA = 61;
    const EEXIST = 17;
    const ea = Uint8Array.from(Buffer.from('00000000000303004142430078797a', 'hex')); // ABC=xyz
    assert.equal(errno(() => v.setxattr(f, 'system.ntfs_ea', ea, XATTR_REPLACE)), ENODATA);
    assert.equal(errno(() => v.setxattr(f, 'system.ntfs_ea', ea, XATTR_CREATE)), 0);
    assert.equal(errno(() => v.setxattr(f, 'system.ntfs_ea', ea, XATTR_CREATE)), EEXIST);
    assert.equal(errno(() => v.setxattr(f, 'system.ntfs_ea', ea, XATTR_REPLACE)), 0);

    const d = v.mknod(ROOT, v.root, 'g', 0o100644);
    const junction = encodeSymlinkReparse('target'); // makes g a symlink
    assert.equal(errno(() => v.setxattr(d, 'system.ntfs_reparse_data', junction, XATTR_REPLACE)), ENODATA);
    assert.equal(errno(() => v.setxattr(d, 'system.ntfs_reparse_data', junction, XATTR_CREATE)), 0);
    assert.equal(errno(() => v.setxattr(d, 'system.ntfs_reparse_data', junction, XATTR_CREATE)), EEXIST);
    assert.equal(errno(() => v.setxattr(d, 'system.ntfs_reparse_data', junction, XATTR_REPLACE)), 0);
    // Attributes every file has: CREATE is always refused, REPLACE always allowed.
    assert.equal(errno(() => v.setxattr(f, 'system.ntfs_attrib', Uint8Array.of(0x20, 0, 0, 0), XATTR_CREATE)), EEXIST);
    assert.equal(errno(() => v.setxattr(f, 'system.ntfs_attrib', Uint8Array.of(0x20, 0, 0, 0), XATTR_REPLACE)), 0);
  });
});

describe('streams have no names of their own', () => {
  test('link(f:s) is EINVAL and makes no entry', () => {
    const v = new Volume({ streams: 'windows', sizeLimit: 1 << 30 });
    const f = v.mknod(ROOT, v.root, 'f', 0o100644);
    const s = v.mknod(ROOT, v.root, 'f:s', 0o100644);
    assert.equal(errno(() => v.link(ROOT, s, v.root, 'hl')), 22);
    assert.equal(errno(() => v.lookup(ROOT, v.root, 'hl')), 2);
    assert.equal(v.lookup(ROOT, v.root, 'f'), f);
  });
});

describe('READONLY protects streams', () => {
  test('on a read-only file streams cannot be made, written or removed; clearing it allows them again', () => {
    const v = new Volume({ streams: 'windows', sizeLimit: 1 << 30 });
    const f = v.mknod(ROOT, v.root, 'f', 0o100644);
    v.setxattr(f, 'user.s', enc('old'));
    v.setxattr(f, 'system.ntfs_attrib', Uint8Array.of(1, 0, 0, 0)); // READONLY
    const EACCES = 13;
    assert.equal(errno(() => v.setxattr(f, 'user.s', enc('new'))), EACCES);
    assert.equal(errno(() => v.setxattr(f, 'user.t', enc('new'))), EACCES);
    assert.equal(errno(() => v.mknod(ROOT, v.root, 'f:new', 0o100644)), EACCES);
    assert.equal(errno(() => v.removexattr(f, 'user.s')), EACCES);
    assert.equal(errno(() => v.unlink(ROOT, v.root, 'f:s')), EACCES);
    assert.deepEqual(v.listxattr(f), ['user.s']);
    assert.equal(Buffer.from(v.findXattr(f, 'user.s')!).toString(), 'old');
    v.setxattr(f, 'system.ntfs_attrib', Uint8Array.of(0, 0, 0, 0));
    v.removexattr(f, 'user.s');
    assert.deepEqual(v.listxattr(f), []);
  });
});
