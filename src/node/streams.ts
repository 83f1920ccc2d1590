/**
 * fs.ReadStream and fs.WriteStream as node:fs has them: constructor functions
 * (callable without `new`, and through `.call(this)` by old-style subclasses),
 * doing their I/O through an fs object's callback calls — `options.fs` when
 * given, a FileHandle's own methods when `fd` is one, else the fs object the
 * stream class belongs to (so a replaced `fs.open` or `fs.fsync` is the one
 * used, as with Node's). The stream machinery supplies backpressure; each
 * read chunk is a buffer of its own (a short read is copied to fit, so a small
 * chunk does not hold a highWaterMark-sized one).
 */
import { Readable, Writable, finished } from 'node:stream';
import { deprecate } from 'node:util';
import { invalidArgType, nodeError, outOfRange } from './errors.js';
import { assertEncoding, validateFunction, validateInteger } from './options.js';
import { toPath } from './paths.js';
import { checkFlush, checkSignal } from './whole.js';
import { FileHandle } from './promises.js';

/** The calls a stream makes: node:fs's callback forms (or a stand-in's). */
export interface StreamFs {
  open?: (path: unknown, flags: unknown, mode: unknown, cb: (err: Error | null, fd: number) => void) => void;
  read?: (fd: number, buffer: Buffer, offset: number, length: number, position: number | undefined, cb: (err: Error | null, bytesRead: number, buffer: Buffer) => void) => void;
  write?: (fd: number, buffer: Buffer, offset: number, length: number, position: number | undefined, cb: (err: Error | null, bytesWritten: number) => void) => void;
  writev?: (fd: number, buffers: Buffer[], position: number | undefined, cb: (err: Error | null, bytesWritten: number) => void) => void;
  close?: (fd: number, cb: (err?: Error | null) => void) => void;
  fsync?: (fd: number, cb: (err?: Error | null) => void) => void;
}

export interface ReadStreamOptions {
  flags?: string | number;
  encoding?: BufferEncoding | null;
  fd?: number | FileHandle | null;
  mode?: number;
  autoClose?: boolean;
  emitClose?: boolean;
  start?: number;
  end?: number;
  highWaterMark?: number;
  signal?: AbortSignal;
  fs?: StreamFs | null;
}

export interface WriteStreamOptions {
  flags?: string | number;
  encoding?: BufferEncoding | null;
  fd?: number | FileHandle | null;
  mode?: number;
  autoClose?: boolean;
  emitClose?: boolean;
  start?: number;
  highWaterMark?: number;
  signal?: AbortSignal;
  flush?: boolean;
  fs?: StreamFs | null;
}

/** What the two stream kinds share, as instance fields. */
interface FileStream {
  fd: number | null;
  path: string | Buffer | undefined;
  flags: string | number;
  mode: number;
  flush?: boolean;
  [kFs]: StreamFs;
  [kBusy]: boolean;
  open(): void;
}

/** A FileStream as the shared functions see it. */
type AnyFileStream = FileStream & (Readable | Writable);

export interface ReadStream extends Readable, FileStream {
  start: number | undefined;
  end: number;
  pos: number | undefined;
  bytesRead: number;
  readonly pending: boolean;
  autoClose: boolean;
  close(callback?: (err?: Error | null) => void): void;
}

export interface WriteStream extends Writable, FileStream {
  start: number | undefined;
  pos: number | undefined;
  bytesWritten: number;
  readonly pending: boolean;
  autoClose: boolean;
  close(callback?: (err?: Error | null) => void): void;
  destroySoon(): void;
}

type StreamConstructor<T, O> = { new (path: unknown, options?: O | BufferEncoding | null): T; (path: unknown, options?: O | BufferEncoding | null): T; prototype: T };

/** The stream's I/O calls. */
const kFs = Symbol('fs');
/** A read or write is in flight: closing waits for it (kIoDone). */
const kBusy = Symbol('busy');
const kIoDone = Symbol('ioDone');
/** On a class's prototype: the fs object whose calls its streams use by default. */
const kDefaultFs = Symbol('defaultFs');

