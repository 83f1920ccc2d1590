import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { FdPassingError, parseRights, receiveFd, socketPair } from '../../src/sys/fd-passing.js';
import { loadLibc, libcProblem } from '../../src/sys/libc.js';

test('a descriptor sent by another process (SCM_RIGHTS) arrives and reads the same file', async () => {
  assert.ok(await loadLibc(), libcProblem());
  const [ours, theirs] = socketPair();
  try {
    // python3 sends a descriptor of /etc/hostname over its inherited fd 3, as fusermount3 sends /dev/fuse.
    const r = spawnSync('python3', ['-c', 'import os, socket; socket.send_fds(socket.socket(fileno=3), [b"x"], [os.open("/etc/hostname", os.O_RDONLY)])'], {
      stdio: ['ignore', 'pipe', 'pipe', theirs], encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    const fd = receiveFd(ours);
    assert.equal(fs.readFileSync(fd, 'utf8'), fs.readFileSync('/etc/hostname', 'utf8'));
    fs.closeSync(fd);
    // Nothing more was sent: the receive answers at once instead of waiting.
    assert.throws(() => receiveFd(ours), (e) => e instanceof FdPassingError && /EAGAIN/.test(e.message));
  } finally {
    fs.closeSync(ours);
    fs.closeSync(theirs);
  }
});

test('control messages are walked by their lengths; only SCM_RIGHTS descriptors are taken', () => {
  const cmsg = (level: number, type: number, ints: number[]): Buffer => {
    const len = 16 + ints.length * 4;
    const b = Buffer.alloc((len + 7) & ~7);
    b.writeBigUInt64LE(BigInt(len), 0);
    b.writeInt32LE(level, 8);
    b.writeInt32LE(type, 12);
    ints.forEach((v, i) => b.writeInt32LE(v, 16 + i * 4));
    return b;
  };
  const credentials = cmsg(1, 2, [1, 2, 3]); // SCM_CREDENTIALS: not descriptors
  assert.deepEqual(parseRights(Buffer.concat([credentials, cmsg(1, 1, [7, 9, 11])])), [7, 9, 11]);
  assert.deepEqual(parseRights(Buffer.alloc(8)), []);
  const truncated = cmsg(1, 1, [5]);
  truncated.writeBigUInt64LE(200n, 0); // claims more than the buffer holds
  assert.deepEqual(parseRights(truncated), []);
});
