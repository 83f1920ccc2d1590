/**
 * Errors shaped exactly as node:fs builds them on Linux: a plain Error whose
 * message is `CODE: description, syscall 'path' -> 'dest'`, with a negative
 * `errno`, `code`, `syscall`, and `path`/`dest` when given. Descriptions come
 * from libuv's own table (util.getSystemErrorMap) so they match byte for byte.
 */
import { getSystemErrorMap, inspect } from 'node:util';
import { errnoDescription, errnoName, isFsError } from '../core/errno.js';

const uvErrors: Map<number, [string, string]> = getSystemErrorMap();

/** The fields every node:fs system error carries. */
export interface NodeSystemError extends Error {
  errno: number;
  code: string;
  syscall: string;
  path?: string;
  dest?: string;
}

/** A Node-shaped error for Linux errno `errno` (positive) from `syscall`. */
export function uvError(errno: number, syscall: string, path?: string, dest?: string): NodeSystemError {
  const known = uvErrors.get(-errno);
  const code = known ? known[0] : errnoName(errno);
  const description = known ? known[1] : errnoDescription(errno);
  let message = `${code}: ${description}, ${syscall}`;
  if (path !== undefined) message += ` '${path}'`;
  if (dest !== undefined) message += ` -> '${dest}'`;
  const err = new Error(message) as NodeSystemError;
  err.errno = -errno;
  err.code = code;
  err.syscall = syscall;
  if (path !== undefined) err.path = path;
  if (dest !== undefined) err.dest = dest;
  return err;
}

/** Converts a core FsError into the Node shape; anything else passes through. */
export function toNodeError(e: unknown, syscall: string, path?: string, dest?: string): unknown {
  if (isFsError(e)) return uvError(e.errno, syscall, path, dest);
  return e;
}

/** Node's internal errors (ERR_*) are TypeError/RangeError/Error with a `code`. */
export function nodeError(kind: 'TypeError' | 'RangeError' | 'Error', code: string, message: string): Error & { code: string } {
  const Ctor = kind === 'TypeError' ? TypeError : kind === 'RangeError' ? RangeError : Error;
  const err = new Ctor(message) as Error & { code: string };
  err.code = code;
  // Node shows the code in the name's place in stack traces: `TypeError [ERR_X]: ...`.
  Object.defineProperty(err, 'name', { value: `${kind} [${code}]`, configurable: true, writable: true, enumerable: false });
  err.stack; // materialise the stack with the decorated name, then restore it, as Node does
  Object.defineProperty(err, 'name', { value: kind, configurable: true, writable: true, enumerable: false });
  // Node's own errors print their code: `TypeError [ERR_X]: ...`.
  Object.defineProperty(err, 'toString', { value: () => `${err.name} [${code}]: ${err.message}`, configurable: true, writable: true, enumerable: false });
  return err;
}

/** Node's description of a wrong value (determineSpecificType, as Node 20 words it). */
function describeReceived(value: unknown): string {
  if (value === null || value === undefined) return ` Received ${value}`;
  if (typeof value === 'function') return ` Received function ${value.name}`;
  if (typeof value === 'object') {
    const name = (value as { constructor?: { name?: string } }).constructor?.name;
    return name ? ` Received an instance of ${name}` : ` Received ${inspect(value, { depth: -1 })}`;
  }
  let shown = inspect(value, { colors: false });
  if (shown.length > 28) shown = `${shown.slice(0, 25)}...`;
  return ` Received type ${typeof value} (${shown})`;
}

export function invalidArgType(name: string, expected: string, value: unknown): Error {
  const kind = name.includes('.') ? 'property' : 'argument';
  return nodeError('TypeError', 'ERR_INVALID_ARG_TYPE', `The "${name}" ${kind} must be ${expected}.${describeReceived(value)}`);
}

export function invalidArgValue(name: string, value: unknown, reason = 'is invalid'): Error {
  let shown = inspect(value);
  if (shown.length > 128) shown = `${shown.slice(0, 128)}...`;
  const kind = name.includes('.') ? 'property' : 'argument';
  return nodeError('TypeError', 'ERR_INVALID_ARG_VALUE', `The ${kind} '${name}' ${reason}. Received ${shown}`);
}

export function outOfRange(name: string, range: string, value: unknown): Error {
  return nodeError('RangeError', 'ERR_OUT_OF_RANGE', `The value of "${name}" is out of range. It must be ${range}. Received ${describeNumber(value)}`);
}

/** Node's way of showing a number out of range: big ones with _ separators, bigints with their n. */
function describeNumber(value: unknown): string {
  const grouped = (digits: string): string => digits.replace(/\B(?=(\d{3})+(?!\d))/g, '_');
  if (typeof value === 'number' && Number.isInteger(value) && Math.abs(value) > 2 ** 32) return grouped(String(value));
  if (typeof value === 'bigint') return (value > 2n ** 32n || value < -(2n ** 32n) ? grouped(String(value)) : String(value)) + 'n';
  return typeof value === 'number' || typeof value === 'string' ? inspect(value) : String(value);
}

/** Node's AbortError: what a cancelled operation fails with (code ABORT_ERR, the signal's reason as cause). */
export class AbortError extends Error {
  code = 'ABORT_ERR';
  constructor(message = 'The operation was aborted', options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AbortError';
  }
}

/** ERR_FS_FILE_TOO_LARGE: readFile of a file over 2 GiB, which one Buffer cannot hold in Node. */
export function fileTooLarge(size: number): Error {
  return nodeError('RangeError', 'ERR_FS_FILE_TOO_LARGE', `File size (${size}) is greater than 2 GiB`);
}

/** What memefs does not do: a clear ENOSYS naming the call, never a silent wrong result. */
export function notSupported(call: string, what?: string): NodeSystemError {
  const err = uvError(38, call);
  if (what) err.message += ` (memefs: ${what} is not supported)`;
  else err.message += ' (memefs: not supported)';
  return err;
}

/** The details Node's SystemError carries in `info`. */
export interface SystemErrorInfo {
  code: string;
  message: string;
  path: string;
  syscall: string;
  errno: number;
}

/**
 * Node's SystemError (ERR_FS_EISDIR and friends, used by rm and cp):
 * `Path is a directory: rm returned EISDIR (is a directory) p`.
 */
export class SystemError extends Error {
  code: string;
  info: SystemErrorInfo;
  errno: number;
  syscall: string;
  path: string;
  constructor(code: string, prefix: string, info: SystemErrorInfo) {
    super(`${prefix}: ${info.syscall} returned ${info.code} (${info.message}) ${info.path}`);
    this.code = code;
    this.info = info;
    this.errno = info.errno;
    this.syscall = info.syscall;
    this.path = info.path;
  }
  override get name(): string {
    return 'SystemError';
  }
}

/** fs.cp's errors come from Node's generated subclass, whose constructor is named NodeError. */
export class NodeError extends SystemError {}

export function systemError(code: string, prefix: string, info: SystemErrorInfo): SystemError {
  return new SystemError(code, prefix, info);
}

export function cpError(code: string, prefix: string, info: SystemErrorInfo): SystemError {
  return new NodeError(code, prefix, info);
}
