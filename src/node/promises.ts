/**
 * fs.promises: every call runs the synchronous base inside an async function,
 * so argument errors reject as Node's do. FileHandle wraps a descriptor.
 */
import { EventEmitter } from 'node:events';
import { Errno } from '../core/errno.js';
import { invalidArgType, nodeError, notSupported, uvError } from './errors.js';
import { toBytes, warnOnce } from './options.js';
import { planRead, planWrite, readSteps, writeSteps } from './whole.js';
import { ReadStream, WriteStream, type ReadStreamOptions, type WriteStreamOptions } from './streams.js';
import { toPosition, type ReadFileOptions, type SyncFs, type WriteFileOptions } from './sync.js';
import type { Stats, BigIntStats } from './stats.js';
import type { WatchOptions } from './watch.js';
import { constants } from './constants.js';

/** The descriptor of an open FileHandle; a method called on something else fails as Node's (fsCall). */
function fdOf(handle: FileHandle, syscall: string): number {
  if (!(handle instanceof FileHandle)) throw nodeError('Error', 'ERR_INTERNAL_ASSERTION', 'handle must be an instance of FileHandle');
  if (handle.fd < 0) throw uvError(Errno.EBADF, syscall);
  return handle.fd;
}

/** What a FileHandle left to the garbage collector still holds: its descriptor is closed then, with Node's warnings. */
interface Unclosed {
  core: SyncFs;
  fd: number;
}

const unclosed = new FinalizationRegistry<Unclosed>(({ core, fd }) => {
  try {
    core.closeSync(fd);
  } catch {
    // Already closed through the descriptor itself: nothing left to do.
  }
  process.emitWarning(`Closing file descriptor ${fd} on garbage collection`);
  warnOnce(
    'Closing a FileHandle object on garbage collection is deprecated. Please close FileHandle objects explicitly using FileHandle.prototype.close(). In the future, an error will be thrown if a file descriptor is closed during garbage collection.',
    'DeprecationWarning',
    'DEP0137',
  );
});

export class FileHandle extends EventEmitter {
  private descriptor: number;
  private closing: Promise<void> | null = null;

  constructor(private readonly core: SyncFs, fd: number) {
    super();
    this.descriptor = fd;
    unclosed.register(this, { core, fd }, this);
  }

  /** -1 once closed, as Node's. */
  get fd(): number {
    return this.descriptor;
  }


