/**
 * Argument handling shared by every form of the API, following node:fs's own
 * validation (getOptions, parseFileMode, toUnixTimestamp, encodings).
 */
import { encodeName } from '../core/names.js';
import type { Timespec } from '../core/time.js';
import { invalidArgType, invalidArgValue, outOfRange } from './errors.js';

export type Encoding = BufferEncoding | 'buffer';

export interface EncodingOption {
  encoding?: Encoding | null;
}

/** Node's getOptions: a string is the encoding; undefined/null gives the defaults. */
export function getOptions<T extends object>(options: unknown, defaults: T): T {
  if (options === undefined || options === null || typeof options === 'function') return defaults;
  if (typeof options === 'string') {
    const merged = { ...defaults, encoding: options };
    assertEncoding(options);
    return merged;
  }
  if (typeof options !== 'object') throw invalidArgType('options', 'one of type string or an instance of Object', options);
  const merged = { ...defaults, ...(options as object) } as T & EncodingOption;
  if (merged.encoding !== undefined && merged.encoding !== null) assertEncoding(merged.encoding);
  return merged;
}

export function assertEncoding(encoding: unknown): void {
  if (encoding === 'buffer') return;
  if (typeof encoding !== 'string' || !Buffer.isEncoding(encoding)) {
    throw invalidArgValue('encoding', encoding, 'is invalid encoding');
  }
}

/** Encodes a name or path for the caller: a string, or a Buffer for 'buffer'. */
export function encodeResult(value: string, encoding: Encoding | null | undefined): string | Buffer {
  if (encoding === undefined || encoding === null || encoding === 'utf8' || encoding === 'utf-8') return value;
  const raw = encodeName(value);
  const bytes = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  return encoding === 'buffer' ? bytes : bytes.toString(encoding);
}

const MODE_MAX = 0o37777777777;

/** A permission mode: a number or an octal string, as Node's parseFileMode. */
export function parseMode(value: unknown, name: string, fallback?: number): number {
  if (value === undefined || value === null) {
    if (fallback !== undefined) return fallback;
  }
  let mode: number;
  if (typeof value === 'string') {
    if (!/^[0-7]+$/.test(value)) throw invalidArgValue(name, value, 'must be a 32-bit unsigned integer or an octal string');
    mode = parseInt(value, 8);
  } else if (typeof value === 'number') {
    mode = value;
  } else {
    throw invalidArgType(name, 'of type number', value);
  }
  if (!Number.isInteger(mode)) throw outOfRange(name, 'an integer', value);
  if (mode < 0 || mode > MODE_MAX) throw outOfRange(name, `>= 0 && <= ${MODE_MAX}`, value);
  return mode;
}

export function validateInteger(value: unknown, name: string, min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number') throw invalidArgType(name, 'of type number', value);
  if (!Number.isInteger(value)) throw outOfRange(name, 'an integer', value);
  if (value < min || value > max) throw outOfRange(name, `>= ${min} && <= ${max}`, value);
  return value;
}

export function validateFd(fd: unknown): number {
  return validateInteger(fd, 'fd', 0, 2147483647);
}

/** uid/gid arguments: -1 means "leave unchanged". */
export function validateId(value: unknown, name: string): number {
  return validateInteger(value, name, -1, 4294967295);
}

export function validateFunction(value: unknown, name: string): void {
  if (typeof value !== 'function') throw invalidArgType(name, 'of type function', value);
}

/** Seconds since the epoch from a Date, number or numeric string (Node's toUnixTimestamp). */
export function toUnixTimestamp(time: unknown, name: string): number {
  if (typeof time === 'string' && +time == (time as unknown as number)) return +time;
  if (typeof time === 'number' && Number.isFinite(time)) return time < 0 ? Date.now() / 1000 : time;
  if (time instanceof Date) return time.getTime() / 1000;
  if (typeof time === 'bigint') return Number(time);
  // Node names the argument "time" whichever it was, with this wording.
  void name;
  throw invalidArgType('time', 'an instance of Date or an Time in seconds', time);
}

/** libuv's conversion of seconds to a timespec: microsecond resolution. */
export function secondsToTimespec(time: number): Timespec {
  let sec = Math.trunc(time);
  let nsec = Math.trunc((time - sec) * 1e9);
  nsec -= nsec % 1000;
  if (nsec < 0) {
    nsec += 1e9;
    sec -= 1;
  }
  return { sec, nsec };
}

/** Bytes of data arguments: strings in an encoding, or any ArrayBufferView. */
export function toBytes(data: unknown, encoding: BufferEncoding | null | undefined, name = 'data'): Uint8Array {
  if (typeof data === 'string') return Buffer.from(data, encoding ?? 'utf8');
  if (data instanceof Uint8Array) return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  throw invalidArgType(name, 'of type string or an instance of Buffer, TypedArray, or DataView', data);
}

/** Node's validateRmdirOptions: an object (when given) with a boolean `recursive` and retry numbers; says whether recursive. */
export function validateRmdirOptions(options: unknown): boolean {
  if (options === undefined) return false;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) throw invalidArgType('options', 'of type object', options);
  const o = { recursive: false, retryDelay: 100, maxRetries: 0, ...(options as object) };
  if (typeof o.recursive !== 'boolean') throw invalidArgType('options.recursive', 'of type boolean', o.recursive);
  validateInteger(o.retryDelay, 'options.retryDelay', 0, 2147483647);
  validateInteger(o.maxRetries, 'options.maxRetries', 0, 4294967295);
  return o.recursive;
}

const warned = new Set<string>();

/** A warning Node gives once per process (keyed by its code, or its text). */
export function warnOnce(message: string, type = 'Warning', code?: string): void {
  const key = code ?? message;
  if (warned.has(key)) return;
  warned.add(key);
  process.emitWarning(message, type, code);
}

/** DEP0147, once per process as Node gives it. */
export function warnRecursiveRmdir(): void {
  warnOnce('In future versions of Node.js, fs.rmdir(path, { recursive: true }) will be removed. Use fs.rm(path, { recursive: true }) instead', 'DeprecationWarning', 'DEP0147');
}
