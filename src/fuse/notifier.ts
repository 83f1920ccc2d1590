/**
 * Notifications the serving thread must not write itself. INVAL_ENTRY makes
 * the kernel lock the parent directory; if another request that holds that
 * lock is queued behind us, a synchronous write from the serving thread would
 * wait for a reply only the serving thread can send: a deadlock. So a helper
 * thread writes them to the same /dev/fuse descriptor, and the serving thread
 * waits for it only a bounded time (so a change is normally visible when the
 * request that made it returns, and a lock held elsewhere costs at most
 * WAIT_MS, never a hang). The helper starts on first use only (and may take a while
 * to start on a loaded machine: the first wait is longer).
 */
import { Worker } from 'node:worker_threads';

const WAIT_MS = 1000;
const FIRST_WAIT_MS = 5000;

const HELPER = `
const { parentPort } = require('node:worker_threads');
const fs = require('node:fs');
parentPort.on('message', ({ fd, messages, flag }) => {
  const done = new Int32Array(flag);
  for (const m of messages) {
    try { fs.writeSync(fd, m); } catch { /* ENOENT: the kernel had nothing cached */ }
  }
  Atomics.store(done, 0, 1);
  Atomics.notify(done, 0);
});
`;

export class Notifier {
  private worker: Worker | null = null;
  private readonly flag = new SharedArrayBuffer(4);

  constructor(private readonly fd: number) {}

  /** Writes whole notification messages (header included) from the helper thread; waits at most WAIT_MS if asked. */
  send(messages: Uint8Array[], wait = true): void {
    if (messages.length === 0) return;
    let bound = WAIT_MS;
    if (this.worker === null) {
      this.worker = new Worker(HELPER, { eval: true });
      this.worker.unref();
      bound = FIRST_WAIT_MS;
    }
    const done = new Int32Array(this.flag);
    Atomics.store(done, 0, 0);
    this.worker.postMessage({ fd: this.fd, messages, flag: this.flag });
    if (wait) Atomics.wait(done, 0, 0, bound);
  }
}
