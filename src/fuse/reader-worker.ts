/**
 * Reads requests from /dev/fuse on its own thread and hands each to the main
 * thread, which owns the volume (see shared-mount.ts). Blocking here keeps
 * Node's thread pool free: a process that uses its own mount through
 * fs.promises must never wait for a pool thread that is waiting on the kernel.
 */
import fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { READ_BUFFER_SIZE } from './session.js';

const { fd } = workerData as { fd: number };
const buf = Buffer.allocUnsafe(READ_BUFFER_SIZE);

for (;;) {
  let n: number;
  try {
    n = fs.readSync(fd, buf, 0, buf.length, null);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EINTR' || code === 'EAGAIN') continue;
    break; // ENODEV: unmounted
  }
  const copy = new ArrayBuffer(n);
  new Uint8Array(copy).set(buf.subarray(0, n));
  parentPort!.postMessage(copy, [copy]);
}
parentPort!.postMessage('closed');
