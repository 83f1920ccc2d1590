/**
 * readFile, writeFile and appendFile in their callback and promise forms (and
 * FileHandle's), as node:fs runs them: arguments are checked at the call, the
 * work starts on a later turn of the event loop and proceeds in 512 KiB steps
 * (Node's kReadFileBufferLength / kWriteFileMaxChunkSize), each on its own
 * turn. So an AbortSignal given in the options is seen before the file is
 * opened and between steps, and a large file does not hold the event loop.
 * The sync forms stay in sync.ts, in one piece.
 */
import { constants } from './constants.js';
import { Errno } from '../core/errno.js';
import { AbortError, fileTooLarge, invalidArgType, uvError } from './errors.js';
import { parseFlags } from './fds.js';
import { assertEncoding, getOptions, parseMode, toBytes } from './options.js';
import { toPath } from './paths.js';
import type { SyncFs } from './sync.js';

const { O_RDONLY, O_WRONLY, O_CREAT, O_TRUNC, O_APPEND } = constants;

/** Node's step size for whole-file reads and writes. */
const STEP = 512 * 1024;
/** Node's kIoMaxLength: readFile refuses files larger than this (ERR_FS_FILE_TOO_LARGE). */
export const IO_MAX_LENGTH = 2 ** 31 - 1;

/** Node's validateAbortSignal. */
export function checkSignal(signal: unknown, name = 'options.signal'): AbortSignal | undefined {
  if (signal === undefined) return undefined;
  if (signal === null || typeof signal !== 'object' || !('aborted' in signal)) throw invalidArgType(name, 'an instance of AbortSignal', signal);
  return signal as AbortSignal;
}

/** Throws Node's AbortError (with the signal's reason as its cause) once the signal has fired. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AbortError(undefined, { cause: signal.reason });
}

/** Node's validation of `flush` (absent and null mean false). */
export function checkFlush(flush: unknown, name = 'options.flush'): boolean {
  const value = flush ?? false;
  if (typeof value !== 'boolean') throw invalidArgType(name, 'of type boolean', value);
  return value;
}

/** Resolves on a later turn of the event loop, after pending ticks (an abort queued with nextTick is seen). */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A file given by path (opened and closed here) or by a descriptor the caller owns. */
type Target = { fd: number; path?: undefined } | { fd?: undefined; path: string };

function targetOf(path: unknown): Target {
  return typeof path === 'number' ? { fd: path } : { path: toPath(path) };
}

export interface ReadPlan {
  target: Target;
  flags: number;
  encoding: BufferEncoding | null | undefined;
  signal: AbortSignal | undefined;
}

/** Checks readFile's arguments as Node does, at the call. */
export function planRead(path: unknown, options: unknown): ReadPlan {
  const opts = getOptions<{ flag?: string | number; encoding?: BufferEncoding | null; signal?: unknown }>(options, { flag: 'r' });
  return { target: targetOf(path), flags: parseFlags(opts.flag ?? 'r', O_RDONLY), encoding: opts.encoding, signal: checkSignal(opts.signal) };
}

/** Reads the file (from a descriptor's position to its end), one step per turn. */
export async function readSteps(core: SyncFs, plan: ReadPlan): Promise<string | Buffer> {
  const { target, signal } = plan;
  throwIfAborted(signal);
  await nextTurn();
  throwIfAborted(signal);
  const fd = target.fd ?? core.openSync(target.path, plan.flags, 0o666);
  try {
    const file = core.fds.get(fd);
    const data = file?.inode.data;
    const size = data ? Math.max(0, data.size - file!.position) : 0;
    if (size > IO_MAX_LENGTH) throw fileTooLarge(size);
    const bytes = Buffer.allocUnsafe(size);
    // The first read also runs for an empty file: it is what fails on a directory or a write-only descriptor.
    let off = core.readInto(fd, bytes, 0, Math.min(STEP, size), -1);
    while (off < size) {
      await nextTurn();
      throwIfAborted(signal);
      const got = core.readInto(fd, bytes, off, Math.min(STEP, size - off), -1);
      if (got === 0) break;
      off += got;
    }
    const result = off < size ? bytes.subarray(0, off) : bytes;
    return plan.encoding ? result.toString(plan.encoding) : result;
  } finally {
    if (target.fd === undefined) core.closeSync(fd);
  }
}

export interface WritePlan {
  target: Target;
  flags: number;
  mode: number;
  bytes: Uint8Array;
  flush: boolean;
  signal: AbortSignal | undefined;
}

type WriteOptions = { encoding?: BufferEncoding | null; mode?: number | string; flag?: string | number; flush?: unknown; signal?: unknown };

/**
 * Checks writeFile's (append: appendFile's) arguments as Node does, at the
 * call. `data` is a string or bytes here; the promise form gathers iterables first.
 */
export function planWrite(path: unknown, data: unknown, options: unknown, append: boolean): WritePlan {
  const fallback = append ? O_APPEND | O_CREAT | O_WRONLY : O_TRUNC | O_CREAT | O_WRONLY;
  const opts = getOptions<WriteOptions>(options, { encoding: 'utf8', mode: 0o666, flag: append ? 'a' : 'w' });
  if (opts.encoding !== undefined && opts.encoding !== null) assertEncoding(opts.encoding);
  const flush = checkFlush(opts.flush);
  const bytes = toBytes(data, opts.encoding);
  return { target: targetOf(path), flags: parseFlags(opts.flag || (append ? 'a' : 'w'), fallback), mode: parseMode(opts.mode, 'mode', 0o666), bytes, flush, signal: checkSignal(opts.signal) };
}

/** Writes the data at the descriptor's position, one step per turn; `flush` is called with the descriptor when asked for. */
export async function writeSteps(core: SyncFs, plan: WritePlan, flush: (fd: number) => Promise<void>): Promise<void> {
  const { target, bytes, signal } = plan;
  throwIfAborted(signal);
  await nextTurn();
  throwIfAborted(signal);
  const fd = target.fd ?? core.openSync(target.path, plan.flags, plan.mode);
  try {
    let off = 0;
    while (off < bytes.length) {
      if (off > 0) {
        await nextTurn();
        throwIfAborted(signal);
      }
      const wrote = core.writeFrom(fd, bytes, off, Math.min(STEP, bytes.length - off), -1);
      if (wrote === 0) throw uvError(Errno.ENOSPC, 'write');
      off += wrote;
    }
    if (plan.flush) await flush(fd);
  } finally {
    if (target.fd === undefined) core.closeSync(fd);
  }
}