/** A FileHandle as a stream's calls (Node's FileHandleOperations). */
function handleCalls(handle: FileHandle): StreamFs {
  return {
    open: () => {
      throw nodeError('Error', 'ERR_METHOD_NOT_IMPLEMENTED', 'The open() method is not implemented');
    },
    close: (_fd, cb) => void handle.close().then(() => cb(), cb),
    read: (_fd, buffer, offset, length, position, cb) =>
      void handle.read(buffer, offset, length, position).then((r) => cb(null, r.bytesRead, buffer), (e: Error) => cb(e, 0, buffer)),
    write: (_fd, buffer, offset, length, position, cb) =>
      void handle.write(buffer, offset, length, position).then((r) => cb(null, r.bytesWritten), (e: Error) => cb(e, 0)),
    writev: (_fd, buffers, position, cb) => void handle.writev(buffers, position).then((r) => cb(null, r.bytesWritten), (e: Error) => cb(e, 0)),
    fsync: (_fd, cb) => void handle.sync().then(() => cb(), cb),
  };
}

/** Sets the stream's file from the options: a path to open, a descriptor, or a FileHandle (whose close closes the stream). */
function importFile(stream: AnyFileStream & { close(): void }, path: unknown, options: ReadStreamOptions | WriteStreamOptions, defaultFlags: string): void {
  const own = (stream as unknown as Record<symbol, StreamFs>)[kDefaultFs];
  const fd = options.fd;
  stream[kFs] = options.fs || own;
  if (fd === undefined || fd === null) {
    stream.fd = null;
    validateFunction(stream[kFs].open, 'options.fs.open');
    stream.path = Buffer.isBuffer(path) ? path : path instanceof URL ? toPath(path) : (toPath(path), path as string);
    stream.flags = options.flags === undefined ? defaultFlags : options.flags;
    stream.mode = options.mode === undefined ? 0o666 : options.mode;
  } else if (typeof fd === 'number') {
    stream.fd = validateInteger(fd, 'fd', 0, 2147483647);
  } else if (fd instanceof FileHandle) {
    if (options.fs) throw nodeError('Error', 'ERR_METHOD_NOT_IMPLEMENTED', 'The FileHandle with fs method is not implemented');
    stream[kFs] = handleCalls(fd);
    fd.on('close', () => stream.close());
    stream.fd = fd.fd;
  } else {
    throw invalidArgType('options.fd', 'of type number or an instance of FileHandle', fd);
  }
}

function checkStart(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined;
  return validateInteger(value, name, 0);
}

/** The deprecated no-op open(); a stream class whose open() was replaced is opened through it (old subclasses). */
const openRead = deprecate(function () {}, 'ReadStream.prototype.open() is deprecated', 'DEP0135');
const openWrite = deprecate(function () {}, 'WriteStream.prototype.open() is deprecated', 'DEP0135');

/** _construct of both kinds: open the file unless given one, then announce 'open' and 'ready'. */
function construct(this: AnyFileStream, callback: (err?: Error | null) => void): void {
  if (typeof this.fd === 'number') {
    callback();
    return;
  }
  if (this.open !== openRead && this.open !== openWrite) {
    // A replaced open() reports through 'open' or 'error'; the stream waits for whichever comes.
    const emit = this.emit;
    this.emit = function (this: AnyFileStream, event: string | symbol, ...args: unknown[]): boolean {
      if (event === 'open') {
        this.emit = emit;
        callback();
        return emit.call(this, event, ...args);
      }
      if (event === 'error') {
        this.emit = emit;
        callback(args[0] as Error);
        return true;
      }
      return emit.call(this, event, ...args);
    };
    this.open();
    return;
  }
  this[kFs].open!(this.path, this.flags, this.mode, (err, fd) => {
    if (err) {
      callback(err);
      return;
    }
    this.fd = fd;
    callback();
    this.emit('open', fd);
    this.emit('ready');
  });
}

/** _destroy of both kinds: wait for I/O in flight, fsync if asked (flush), then close what it owns. */
function destroy(this: AnyFileStream, err: Error | null, callback: (err?: Error | null) => void): void {
  if (this[kBusy]) this.once(kIoDone, (ioErr: Error | null) => closeFile(this, err || ioErr, callback));
  else closeFile(this, err, callback);
}

function closeFile(stream: AnyFileStream, err: Error | null, callback: (err?: Error | null) => void): void {
  if (!stream.fd) {
    callback(err);
    return;
  }
  const close = (flushErr?: Error | null): void => {
    stream[kFs].close!(stream.fd!, (closeErr) => callback(closeErr || err || flushErr));
    stream.fd = null;
  };
  if (stream.flush) stream[kFs].fsync!(stream.fd, (flushErr) => close(flushErr));
  else close();
}

/**
 * Makes `Ctor` a subclass of the stream kind `Base`, with Node's accessors:
 * `autoClose` (the stream state's autoDestroy) and `pending` (not yet open).
 */
