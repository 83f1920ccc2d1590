/**
 * Mounting a volume that this process also uses directly (the node:fs facade):
 * the volume stays on this thread, a reader thread blocks on the device, and
 * requests are answered here between the process's own calls. The kernel is
 * told not to cache names, attributes or file data across opens, so changes
 * made through the API are seen by other processes at once, and theirs by the
 * API. Needs root, like every memefs mount.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Worker } from 'node:worker_threads';
import type { Volume } from '../core/volume.js';
import { checkMountPoint, findMount, mountDevice, openDevice, tuneBdi } from './mount.js';
import { FuseServer } from './server.js';
import { READ_BUFFER_SIZE } from './session.js';
import fs from 'node:fs';

const run = promisify(execFile);

/**
 * The reader thread: it blocks on the device and hands each request to this
 * thread, which owns the volume. Blocking there keeps Node's thread pool free:
 * a process that uses its own mount through fs.promises must never wait for a
 * pool thread that is itself waiting on the kernel. Inline source, so it runs
 * the same from the ESM and the CommonJS build.
 */
const READER = `
const fs = require('node:fs');
const { parentPort, workerData } = require('node:worker_threads');
const buf = Buffer.allocUnsafe(workerData.size);
for (;;) {
  let n;
  try {
    n = fs.readSync(workerData.fd, buf, 0, buf.length, null);
  } catch (e) {
    if (e.code === 'ENOENT' || e.code === 'EINTR' || e.code === 'EAGAIN') continue;
    break; // ENODEV: unmounted
  }
  const copy = new ArrayBuffer(n);
  new Uint8Array(copy).set(buf.subarray(0, n));
  parentPort.postMessage(copy, [copy]);
}
`;

export interface SharedMountOptions {
  /** Shown as the source in `mount` and `df`. */
  fsName?: string;
  /** One line per operation. */
  log?: (line: string) => void;
}

export interface SharedMount {
  readonly mountPoint: string;
  /** Unmounts (lazily if files are still open there) and waits for the session to end. */
  unmount(): Promise<void>;
}

/** Mounts `volume` at `mountPoint`; resolves once the file system is usable. */
export async function mountVolume(volume: Volume, mountPoint: string, options: SharedMountOptions = {}): Promise<SharedMount> {
  const abs = checkMountPoint(mountPoint);
  const fd = openDevice();
  try {
    mountDevice(fd, abs, { fsName: options.fsName ?? 'memefs', subtype: 'memefs', rootMode: volume.root.mode, allowOther: true });
  } catch (e) {
    fs.closeSync(fd);
    throw e;
  }
  let resolveReady!: () => void;
  const ready = new Promise<void>((r) => (resolveReady = r));
  const server = new FuseServer(fd, volume, {
    entryTimeout: 0,
    attrTimeout: 0,
    negativeTimeout: 0,
    writebackCache: false,
    shared: true,
    log: options.log,
    onReady: () => resolveReady(),
  });
  const reader = new Worker(READER, { eval: true, workerData: { fd, size: READ_BUFFER_SIZE } });
  const closed = new Promise<void>((resolve) => {
    reader.on('message', (m: ArrayBuffer) => server.deliver(Buffer.from(m)));
    reader.on('exit', () => {
      try {
        fs.closeSync(fd);
      } catch {
        /* closed */
      }
      resolve();
    });
    reader.on('error', () => undefined);
  });
  // Like a server, the mount keeps the process alive until unmount() is called.
  await ready;
  tuneBdi(abs);
  return {
    mountPoint: abs,
    async unmount() {
      if (!findMount(abs)) return;
      // Run umount in another process, asynchronously: this thread must keep answering the kernel meanwhile.
      try {
        await run('umount', [abs]);
      } catch {
        await run('umount', ['-l', abs]).catch(() => undefined);
      }
      await closed;
    },
  };
}

