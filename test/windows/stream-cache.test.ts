/**
 * A file's metadata changed through one of its streams (FILE:NAME) must reach the kernel's cached
 * attributes of FILE before the call returns: the kernel checks permissions from that cache, so a
 * stale mode would let another user read a file its owner just made private.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { cleanupAll, withMount } from '../helpers/mount.js';

after(cleanupAll);

/** Runs `cat FILE` as user nobody; returns its exit status. */
function catAsNobody(file: string): number {
  return spawnSync('su', ['nobody', '-s', '/bin/sh', '-c', 'cat "$0" >/dev/null 2>&1', file]).status ?? -1;
}

test('chmod, chown, utime, writes and new streams through FILE:NAME reach the cached attributes of FILE', async () => {
  await withMount(['-o', 'streams=windows'], ({ dir }) => {
    fs.chmodSync(dir, 0o755);
    const f = path.join(dir, 'f');
    fs.writeFileSync(f, 'secret');
    fs.writeFileSync(f + ':s', 'x');
    assert.equal(fs.statSync(f).mode & 0o777, 0o644); // now cached by the kernel
    assert.equal(catAsNobody(f), 0, 'another user reads a 644 file');

    fs.chmodSync(f + ':s', 0o600);
    assert.equal(fs.statSync(f).mode & 0o777, 0o600, 'chmod through the stream is seen on the file');
    assert.notEqual(catAsNobody(f), 0, 'and enforced: another user can no longer read it');

    fs.chownSync(f + ':s', 65534, 65534);
    assert.equal(fs.statSync(f).uid, 65534, 'chown through the stream is seen on the file');
    assert.equal(catAsNobody(f), 0, 'the new owner reads it');
    fs.chownSync(f + ':s', 0, 0);

    const old = new Date('2001-02-03T04:05:06Z');
    fs.utimesSync(f + ':s', old, old);
    assert.equal(fs.statSync(f).mtimeMs, old.getTime(), 'utime through the stream');

    const before = fs.statSync(f).ctimeMs;
    fs.appendFileSync(f + ':s', 'more');
    assert.ok(fs.statSync(f).mtimeMs > old.getTime(), 'a write to the stream modifies the file');
    fs.writeFileSync(f + ':new', 'n');
    fs.unlinkSync(f + ':new');
    assert.ok(fs.statSync(f).ctimeMs >= before);
    assert.equal(fs.readFileSync(f, 'utf8'), 'secret', 'the main data stays');
  });
});
