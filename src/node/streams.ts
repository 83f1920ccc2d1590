/**
 * fs.ReadStream and fs.WriteStream over the descriptor table. The I/O under
 * them is synchronous and in memory, so each _read/_write completes at once;
 * the stream machinery supplies the asynchrony and backpressure.
 */
import { Readable, Writable } from 'node:stream';
import type { SyncFs } from './sync.js';
import { invalidArgType, outOfRange } from './errors.js';
import { parseFlags } from './fds.js';
import { parseMode } from './options.js';
import { toPath } from './paths.js';

/** Something with an fd and a close() that can stand in for a descriptor (a FileHandle). */
export interface HandleLike {
  readonly fd: number;
  close(): Promise<void>;
}

export interface ReadStreamOptions {
  flags?: string | number;
  encoding?: BufferEncoding | null;
  fd?: number | HandleLike | null;
  mode?: number;
  autoClose?: boolean;
  emitClose?: boolean;
  start?: number;
  end?: number;
  highWaterMark?: number;
  signal?: AbortSignal;
}

export interface WriteStreamOptions {
  flags?: string | number;
  encoding?: BufferEncoding | null;
  fd?: number | HandleLike | null;
  mode?: number;
  autoClose?: boolean;
  emitClose?: boolean;
  start?: number;
  highWaterMark?: number;
  signal?: AbortSignal;
  flush?: boolean;
}

function descriptorOf(fd: number | HandleLike | null | undefined): { fd: number | null; handle: HandleLike | null } {
  if (fd === undefined || fd === null) return { fd: null, handle: null };
  if (typeof fd === 'number') return { fd, handle: null };
  return { fd: fd.fd, handle: fd };
}

function checkStart(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number') throw invalidArgType(name, 'of type number', value);
  if (!Number.isInteger(value) || value < 0) throw outOfRange(name, '>= 0 && <= 9007199254740991', value);
  return value;
}

/** What both stream kinds share for opening: their file and how to announce it. */
interface StreamFile {
  fd: number | null;
  readonly path: string | Buffer | undefined;
  flags: string | number;
  mode: number;
  emit(event: string, ...args: unknown[]): boolean;
}

/** Opens the stream's file unless it was given a descriptor, then emits 'open' and 'ready' as Node's streams do. */
function openStream(stream: StreamFile, core: SyncFs, callback: (error?: Error | null) => void): void {
  if (stream.fd !== null) {
    callback();
    return;
  }
  try {
    stream.fd = core.openSync(stream.path, parseFlags(stream.flags), stream.mode);
  } catch (e) {
    callback(e as Error);
    return;
  }
  stream.emit('open', stream.fd);
  stream.emit('ready');
  callback();
}

/** Closes what a destroyed stream owns (its FileHandle, or its descriptor), then calls back with the first error. */
function closeStream(fd: number | null, handle: HandleLike | null, core: SyncFs, error: Error | null, callback: (error?: Error | null) => void): void {
  if (fd === null) {
    callback(error);
  } else if (handle) {
    handle.close().then(() => callback(error), (e: Error) => callback(error ?? e));
  } else {
    try {
      core.closeSync(fd);
    } catch (e) {
      callback(error ?? (e as Error));
      return;
    }
    callback(error);
  }
}

export class ReadStream extends Readable {
  fd: number | null;
  readonly path: string | Buffer | undefined;
  flags: string | number;
  mode: number;
  start: number | undefined;
  end: number;
  pos: number | undefined;
  bytesRead = 0;
  private readonly autoClose: boolean;
  private readonly handle: HandleLike | null;

