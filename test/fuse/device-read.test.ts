import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { deviceReader } from '../../src/fuse/device-read.js';

/** A non-blocking fifo opened for reading and writing: a stand-in for /dev/fuse that can be empty. */
function fifo(): { fd: number; done(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memefs-fifo-'));
  const p = path.join(dir, 'fifo');
  execFileSync('mkfifo', [p]);
  const fd = fs.openSync(p, fs.constants.O_RDWR | fs.constants.O_NONBLOCK);
  return { fd, done: () => { fs.closeSync(fd); fs.rmSync(dir, { recursive: true }); } };
}

test('an empty read is EAGAIN, not an exception; a read returns the bytes written', () => {
  const f = fifo();
  try {
    const r = deviceReader(f.fd, 70_000);
    assert.equal(r.buf.length, 70_000);
    assert.equal(r.read(), 'EAGAIN');
    fs.writeSync(f.fd, Buffer.from('first request'));
    assert.equal(r.read(), 13);
    assert.equal(r.buf.subarray(0, 13).toString(), 'first request');
    assert.equal(r.read(), 'EAGAIN');
  } finally {
    f.done();
  }
});

test('a closed descriptor is EBADF', () => {
  const f = fifo();
  const r = deviceReader(f.fd, 4096);
  f.done();
  assert.equal(r.read(), 'EBADF');
});

// Calling fd_read from WebAssembly (Node's fast path) corrupted the heap once allocations made a
// garbage collection start inside the call: this loop crashed the process within a few thousand reads.
test('reads stay correct while the program allocates and collects', () => {
  const f = fifo();
  try {
    const r = deviceReader(f.fd, (1 << 20) + 4096);
    const kept: Buffer[] = [];
    const message = Buffer.alloc(60_000);
    for (let i = 0; i < 5000; i++) {
      message.fill(i & 0xff);
      fs.writeSync(f.fd, message);
      assert.equal(r.read(), message.length);
      assert.equal(r.buf[0], i & 0xff);
      assert.equal(r.buf[message.length - 1], i & 0xff);
      assert.equal(r.read(), 'EAGAIN');
      kept.push(Buffer.allocUnsafeSlow(60_000));
      if (kept.length > 1000) kept.length = 0;
    }
  } finally {
    f.done();
  }
});
