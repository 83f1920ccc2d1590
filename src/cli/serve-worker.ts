/**
 * The serving thread of a memefs daemon: it owns the volume, loads it before
 * the mount exists, answers the kernel in a blocking loop, and saves the
 * volume when asked (between two requests) and after the unmount. The
 * daemon's main thread keeps signals, timers, mounting and unmounting, which
 * must never run on this thread.
 *
 * Messages to the main thread: loaded | ready | progress | warning | saved |
 * unsaved (the final save failed; the data is still here) | rescued | rescue-failed | failed.
 * From it: serve {fd} (again after 'unsaved': mounted anew) | rescue {path} | abort. Requests to save or to do idle-time work
 * are flags in shared memory (see control.ts).
 */
import fs from 'node:fs';
import os from 'node:os';
import v8 from 'node:v8';
import { parentPort, workerData } from 'node:worker_threads';
import { FuseServer } from '../fuse/server.js';
import { Control } from './control.js';
import type { MountConfig } from './options.js';
import type { Volume } from '../core/volume.js';
import { recycleBlocks } from '../core/blocks.js';
import { libc, libcProblem, loadLibc } from '../sys/libc.js';
import { possibleCpus } from '../fuse/uring-session.js';
import { pageDiscarder } from '../sys/memory.js';
import { threadPlacement } from '../sys/affinity.js';
import { loadVolume, saveVolume } from './persist.js';

interface WorkerInput {
  config: MountConfig;
  control: SharedArrayBuffer;
}

const { config, control: controlBuffer } = workerData as WorkerInput;
const control = new Int32Array(controlBuffer);
const port = parentPort!;
const post = (message: object): void => port.postMessage(message);
const progress = (phase: string, done: number, total: number): void => post({ type: 'progress', phase, done, total });

function openLog(): ((line: string) => void) | undefined {
  if (config.debugFlags === 0 || config.logFile === null) return undefined;
  const out = config.logFile === '-' ? 2 : fs.openSync(config.logFile, 'a');
  return (line) => {
    fs.writeSync(out, `${new Date().toISOString()} ${line}\n`);
  };
}

/**
 * How many freed 256 KiB blocks are kept for reuse until the mount goes quiet: a discarded one holds
 * no memory (blocks.ts); one that could not be discarded holds all of it.
 */
const KEEP_DISCARDED = 256;
const KEEP_HELD = 64;

/** Gives a buffer's pages back to the system: set once the FFI has loaded (recycleMemory), if it could. */
let discard: ((buf: Uint8Array) => boolean) | undefined;

/**
 * Freed file data goes back to the system at once (madvise through the FFI) and its blocks are reused,
 * so that no garbage collection has to stop serving to give memory back (see src/core/blocks.ts). Every
 * view of a chunk on this thread dies with the request that made it: replies are written synchronously.
 */
async function recycleMemory(): Promise<void> {
  await loadLibc();
  discard = pageDiscarder();
  recycleBlocks({ limit: discard ? KEEP_DISCARDED : KEEP_HELD, discard });
  if (!discard) post({ type: 'warning', text: `${libcProblem()}: freed memory returns to the system only when the mount is quiet` });
}

/** A full garbage collection: the daemon runs with --expose-gc (main.ts). */
const collect = (): void => (globalThis as { gc?: () => void }).gc?.();

/** The live heap up to which an idle collection also compacts: ~10-60 ms there; 63 MiB live took 2.7 s. */
const COMPACT_LIVE = 16 << 20;

/**
 * The collection when the mount goes quiet after deletions (FuseServer.idle). A full collection frees the
 * deleted files' objects but keeps every heap page on which one live object remains: after 5,000 files
 * came and went on an empty volume, half the old space (~6 MiB) stayed with the daemon. When little is
 * left live and much of the heap is free, a second collection that compacts moves the survivors together
 * and gives those pages back. Not on a large live heap: compacting it all would stop serving for seconds.
 */
function collectIdle(): void {
  collect();
  const heap = v8.getHeapStatistics();
  const free = heap.total_heap_size - heap.used_heap_size;
  if (heap.used_heap_size > COMPACT_LIVE || free < heap.total_heap_size / 4) return;
  v8.setFlagsFromString('--compact-on-every-full-gc');
  try {
    collect();
  } finally {
    v8.setFlagsFromString('--no-compact-on-every-full-gc');
  }
}

