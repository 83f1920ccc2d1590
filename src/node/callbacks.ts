/**
 * The callback forms. The operation runs at once on the synchronous base (so
 * calls take effect in the order made) and the callback runs later, on the
 * next tick, as Node always calls back asynchronously. Argument errors throw
 * synchronously, as Node's validation does; system errors go to the callback.
 */
import { invalidArgType } from './errors.js';
import type { SyncFs } from './sync.js';

type Callback = (err: Error | null, ...results: unknown[]) => void;

/** Node's own argument errors are thrown at the call; only system errors are "results". */
function isArgumentError(e: unknown): boolean {
  const code = (e as { code?: unknown })?.code;
  return typeof code === 'string' && code.startsWith('ERR_') && !code.startsWith('ERR_FS_') && !code.startsWith('ERR_DIR');
}

function takeCallback(args: unknown[]): Callback {
  const cb = args.pop();
  if (typeof cb !== 'function') throw invalidArgType('cb', 'of type function', cb);
  return cb as Callback;
}

/** Wraps a sync function returning one result into fn(...args, cb(err, result)). */
export function callbackify(fn: (...args: never[]) => unknown): (...args: unknown[]) => void {
  return function (...args: unknown[]): void {
    const cb = takeCallback(args);
    let result: unknown;
    try {
      result = (fn as (...a: unknown[]) => unknown)(...args);
    } catch (e) {
      if (isArgumentError(e)) throw e;
      process.nextTick(cb, e as Error);
      return;
    }
    if (result === undefined) process.nextTick(cb, null);
    else process.nextTick(cb, null, result);
  };
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
      const cb = takeCallback(args);
      run(cb, () => {
        let [fd, buffer, offset, length, position] = args;
        if (buffer === undefined || (buffer !== null && typeof buffer === 'object' && !ArrayBuffer.isView(buffer))) {
          // read(fd, cb) or read(fd, { buffer, offset, length, position }, cb)
          const o = (buffer ?? {}) as { buffer?: ArrayBufferView; offset?: number; length?: number; position?: number | null };
          buffer = o.buffer ?? Buffer.alloc(16384);
          offset = o.offset ?? 0;
          length = o.length ?? (buffer as ArrayBufferView).byteLength - (offset as number);
          position = o.position ?? null;
        }
        return [core.readSync(fd, buffer, offset, length, position), buffer];
      });
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
