/**
 * The callback forms. The operation runs at once on the synchronous base (so
 * calls take effect in the order made) and the callback runs later, on the
 * next tick, as Node always calls back asynchronously; the whole-file calls
 * (whole.ts) return a promise instead and run in steps on later turns. Argument errors throw
 * synchronously, as Node's validation does; system errors go to the callback.
 */
import { invalidArgType } from './errors.js';
import { parseMode, toUnixTimestamp, validateFd, validateId, validateInteger } from './options.js';
import { toPath } from './paths.js';
import type { SyncFs } from './sync.js';

type Callback = (err: Error | null, ...results: unknown[]) => void;

/** Node's own argument errors are thrown at the call; only system errors are "results". */
function isArgumentError(e: unknown): boolean {
  const code = (e as { code?: unknown })?.code;
  if (code === 'ERR_FS_INVALID_SYMLINK_TYPE') return true;
  return typeof code === 'string' && code.startsWith('ERR_') && !code.startsWith('ERR_FS_') && !code.startsWith('ERR_DIR');
}

function takeCallback(args: unknown[]): Callback {
  const cb = args.pop();
  if (typeof cb !== 'function') throw invalidArgType('cb', 'of type function', cb);
  return cb as Callback;
}

/**
 * What Node checks before it looks at the callback, by argument position: a
 * call with a bad argument and no callback fails on the argument, as Node's.
 * `path` also covers a second path; `any` is not checked.
 */
type Check = 'path' | 'fd' | 'mode' | 'id' | 'len' | 'time' | 'any';
const CHECKS: Record<string, Check[]> = {
  access: ['path', 'any'], appendFile: ['path', 'any', 'any'], chmod: ['path', 'mode'], chown: ['path', 'id', 'id'],
  close: ['fd'], copyFile: ['path', 'path', 'any'], cp: ['path', 'path', 'any'], fchmod: ['fd', 'mode'],
  fchown: ['fd', 'id', 'id'], fdatasync: ['fd'], fstat: ['fd', 'any'], fsync: ['fd'], ftruncate: ['fd', 'len'],
  futimes: ['fd', 'time', 'time'], lchown: ['path', 'id', 'id'], link: ['path', 'path'], lstat: ['path', 'any'],
  lutimes: ['path', 'time', 'time'], mkdir: ['path', 'any'], mkdtemp: ['any', 'any'], open: ['path', 'any', 'any'],
  opendir: ['path', 'any'], readdir: ['path', 'any'], readFile: ['any', 'any'], readlink: ['path', 'any'],
  rename: ['path', 'path'], rm: ['path', 'any'], rmdir: ['path', 'any'], stat: ['path', 'any'], statfs: ['path', 'any'],
  symlink: ['path', 'path', 'any'], truncate: ['any', 'len'], unlink: ['path'], utimes: ['path', 'time', 'time'],
  writeFile: ['any', 'any', 'any'],
};

function precheck(checks: Check[], args: unknown[]): void {
  checks.forEach((check, i) => {
    const value = args[i];
    if (check === 'path') toPath(value, i === 0 ? 'path' : 'dest');
    else if (check === 'fd') validateFd(value);
    else if (check === 'mode') parseMode(value, 'mode');
    else if (check === 'id') validateId(value, i === 1 ? 'uid' : 'gid');
    else if (check === 'len' && value !== undefined) validateInteger(value, 'len');
    else if (check === 'time') toUnixTimestamp(value, i === 1 ? 'atime' : 'mtime');
  });
}

/**
 * Wraps a sync function returning one result into fn(...args, cb(err, result)).
 * The callback sits where Node's does: the last argument when it is a function
 * (optional arguments left out), else the argument after the last one.
 */