  constructor(private readonly core: SyncFs, path: unknown, options: ReadStreamOptions = {}) {
    // Validate before super(): once constructed, the stream opens itself on the next tick.
    const d = descriptorOf(options.fd);
    const checkedPath = d.fd === null ? (path instanceof Buffer ? path : toPath(path)) : undefined;
    const mode = parseMode(options.mode, 'mode', 0o666);
    const start = checkStart(options.start, 'start');
    const end = options.end === undefined || options.end === Infinity ? Infinity : checkStart(options.end, 'end')!;
    if (start !== undefined && start > end) throw outOfRange('start', `<= "end" (here: ${end})`, start);
    super({ highWaterMark: options.highWaterMark ?? 64 * 1024, encoding: options.encoding ?? undefined, emitClose: options.emitClose ?? true, autoDestroy: true, signal: options.signal });
    this.fd = d.fd;
    this.handle = d.handle;
    this.path = checkedPath;
    this.flags = options.flags ?? 'r';
    this.mode = mode;
    this.start = start;
    this.end = end;
    this.pos = this.start;
    this.autoClose = options.autoClose ?? true;
  }

  get pending(): boolean {
    return this.fd === null;
  }

  override _construct(callback: (error?: Error | null) => void): void {
    openStream(this, this.core, callback);
  }

  override _read(size: number): void {
    let n = size;
    if (this.end !== Infinity) {
      const from = this.pos ?? this.bytesRead;
      n = Math.min(size, this.end - from + 1);
    }
    if (n <= 0) {
      this.push(null);
      return;
    }
    const buf = Buffer.allocUnsafe(n);
    let got: number;
    try {
      got = this.core.readInto(this.fd!, buf, 0, n, this.pos ?? -1);
    } catch (e) {
      this.destroy(e as Error);
      return;
    }
    if (this.pos !== undefined) this.pos += got;
    this.bytesRead += got;
    this.push(got > 0 ? (got < n ? buf.subarray(0, got) : buf) : null);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const fd = this.autoClose ? this.fd : null;
    if (fd !== null) this.fd = null;
    closeStream(fd, this.handle, this.core, error, callback);
  }

  close(callback?: (err?: Error | null) => void): void {
    if (callback) this.once('close', () => callback(null));
    this.destroy();
  }
}

export class WriteStream extends Writable {
  fd: number | null;
  readonly path: string | Buffer | undefined;
  flags: string | number;
  mode: number;
  start: number | undefined;
  pos: number | undefined;
  bytesWritten = 0;
  private readonly autoClose: boolean;
  private readonly handle: HandleLike | null;

  constructor(private readonly core: SyncFs, path: unknown, options: WriteStreamOptions = {}) {
    // Validate before super(): once constructed, the stream opens itself on the next tick.
    const d = descriptorOf(options.fd);
    const checkedPath = d.fd === null ? (path instanceof Buffer ? path : toPath(path)) : undefined;
    const mode = parseMode(options.mode, 'mode', 0o666);
    const start = checkStart(options.start, 'start');
    super({ highWaterMark: options.highWaterMark, decodeStrings: true, defaultEncoding: options.encoding ?? 'utf8', emitClose: options.emitClose ?? true, autoDestroy: true, signal: options.signal });
    this.fd = d.fd;
    this.handle = d.handle;
    this.path = checkedPath;
    this.flags = options.flags ?? 'w';
    this.mode = mode;
    this.start = start;
    this.pos = this.start;
    this.autoClose = options.autoClose ?? true;
  }

  get pending(): boolean {
    return this.fd === null;
  }

  override _construct(callback: (error?: Error | null) => void): void {
    openStream(this, this.core, callback);
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    try {
      let off = 0;
      while (off < chunk.length) {
        const wrote = this.core.writeFrom(this.fd!, chunk, off, chunk.length - off, this.pos ?? -1);
        off += wrote;
        if (this.pos !== undefined) this.pos += wrote;
      }
      this.bytesWritten += chunk.length;
    } catch (e) {
      callback(e as Error);
      return;
    }
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const fd = this.autoClose ? this.fd : null;
    if (fd !== null) this.fd = null;
    closeStream(fd, this.handle, this.core, error, callback);
  }

  close(callback?: (err?: Error | null) => void): void {
    if (callback) {
      if (this.closed) {
        process.nextTick(callback, null);
        return;
      }
      this.once('close', () => callback(null));
    }
    if (!this.writableEnded) this.end();
    else this.destroy();
  }

  /** Node's alias: end the stream once queued writes finish. */
  destroySoon(): void {
    this.end();
  }
}
