/**
 * fs.Dir (opendir): reads a directory lazily by cookie, so entries added or
 * removed while reading behave as with a real readdir stream (no entry is
 * returned twice). Order is creation order, the volume's listing order.
 */
import { Errno } from '../core/errno.js';
import { S_IFMT, type Inode } from '../core/inode.js';
import type { Volume } from '../core/volume.js';
import { posix } from 'node:path';
import { nodeError, uvError } from './errors.js';
import { encodeResult, validateFunction, type Encoding } from './options.js';
import { Dirent } from './stats.js';

export interface OpenDirOptions {
  encoding?: Encoding | null;
  bufferSize?: number;
  recursive?: boolean;
}

interface Cursor {
  inode: Inode;
  path: string;
  cookie: number;
}

export class Dir {
  readonly path: string;
  private closed = false;
  /** Asynchronous reads and closes not yet done. */
  private pending = 0;
  private readonly queue: Cursor[];
  private readonly encoding: Encoding | null | undefined;
  private readonly recursive: boolean;

  constructor(private readonly volume: Volume, inode: Inode, path: string, options: OpenDirOptions) {
    // Node's Dir takes a native handle; made without one, it says so.
    if (!volume) throw nodeError('TypeError', 'ERR_MISSING_ARGS', 'The "handle" argument must be specified');
    this.path = path;
    this.encoding = options.encoding;
    this.recursive = options.recursive === true;
    this.queue = [{ inode, path, cookie: 0 }];
    volume.ref(inode);
  }

  private checkOpen(): void {
    if (this.closed) throw nodeError('Error', 'ERR_DIR_CLOSED', 'Directory handle was closed');
  }

  /** Sync calls while an asynchronous read or close is under way fail, as Node's. */
  private checkNoneAsync(): void {
    if (this.pending > 0) throw nodeError('Error', 'ERR_DIR_CONCURRENT_OPERATION', 'Cannot do synchronous work on directory handle with concurrent asynchronous operations');
  }

  readSync(): Dirent | null {
    this.checkNoneAsync();
    return this.next();
  }

  private next(): Dirent | null {
    this.checkOpen();
    while (this.queue.length > 0) {
      const cursor = this.queue[0]!;
      const entries = cursor.inode.dir;
      if (entries === null) throw uvError(Errno.ENOENT, 'scandir', cursor.path);
      const next = entries.entriesAfter(cursor.cookie).next();
      if (next.done) {
        this.queue.shift();
        this.volume.unref(cursor.inode);
        continue;
      }
      const entry = next.value;
      cursor.cookie = entry.cookie;
      const child = entry.inode;
      if (this.recursive && child.dir !== null) {
        // Every queued directory is held, so it outlives a concurrent rmdir.
        this.volume.ref(child);
        this.queue.push({ inode: child, path: posix.join(cursor.path, entry.name), cookie: 0 });
      }
      return new Dirent(encodeResult(entry.name, this.encoding), child.mode & S_IFMT, cursor.path);
    }
    return null;
  }

  /** An asynchronous read or close: done on a later turn, in the order asked (the turns are FIFO). */
  private later<T>(work: () => T, callback?: (err: Error | null, result?: T) => void): Promise<T> | void {
    if (callback !== undefined) validateFunction(callback, 'callback');
    this.pending++;
    const promise = new Promise<T>((resolve, reject) => {
      setImmediate(() => {
        this.pending--;
        try {
          resolve(work());
        } catch (e) {
          reject(e);
        }
      });
    });
    if (callback === undefined) return promise;
    promise.then((result) => callback(null, result), (e: Error) => callback(e));
  }

  read(): Promise<Dirent | null>;
  read(callback: (err: Error | null, dirent?: Dirent | null) => void): void;
  read(callback?: (err: Error | null, dirent?: Dirent | null) => void): Promise<Dirent | null> | void {
    return this.later(() => this.next(), callback);
  }

  closeSync(): void {
    this.checkNoneAsync();
    this.release();
  }

  private release(): void {
    this.checkOpen();
    this.closed = true;
    for (const cursor of this.queue) this.volume.unref(cursor.inode);
    this.queue.length = 0;
  }

  close(): Promise<void>;
  close(callback: (err: Error | null) => void): void;
  close(callback?: (err: Error | null) => void): Promise<void> | void {
    return this.later(() => this.release(), callback);
  }

  async *entries(): AsyncGenerator<Dirent> {
    try {
      for (;;) {
        const d = this.readSync();
        if (d === null) return;
        yield d;
      }
    } finally {
      if (!this.closed) this.closeSync();
    }
  }

  [Symbol.asyncIterator](): AsyncGenerator<Dirent> {
    return this.entries();
  }
}