export function callbackify(fn: (...args: never[]) => unknown, name?: string, cbName = 'cb'): (...args: unknown[]) => void {
  const checks = name === undefined ? undefined : CHECKS[name];
  return function (...args: unknown[]): void {
    let cb: unknown;
    if (checks === undefined) cb = args.pop();
    else {
      const last = args.length - 1;
      const at = last >= 0 && last <= checks.length && typeof args[last] === 'function' ? last : checks.length;
      cb = args[at];
      args.length = Math.min(args.length, at);
      if (typeof cb !== 'function') precheck(checks, args);
    }
    if (typeof cb !== 'function') throw invalidArgType(cbName, 'of type function', cb);
    let result: unknown;
    try {
      result = (fn as (...a: unknown[]) => unknown)(...args);
    } catch (e) {
      if (isArgumentError(e)) throw e;
      process.nextTick(cb as Callback, e as Error);
      return;
    }
    if (result instanceof Promise) result.then((value) => settle(cb as Callback, value), (e: Error) => process.nextTick(cb as Callback, e));
    else settle(cb as Callback, result);
  };
}

/** Calls back on the next tick (outside any promise job, so an exception in the callback is an ordinary uncaught one). */
function settle(cb: Callback, result: unknown): void {
  if (result === undefined) process.nextTick(cb, null);
  else process.nextTick(cb, null, result);
}

/** The callback forms whose results are not one value (read, write, readv, writev, exists). */
export function specialCallbacks(core: SyncFs): Record<string, (...args: unknown[]) => void> {
  const run = (cb: Callback, f: () => unknown[]): void => {
    let results: unknown[];
    try {
      results = f();
    } catch (e) {
      if (isArgumentError(e)) throw e;
      process.nextTick(cb, e as Error);
      return;
    }
    process.nextTick(cb, null, ...results);
  };
  return {
    exists(...args: unknown[]): void {
      const cb = args.pop();
      if (typeof cb !== 'function') throw invalidArgType('cb', 'of type function', cb);
      const found = core.existsSync(args[0]);
      process.nextTick(cb as (found: boolean) => void, found);
    },
    read(...args: unknown[]): void {
      // Node's read: (fd, cb), (fd, options|null, cb), (fd, buffer, options|null, cb) or (fd, buffer, offset, length, position, cb);
      // checked in Node's order: fd, options, buffer, then the callback.
      validateFd(args[0]);
      let [fd, buffer, offset, length, position, cb] = args;
      if (args.length <= 4) {
        type Params = { buffer?: unknown; offset?: unknown; length?: unknown; position?: unknown } | null | undefined;
        let params: Params = null;
        if (args.length === 4) {
          params = offset as Params;
          cb = length;
        } else if (args.length === 3) {
          if (!ArrayBuffer.isView(buffer)) {
            params = buffer as Params;
            // Only a missing buffer gets the default; a null one is an error.
            buffer = params?.buffer === undefined ? Buffer.alloc(16384) : params.buffer;
          }
          cb = offset;
        } else {
          cb = buffer;
          buffer = Buffer.alloc(16384);
        }
        if (params !== null && params !== undefined && (typeof params !== 'object' || Array.isArray(params))) throw invalidArgType('options', 'of type object', params);
        offset = params?.offset ?? 0;
        length = params?.length ?? ((buffer as ArrayBufferView | null)?.byteLength ?? 0) - (offset as number);
        position = params?.position ?? null;
      }
      if (!ArrayBuffer.isView(buffer)) throw invalidArgType('buffer', 'an instance of Buffer, TypedArray, or DataView', buffer);
      if (typeof cb !== 'function') throw invalidArgType('cb', 'of type function', cb);
      run(cb as Callback, () => [core.readSync(fd, buffer, offset, length, position), buffer]);
    },
    write(...args: unknown[]): void {
      const cb = takeCallback(args);
      run(cb, () => {
        const [fd, buffer, a, b, c] = args;
        return [core.writeSync(fd, buffer, a, b, c), buffer];
      });
    },
    readv(...args: unknown[]): void {
      const cb = takeCallback(args);
      run(cb, () => [core.readvSync(args[0], args[1], args[2]), args[1]]);
    },
    writev(...args: unknown[]): void {
      const cb = takeCallback(args);
      run(cb, () => [core.writevSync(args[0], args[1], args[2]), args[1]]);
    },
  };
}
