/**
 * Streams larger than an xattr can be (64 KiB, XATTR_SIZE_MAX) are not listed as user.* xattrs, so
 * the tools that copy xattrs copy the file and everything else it has instead of failing on them.
 * Checked with real tar --xattrs, rsync -aX, cp -a and cp --preserve=xattr between two mounts.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from '../../src/core/access.js';
import { Volume } from '../../src/core/volume.js';
import { cleanupAll, tempDir, withMount } from '../helpers/mount.js';
import { bash, run } from './helpers.js';

after(cleanupAll);

const XATTR_SIZE_MAX = 65536;
const big = crypto.randomBytes(100_000);
const edge = crypto.randomBytes(XATTR_SIZE_MAX); // the largest value an xattr call carries: still listed

/** f with data, a small stream, a stream of exactly 64 KiB, a big one, and another xattr. */
function makeFile(dir: string): string {
  const f = path.join(dir, 'f');
  fs.writeFileSync(f, 'data');
  fs.writeFileSync(f + ':small', 'small');
  fs.writeFileSync(f + ':edge', edge);
  fs.writeFileSync(f + ':big', big);
  assert.equal(run('setfattr', ['-n', 'trusted.other', '-v', 'other', f]).status, 0);
  return f;
}

/** What a copy must hold: the data, the listed streams and the other xattr; the big stream is not there. */
function assertCopied(copy: string, how: string): void {
  assert.equal(fs.readFileSync(copy, 'utf8'), 'data', how);
  assert.equal(fs.readFileSync(copy + ':small', 'utf8'), 'small', how);
  assert.ok(fs.readFileSync(copy + ':edge').equals(edge), `${how}: the 64 KiB stream`);
  assert.equal(run('getfattr', ['--only-values', '-n', 'trusted.other', copy]).stdout, 'other', how);
  assert.ok(!fs.existsSync(copy + ':big'), `${how}: no half-copied big stream`);
}

describe('streams over 64 KiB and the tools that copy xattrs', () => {
  test('the limit holds for Samba\'s stream names too, whose value carries one byte more', () => {
    const v = new Volume({ sizeLimit: 1 << 30, sambaStreams: true });
    const f = v.mknod(ROOT, v.root, 'f', 0o100644);
    v.setxattr(f, 'user.s', new Uint8Array(XATTR_SIZE_MAX - 1));
    v.setxattr(f, 'user.t', new Uint8Array(XATTR_SIZE_MAX));
    assert.deepEqual(v.listxattr(f).sort(), ['user.DosStream.s:$DATA', 'user.s', 'user.t']);
  });

  test('listxattr leaves out streams over 64 KiB; getxattr on one says E2BIG; FILE:NAME reads it whole', async () => {
    await withMount(['-o', 'streams=windows'], ({ dir }) => {
      const f = makeFile(dir);
      const listed = run('python3', ['-c', 'import os, sys; print(*sorted(os.listxattr(sys.argv[1])))', f]);
      assert.deepEqual([listed.status, listed.stdout.trim()], [0, 'trusted.other user.edge user.small'], listed.stderr);
      const asked = run('getfattr', ['-n', 'user.big', f]);
      assert.notEqual(asked.status, 0);
      assert.match(asked.stderr, /user\.big: Argument list too long/);
      assert.ok(fs.readFileSync(f + ':big').equals(big));
      // Shrunk to 64 KiB it is an ordinary xattr again.
      fs.truncateSync(f + ':big', XATTR_SIZE_MAX);
      assert.match(run('getfattr', ['-d', f]).stdout, /user\.big=/);
    });
  });

  test('tar --xattrs, rsync -aX, cp -a and cp --preserve=xattr copy the file and everything else, exit 0, no error', async () => {
    await withMount(['-o', 'streams=windows'], async (src) => {
      const f = makeFile(src.dir);
      const archive = path.join(tempDir('tar-'), 'f.tar');
      await withMount(['-o', 'streams=windows'], (dst) => {
        const tar = bash(`cd ${src.dir} && tar --xattrs --xattrs-include='*' -cf ${archive} f && cd ${dst.dir} && mkdir t && cd t && tar --xattrs --xattrs-include='*' -xf ${archive}`);
        assert.deepEqual([tar.status, tar.stderr], [0, '']);
        assertCopied(path.join(dst.dir, 't', 'f'), 'tar');

        fs.mkdirSync(path.join(dst.dir, 'r'));
        const rsync = run('rsync', ['-aX', f, path.join(dst.dir, 'r') + '/']);
        assert.deepEqual([rsync.status, rsync.stderr], [0, '']);
        assertCopied(path.join(dst.dir, 'r', 'f'), 'rsync');

        for (const [name, flag] of [['a', '-a'], ['x', '--preserve=xattr']] as const) {
          const cp = run('cp', [flag, f, path.join(dst.dir, name)]);
          assert.deepEqual([cp.status, cp.stderr], [0, ''], `cp ${flag}`);
          assertCopied(path.join(dst.dir, name), `cp ${flag}`);
        }
        // The big stream is copied as what it is, a file's stream.
        fs.copyFileSync(f + ':big', path.join(dst.dir, 'a') + ':big');
        assert.ok(fs.readFileSync(path.join(dst.dir, 'a') + ':big').equals(big));
      });
    });
  });
});
