/**
 * The system module's one door to native code: libc through koffi, an FFI whose npm package ships
 * prebuilt binaries (no compiler at install). Only files in src/sys import this; the rest of memefs
 * asks src/sys for typed functions (io_uring, ioctl, affinity, SCM_RIGHTS, memfd, madvise) and works
 * without them when the FFI cannot load: `loadLibc()` then returns undefined and `libcProblem()`
 * says why, once, in words a user can act on.
 */
import type * as Koffi from 'koffi';

export type KoffiModule = typeof Koffi;
export type LibraryHandle = Koffi.LibraryHandle;

export interface Libc {
  readonly koffi: KoffiModule;
  readonly lib: LibraryHandle;
  /** errno as left by the last call made through koffi on this thread. */
  errno(): number;
}

let loaded: Libc | undefined;
let problem: string | undefined;
let tried = false;

/**
 * Loads koffi and libc once per thread (a worker thread loads its own). Never throws: on failure the
 * reason is kept for `libcProblem()`.
 */
export async function loadLibc(): Promise<Libc | undefined> {
  if (tried) return loaded;
  tried = true;
  if (process.platform !== 'linux') {
    problem = `system calls beyond Node's need Linux (this is ${process.platform})`;
    return undefined;
  }
  if (process.env.MEMEFS_NO_FFI) {
    problem = 'the FFI is switched off (MEMEFS_NO_FFI is set)';
    return undefined;
  }
  try {
    const mod = (await import('koffi')) as KoffiModule & { default?: KoffiModule };
    const koffi = mod.default ?? mod;
    const lib = koffi.load('libc.so.6');
    loaded = { koffi, lib, errno: () => koffi.errno() };
  } catch (err) {
    problem = `the FFI (koffi) could not be loaded: ${(err as Error).message.split('\n')[0]}`;
  }
  return loaded;
}

/** The libc loaded by `loadLibc()` on this thread, if any (for synchronous callers after loading). */
export function libc(): Libc | undefined {
  return loaded;
}

/** Why `loadLibc()` returned undefined, or undefined if it loaded (or was not tried). */
export function libcProblem(): string | undefined {
  return problem;
}
