/**
 * The memefs volume as a drop-in for node:fs, in process: `createFs(volume)`
 * returns an object with node:fs's shape (bound sync, callback and promise
 * forms, streams, watchers, constants) over the volume.
 */
import * as nodeFs from 'node:fs';
import { Volume, type VolumeOptions } from '../core/volume.js';
import { callbackify, specialCallbacks } from './callbacks.js';
import { constants } from './constants.js';
import { Dir } from './dir.js';
import { AbortError, invalidArgType, nodeError, notSupported, uvError } from './errors.js';
import { exportJson, loadJson, type JsonTree, type ToJsonOptions } from './json.js';
import { assertEncoding, getOptions, toUnixTimestamp, validateFunction } from './options.js';
import { toPath } from './paths.js';
import { FileHandle, createPromises } from './promises.js';
import { BigIntStats, Dirent, StatFs, Stats } from './stats.js';
import { ReadStream, WriteStream, streamClassesOf, type ReadStreamOptions, type StreamFs, type WriteStreamOptions } from './streams.js';
import { promisify } from 'node:util';
import { SyncFs, type RmdirOptions } from './sync.js';
import { FSWatcher, StatWatcher, WatchHub, type WatchOptions } from './watch.js';
import { checkSignal, planRead, planWrite, readSteps, writeSteps } from './whole.js';

export interface FsOptions {
  /** Caller identity for the permission rules; defaults to this process's. */
  uid?: number;
  gid?: number;
  groups?: readonly number[];
  /** Applied to the mode of everything created; default 0o022. */
  umask?: number;
  /** Working directory for relative paths; default '/'. */
  cwd?: string;
}

/** Options for a new volume together with the fs over it. */
export interface MemefsOptions extends FsOptions, VolumeOptions {}

/** node:fs's own type, plus what memefs adds. */
export type MemefsFs = typeof nodeFs & MemefsExtras;

export interface MemefsExtras {
  /** The volume under this fs. */
  readonly volume: Volume;
  /** Adds files and directories from a plain object (flat paths or nested). */
  fromJSON(tree: JsonTree, base?: string): void;
  /** The files under `path` as a plain object (files with content, empty directories null). */
  toJSON(path?: string, options?: ToJsonOptions): Record<string, string | Buffer | null>;
  /** Sets the directory relative paths start from (process.chdir's equivalent; the process's own is untouched). */
  chdir(path: string): void;
  /** The working directory's path (process.cwd's equivalent). */
  cwd(): string;
}

const SIMPLE_CALLS = [
  'access', 'appendFile', 'chmod', 'chown', 'close', 'copyFile', 'cp', 'fchmod', 'fchown', 'fdatasync', 'fstat',
  'fsync', 'ftruncate', 'futimes', 'lchown', 'link', 'lstat', 'lutimes', 'mkdir', 'mkdtemp', 'open', 'opendir',
  'readdir', 'readFile', 'readlink', 'rename', 'rm', 'rmdir', 'stat', 'statfs', 'symlink', 'truncate', 'unlink',
  'utimes', 'writeFile',
] as const;

function defaultId(get: (() => number) | undefined): number {
  return typeof get === 'function' ? get() : 0;
}

/** One watch hub per volume, so every fs object over a volume hears the others' changes. */
const hubs = new WeakMap<Volume, WatchHub>();

/** A fresh volume (the core's options: case-insensitivity, size cap, label, Windows names...). */
export function createVolume(options: VolumeOptions = {}): Volume {
  return new Volume(options);
}

/**
 * A node:fs-compatible object over `volume`. Without a volume, a new one is
 * made from the options (which may then also carry the volume's own:
 * caseInsensitive, sizeLimit, label, windowsNames...).
 */
