/**
 * Changes made to a file through another path (its FILE:NAME streams, system.ntfs_* xattrs) must
 * reach the kernel's cached attributes of FILE before the call returns: the kernel enforces
 * permissions from them (issue 15, item 1). Checked as a second user through a real mount.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { cleanupAll, withMount } from '../helpers/mount.js';
import { bash, ntTime, run, setHex, u64le } from './helpers.js';

after(cleanupAll);

/** Runs `cmd args` as uid/gid 1000 with no supplementary groups. */
function asOther(cmd: string, args: string[]): ReturnType<typeof run> {
  return run('setpriv', ['--reuid=1000', '--regid=1000', '--clear-groups', cmd, ...args]);
}

const MOUNTS: [string, string[]][] = [
  ['default', ['-o', 'streams=windows']],
  ['case-insensitive', ['-o', 'streams=windows', '-i']],
  ['writeback cache', ['-o', 'streams=windows,writeback']],
];

describe('a change through FILE:NAME reaches the kernel\'s view of FILE', () => {
  for (const [label, args] of MOUNTS) {
    test(`${label}: chmod, chown and utime on f:s are what stat f shows, and another user is refused`, async () => {
      await withMount(args, ({ dir }) => {
        const f = path.join(dir, 'f');
        assert.equal(bash(`cd ${dir} && echo secret > f && echo x > f:s`).status, 0);
        // The kernel now caches f's attributes (mode 644), and the other user can read it.
        assert.equal(fs.statSync(f).mode & 0o777, 0o644);
        assert.equal(asOther('cat', [f]).stdout, 'secret\n');

        assert.equal(bash(`chmod 600 ${f}:s`).status, 0);
        assert.equal(run('stat', ['-c', '%a', f]).stdout.trim(), '600');
        const denied = asOther('cat', [f]);
        assert.notEqual(denied.status, 0);
        assert.match(denied.stderr, /Permission denied/);

        assert.equal(bash(`chown 1000:1000 ${f}:s`).status, 0);
        assert.equal(run('stat', ['-c', '%u:%g', f]).stdout.trim(), '1000:1000');
        assert.equal(asOther('cat', [f]).stdout, 'secret\n', 'the new owner may read it');

        assert.equal(bash(`touch -m -d '2001-02-03 04:05:06 UTC' ${f}:s`).status, 0);
        assert.equal(fs.statSync(f).mtime.toISOString(), '2001-02-03T04:05:06.000Z');
      });
    });
  }

  test('a write through f:s sets ARCHIVE and moves the mtime stat f shows', async () => {
    await withMount(['-o', 'streams=windows'], ({ dir }) => {
      const f = path.join(dir, 'f');
      fs.writeFileSync(f, 'data');
      fs.utimesSync(f, 1_000_000_000, 1_000_000_000);
      assert.equal(fs.statSync(f).mtimeMs, 1e12);
      fs.writeFileSync(f + ':s', 'stream');
      assert.ok(fs.statSync(f).mtimeMs > 1e12, 'mtime moved');
    });
  });

  test('system.ntfs_acl set through f:s changes the mode stat f shows', async () => {
    await withMount(['-o', 'streams=windows'], ({ dir }) => {
      const f = path.join(dir, 'f');
      const g = path.join(dir, 'g');
      fs.writeFileSync(f, 'secret');
      fs.writeFileSync(f + ':s', 'x');
      fs.writeFileSync(g, '');
      fs.chownSync(g, 0, 1001); // owner and group distinct SIDs (root:root would be issue 15 item 3)
      fs.chmodSync(g, 0o600);
      assert.equal(fs.statSync(f).mode & 0o777, 0o644);
      const acl = run('getfattr', ['--absolute-names', '-n', 'system.ntfs_acl', '-e', 'hex', g]);
      const hex = /=0x([0-9a-f]+)/.exec(acl.stdout)![1]!;
      assert.equal(run('setfattr', ['-n', 'system.ntfs_acl', '-v', '0x' + hex, f + ':s']).status, 0);
      assert.equal(fs.statSync(f).mode & 0o777, 0o600);
      assert.notEqual(asOther('cat', [f]).status, 0);
    });
  });
});

describe('system.ntfs_crtime and system.ntfs_times reach a cached birth time', () => {
  for (const [label, args] of [['default', []], ['case-insensitive', ['-i']], ['writeback cache', ['-o', 'writeback']]] as [string, string[]][]) {
    test(`${label}: stat -c %W after the kernel cached the file and the directory`, async () => {
      await withMount(args, ({ dir }) => {
        const f = path.join(dir, 'f');
        const d = path.join(dir, 'd');
        fs.writeFileSync(f, '');
        fs.mkdirSync(d);
        for (const p of [f, d]) {
          assert.notEqual(run('stat', ['-c', '%W', p]).stdout.trim(), '1000000000'); // now cached
          assert.equal(setHex(p, 'system.ntfs_crtime', u64le(ntTime(1_000_000_000))).status, 0);
          assert.equal(run('stat', ['-c', '%W', p]).stdout.trim(), '1000000000');
          assert.equal(setHex(p, 'system.ntfs_times', u64le(ntTime(900_000_000))).status, 0);
          assert.equal(run('stat', ['-c', '%W', p]).stdout.trim(), '900000000');
        }
      });
    });
  }
});