type Command = { type: 'serve'; fd: number } | { type: 'rescue'; path: string } | { type: 'abort' };
const next = (): Promise<Command> => new Promise((resolve) => port.once('message', resolve));

async function main(): Promise<void> {
  const { volume, warnings } = await loadVolume(config, progress);
  // Loading an image or snapshot leaves its buffers behind (the image, each file's bytes): their memory
  // goes back before serving, not whenever a collection happens to run.
  if (config.image !== null || config.snapshot !== null) collect();
  for (const w of warnings) post({ type: 'warning', text: w });
  post({ type: 'loaded', serial: volume.serial, label: volume.label, caseInsensitive: volume.caseInsensitive });
  // The FFI loads (~20-50 ms) while the main thread mounts, not after.
  const recycling = recycleMemory();

  const persist = (config.image !== null || config.snapshot !== null) && !config.noSave;
  /** Saves; returns the error message, or null when saved. */
  const save = async (): Promise<string | null> => {
    try {
      const w = await saveVolume(volume, config, progress);
      collect(); // the image just written (and the old one read beside it)
      post({ type: 'saved', warnings: w });
      return null;
    } catch (e) {
      const error = (e as Error).message;
      post({ type: 'saved', warnings: [], error });
      return error;
    }
  };
  let command = await next();
  await recycling;
  // Serves until the connection ends; when the final save then fails, the data is kept: the main
  // thread either mounts the volume again (a new 'serve') or has a rescue snapshot written.
  while (command.type === 'serve') {
    await serveConnection(volume, command.fd, persist ? save : null);
    if (!persist) return;
    if (await save() === null) return;
    post({ type: 'unsaved' });
    command = await next();
    while (command.type === 'rescue') {
      try {
        const { saveSnapshot } = await import('../formats/snapshot/index.js');
        await saveSnapshot(volume, command.path);
        post({ type: 'rescued', path: command.path });
        return;
      } catch (e) {
        post({ type: 'rescue-failed', path: command.path, error: (e as Error).message });
      }
      command = await next();
    }
  }
}

/** Answers the kernel on `fd` until the connection ends, saving between two requests when asked. */
/** Entries per io_uring queue: 1, 2 and 4 measured alike (docs/transport.md); one keeps 1 MiB per CPU. */
const URING_DEPTH = 1;

/**
 * Whether to serve over io_uring: only when asked (-o io_uring; the command checked it can). It is not
 * the default: even polling like /dev/fuse, it measured no faster here (docs/transport.md).
 */
function wantIoUring(): boolean {
  return config.transport === 'io_uring' && libc() !== undefined;
}

async function serveConnection(volume: Volume, fd: number, save: (() => Promise<string | null>) | null): Promise<void> {
  const server: FuseServer = new FuseServer(fd, volume, {
    log: openLog(),
    onReady: () => post({ type: 'ready', transport: server.transport }),
    onLabel: (label: string) => post({ type: 'label', label }),
    collect: (globalThis as { gc?: () => void }).gc ? collectIdle : undefined,
    discard,
    writebackCache: config.writeback,
    placement: os.availableParallelism() > 1 ? threadPlacement() : undefined,
    ioUring: wantIoUring()
      ? { queues: possibleCpus(), depth: URING_DEPTH, onFallback: (why) => post({ type: 'warning', text: `not using io_uring: ${why}; serving through /dev/fuse` }) }
      : undefined,
  });
  // Runs after every request. The serving thread sleeps in read() when the mount is quiet, so the
  // main thread watches the request count and wakes it for idle-time work (daemon.ts).
  const afterRequest = (): boolean => {
    if (Atomics.load(control, Control.IDLE) !== 0) {
      Atomics.store(control, Control.IDLE, 0);
      server.idle();
    }
    Atomics.store(control, Control.IDLE_WORK, server.hasIdleWork() ? 1 : 0);
    Atomics.add(control, Control.REQUESTS, 1);
    server.spinMs = Atomics.load(control, Control.SPIN_US) / 1000;
    server.follow = Atomics.load(control, Control.BUSY) !== 0;
    return Atomics.load(control, Control.SAVE) !== 0;
  };
  for (;;) {
    const why = server.serve(afterRequest);
    if (why === 'closed') return;
    Atomics.store(control, Control.SAVE, 0);
    if (save) await save();
    else post({ type: 'saved', warnings: [], error: 'this mount has no image or snapshot to save to (or was mounted with --no-save)' });
  }
}

main().catch((e: Error) => post({ type: 'failed', error: e.message }));
