/**
 * The serving thread of a memefs daemon: it owns the volume and answers the
 * kernel in a blocking loop. The daemon's main thread keeps signals, the
 * readiness report and unmounting, which must never run on this thread.
 */
import fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { Volume } from '../core/volume.js';
import { serveSync } from '../fuse/server.js';
import type { MountConfig } from './options.js';

interface WorkerInput {
  fd: number;
  config: MountConfig;
}

const { fd, config } = workerData as WorkerInput;

function openLog(): ((line: string) => void) | undefined {
  if (config.debugFlags === 0 || config.logFile === null) return undefined;
  const out = config.logFile === '-' ? 2 : fs.openSync(config.logFile, 'a');
  return (line) => {
    fs.writeSync(out, `${new Date().toISOString()} ${line}\n`);
  };
}

const volume = new Volume({
  caseInsensitive: config.caseInsensitive,
  sizeLimit: config.sizeLimit,
  inodeLimit: config.inodeLimit,
  rootMode: config.rootMode,
  rootUid: config.rootUid,
  rootGid: config.rootGid,
  label: config.label,
});

serveSync(fd, volume, {
  log: openLog(),
  onReady: () => parentPort!.postMessage({ type: 'ready' }),
  collect: (globalThis as { gc?: () => void }).gc,
});
parentPort!.postMessage({ type: 'ended' });
