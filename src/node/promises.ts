/**
 * fs.promises: every call runs the synchronous base inside an async function,
 * so argument errors reject as Node's do. FileHandle wraps a descriptor.
 */
import { EventEmitter } from 'node:events';
import { Errno } from '../core/errno.js';
import { invalidArgType, notSupported, uvError } from './errors.js';
import { getOptions, toBytes } from './options.js';
import { ReadStream, WriteStream, type ReadStreamOptions, type WriteStreamOptions } from './streams.js';
import { toPosition, type ReadFileOptions, type SyncFs, type WriteFileOptions } from './sync.js';
import type { Stats, BigIntStats } from './stats.js';
import type { WatchOptions } from './watch.js';
import { constants } from './constants.js';

export class FileHandle extends EventEmitter {
  private descriptor: number;
  private closing: Promise<void> | null = null;

  constructor(private readonly core: SyncFs, fd: number) {
    super();
    this.descriptor = fd;
  }

  /** -1 once closed, as Node's. */
  get fd(): number {
    return this.descriptor;
  }

  private open(syscall: string): number {
    if (this.descriptor < 0) throw uvError(Errno.EBADF, syscall);
    return this.descriptor;
  }

  async close(): Promise<void> {
    if (this.closing) return this.closing;
    if (this.descriptor < 0) return;
    const fd = this.descriptor;
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
    return this.core.fstatSync(this.open('fstat'), options);
  }

  async read(bufferOrOptions?: unknown, offset?: unknown, length?: unknown, position?: unknown): Promise<{ bytesRead: number; buffer: ArrayBufferView }> {
    const fd = this.open('read');
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
    return { bytesRead: this.core.readvSync(this.open('read'), buffers, position), buffers };
  }

  async write(data: unknown, offsetOrPosition?: unknown, lengthOrEncoding?: unknown, position?: unknown): Promise<{ bytesWritten: number; buffer: unknown }> {
    const fd = this.open('write');
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
    return { bytesWritten: this.core.writevSync(this.open('write'), buffers, position), buffers };
  }

  async readFile(options?: ReadFileOptions | BufferEncoding | null): Promise<string | Buffer> {
    return this.core.readFileSync(this.open('read'), options);
  }

  async writeFile(data: unknown, options?: WriteFileOptions | BufferEncoding | null): Promise<void> {
    const fd = this.open('write');
    this.core.writeFileSync(fd, await collect(data, options), options);
  }

  async appendFile(data: unknown, options?: WriteFileOptions | BufferEncoding | null): Promise<void> {
    const fd = this.open('write');
    this.core.appendFileSync(fd, await collect(data, options), options);
  }

  async truncate(len = 0): Promise<void> {
    this.core.ftruncateSync(this.open('ftruncate'), len);
  }

  async chmod(mode: number | string): Promise<void> {
    this.core.fchmodSync(this.open('fchmod'), mode);
  }

  async chown(uid: number, gid: number): Promise<void> {
    this.core.fchownSync(this.open('fchown'), uid, gid);
  }

  async utimes(atime: number | string | Date, mtime: number | string | Date): Promise<void> {
    this.core.futimesSync(this.open('futime'), atime, mtime);
  }

  async sync(): Promise<void> {
    this.core.fsyncSync(this.open('fsync'));
  }

  async datasync(): Promise<void> {
    this.core.fdatasyncSync(this.open('fdatasync'));
  }

  createReadStream(options?: Omit<ReadStreamOptions, 'fd'>): ReadStream {
    return new ReadStream(this.core, undefined, { ...options, fd: this });
  }

  createWriteStream(options?: Omit<WriteStreamOptions, 'fd'>): WriteStream {
    return new WriteStream(this.core, undefined, { ...options, fd: this });
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
  const api = {
    access: async (path: unknown, mode?: number) => core.accessSync(path, mode),
    appendFile: async (path: unknown, data: unknown, options?: WriteFileOptions | BufferEncoding | null) => {
      if (path instanceof FileHandle) return path.appendFile(data, options);
      return core.appendFileSync(path, await collect(data, options), options);
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
      const opts = getOptions<ReadFileOptions & { signal?: AbortSignal }>(options, {});
      opts.signal?.throwIfAborted();
      return core.readFileSync(path, options);
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
      return core.writeFileSync(path, await collect(data, options), options);
    },
    constants,
  };
  return api;
}

export { toPosition };
