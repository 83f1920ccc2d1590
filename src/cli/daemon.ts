/**
 * A memefs daemon: mounts, starts the serving thread, reports readiness, and
 * unmounts cleanly on SIGINT/SIGTERM/SIGHUP. If the serving thread fails, the
 * mount is detached so users get an error instead of a hang.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Worker } from 'node:worker_threads';
import {
  detachMount, findMount, mountDevice, MountError, mountsAsRoot, mountWithFusermount, openDevice, tuneBdi, unmount,
} from '../fuse/mount.js';
import { Control } from './control.js';
import { spinAdvisor } from './cpu-pressure.js';
import type { MountConfig } from './options.js';
import type { Share } from './share.js';

/** How a daemon tells whoever started it what happens until the mount is ready. */
export interface Reporter {
  progress(phase: string, done: number, total: number): void;
  warning(text: string): void;
  result(result: { ok: true } | { ok: false; error: string }): void;
}

/**
 * Where running daemons leave a note (pid and mount point) for `memefs unmount`. A user's notes sit
 * in a fixed place (not $TMPDIR, which may differ between the daemon and a later command), in a
 * folder only that user owns: one made by someone else is never trusted.
 */
export function stateDir(): string {
  const uid = process.getuid?.() ?? 0;
  return uid === 0 ? ROOT_STATE_DIR : `/tmp/memefs-${uid}`;
}

function ownStateDir(): boolean {
  try {
    const st = fs.lstatSync(stateDir());
    return st.isDirectory() && st.uid === (process.getuid?.() ?? 0) && (st.mode & 0o022) === 0;
  } catch {
    return false;
  }
}

const ROOT_STATE_DIR = '/run/memefs';

export function stateFile(mountPoint: string): string {
  return path.join(stateDir(), encodeURIComponent(mountPoint) + '.json');
}

export interface DaemonState {
  pid: number;
  mountPoint: string;
  config: MountConfig;
  /** The volume's serial number (config.label follows FS_IOC_SETFSLABEL). */
  serial?: number;
  /** How the kernel's requests reach the daemon: 'io_uring' or '/dev/fuse'. */
  transport?: string;
}

/** The note of the daemon serving `mountPoint`: the caller's own, or else root's (readable by all, for `memefs info`). */
export function readState(mountPoint: string): DaemonState | null {
  const own = ownStateDir() ? [stateFile(mountPoint)] : [];
  for (const file of new Set([...own, path.join(ROOT_STATE_DIR, encodeURIComponent(mountPoint) + '.json')])) {
    try {
      return JSON.parse(fs.readFileSync(file, 'utf8')) as DaemonState;
    } catch {
      /* next */
    }
  }
  return null;
}

/** The outcome of the last save, for `memefs save` and `memefs unmount` to report. */
export function saveResultFile(mountPoint: string): string {
  return stateFile(mountPoint).replace(/\.json$/, '.save.json');
}

/**
 * Where `memefs unmount` leaves its pid while it waits to report the final save: a daemon that ends
 * cleanly removes its save result unless someone is there to read it (who then removes it).
 */
export function unmountWaitFile(mountPoint: string): string {
  return stateFile(mountPoint).replace(/\.json$/, '.unmounting');
}

function unmountWaiting(mountPoint: string): boolean {
  try {
    return daemonAlive(Number(fs.readFileSync(unmountWaitFile(mountPoint), 'utf8')));
  } catch {
    return false;
  }
}

export interface SaveResult {
  time: number;
  warnings: string[];
  error?: string;
  /** After a failed final save: where the data still is (mounted again, or a rescue snapshot). */
  kept?: string;
}

/** A rescue snapshot's name: beside the file that could not be saved, or under `dir`. */
export function rescuePath(file: string, dir = path.dirname(file)): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return path.join(dir, `${path.basename(file)}.rescue-${stamp}.tar`);
}

/**
 * Whether a daemon still runs. A daemon that has exited stays a zombie until its reaper (init,
 * or whatever subreaper adopted it) collects it, which took 1.6-2.7 s here: a zombie counts as gone.
 */
export function daemonAlive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

const READY_TIMEOUT_MS = 15_000;
/** How often the main thread looks for a quiet mount when the serving thread sleeps in read(). */
const QUIET_CHECK_MS = 250;

/**
 * Runs until the file system is unmounted; resolves with the process exit code. `worker` is the
 * serving thread (serve-worker.ts), already started with `config` and the shared `control` words.
 */