function derive(Ctor: { prototype: object }, Base: { prototype: object }, state: '_readableState' | '_writableState'): void {
  Object.setPrototypeOf(Ctor.prototype, Base.prototype);
  Object.setPrototypeOf(Ctor, Base);
  type WithState = Record<typeof state, { autoDestroy: boolean }>;
  Object.defineProperties(Ctor.prototype, {
    autoClose: {
      get(this: WithState) {
        return this[state].autoDestroy;
      },
      set(this: WithState, value: boolean) {
        this[state].autoDestroy = value;
      },
      configurable: true,
    },
    pending: {
      get(this: FileStream) {
        return this.fd === null;
      },
      configurable: true,
    },
  });
}

export const ReadStream = function ReadStream(this: ReadStream, path: unknown, options?: ReadStreamOptions | BufferEncoding | null): ReadStream | void {
  if (!(this instanceof ReadStream)) return new (ReadStream as unknown as StreamConstructor<ReadStream, ReadStreamOptions>)(path, options);
  const opts: ReadStreamOptions & { autoDestroy?: boolean } = optionsObject(options);
  if (opts.highWaterMark === undefined) opts.highWaterMark = 64 * 1024;
  checkSignal(opts.signal);
  importFile(this, path, opts, 'r');
  opts.autoDestroy = opts.autoClose === undefined ? true : opts.autoClose;
  validateFunction(this[kFs].read, 'options.fs.read');
  if (opts.autoDestroy) validateFunction(this[kFs].close, 'options.fs.close');
  this.start = checkStart(opts.start, 'start');
  this.end = opts.end === undefined || opts.end === Infinity ? Infinity : validateInteger(opts.end, 'end', 0);
  if (this.start !== undefined && this.start > this.end) throw outOfRange('start', `<= "end" (here: ${this.end})`, this.start);
  this.pos = this.start;
  this.bytesRead = 0;
  this[kBusy] = false;
  (Readable as unknown as (this: Readable, o: object) => void).call(this, opts);
} as unknown as StreamConstructor<ReadStream, ReadStreamOptions>;

derive(ReadStream, Readable, '_readableState');

Object.assign(ReadStream.prototype, {
  open: openRead,
  _construct: construct,
  _destroy: destroy,
  _read(this: ReadStream, size: number): void {
    const n = Math.min(this.end - (this.pos ?? this.bytesRead) + 1, size);
    if (n <= 0) {
      this.push(null);
      return;
    }
    const buffer = Buffer.allocUnsafeSlow(n);
    this[kBusy] = true;
    this[kFs].read!(this.fd!, buffer, 0, n, this.pos, (err, got) => {
      this[kBusy] = false;
      if (this.destroyed) {
        // _destroy is waiting for this read to finish before it closes.
        this.emit(kIoDone, err);
        return;
      }
      if (err) {
        // Without autoClose an error is reported and the stream (and its descriptor) kept, as Node's errorOrDestroy.
        if (this.autoClose) this.destroy(err);
        else this.emit('error', err);
      } else if (got > 0) {
        if (this.pos !== undefined) this.pos += got;
        this.bytesRead += got;
        // A short read gets a buffer of its own size, not a view holding the whole allocation.
        let chunk = buffer;
        if (got !== n) {
          chunk = Buffer.allocUnsafeSlow(got);
          buffer.copy(chunk, 0, 0, got);
        }
        this.push(chunk);
      } else {
        this.push(null);
      }
    });
  },
  close(this: ReadStream, callback?: (err?: Error | null) => void): void {
    if (typeof callback === 'function') finished(this, callback);
    this.destroy();
  },
});

export const WriteStream = function WriteStream(this: WriteStream, path: unknown, options?: WriteStreamOptions | BufferEncoding | null): WriteStream | void {
  if (!(this instanceof WriteStream)) return new (WriteStream as unknown as StreamConstructor<WriteStream, WriteStreamOptions>)(path, options);
  const opts: WriteStreamOptions & { autoDestroy?: boolean; decodeStrings?: boolean } = optionsObject(options);
  // Only buffers reach _write.
  opts.decodeStrings = true;
  checkSignal(opts.signal);
  importFile(this, path, opts, 'w');
  opts.autoDestroy = opts.autoClose === undefined ? true : opts.autoClose;
  const calls = this[kFs];
  if (!calls.write && !calls.writev) throw invalidArgType('options.fs.write', 'of type function', calls.write);
  if (calls.write) validateFunction(calls.write, 'options.fs.write');
  if (calls.writev) validateFunction(calls.writev, 'options.fs.writev');
  if (opts.autoDestroy) validateFunction(calls.close, 'options.fs.close');
  // Either call is enough: the stream machinery uses what is there.
  const self = this as unknown as { _write: unknown; _writev: unknown };
  if (!calls.write) self._write = null;
  if (!calls.writev) self._writev = null;
  this.start = checkStart(opts.start, 'start');
  this.pos = this.start;
  this.bytesWritten = 0;
  this.flush = checkFlush(opts.flush);
  this[kBusy] = false;
  (Writable as unknown as (this: Writable, o: object) => void).call(this, opts);
  if (opts.encoding) this.setDefaultEncoding(opts.encoding);
} as unknown as StreamConstructor<WriteStream, WriteStreamOptions>;

