/**
 * Stats, BigIntStats, Dirent and StatFs as node:fs shapes them (Node 20:
 * time Dates are own properties, BigIntStats adds *Ns fields). The type
 * predicates live on a shared prototype so `instanceof fs.Stats` works.
 */
import { S_IFBLK, S_IFCHR, S_IFDIR, S_IFIFO, S_IFLNK, S_IFMT, S_IFREG, S_IFSOCK, type Inode } from '../core/inode.js';
import type { StatFs as VolumeStatFs } from '../core/volume.js';

abstract class StatsBase<N extends number | bigint> {
  declare dev: N;
  declare mode: N;
  declare nlink: N;
  declare uid: N;
  declare gid: N;
  declare rdev: N;
  declare blksize: N;
  declare ino: N;
  declare size: N;
  declare blocks: N;
  declare atimeMs: N;
  declare mtimeMs: N;
  declare ctimeMs: N;
  declare birthtimeMs: N;

  private typeIs(type: number): boolean {
    return (Number(this.mode) & S_IFMT) === type;
  }
  isFile(): boolean { return this.typeIs(S_IFREG); }
  isDirectory(): boolean { return this.typeIs(S_IFDIR); }
  isSymbolicLink(): boolean { return this.typeIs(S_IFLNK); }
  isBlockDevice(): boolean { return this.typeIs(S_IFBLK); }
  isCharacterDevice(): boolean { return this.typeIs(S_IFCHR); }
  isFIFO(): boolean { return this.typeIs(S_IFIFO); }
  isSocket(): boolean { return this.typeIs(S_IFSOCK); }

  /** JSON carries the Date fields too (they are made lazily, on the prototype, where Node 20 has own properties). */
  toJSON(): Record<string, unknown> {
    const self = this as unknown as Record<string, unknown>;
    const out: Record<string, unknown> = { ...self };
    for (const name of ['atime', 'mtime', 'ctime', 'birthtime']) out[name] = self[name];
    return out;
  }
}

/** A device number for the volume, stable for its life. */
export type DeviceOf = (inode: Inode) => number;

const BLOCK = 512;

/**
 * The Date fields are made on first use (as Node 22 does), so statSync does
 * not build four Dates nobody reads; they can still be assigned.
 */
function lazyDates(proto: object, msField: (name: string) => string): void {
  for (const name of ['atime', 'mtime', 'ctime', 'birthtime']) {
    const ms = msField(name);
    const slot = Symbol(name);
    Object.defineProperty(proto, name, {
      configurable: true,
      enumerable: true,
      get(this: Record<string | symbol, unknown>): Date {
        let date = this[slot] as Date | undefined;
        if (date === undefined) {
          date = new Date(Math.round(Number(this[ms])));
          this[slot] = date;
        }
        return date;
      },
      set(this: Record<string | symbol, unknown>, value: Date) {
        this[slot] = value;
      },
    });
  }
}

const STATS_FIELDS = ['dev', 'mode', 'nlink', 'uid', 'gid', 'rdev', 'blksize', 'ino', 'size', 'blocks', 'atimeMs', 'mtimeMs', 'ctimeMs', 'birthtimeMs'];

export class Stats extends StatsBase<number> {
  declare atime: Date;
  declare mtime: Date;
  declare ctime: Date;
  declare birthtime: Date;
  constructor(inode: Inode, dev: number);
  /** Node's public constructor: the fields in order, times in milliseconds. */
  constructor(...fields: number[]);
  constructor(first?: unknown, second?: unknown) {
    super();
    if (typeof first !== 'object' || first === null) {
      const self = this as unknown as Record<string, unknown>;
      const fields = arguments; // no rest array on the hot path (statSync) above
      STATS_FIELDS.forEach((name, i) => (self[name] = fields[i]));
      return;
    }
    const inode = first as Inode;
    this.dev = second as number;
    this.mode = inode.mode;
    this.nlink = inode.nlink;
    this.uid = inode.uid;
    this.gid = inode.gid;
    this.rdev = inode.rdev;
    this.blksize = 4096;
    this.ino = inode.ino;
    this.size = inode.size;
    this.blocks = Math.ceil(inode.allocated / BLOCK);
    const a = inode.atime, m = inode.mtime, c = inode.ctime, b = inode.btime;
    this.atimeMs = a.sec * 1000 + a.nsec / 1e6;
    this.mtimeMs = m.sec * 1000 + m.nsec / 1e6;
    this.ctimeMs = c.sec * 1000 + c.nsec / 1e6;
    this.birthtimeMs = b.sec * 1000 + b.nsec / 1e6;
  }
}
lazyDates(Stats.prototype, (name) => `${name}Ms`);