export function createFs(volume?: Volume | null, options?: FsOptions): MemefsFs;
export function createFs(options: MemefsOptions): MemefsFs;
export function createFs(volumeOrOptions?: Volume | MemefsOptions | null, fsOptions?: FsOptions): MemefsFs {
  let vol: Volume;
  let options: FsOptions;
  if (volumeOrOptions instanceof Volume) {
    vol = volumeOrOptions;
    options = fsOptions ?? {};
  } else {
    options = { ...volumeOrOptions, ...fsOptions };
    vol = new Volume(volumeOrOptions ?? {});
  }
  let hub = hubs.get(vol);
  if (hub === undefined) hubs.set(vol, (hub = new WatchHub()));
  const core = new SyncFs(
    vol,
    {
      uid: options.uid ?? defaultId(process.getuid),
      gid: options.gid ?? defaultId(process.getgid),
      groups: options.groups ?? (options.uid === undefined && typeof process.getgroups === 'function' ? process.getgroups() : []),
      umask: options.umask ?? 0o022,
    },
    hub,
    options.cwd ?? '/',
  );
  const fs: Record<string, unknown> = {};
  const bound = core as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const name of SIMPLE_CALLS) {
    const sync = bound[`${name}Sync`]!.bind(core);
    fs[`${name}Sync`] = sync;
    fs[name] = callbackify(sync, name, name === 'opendir' ? 'callback' : 'cb');
  }
  for (const name of ['exists', 'read', 'readSync', 'readv', 'readvSync', 'write', 'writeSync', 'writev', 'writevSync', 'existsSync']) {
    if (name.endsWith('Sync')) fs[name] = bound[name]!.bind(core);
  }
  Object.assign(fs, specialCallbacks(core));
  // util.promisify gives these Node's result objects ({ bytesRead, buffer }...), as it does for node:fs's.
  const results: [string, string, string][] = [['read', 'bytesRead', 'buffer'], ['write', 'bytesWritten', 'buffer'], ['readv', 'bytesRead', 'buffers'], ['writev', 'bytesWritten', 'buffers']];
  for (const [name, count, data] of results) {
    const f = fs[name] as (...args: unknown[]) => void;
    Object.defineProperty(f, promisify.custom, {
      value: (...args: unknown[]) => new Promise((resolve, reject) => {
        f(...args, (err: Error | null, n: number, bytes: unknown) => (err ? reject(err) : resolve({ [count]: n, [data]: bytes })));
      }),
    });
  }
  const exists = fs.exists as (path: unknown, cb: (found: boolean) => void) => void;
  Object.defineProperty(exists, promisify.custom, { value: (path: unknown) => new Promise((resolve) => exists(path, resolve)) });
  // The whole-file calls run in steps (whole.ts); `flush` goes through this object's fsync/fsyncSync, as node:fs's does.
  const flushThroughFs = (fd: number): Promise<void> =>
    new Promise((resolve, reject) => (fs.fsync as (fd: number, cb: (e: Error | null) => void) => void)(fd, (e) => (e ? reject(e) : resolve())));
  fs.readFile = callbackify((path: unknown, options?: unknown) => readSteps(core, planRead(path, options)), 'readFile');
  fs.writeFile = callbackify((path: unknown, data: unknown, options?: unknown) => writeSteps(core, planWrite(path, data, options, false), flushThroughFs), 'writeFile');
  fs.appendFile = callbackify((path: unknown, data: unknown, options?: unknown) => writeSteps(core, planWrite(path, data, options, true), flushThroughFs), 'appendFile');
  for (const [name, flag] of [['writeFileSync', 'w'], ['appendFileSync', 'a']] as const) {
    const whole = fs[name] as (path: unknown, data: unknown, options?: unknown) => void;
    fs[name] = (path: unknown, data: unknown, options?: unknown): void => {
      if ((options as { flush?: unknown } | null | undefined)?.flush !== true) return whole(path, data, options);
      const opts = options as { flag?: string | number; mode?: number | string };
      const fd = typeof path === 'number' ? path : core.openSync(path, opts.flag || flag, opts.mode ?? 0o666);
      try {
        whole(fd, data, options);
        (fs.fsyncSync as (fd: number) => void)(fd);
      } finally {
        if (fd !== path) core.closeSync(fd);
      }
    };
  }
  fs.mkdir = callbackify(core.mkdirAsyncForm.bind(core), 'mkdir');
  fs.rm = callbackify(core.rmAsyncForm.bind(core), 'rm');
  fs.rmdir = callbackify((path: unknown, options?: RmdirOptions) => core.rmdirForm(path, options, 'callback'), 'rmdir');
  fs.cp = callbackify(core.cpAsyncForm.bind(core), 'cp');
  // fs.close's callback is optional: without one, an error is thrown later, as Node's defaultCloseCallback does.
  const closeWithCallback = fs.close as (...args: unknown[]) => void;
  fs.close = (fd: unknown, callback?: (err: Error | null) => void) =>
    closeWithCallback(fd, callback !== undefined ? callback : ((err: Error | null) => {
      if (err) throw err;
    }));

  const realpathSync = Object.assign(core.realpathSync.bind(core), { native: core.realpathNativeSync.bind(core) });
  const realpath = Object.assign(callbackify(realpathSync), { native: callbackify(realpathSync.native) });
  fs.realpathSync = realpathSync;
  fs.realpath = realpath;

  // ---- watchers ----
  const watch = (path: unknown, options?: WatchOptions | BufferEncoding, listener?: (event: string, filename: string | Buffer | null) => void): FSWatcher => {
    if (typeof options === 'function') {
      listener = options;
      options = {};
    }
    const opts = getOptions<WatchOptions>(options, {});
    const p = toPath(path, 'filename');
    checkWatchOptions(opts);
    const inode = core.walker.inode(p, true);
    if (inode === null) throw uvError(core.walker.errno, 'watch', p);
    const own = p.split('/').filter((x) => x !== '').pop() ?? '';
    const watcher = new FSWatcher(hub, inode, own, opts);
    if (listener) watcher.on('change', listener);
    return watcher;
  };
  fs.watch = watch;

  const statWatchers = new Map<string, StatWatcher<Stats>>();
  fs.watchFile = (path: unknown, options?: unknown, listener?: unknown): StatWatcher<Stats> => {
    if (typeof options === 'function') {
      listener = options;
      options = {};
    }
    validateFunction(listener, 'listener');
    const opts = (options ?? {}) as { interval?: number; persistent?: boolean; bigint?: boolean };
    const p = toPath(path, 'filename');
    let watcher = statWatchers.get(p);
    if (watcher === undefined) {
      const poll = (): Stats => {
        const s = core.statSync(p, { throwIfNoEntry: false }) as Stats | undefined;
        return s ?? zeroStats;
      };
      watcher = new StatWatcher<Stats>(poll, opts.interval ?? 5007, opts.persistent !== false);
      statWatchers.set(p, watcher);
    }
    watcher.on('change', listener as (curr: Stats, prev: Stats) => void);
    return watcher;
  };
  fs.unwatchFile = (path: unknown, listener?: (curr: Stats, prev: Stats) => void): void => {
    const p = toPath(path, 'filename');
    const watcher = statWatchers.get(p);
    if (watcher === undefined) return;
    if (listener) watcher.removeListener('change', listener);
    else watcher.removeAllListeners('change');
    if (watcher.listenerCount('change') === 0) {
      watcher.stop();
      statWatchers.delete(p);
    }
  };

  // ---- streams ----
  // This object's stream classes: their streams open, read, write and close through this object's calls.
  const streams = streamClassesOf(fs as StreamFs);
  // Plain functions, not arrows: `new fs.createReadStream(...)` works with node:fs too.
  fs.createReadStream = function createReadStream(path: unknown, options?: ReadStreamOptions | BufferEncoding | null) {
    return new streams.ReadStream(path, options);
  };
  fs.createWriteStream = function createWriteStream(path: unknown, options?: WriteStreamOptions | BufferEncoding | null) {
    return new streams.WriteStream(path, options);
  };

  fs.openAsBlob = async (path: unknown, options?: { type?: string }) =>
    new Blob([core.readFileSync(path) as Buffer], { type: options?.type ?? '' });

  // ---- promises ----
  const promises = createPromises(core, {
    watch: (path, options) => watchIterator(watch, path, options),
  });
  // Linux has no lchmod: Node's promise form says so with ERR_METHOD_NOT_IMPLEMENTED.
  promises.lchmod = async () => {
    throw nodeError('Error', 'ERR_METHOD_NOT_IMPLEMENTED', 'The lchmod() method is not implemented');
  };
  fs.promises = promises;

  // ---- classes and constants ----
  fs.constants = constants;
  fs.F_OK = constants.F_OK;
  fs.R_OK = constants.R_OK;
  fs.W_OK = constants.W_OK;
  fs.X_OK = constants.X_OK;
  fs.Stats = Stats;
  fs.Dirent = Dirent;
  fs.Dir = Dir;
  fs.ReadStream = streams.ReadStream;
  fs.WriteStream = streams.WriteStream;
  fs.FileReadStream = streams.ReadStream;
  fs.FileWriteStream = streams.WriteStream;
  fs._toUnixTimestamp = (time: unknown) => toUnixTimestamp(time, 'time');
  // Linux has no lchmod: node:fs leaves it undefined there, and so do we.
  fs.lchmod = undefined;
  fs.lchmodSync = undefined;

  // Anything node:fs has that memefs does not: a clear ENOSYS naming the call.
  for (const key of Object.keys(nodeFs)) {
    if (key in fs) continue;
    if (typeof (nodeFs as Record<string, unknown>)[key] === 'function') {
      fs[key] = () => {
        throw notSupported(key);
      };
    }
  }

  Object.defineProperty(fs, 'volume', { value: vol, enumerable: false });
  fs.fromJSON = (tree: JsonTree, base = '/') => loadJson(core, tree, base);
  fs.toJSON = (path = '/', opts?: ToJsonOptions) => exportJson(core, path, opts);
  fs.chdir = (path: unknown) => core.chdir(path);
  fs.cwd = () => core.cwdPath();
  return fs as unknown as MemefsFs;
}

