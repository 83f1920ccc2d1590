/**
 * The inode: one object of the volume, whatever names it has. Data lives in
 * `data` (regular files), `dir` (directories) or `target` (symlinks). The
 * Windows-side metadata (DOS attributes, security descriptor, reparse data,
 * EAs, named streams) has its place here from the start, so later layers only
 * expose it.
 */
import type { Directory } from './directory.js';
import type { FileData } from './data.js';
import type { Timespec } from './time.js';

export const S_IFMT = 0o170000;
export const S_IFSOCK = 0o140000;
export const S_IFLNK = 0o120000;
export const S_IFREG = 0o100000;
export const S_IFBLK = 0o060000;
export const S_IFDIR = 0o040000;
export const S_IFCHR = 0o020000;
export const S_IFIFO = 0o010000;
export const S_ISUID = 0o4000;
export const S_ISGID = 0o2000;
export const S_ISVTX = 0o1000;
export const PERMISSION_BITS = 0o7777;

/** A named stream: its own data, sharing the file's metadata (ntfs-3g: also the `user.NAME` xattr). */
export interface Stream {
  name: string;
  data: FileData;
}

export class Inode {
  /** Inode number; also the FUSE node id. Never reused while the volume lives. */
  readonly ino: number;
  mode: number;
  uid: number;
  gid: number;
  nlink = 0;
  rdev = 0;
  atime: Timespec;
  mtime: Timespec;
  ctime: Timespec;
  /** Creation (birth) time. */
  btime: Timespec;
  data: FileData | null = null;
  dir: Directory | null = null;
  /** Directories have one parent (for ".." and rename checks). */
  parent: Inode | null = null;
  target: string | null = null;
  /** Extended attributes outside the `user.` namespace (user.* are streams). */
  xattrs: Map<string, Uint8Array> | null = null;
  /** Named streams, keyed as the volume compares names. */
  streams: Map<string, Stream> | null = null;
  /** FILE_ATTRIBUTE_* bits beyond what mode expresses (read-only, hidden, system, archive...). */
  dosAttributes = 0;
  /** Self-relative security descriptor; null means "derived from mode/uid/gid". */
  securityDescriptor: Uint8Array | null = null;
  /** Reparse point data (tag + payload), kept byte for byte. */
  reparseData: Uint8Array | null = null;
  /** Windows EAs: names compared case-insensitively, kept as given. */
  eas: Map<string, { name: string; value: Uint8Array; flags: number }> | null = null;
  /** chattr flags (FS_IOC_GETFLAGS bits) kept for the file: see Volume.setFileFlags. */
  fileFlags = 0;
  /** References from outside the namespace that keep its contents: open files, API handles. */
  refs = 0;
  /**
   * The kernel's lookups (FUSE's nlookup): they keep the inode's number valid until FORGET, but not an
   * unlinked file's data, which nothing can reach without an open file (see Volume.maybeFree).
   */
  lookups = 0;
  /**
   * What the volume counts for this inode, in two parts: the memory its file data holds (`dataCharged`),
   * and everything else (`metaCharged`: the inode itself, its names, xattrs, streams, a symlink's target,
   * and a format's own costs). The volume charges the two combined (Volume.chargeOf).
   */
  dataCharged = 0;
  metaCharged = 0;

  constructor(ino: number, mode: number, uid: number, gid: number, time: Timespec) {
    this.ino = ino;
    this.mode = mode;
    this.uid = uid;
    this.gid = gid;
    this.atime = time;
    this.mtime = time;
    this.ctime = time;
    this.btime = time;
  }

  get type(): number {
    return this.mode & S_IFMT;
  }
  isDir(): boolean {
    return (this.mode & S_IFMT) === S_IFDIR;
  }
  isFile(): boolean {
    return (this.mode & S_IFMT) === S_IFREG;
  }
  isSymlink(): boolean {
    return (this.mode & S_IFMT) === S_IFLNK;
  }

  /** Size as stat reports it. */
  get size(): number {
    if (this.data) return this.data.size;
    if (this.target !== null) return this.targetBytes;
    if (this.dir) return (this.dir.size + 2) * 20; // like tmpfs: grows with entries
    return 0;
  }
  /** Byte length of the symlink target (set with the target). */
  targetBytes = 0;

  /** Bytes of memory in use, for st_blocks. */
  get allocated(): number {
    let n = this.data ? this.data.allocated : 0;
    if (this.streams) for (const s of this.streams.values()) n += s.data.allocated;
    return n;
  }
}