function ns(t: { sec: number; nsec: number }): bigint {
  return BigInt(t.sec) * 1_000_000_000n + BigInt(t.nsec);
}

export class BigIntStats extends StatsBase<bigint> {
  declare atimeNs: bigint;
  declare mtimeNs: bigint;
  declare ctimeNs: bigint;
  declare birthtimeNs: bigint;
  declare atime: Date;
  declare mtime: Date;
  declare ctime: Date;
  declare birthtime: Date;
  constructor(inode: Inode, dev: number) {
    super();
    this.dev = BigInt(dev);
    this.mode = BigInt(inode.mode);
    this.nlink = BigInt(inode.nlink);
    this.uid = BigInt(inode.uid);
    this.gid = BigInt(inode.gid);
    this.rdev = BigInt(inode.rdev);
    this.blksize = 4096n;
    this.ino = BigInt(inode.ino);
    this.size = BigInt(inode.size);
    this.blocks = BigInt(Math.ceil(inode.allocated / BLOCK));
    this.atimeNs = ns(inode.atime);
    this.mtimeNs = ns(inode.mtime);
    this.ctimeNs = ns(inode.ctime);
    this.birthtimeNs = ns(inode.btime);
    this.atimeMs = this.atimeNs / 1_000_000n;
    this.mtimeMs = this.mtimeNs / 1_000_000n;
    this.ctimeMs = this.ctimeNs / 1_000_000n;
    this.birthtimeMs = this.birthtimeNs / 1_000_000n;
  }
}
lazyDates(BigIntStats.prototype, (name) => `${name}Ms`);

/** A directory entry as readdir({ withFileTypes: true }) and Dir return it. */
export class Dirent {
  name: string | Buffer;
  parentPath: string;
  /** Deprecated alias of parentPath, still present in Node 20. */
  path: string;
  private declare readonly type: number;
  constructor(name: string | Buffer, type: number, parentPath: string) {
    this.name = name;
    this.parentPath = parentPath;
    this.path = parentPath;
    Object.defineProperty(this, 'type', { value: type, enumerable: false, writable: false });
  }
  isFile(): boolean { return this.type === S_IFREG; }
  isDirectory(): boolean { return this.type === S_IFDIR; }
  isSymbolicLink(): boolean { return this.type === S_IFLNK; }
  isBlockDevice(): boolean { return this.type === S_IFBLK; }
  isCharacterDevice(): boolean { return this.type === S_IFCHR; }
  isFIFO(): boolean { return this.type === S_IFIFO; }
  isSocket(): boolean { return this.type === S_IFSOCK; }
}

/** fs.statfs result; type is TMPFS_MAGIC so tools treat it as a RAM file system. */
export class StatFs<N extends number | bigint = number> {
  type: N;
  bsize: N;
  blocks: N;
  bfree: N;
  bavail: N;
  files: N;
  ffree: N;
  constructor(s: VolumeStatFs, bigint: boolean) {
    const v = (n: number): N => (bigint ? BigInt(n) : n) as N;
    this.type = v(0x01021994);
    this.bsize = v(s.bsize);
    this.blocks = v(s.blocks);
    this.bfree = v(s.bfree);
    this.bavail = v(s.bavail);
    this.files = v(s.files);
    this.ffree = v(s.ffree);
  }
}
