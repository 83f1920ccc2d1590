/**
 * A memefs daemon: mounts, starts the serving thread, reports readiness, and
 * unmounts cleanly on SIGINT/SIGTERM/SIGHUP. If the serving thread fails, the
 * mount is detached so users get an error instead of a hang.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { findMount, mountDevice, MountError, openDevice, unmount } from '../fuse/mount.js';
import type { MountConfig } from './options.js';

export type Report = (result: { ok: true } | { ok: false; error: string }) => void;

/** Where running daemons leave a note (pid and mount point) for `memefs unmount`. */
export function stateDir(): string {
  const uid = process.getuid?.() ?? 0;
  return uid === 0 ? '/run/memefs' : path.join(os.tmpdir(), `memefs-${uid}`);
}

export function stateFile(mountPoint: string): string {
  return path.join(stateDir(), encodeURIComponent(mountPoint) + '.json');
}

export interface DaemonState {
  pid: number;
  mountPoint: string;
  config: MountConfig;
}

export function readState(mountPoint: string): DaemonState | null {
  try {
    return JSON.parse(fs.readFileSync(stateFile(mountPoint), 'utf8')) as DaemonState;
  } catch {
    return null;
  }
}

const READY_TIMEOUT_MS = 15_000;

/** Runs until the file system is unmounted; resolves with the process exit code. */
export function runDaemon(config: MountConfig, report: Report): Promise<number> {
  let fd: number;
  try {
    fd = openDevice();
    mountDevice(fd, config.mountPoint, {
      fsName: config.fsName, subtype: 'memefs', rootMode: config.rootMode, allowOther: true,
    });
  } catch (e) {
    report({ ok: false, error: e instanceof MountError ? e.message : String(e) });
    return Promise.resolve(1);
  }
  const state = stateFile(config.mountPoint);
  try {
    fs.mkdirSync(path.dirname(state), { recursive: true, mode: 0o700 });
    fs.writeFileSync(state, JSON.stringify({ pid: process.pid, mountPoint: config.mountPoint, config } satisfies DaemonState));
  } catch {
    /* the note is a convenience; unmounting works without it */
  }

  return new Promise((resolve) => {
    let ready = false;
    let stopping = false;
    const worker = new Worker(new URL('./serve-worker.js', import.meta.url), { workerData: { fd, config } });
    const timer = setTimeout(() => {
      if (!ready) fail('the kernel did not start the FUSE session in time');
    }, READY_TIMEOUT_MS);

    const detach = (): void => {
      if (findMount(config.mountPoint)?.fsType === 'fuse.memefs') {
        try {
          unmount(config.mountPoint, true);
        } catch {
          /* already gone */
        }
      }
    };
    function fail(message: string): void {
      if (!ready) report({ ok: false, error: message });
      else process.stderr.write(`memefs: ${message}\n`);
      detach();
      void worker.terminate();
    }
    const stop = (signal: string): void => {
      if (stopping) {
        // A second signal: do not wait for open files any longer.
        detach();
        void worker.terminate();
        return;
      }
      stopping = true;
      if (config.foreground) process.stderr.write(`memefs: ${signal}: unmounting ${config.mountPoint}\n`);
      try {
        unmount(config.mountPoint, false);
      } catch {
        detach(); // busy: detach now; the session ends when the last open file closes
      }
    };
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => stop(sig));

    worker.on('message', (m: { type: string }) => {
      if (m.type === 'ready' && !ready) {
        ready = true;
        clearTimeout(timer);
        report({ ok: true });
      }
    });
    worker.on('error', (e) => fail(`serving thread failed: ${e.stack ?? e}`));
    worker.on('exit', (code) => {
      clearTimeout(timer);
      try {
        fs.closeSync(fd);
      } catch {
        /* closed */
      }
      detach();
      try {
        fs.rmSync(state, { force: true });
      } catch {
        /* ignore */
      }
      resolve(ready && code === 0 ? 0 : 1);
    });
  });
}