derive(WriteStream, Writable, '_writableState');

/** After a write or writev: count, wake a waiting _destroy, or report. */
function written(stream: WriteStream, err: Error | null, bytes: number, callback: (err?: Error | null) => void): void {
  stream[kBusy] = false;
  if (stream.destroyed) {
    callback(err);
    stream.emit(kIoDone, err);
    return;
  }
  if (err) {
    callback(err);
    return;
  }
  stream.bytesWritten += bytes;
  callback();
}

Object.assign(WriteStream.prototype, {
  open: openWrite,
  _construct: construct,
  _destroy: destroy,
  _write(this: WriteStream, chunk: Buffer, _encoding: BufferEncoding, callback: (err?: Error | null) => void): void {
    this[kBusy] = true;
    this[kFs].write!(this.fd!, chunk, 0, chunk.length, this.pos, (err, bytes) => written(this, err, bytes, callback));
    if (this.pos !== undefined) this.pos += chunk.length;
  },
  _writev(this: WriteStream, chunks: { chunk: Buffer }[], callback: (err?: Error | null) => void): void {
    const buffers = chunks.map((c) => c.chunk);
    const size = buffers.reduce((sum, b) => sum + b.length, 0);
    this[kBusy] = true;
    this[kFs].writev!(this.fd!, buffers, this.pos, (err, bytes) => written(this, err, bytes, callback));
    if (this.pos !== undefined) this.pos += size;
  },
  close(this: WriteStream, callback?: (err?: Error | null) => void): void {
    if (callback) {
      if (this.closed) {
        process.nextTick(callback);
        return;
      }
      this.on('close', callback);
    }
    // Without autoClose, end() alone would leave the stream open.
    if (!this.autoClose) this.on('finish', this.destroy);
    this.end();
  },
  destroySoon: Writable.prototype.end,
});

/** Node's getOptions for streams: a string is the encoding, null/undefined give none. */
function optionsObject<T extends object>(options: T | string | null | undefined): T {
  if (options === undefined || options === null) return {} as T;
  if (typeof options === 'string') {
    assertEncoding(options);
    return { encoding: options } as T;
  }
  if (typeof options !== 'object') throw invalidArgType('options', 'one of type string or an instance of Object', options);
  // A copy that includes inherited options, as Node's copyObject.
  const copy = {} as Record<string, unknown>;
  for (const key in options) copy[key] = (options as Record<string, unknown>)[key];
  if (copy.encoding !== undefined && copy.encoding !== null) assertEncoding(copy.encoding);
  return copy as T;
}

/**
 * The stream classes of one fs object: subclasses whose streams use that
 * object's calls by default (patchable per object: `fs.ReadStream.prototype.open`).
 */
export function streamClassesOf(fs: StreamFs): { ReadStream: typeof ReadStream; WriteStream: typeof WriteStream } {
  const make = <T extends object>(Base: StreamConstructor<T, object>, name: string): StreamConstructor<T, object> => {
    const Sub = {
      [name]: function (this: T, path: unknown, options?: object): T | void {
        if (!(this instanceof Sub)) return new Sub(path, options);
        (Base as unknown as (this: T, p: unknown, o?: object) => void).call(this, path, options);
      },
    }[name] as unknown as StreamConstructor<T, object>;
    Sub.prototype = Object.create(Base.prototype, { constructor: { value: Sub, writable: true, configurable: true } });
    Object.defineProperty(Sub.prototype, kDefaultFs, { value: fs });
    Object.setPrototypeOf(Sub, Base);
    return Sub;
  };
  return { ReadStream: make(ReadStream, 'ReadStream') as typeof ReadStream, WriteStream: make(WriteStream, 'WriteStream') as typeof WriteStream };
}

/** The default for streams made from the bare classes: none (they need options.fs or a FileHandle). */
Object.defineProperty(ReadStream.prototype, kDefaultFs, { value: {} });
Object.defineProperty(WriteStream.prototype, kDefaultFs, { value: {} });

