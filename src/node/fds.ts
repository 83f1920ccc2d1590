/**
 * The file-descriptor table: numbers, access mode, flags and position of each
 * open file. An open file holds its inode with volume.ref(), so a file
 * unlinked while open keeps its data until the last close.
 */
import type { Inode } from '../core/inode.js';
import type { Volume } from '../core/volume.js';
import { constants, O_ACCMODE } from './constants.js';
import { invalidArgValue, invalidArgType } from './errors.js';

const { O_RDONLY, O_WRONLY, O_RDWR, O_CREAT, O_EXCL, O_TRUNC, O_APPEND, O_SYNC } = constants;

/** Node's string flags. */
const STRING_FLAGS: Record<string, number> = {
  r: O_RDONLY, rs: O_RDONLY | O_SYNC, sr: O_RDONLY | O_SYNC,
  'r+': O_RDWR, 'rs+': O_RDWR | O_SYNC, 'sr+': O_RDWR | O_SYNC,
  w: O_TRUNC | O_CREAT | O_WRONLY, wx: O_TRUNC | O_CREAT | O_WRONLY | O_EXCL, xw: O_TRUNC | O_CREAT | O_WRONLY | O_EXCL,
  'w+': O_TRUNC | O_CREAT | O_RDWR, 'wx+': O_TRUNC | O_CREAT | O_RDWR | O_EXCL, 'xw+': O_TRUNC | O_CREAT | O_RDWR | O_EXCL,
  a: O_APPEND | O_CREAT | O_WRONLY, ax: O_APPEND | O_CREAT | O_WRONLY | O_EXCL, xa: O_APPEND | O_CREAT | O_WRONLY | O_EXCL,
  as: O_APPEND | O_CREAT | O_WRONLY | O_SYNC, sa: O_APPEND | O_CREAT | O_WRONLY | O_SYNC,
  'a+': O_APPEND | O_CREAT | O_RDWR, 'ax+': O_APPEND | O_CREAT | O_RDWR | O_EXCL, 'xa+': O_APPEND | O_CREAT | O_RDWR | O_EXCL,
  'as+': O_APPEND | O_CREAT | O_RDWR | O_SYNC, 'sa+': O_APPEND | O_CREAT | O_RDWR | O_SYNC,
};

/** Converts a flags argument ('r', 'w+', a number...) to O_* bits, as Node's stringToFlags. */
export function parseFlags(flags: unknown, fallback: number = O_RDONLY): number {
  if (flags === undefined || flags === null) return fallback;
  if (typeof flags === 'number') return flags;
  if (typeof flags === 'string') {
    const bits = STRING_FLAGS[flags];
    if (bits !== undefined) return bits;
    throw invalidArgValue('flags', flags);
  }
  throw invalidArgType('flags', 'of type string or number', flags);
}

export class OpenFile {
  position = 0;
  readonly readable: boolean;
  readonly writable: boolean;
  readonly append: boolean;
  /** Where it was opened (directory and name), so watchers of the directory hear of writes. */
  dir: Inode | null = null;
  name = '';
  constructor(
    readonly inode: Inode,
    readonly flags: number,
    /** The path it was opened with, for streams and watchers. */
    readonly path: string,
  ) {
    const mode = flags & O_ACCMODE;
    this.readable = mode === O_RDONLY || mode === O_RDWR;
    this.writable = mode === O_WRONLY || mode === O_RDWR;
    this.append = (flags & O_APPEND) !== 0;
  }
}

/** Linux's default RLIMIT_NOFILE soft limit; EMFILE past it. */
export const DEFAULT_MAX_FDS = 1 << 16;

export class FdTable {
  private readonly files: (OpenFile | undefined)[] = [];
  private readonly free: number[] = [];
  /** Numbers start above stdio, as in a fresh process. */
  private next = 3;
  private count = 0;

  constructor(private readonly volume: Volume, readonly maxOpen = DEFAULT_MAX_FDS) {}

  get openCount(): number {
    return this.count;
  }

  /** Registers an open file and returns its number, or -1 when the table is full. */
  open(file: OpenFile): number {
    if (this.count >= this.maxOpen) return -1;
    // Lowest free number first, as POSIX open() does.
    let fd: number;
    if (this.free.length > 0) {
      let best = 0;
      for (let i = 1; i < this.free.length; i++) if (this.free[i]! < this.free[best]!) best = i;
      fd = this.free[best]!;
      this.free[best] = this.free[this.free.length - 1]!;
      this.free.pop();
    } else {
      fd = this.next++;
    }
    this.files[fd] = file;
    this.count++;
    this.volume.ref(file.inode);
    return fd;
  }

  get(fd: number): OpenFile | undefined {
    return this.files[fd];
  }

  /** Closes fd; false when it was not open. */
  close(fd: number): boolean {
    const file = this.files[fd];
    if (file === undefined) return false;
    this.files[fd] = undefined;
    this.free.push(fd);
    this.count--;
    this.volume.unref(file.inode);
    return true;
  }

  /** Every open number (for closing all on reset). */
  numbers(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.files.length; i++) if (this.files[i] !== undefined) out.push(i);
    return out;
  }
}