/** What watchFile reports for a missing file: Node's all-zero Stats. */
const zeroStats = new (Stats as unknown as new (...fields: number[]) => Stats)(...new Array<number>(14).fill(0));

/** What Node checks of fs.watch's and fs.promises.watch's options. */
function checkWatchOptions(opts: WatchOptions): void {
  for (const name of ['persistent', 'recursive'] as const) {
    if (opts[name] !== undefined && typeof opts[name] !== 'boolean') throw invalidArgType(`options.${name}`, 'of type boolean', opts[name]);
  }
  if (opts.encoding !== undefined && opts.encoding !== null) assertEncoding(opts.encoding);
}

/** fs.promises.watch: an async iterator of { eventType, filename }. */
async function* watchIterator(
  watch: (path: unknown, options?: WatchOptions | BufferEncoding) => FSWatcher,
  path: unknown,
  options?: WatchOptions | BufferEncoding,
): AsyncGenerator<{ eventType: string; filename: string | Buffer | null }> {
  toPath(path, 'filename');
  if (options === null || typeof options !== 'object') {
    if (options !== undefined) throw invalidArgType('options', 'of type object', options);
  }
  const opts: WatchOptions = { ...options };
  checkWatchOptions(opts);
  const signal = checkSignal(opts.signal);
  delete opts.signal;
  const watcher = watch(path, opts);
  const queue: { eventType: string; filename: string | Buffer | null }[] = [];
  let wake: (() => void) | null = null;
  let done = false;
  watcher.on('change', (eventType: string, filename: string | Buffer | null) => {
    queue.push({ eventType, filename });
    wake?.();
  });
  const stop = (): void => {
    done = true;
    wake?.();
  };
  signal?.addEventListener('abort', stop, { once: true });
  try {
    for (;;) {
      if (signal?.aborted) throw new AbortError(undefined, { cause: signal.reason });
      if (queue.length > 0) {
        yield queue.shift()!;
        continue;
      }
      if (done) return;
      await new Promise<void>((resolve) => (wake = resolve));
      wake = null;
    }
  } finally {
    signal?.removeEventListener('abort', stop);
    watcher.close();
  }
}

/** memfs-style convenience: a new volume, optionally filled from a plain object. */
export function memefs(tree?: JsonTree, options: MemefsOptions = {}): { fs: MemefsFs; vol: Volume } {
  const vol = new Volume(options);
  const fs = createFs(vol, options);
  if (tree) fs.fromJSON(tree, options.cwd ?? '/');
  return { fs, vol };
}

export { Volume, constants, Stats, BigIntStats, Dirent, Dir, StatFs, ReadStream, WriteStream, FileHandle, FSWatcher, StatWatcher };
export type { JsonTree, ToJsonOptions, VolumeOptions, WatchOptions, ReadStreamOptions, WriteStreamOptions };