export function runDaemon(config: MountConfig, worker: Worker, control: Int32Array, reporter: Reporter): Promise<number> {
  const state = stateFile(config.mountPoint);
  let fd = -1;
  let ready = false;
  let stopping = false;
  let failed = false;
  let readyTimer: NodeJS.Timeout | undefined;
  let saveTimer: NodeJS.Timeout | undefined;
  let quietTimer: NodeJS.Timeout | undefined;
  let serial: number | undefined;
  let transport: string | undefined;
  /** The SMB share's Samba (--share): started once the mount is ready, stopped before unmounting. */
  let share: Share | null = null;
  const stopShare = async (): Promise<void> => {
    const s = share;
    share = null;
    if (s) await s.stop();
  };
  const writeState = (): void => {
    try {
      // Readable by every user, so `memefs info` works for whoever can see the mount.
      fs.mkdirSync(path.dirname(state), { recursive: true, mode: 0o755 });
      if (!ownStateDir()) return;
      fs.chmodSync(path.dirname(state), 0o755);
      const tmp = `${state}.${process.pid}.tmp`;
      // The share's passwords stay with Samba: the note does not keep them.
      const noted = { ...config, share: config.share && { ...config.share, users: config.share.users.map((u) => ({ name: u.name, password: '' })) } };
      fs.writeFileSync(tmp, JSON.stringify({ pid: process.pid, mountPoint: config.mountPoint, config: noted, serial, transport } satisfies DaemonState));
      fs.renameSync(tmp, state);
    } catch {
      /* the note is a convenience; unmounting works without it */
    }
  };

  /**
   * Ends the connection and takes the mount away. The descriptor is closed
   * first, so the kernel aborts the connection and nothing can wait on this
   * mount any more; the detach then never looks at the mount (this process
   * must not wait on a mount it serves).
   */
  const detach = (): void => {
    if (closeDevice()) detachMount(config.mountPoint);
  };
  /** Closes the descriptor; true when it was open and a mount is still at the mount point. */
  const closeDevice = (): boolean => {
    if (fd < 0) return false;
    try {
      fs.closeSync(fd);
    } catch {
      /* closed */
    }
    fd = -1;
    return findMount(config.mountPoint) !== undefined;
  };
  const fail = (message: string): void => {
    failed = true;
    if (!ready) reporter.result({ ok: false, error: message });
    else process.stderr.write(`memefs: ${message}\n`);
    detach();
    void stopShare().then(() => worker.terminate());
  };
  const mount = (): void => {
    try {
      const opts = {
        fsName: config.fsName, subtype: config.fsName, rootMode: config.rootMode,
        allowOther: config.allowOther ?? mountsAsRoot(), readOnly: config.readOnly, flags: config.mountFlags,
      };
      if (mountsAsRoot()) {
        fd = openDevice();
        mountDevice(fd, config.mountPoint, opts);
      } else {
        fd = mountWithFusermount(config.mountPoint, opts);
      }
    } catch (e) {
      fail(e instanceof MountError ? e.message : String(e));
      return;
    }
    readyTimer = setTimeout(() => {
      if (!ready) fail('the kernel did not start the FUSE session in time');
    }, READY_TIMEOUT_MS);
    worker.postMessage({ type: 'serve', fd });
  };
  // Any request wakes the serving loop, which then sees the flags; statfs is answered without side effects.
  const wake = (): void => fs.statfs(config.mountPoint, () => undefined);
  const requestSave = (): void => {
    if (!ready) return;
    Atomics.store(control, Control.SAVE, 1);
    wake();
  };
  /** A serving thread that sleeps in read() cannot notice quiet time: tell it when a check finds no new requests. */
  const watchQuiet = (): void => {
    let seen = -1;
    const spinAdvice = spinAdvisor(QUIET_CHECK_MS);
    quietTimer = setInterval(() => {
      const spinUs = spinAdvice();
      Atomics.store(control, Control.SPIN_US, spinUs);
      // No polling means the CPUs are busy (on one CPU there is never polling, and the serving thread has nowhere to move).
      Atomics.store(control, Control.BUSY, spinUs === 0 ? 1 : 0);
      const served = Atomics.load(control, Control.REQUESTS);
      if (served === seen && Atomics.load(control, Control.IDLE_WORK) !== 0 && Atomics.load(control, Control.IDLE) === 0) {
        Atomics.store(control, Control.IDLE, 1);
        wake();
      }
      seen = served;
    }, QUIET_CHECK_MS);
  };
  const stop = (signal: string): void => {
    if (!ready) {
      void worker.terminate();
      return;
    }
    if (stopping) {
      // A second signal: do not wait for open files any longer (the serving thread then saves and ends).
      detach();
      return;
    }
    stopping = true;
    if (config.foreground) process.stderr.write(`memefs: ${signal}: unmounting ${config.mountPoint}\n`);
    // Samba first: its open files would keep the mount busy.
    void stopShare().then(() => {
      try {
        unmount(config.mountPoint, false);
      } catch {
        // Busy: take the name away now; the session ends when the last open file closes.
        detachMount(config.mountPoint);
      }
    });
  };
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => stop(sig));
  const persistFile = config.image ?? config.snapshot ?? '';
  let lastError: string | undefined;
  const writeResult = (result: SaveResult): void => {
    try {
      fs.mkdirSync(path.dirname(state), { recursive: true, mode: 0o700 });
      const file = saveResultFile(config.mountPoint);
      fs.writeFileSync(`${file}.tmp`, JSON.stringify(result));
      fs.renameSync(`${file}.tmp`, file);
    } catch {
      /* reported on stderr too */
    }
  };
  /** Says where the data is after a failed final save, on stderr and to whoever waits in `memefs unmount`. */
  const keep = (where: string): void => {
    process.stderr.write(`memefs: saving ${persistFile} failed; ${where}\n`);
    writeResult({ time: Date.now(), warnings: [], error: lastError ?? 'the save failed', kept: where });
  };
  process.on('SIGUSR1', requestSave);

  worker.on('message', (m: { type: string; [k: string]: unknown }) => {
    switch (m.type) {
      case 'loaded':
        // What the image or snapshot brought (label, case rule), for `memefs info`.
        if (typeof m.serial === 'number') serial = m.serial;
        if (typeof m.label === 'string') config.label = m.label;
        if (typeof m.caseInsensitive === 'boolean') config.caseInsensitive = m.caseInsensitive;
        mount();
        break;
      case 'label':
        // FS_IOC_SETFSLABEL changed the label: keep the note `memefs info` reads current.
        config.label = m.label as string;
        if (ready) writeState();
        break;
      case 'ready':
        transport = m.transport as string;
        if (ready) {
          // Mounted again after a failed final save (see 'unsaved').
          clearTimeout(readyTimer);
          stopping = false;
          tuneBdi(config.mountPoint);
          writeState();
          keep(`${config.mountPoint} is mounted again with all its data (nothing was lost): fix the problem and unmount again`);
          break;
        }
        ready = true;
        clearTimeout(readyTimer);
        tuneBdi(config.mountPoint);
        writeState();
        if (config.saveInterval > 0) saveTimer = setInterval(requestSave, config.saveInterval * 1000);
        watchQuiet();
        const shareConfig = config.share;
        if (!shareConfig) {
          reporter.result({ ok: true });
          break;
        }
        // Samba's module is loaded only for a shared mount.
        import('./share.js').then(({ startShare }) => startShare(shareConfig, config)).then((s) => {
          share = s;
          if (stopping || failed) void stopShare();
          else reporter.result({ ok: true });
        }, (e: Error) => {
          reporter.result({ ok: false, error: e.message });
          fail(e.message);
        });
        break;
      case 'progress':
        if (!ready) reporter.progress(m.phase as string, m.done as number, m.total as number);
        break;
      case 'warning':
        if (!ready) reporter.warning(m.text as string);
        else process.stderr.write(`memefs: ${m.text as string}\n`);
        break;
      case 'saved': {
        lastError = m.error as string | undefined;
        const result: SaveResult = { time: Date.now(), warnings: m.warnings as string[], error: m.error as string | undefined };
        for (const w of result.warnings) process.stderr.write(`memefs: ${w}\n`);
        if (result.error) process.stderr.write(`memefs: save failed: ${result.error}\n`);
        writeResult(result);
        break;
      }
      case 'unsaved': {
        // The final save failed after the unmount: the data is only in memory. After a signal
        // (nobody waits to hear) it goes to a rescue snapshot; else the volume is mounted again.
        lastError = (m.error as string | undefined) ?? lastError;
        const old = fd;
        fd = -1;
        try {
          fs.closeSync(old);
        } catch {
          /* closed */
        }
        if (stopping) worker.postMessage({ type: 'rescue', path: rescuePath(persistFile) });
        else mount();
        break;
      }
      case 'rescued':
        keep(`the data was written to the rescue snapshot ${m.path as string} (restore it with --snapshot)`);
        break;
      case 'rescue-failed': {
        process.stderr.write(`memefs: writing the rescue snapshot ${m.path as string} failed: ${m.error as string}\n`);
        const fallback = rescuePath(persistFile, stateDir());
        if (m.path !== fallback && path.dirname(m.path as string) !== stateDir()) worker.postMessage({ type: 'rescue', path: fallback });
        else mount();
        break;
      }
      case 'failed':
        fail(m.error as string);
        break;
    }
  });
  worker.on('error', (e) => fail(`serving thread failed: ${e.stack ?? e}`));

  return new Promise((resolve) => {
    worker.on('exit', async (code) => {
      await stopShare(); // the serving thread ended: Samba has nothing left to serve
      clearTimeout(readyTimer);
      clearInterval(saveTimer);
      clearInterval(quietTimer);
      // Exit code 0: the serving thread returned because the kernel ended the session, which it does
      // when the mount is gone (an outside umount). A mount found there now is someone else's (a new
      // memefs mounted at once, as a script does): taking it away, or its note, would break that one.
      if (code === 0) closeDevice();
      else detach();
      try {
        if (readState(config.mountPoint)?.pid === process.pid) fs.rmSync(state, { force: true });
      } catch {
        /* ignore */
      }
      if (!ready && !failed) reporter.result({ ok: false, error: 'stopped before the file system was ready' });
      const clean = ready && !failed && code === 0 && lastError === undefined;
      // A failed save's result stays: it says where the data went (memefs info shows it).
      if (clean && !unmountWaiting(config.mountPoint)) fs.rmSync(saveResultFile(config.mountPoint), { force: true });
      resolve(clean ? 0 : 1);
    });
  });
}