  async close(): Promise<void> {
    if (this.closing) return this.closing;
    if (this.descriptor < 0) return;
    const fd = this.descriptor;
    unclosed.unregister(this);
    this.closing = (async () => {
      this.descriptor = -1;
      this.core.closeSync(fd);
      this.emit('close');
    })();
    return this.closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async stat(options?: { bigint?: boolean }): Promise<Stats | BigIntStats> {
    const fd = fdOf(this, 'fstat');
    return this.core.fstatSync(fd, options);
  }

  async read(bufferOrOptions?: unknown, offset?: unknown, length?: unknown, position?: unknown): Promise<{ bytesRead: number; buffer: ArrayBufferView }> {
    const fd = fdOf(this, 'read');
    let buffer: unknown = bufferOrOptions;
    if (bufferOrOptions === undefined || bufferOrOptions === null || (typeof bufferOrOptions === 'object' && !ArrayBuffer.isView(bufferOrOptions))) {
      const o = (bufferOrOptions ?? {}) as { buffer?: ArrayBufferView; offset?: number; length?: number; position?: number | bigint | null };
      buffer = o.buffer ?? Buffer.alloc(16384);
      offset = o.offset ?? 0;
      length = o.length ?? (buffer as ArrayBufferView).byteLength - (offset as number);
      position = o.position ?? null;
    } else if (offset !== null && typeof offset === 'object') {
      const o = offset as { offset?: number; length?: number; position?: number | bigint | null };
      offset = o.offset;
      length = o.length;
      position = o.position;
    }
    if (!ArrayBuffer.isView(buffer)) throw invalidArgType('buffer', 'an instance of Buffer, TypedArray, or DataView', buffer);
    const bytesRead = this.core.readSync(fd, buffer, offset ?? 0, length ?? buffer.byteLength - ((offset as number) ?? 0), position ?? null);
    return { bytesRead, buffer };
  }

  async readv(buffers: ArrayBufferView[], position?: number | null): Promise<{ bytesRead: number; buffers: ArrayBufferView[] }> {
    const fd = fdOf(this, 'read');
    return { bytesRead: this.core.readvSync(fd, buffers, position), buffers };
  }

  async write(data: unknown, offsetOrPosition?: unknown, lengthOrEncoding?: unknown, position?: unknown): Promise<{ bytesWritten: number; buffer: unknown }> {
    const fd = fdOf(this, 'write');
    if (typeof data === 'string') {
      return { bytesWritten: this.core.writeSync(fd, data, offsetOrPosition, lengthOrEncoding), buffer: data };
    }
    if (offsetOrPosition !== null && typeof offsetOrPosition === 'object') {
      const o = offsetOrPosition as { offset?: number; length?: number; position?: number | null };
      return { bytesWritten: this.core.writeSync(fd, data, o.offset, o.length, o.position), buffer: data };
    }
    return { bytesWritten: this.core.writeSync(fd, data, offsetOrPosition, lengthOrEncoding, position), buffer: data };
  }

  async writev(buffers: ArrayBufferView[], position?: number | null): Promise<{ bytesWritten: number; buffers: ArrayBufferView[] }> {
    const fd = fdOf(this, 'write');
    return { bytesWritten: this.core.writevSync(fd, buffers, position), buffers };
  }

  async readFile(options?: ReadFileOptions | BufferEncoding | null): Promise<string | Buffer> {
    const fd = fdOf(this, 'read');
    return readSteps(this.core, planRead(fd, options));
  }

  /** Writes at the handle's position (Node's filehandle.writeFile; appendFile is the same call). */
  async writeFile(data: unknown, options?: WriteFileOptions | BufferEncoding | null): Promise<void> {
    const fd = fdOf(this, 'write');
    return writeSteps(this.core, planWrite(fd, await collect(data, options), options, false), async (n) => this.core.fsyncSync(n));
  }

  async appendFile(data: unknown, options?: WriteFileOptions | BufferEncoding | null): Promise<void> {
    return this.writeFile(data, options);
  }

  async truncate(len = 0): Promise<void> {
    const fd = fdOf(this, 'ftruncate');
    this.core.ftruncateSync(fd, len);
  }

  async chmod(mode: number | string): Promise<void> {
    const fd = fdOf(this, 'fchmod');
    this.core.fchmodSync(fd, mode);
  }

  async chown(uid: number, gid: number): Promise<void> {
    const fd = fdOf(this, 'fchown');
    this.core.fchownSync(fd, uid, gid);
  }

  async utimes(atime: number | string | Date, mtime: number | string | Date): Promise<void> {
    const fd = fdOf(this, 'futime');
    this.core.futimesSync(fd, atime, mtime);
  }

  async sync(): Promise<void> {
    const fd = fdOf(this, 'fsync');
    this.core.fsyncSync(fd);
  }

  async datasync(): Promise<void> {
    const fd = fdOf(this, 'fdatasync');
    this.core.fdatasyncSync(fd);
  }

  createReadStream(options?: Omit<ReadStreamOptions, 'fd'>): ReadStream {
    return new ReadStream(undefined, { ...options, fd: this });
  }

  createWriteStream(options?: Omit<WriteStreamOptions, 'fd'>): WriteStream {
    return new WriteStream(undefined, { ...options, fd: this });
  }

  readLines(options?: Omit<ReadStreamOptions, 'fd'>): AsyncIterable<string> & { close(): void } {
    // node:readline over our own read stream; imported lazily to keep startup lean.
    const stream = this.createReadStream(options);
    const lines = (async function* () {
      const { createInterface } = await import('node:readline');
      const rl = createInterface({ input: stream, crlfDelay: Infinity });
      for await (const line of rl) yield line;
    })();
    return Object.assign(lines, { close: () => stream.destroy() });
  }

  readableWebStream(): never {
    throw notSupported('filehandle.readableWebStream');
  }
}

/** writeFile accepts strings, buffers and (async) iterables of them. */
async function collect(data: unknown, options?: WriteFileOptions | BufferEncoding | null): Promise<Uint8Array> {
  const encoding = typeof options === 'string' ? options : options?.encoding;
  if (typeof data === 'string' || ArrayBuffer.isView(data)) return toBytes(data, encoding);
  if (data !== null && typeof data === 'object' && (Symbol.asyncIterator in data || Symbol.iterator in data)) {
    const parts: Uint8Array[] = [];
    for await (const chunk of data as AsyncIterable<unknown>) parts.push(toBytes(chunk, encoding));
    return Buffer.concat(parts);
  }
  return toBytes(data, encoding);
}

export interface PromisesApiHooks {
  watch(path: unknown, options?: WatchOptions | BufferEncoding): AsyncIterable<{ eventType: string; filename: string | Buffer | null }>;
}

/** Builds fs.promises over the synchronous base. */
export function createPromises(core: SyncFs, hooks: PromisesApiHooks): Record<string, unknown> {
  const flush = async (fd: number): Promise<void> => core.fsyncSync(fd);
  const api = {
    access: async (path: unknown, mode?: number) => core.accessSync(path, mode),
    appendFile: async (path: unknown, data: unknown, options?: WriteFileOptions | BufferEncoding | null) => {
      if (path instanceof FileHandle) return path.appendFile(data, options);
      return writeSteps(core, planWrite(path, await collect(data, options), options, true), flush);
    },
    chmod: async (path: unknown, mode: unknown) => core.chmodSync(path, mode),
    chown: async (path: unknown, uid: unknown, gid: unknown) => core.chownSync(path, uid, gid),
    copyFile: async (src: unknown, dest: unknown, mode?: number) => core.copyFileSync(src, dest, mode),
    cp: async (src: unknown, dest: unknown, options?: Parameters<SyncFs['cpSync']>[2]) => core.cpAsyncForm(src, dest, options),
    lchown: async (path: unknown, uid: unknown, gid: unknown) => core.lchownSync(path, uid, gid),
    lutimes: async (path: unknown, atime: unknown, mtime: unknown) => core.lutimesSync(path, atime, mtime),
    link: async (existing: unknown, newPath: unknown) => core.linkSync(existing, newPath),
    lstat: async (path: unknown, options?: { bigint?: boolean }) => core.lstatSync(path, options),
    mkdir: async (path: unknown, options?: Parameters<SyncFs['mkdirSync']>[1]) => core.mkdirAsyncForm(path, options),
    mkdtemp: async (prefix: unknown, options?: Parameters<SyncFs['mkdtempSync']>[1]) => core.mkdtempSync(prefix, options),
    open: async (path: unknown, flags?: unknown, mode?: unknown) => new FileHandle(core, core.openSync(path, flags ?? 'r', mode)),
    opendir: async (path: unknown, options?: Parameters<SyncFs['opendirSync']>[1]) => core.opendirSync(path, options),
    readdir: async (path: unknown, options?: Parameters<SyncFs['readdirSync']>[1]) => core.readdirSync(path, options),
    readFile: async (path: unknown, options?: ReadFileOptions | BufferEncoding | null) => {
      if (path instanceof FileHandle) return path.readFile(options);
      return readSteps(core, planRead(path, options));
    },
    readlink: async (path: unknown, options?: Parameters<SyncFs['readlinkSync']>[1]) => core.readlinkSync(path, options),
    // fs.promises.realpath is realpath(3), unlike the JavaScript fs.realpath.
    realpath: async (path: unknown, options?: Parameters<SyncFs['realpathSync']>[1]) => core.realpathNativeSync(path, options),
    rename: async (from: unknown, to: unknown) => core.renameSync(from, to),
    rm: async (path: unknown, options?: Parameters<SyncFs['rmSync']>[1]) => core.rmAsyncForm(path, options),
    rmdir: async (path: unknown, options?: Parameters<SyncFs['rmdirSync']>[1]) => core.rmdirForm(path, options, 'promise'),
    stat: async (path: unknown, options?: { bigint?: boolean }) => core.statSync(path, options),
    statfs: async (path: unknown, options?: { bigint?: boolean }) => core.statfsSync(path, options),
    symlink: async (target: unknown, path: unknown, type?: string | null) => core.symlinkSync(target, path, type),
    truncate: async (path: unknown, len?: number) => core.truncateSync(path, len),
    unlink: async (path: unknown) => core.unlinkSync(path),
    utimes: async (path: unknown, atime: unknown, mtime: unknown) => core.utimesSync(path, atime, mtime),
    watch: (path: unknown, options?: WatchOptions | BufferEncoding) => hooks.watch(path, options),
    writeFile: async (path: unknown, data: unknown, options?: WriteFileOptions | BufferEncoding | null) => {
      if (path instanceof FileHandle) return path.writeFile(data, options);
      return writeSteps(core, planWrite(path, await collect(data, options), options, false), flush);
    },
    constants,
  };
  for (const [name, f] of Object.entries(api)) {
    if (typeof f === 'function' && name !== 'watch') (api as Record<string, unknown>)[name] = withAsyncStack(name, f as (...args: unknown[]) => Promise<unknown>);
  }
  return api;
}

/**
 * Node's promise forms fail with a system error whose stack is taken where the
 * awaited operation completes, so it shows the awaiting callers (`at async
 * Object.access`, `at async Function.rejects`). The stack is retaken here the
 * same way: in a promise reaction that the named async function awaits.
 */
function withAsyncStack(name: string, f: (...args: unknown[]) => Promise<unknown>): (...args: unknown[]) => Promise<unknown> {
  return {
    async [name](...args: unknown[]): Promise<unknown> {
      return await f(...args).then(undefined, restack);
    },
  }[name]!;
}

function restack(e: unknown): never {
  if (e instanceof Error && typeof (e as { syscall?: unknown }).syscall === 'string') Error.captureStackTrace(e, restack);
  throw e;
}

export { toPosition };
