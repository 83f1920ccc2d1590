import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { loadLibc, libcProblem } from '../../src/sys/libc.js';
import { socketPair } from '../../src/sys/fd-passing.js';
import { IoUring, OP, SETUP, SQE, addressOf } from '../../src/sys/io-uring.js';

/** Two connected sockets: what is written to one is read from the other. */
function pipe(): { r: number; w: number; done(): void } {
  const [r, w] = socketPair();
  return { r, w, done: () => { fs.closeSync(r); fs.closeSync(w); } };
}

function prepareRead(ring: IoUring, fd: number, buf: Buffer, userData: number): void {
  const at = ring.prepare();
  ring.sqes[at + SQE.opcode] = OP.READ;
  ring.sqes.writeInt32LE(fd, at + SQE.fd);
  ring.set64(at + SQE.addr, addressOf(buf));
  ring.sqes.writeUInt32LE(buf.length, at + SQE.len);
  ring.sqes.writeUInt32LE(userData, at + SQE.userData);
}

test('a read submitted through the ring completes into our buffer; the wait sleeps until data comes', async () => {
  assert.ok(await loadLibc(), libcProblem());
  const ring = new IoUring(8, SETUP.SQE128 | SETUP.SINGLE_ISSUER | SETUP.DEFER_TASKRUN);
  const p = pipe();
  try {
    const buf = Buffer.alloc(64);
    fs.writeSync(p.w, 'hello ring');
    prepareRead(ring, p.r, buf, 7);
    assert.equal(ring.enter(true), 0);
    assert.ok(ring.peek());
    assert.deepEqual([ring.userData, ring.res], [7, 10]);
    assert.equal(buf.subarray(0, 10).toString(), 'hello ring');
    ring.advance();
    assert.equal(ring.peek(), false, 'one completion, handed back');

    // Nothing to read yet: submitted without waiting, nothing completes; data arrives, the wait returns it.
    prepareRead(ring, p.r, buf, 8);
    assert.equal(ring.enter(false), 0);
    assert.equal(ring.peek(), false);
    fs.writeSync(p.w, 'later');
    assert.equal(ring.enter(true), 0);
    assert.ok(ring.peek());
    assert.deepEqual([ring.userData, ring.res, buf.subarray(0, 5).toString()], [8, 5, 'later']);
    ring.advance();

    // Errors come back as -errno in the completion.
    prepareRead(ring, 1 << 20, buf, 9);
    assert.equal(ring.enter(true), 0);
    assert.ok(ring.peek());
    assert.deepEqual([ring.userData, ring.res], [9, -9 /* EBADF */]);
    ring.advance();
  } finally {
    ring.close();
    p.done();
  }
});

test('polling: with TASKRUN_FLAG the ring shows waiting task work, and a non-waiting enter posts its completion', async () => {
  assert.ok(await loadLibc(), libcProblem());
  const ring = new IoUring(8, SETUP.SQE128 | SETUP.SINGLE_ISSUER | SETUP.DEFER_TASKRUN | SETUP.TASKRUN_FLAG);
  const p = pipe();
  try {
    const buf = Buffer.alloc(64);
    prepareRead(ring, p.r, buf, 5);
    assert.equal(ring.enter(false), 0);
    assert.equal(ring.taskWorkWaiting(), false, 'nothing to read: no work yet');
    fs.writeSync(p.w, 'polled');
    // The data makes the kernel queue the read's completion as task work for this thread: flagged in
    // the ring at once, posted only when this thread enters (DEFER_TASKRUN).
    assert.equal(ring.taskWorkWaiting(), true);
    assert.equal(ring.ready(), false);
    assert.equal(ring.enter(false), 0);
    assert.equal(ring.taskWorkWaiting(), false, 'the work ran');
    assert.ok(ring.ready());
    assert.ok(ring.peek());
    assert.deepEqual([ring.userData, ring.res, buf.subarray(0, 6).toString()], [5, 6, 'polled']);
    ring.advance();
    assert.equal(ring.ready(), false);
  } finally {
    ring.close();
    p.done();
  }
});

test('many operations in one ring: the SQ wraps around and every completion is seen once', async () => {
  assert.ok(await loadLibc(), libcProblem());
  const ring = new IoUring(4, SETUP.SQE128);
  const p = pipe();
  try {
    const buf = Buffer.alloc(4);
    const seen: number[] = [];
    for (let i = 0; i < 20; i++) {
      fs.writeSync(p.w, 'abcd');
      prepareRead(ring, p.r, buf, 100 + i);
      assert.equal(ring.enter(true), 0);
      while (ring.peek()) {
        seen.push(ring.userData);
        assert.equal(ring.res, 4);
        ring.advance();
      }
    }
    assert.deepEqual(seen, Array.from({ length: 20 }, (_, i) => 100 + i));
  } finally {
    ring.close();
    p.done();
  }
});

test('a refused setup throws a readable error, not a crash', async () => {
  assert.ok(await loadLibc(), libcProblem());
  assert.throws(() => new IoUring(0, SETUP.SQE128), /io_uring_setup failed: EINVAL/);
});
