/**
 * The volume: the inode table, the namespace operations and the memory
 * accounting. No I/O happens here; transports (FUSE, the node:fs facade) and
 * formats (FAT images, snapshots) drive it. Every operation either completes
 * or throws an FsError and changes nothing.
 */
import { checkAccess, checkSticky, inGroup, isOwner, permits, type Caller, W_OK, X_OK } from './access.js';
import { FileData, type Space } from './data.js';
import { Directory } from './directory.js';
import { Errno, fail } from './errno.js';
import {
  Inode, PERMISSION_BITS, S_IFCHR, S_IFBLK, S_IFDIR, S_IFIFO, S_IFLNK, S_IFMT, S_IFREG, S_IFSOCK,
  S_ISGID, S_ISUID, type Stream,
} from './inode.js';
import { checkName, foldCase, isWindowsName, nameByteLength } from './names.js';
import { compare, now, type Timespec } from './time.js';

export interface VolumeOptions {
  /** Case-insensitive, case-preserving names. */
  caseInsensitive?: boolean;
  /** Cap on memory for data and metadata, in bytes. */
  sizeLimit?: number;
  /** Cap on the number of inodes; 0 or absent means only memory limits them. */
  inodeLimit?: number;
  /** Root directory: permission bits (default 0o1777, like /tmp), owner and group. */
  rootMode?: number;
  rootUid?: number;
  rootGid?: number;
  /** Volume label (up to 32 characters, as NTFS). */
  label?: string;
  /** Refuse names Windows cannot hold (EINVAL). */
  windowsNames?: boolean;
}

/** Memory charged per inode for its metadata, and per directory entry beyond its name. */
export const INODE_COST = 512;
export const ENTRY_COST = 64;
/** As tmpfs: no practical limit, but keep nlink within 32 bits. */
export const LINK_MAX = 0x7fffffff;
export const XATTR_NAME_MAX = 255;
export const XATTR_SIZE_MAX = 65536;
export const PATH_MAX = 4096;
export const SYMLINK_MAX = 4095;

export const RENAME_NOREPLACE = 1;
export const RENAME_EXCHANGE = 2;
export const RENAME_WHITEOUT = 4;

export const XATTR_CREATE = 1;
export const XATTR_REPLACE = 2;

export const FALLOC_FL_KEEP_SIZE = 0x01;
export const FALLOC_FL_PUNCH_HOLE = 0x02;
export const FALLOC_FL_COLLAPSE_RANGE = 0x08;
export const FALLOC_FL_ZERO_RANGE = 0x10;
export const FALLOC_FL_INSERT_RANGE = 0x20;

export interface SetAttr {
  mode?: number;
  uid?: number;
  gid?: number;
  size?: number;
  /** A time, or 'now'. */
  atime?: Timespec | 'now';
  mtime?: Timespec | 'now';
  ctime?: Timespec;
  /** Clear set-user-ID and set-group-ID (as a write or truncate by a non-owner does). */
  killSuidSgid?: boolean;
}

export interface StatFs {
  bsize: number;
  blocks: number;
  bfree: number;
  bavail: number;
  files: number;
  ffree: number;
  namelen: number;
}

/** What a change did to the namespace, for transports that cache names (FUSE). */
export interface NamespaceListener {
  /** `name` in `dir` no longer refers to `inode` (unlink, rename away, replace). */
  entryRemoved?(dir: Inode, name: string, inode: Inode): void;
  /** `inode`'s attributes or data changed by a caller other than the transport itself. */
  inodeChanged?(inode: Inode): void;
}

export class Volume implements Space {
  readonly caseInsensitive: boolean;
  readonly windowsNames: boolean;
  sizeLimit: number;
  inodeLimit: number;
  label: string;
  /** A volume serial number, as Windows shows it. */
  readonly serial: number;
  readonly root: Inode;
  /** Bytes charged (data chunks, inodes, names, xattrs). */
  used = 0;
  private readonly inodes = new Map<number, Inode>();
  private nextIno = 1;
  private readonly keyOf: (name: string) => string;
  readonly listeners = new Set<NamespaceListener>();

  constructor(options: VolumeOptions = {}) {
    this.caseInsensitive = options.caseInsensitive ?? false;
    this.windowsNames = options.windowsNames ?? false;
    this.sizeLimit = options.sizeLimit ?? Number.MAX_SAFE_INTEGER;
    this.inodeLimit = options.inodeLimit ?? 0;
    this.label = options.label ?? 'MEMEFS';
    this.serial = (Math.random() * 0x1_0000_0000) >>> 0;
    this.keyOf = this.caseInsensitive ? foldCase : (name) => name;
    const root = this.newInode(S_IFDIR | ((options.rootMode ?? 0o1777) & PERMISSION_BITS), options.rootUid ?? 0, options.rootGid ?? 0);
    root.dir = new Directory(this.keyOf);
    root.nlink = 2;
    root.parent = root;
    this.root = root;
  }

  // ---- accounting -------------------------------------------------------

  reserve(bytes: number): void {
    if (bytes <= 0) {
      this.used += bytes;
      return;
    }
    if (this.used + bytes > this.sizeLimit) fail(Errno.ENOSPC);
    this.used += bytes;
  }

  release(bytes: number): void {
    this.used -= bytes;
  }

  get inodeCount(): number {
    return this.inodes.size;
  }

  statfs(): StatFs {
    const bsize = 4096;
    const blocks = Math.floor(this.sizeLimit / bsize);
    const bfree = Math.max(0, Math.floor((this.sizeLimit - this.used) / bsize));
    const byMemory = this.inodes.size + Math.floor(Math.max(0, this.sizeLimit - this.used) / INODE_COST);
    const files = this.inodeLimit > 0 ? Math.min(this.inodeLimit, byMemory) : byMemory;
    return { bsize, blocks, bfree, bavail: bfree, files, ffree: Math.max(0, files - this.inodes.size), namelen: 255 };
  }

  // ---- inodes -----------------------------------------------------------

  /** The inode with this number, or ENOENT (also for one already freed). */
  get(ino: number): Inode {
    const inode = this.inodes.get(ino);
    if (inode === undefined) fail(Errno.ENOENT, `inode ${ino}`);
    return inode;
  }

  find(ino: number): Inode | undefined {
    return this.inodes.get(ino);
  }

  /** Pins an inode for an outside holder (kernel lookup, open file); it lives while pinned. */
  ref(inode: Inode, n = 1): void {
    inode.refs += n;
  }

  unref(inode: Inode, n = 1): void {
    inode.refs -= n;
    if (inode.refs < 0) inode.refs = 0;
    this.maybeFree(inode);
  }

  private newInode(mode: number, uid: number, gid: number): Inode {
    if (this.inodeLimit > 0 && this.inodes.size >= this.inodeLimit) fail(Errno.ENOSPC);
    this.reserve(INODE_COST);
    const inode = new Inode(this.nextIno++, mode, uid, gid, now());
    inode.charged = INODE_COST;
    this.inodes.set(inode.ino, inode);
    return inode;
  }

  private maybeFree(inode: Inode): void {
    if (inode.nlink > 0 || inode.refs > 0 || inode === this.root) return;
    if (!this.inodes.has(inode.ino)) return;
    this.inodes.delete(inode.ino);
    inode.data?.free();
    if (inode.streams) for (const s of inode.streams.values()) s.data.free();
    inode.streams = null;
    inode.xattrs = null;
    inode.dir = null;
    this.release(inode.charged);
    inode.charged = 0;
  }

  private charge(inode: Inode, bytes: number): void {
    this.reserve(bytes);
    inode.charged += bytes;
  }

  private uncharge(inode: Inode, bytes: number): void {
    this.release(bytes);
    inode.charged -= bytes;
  }

  // ---- names ------------------------------------------------------------

  private checkNewName(name: string): void {
    checkName(name);
    if (name === '.' || name === '..') fail(Errno.EEXIST);
    if (this.windowsNames && !isWindowsName(name)) fail(Errno.EINVAL, `name not allowed on Windows: ${name}`);
  }

  private dirOf(inode: Inode): Directory {
    if (inode.dir === null) fail(Errno.ENOTDIR);
    return inode.dir;
  }

  /** Looks up one name in a directory. "." and ".." work too. */
  lookup(caller: Caller, dir: Inode, name: string): Inode {
    const entries = this.dirOf(dir);
    checkAccess(caller, dir, X_OK);
    if (name === '.') return dir;
    if (name === '..') return dir.parent ?? dir;
    checkName(name);
    const entry = entries.get(name);
    if (entry === undefined) fail(Errno.ENOENT);
    return entry.inode;
  }

  /** The stored spelling of `name` in `dir` (differs on case-insensitive volumes). */
  storedName(dir: Inode, name: string): string | undefined {
    return dir.dir?.get(name)?.name;
  }

  private checkCreate(caller: Caller, dir: Inode, name: string): Directory {
    const entries = this.dirOf(dir);
    if (dir.nlink === 0) fail(Errno.ENOENT); // a removed directory takes no new entries
    if (name === '.' || name === '..') fail(Errno.EEXIST);
    checkName(name);
    checkAccess(caller, dir, W_OK | X_OK);
    if (entries.get(name) !== undefined) fail(Errno.EEXIST);
    this.checkNewName(name);
    return entries;
  }

  private entryCost(name: string): number {
    return ENTRY_COST + nameByteLength(name);
  }

  /** Ownership of a new inode: the caller's, the group inherited from a set-group-ID directory. */
  private initialOwner(caller: Caller, dir: Inode, mode: number): { uid: number; gid: number; mode: number } {
    let gid = caller.gid;
    if ((dir.mode & S_ISGID) !== 0) {
      gid = dir.gid;
      if ((mode & S_IFMT) === S_IFDIR) mode |= S_ISGID;
    }
    if ((mode & S_IFMT) !== S_IFDIR && (mode & S_ISGID) !== 0 && caller.checkPermissions && caller.uid !== 0 && !inGroup(caller, gid)) {
      mode &= ~S_ISGID; // as Linux's inode_init_owner does
    }
    return { uid: caller.uid, gid, mode };
  }

  private attach(dir: Inode, entries: Directory, name: string, inode: Inode): void {
    const cost = this.entryCost(name);
    this.charge(inode, cost);
    entries.add(name, inode);
    inode.nlink++;
    if (inode.isDir()) {
      inode.parent = dir;
      dir.nlink++;
    }
    this.touchDir(dir);
  }

  private touchDir(dir: Inode): void {
    const t = now();
    dir.mtime = t;
    dir.ctime = t;
  }

  /** Creates a regular file, FIFO, socket or device node. */
  mknod(caller: Caller, dir: Inode, name: string, mode: number, rdev = 0): Inode {
    const entries = this.checkCreate(caller, dir, name);
    const type = mode & S_IFMT;
    if (type === 0) mode |= S_IFREG;
    else if (type !== S_IFREG && type !== S_IFIFO && type !== S_IFSOCK && type !== S_IFCHR && type !== S_IFBLK) fail(Errno.EINVAL);
    if ((type === S_IFCHR || type === S_IFBLK) && caller.checkPermissions && caller.uid !== 0) fail(Errno.EPERM);
    const owner = this.initialOwner(caller, dir, mode);
    const inode = this.newInode((mode & S_IFMT) | (owner.mode & PERMISSION_BITS), owner.uid, owner.gid);
    if (inode.isFile()) inode.data = new FileData(this);
    if (type === S_IFCHR || type === S_IFBLK) inode.rdev = rdev;
    try {
      this.attach(dir, entries, name, inode);
    } catch (e) {
      this.maybeFree(inode);
      throw e;
    }
    return inode;
  }

  mkdir(caller: Caller, dir: Inode, name: string, mode: number): Inode {
    const entries = this.checkCreate(caller, dir, name);
    const owner = this.initialOwner(caller, dir, S_IFDIR | (mode & PERMISSION_BITS));
    const inode = this.newInode(S_IFDIR | (owner.mode & PERMISSION_BITS), owner.uid, owner.gid);
    inode.dir = new Directory(this.keyOf);
    try {
      this.attach(dir, entries, name, inode);
    } catch (e) {
      this.maybeFree(inode);
      throw e;
    }
    inode.nlink = 2;
    return inode;
  }

  symlink(caller: Caller, dir: Inode, name: string, target: string): Inode {
    const bytes = nameByteLength(target);
    if (bytes === 0) fail(Errno.ENOENT);
    if (bytes > SYMLINK_MAX) fail(Errno.ENAMETOOLONG);
    const entries = this.checkCreate(caller, dir, name);
    const owner = this.initialOwner(caller, dir, S_IFLNK | 0o777);
    const inode = this.newInode(S_IFLNK | 0o777, owner.uid, owner.gid);
    inode.target = target;
    inode.targetBytes = bytes;
    try {
      this.charge(inode, bytes);
      this.attach(dir, entries, name, inode);
    } catch (e) {
      this.maybeFree(inode);
      throw e;
    }
    return inode;
  }

  readlink(inode: Inode): string {
    if (inode.target === null) fail(Errno.EINVAL);
    return inode.target;
  }

  /** An unnamed regular file (O_TMPFILE). The caller holds it with ref(); link() may name it. */
  tmpfile(caller: Caller, dir: Inode, mode: number): Inode {
    this.dirOf(dir);
    checkAccess(caller, dir, W_OK | X_OK);
    const owner = this.initialOwner(caller, dir, S_IFREG | (mode & PERMISSION_BITS));
    const inode = this.newInode(S_IFREG | (owner.mode & PERMISSION_BITS), owner.uid, owner.gid);
    inode.data = new FileData(this);
    inode.refs = 1;
    return inode;
  }

  link(caller: Caller, inode: Inode, dir: Inode, name: string): void {
    if (inode.isDir()) fail(Errno.EPERM);
    const entries = this.checkCreate(caller, dir, name);
    if (inode.nlink >= LINK_MAX) fail(Errno.EMLINK);
    if (inode.nlink === 0 && inode.refs === 0) fail(Errno.ENOENT);
    this.attach(dir, entries, name, inode);
    inode.ctime = now();
  }

  unlink(caller: Caller, dir: Inode, name: string): void {
    const entries = this.dirOf(dir);
    if (name === '.' || name === '..') fail(Errno.EISDIR);
    checkName(name);
    const entry = entries.get(name);
    if (entry === undefined) fail(Errno.ENOENT);
    checkAccess(caller, dir, W_OK | X_OK);
    const inode = entry.inode;
    // Linux's may_delete: the sticky rule comes before the type check.
    checkSticky(caller, dir, inode);
    if (inode.isDir()) fail(Errno.EISDIR);
    this.detach(dir, entries, entry.name, inode);
  }

  rmdir(caller: Caller, dir: Inode, name: string): void {
    const entries = this.dirOf(dir);
    if (name === '.') fail(Errno.EINVAL);
    if (name === '..') fail(Errno.ENOTEMPTY);
    checkName(name);
    const entry = entries.get(name);
    if (entry === undefined) fail(Errno.ENOENT);
    checkAccess(caller, dir, W_OK | X_OK);
    const inode = entry.inode;
    // Linux's may_delete: the sticky rule comes before the type and emptiness checks.
    checkSticky(caller, dir, inode);
    if (!inode.isDir()) fail(Errno.ENOTDIR);
    if (inode === this.root) fail(Errno.EBUSY);
    if (inode.dir!.size > 0) fail(Errno.ENOTEMPTY);
    this.detach(dir, entries, entry.name, inode);
  }

  /** Removes an entry and drops the inode's link (a directory loses both of its own). */
  private detach(dir: Inode, entries: Directory, name: string, inode: Inode): void {
    entries.remove(name);
    this.uncharge(inode, this.entryCost(name));
    if (inode.isDir()) {
      inode.nlink = 0;
      dir.nlink--;
    } else {
      inode.nlink--;
    }
    const t = now();
    dir.mtime = t;
    dir.ctime = t;
    inode.ctime = t;
    for (const l of this.listeners) l.entryRemoved?.(dir, name, inode);
    this.maybeFree(inode);
  }

  rename(caller: Caller, fromDir: Inode, fromName: string, toDir: Inode, toName: string, flags = 0): void {
    if ((flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT)) !== 0) fail(Errno.EINVAL);
    if ((flags & RENAME_EXCHANGE) !== 0 && (flags & (RENAME_NOREPLACE | RENAME_WHITEOUT)) !== 0) fail(Errno.EINVAL);
    if ((flags & RENAME_WHITEOUT) !== 0) fail(Errno.EINVAL);
    const fromEntries = this.dirOf(fromDir);
    const toEntries = this.dirOf(toDir);
    if (fromName === '.' || fromName === '..' || toName === '.' || toName === '..') {
      fail((flags & RENAME_NOREPLACE) !== 0 && (toName === '.' || toName === '..') ? Errno.EEXIST : Errno.EBUSY);
    }
    checkName(fromName);
    checkName(toName);
    const source = fromEntries.get(fromName);
    if (source === undefined) fail(Errno.ENOENT);
    checkAccess(caller, fromDir, W_OK | X_OK);
    checkAccess(caller, toDir, W_OK | X_OK);
    const inode = source.inode;
    const target = toEntries.get(toName);

    if (target !== undefined && target === source) {
      // The same entry: a case-only rename on a case-insensitive volume changes the stored spelling.
      if (source.name !== toName && (flags & RENAME_EXCHANGE) === 0) {
        this.checkNewName(toName);
        const old = source.name;
        fromEntries.remove(old);
        toEntries.add(toName, inode);
        this.uncharge(inode, this.entryCost(old));
        this.charge(inode, this.entryCost(toName));
        this.touchDir(fromDir);
        inode.ctime = now();
        for (const l of this.listeners) l.entryRemoved?.(fromDir, old, inode);
        return;
      }
      if ((flags & RENAME_NOREPLACE) !== 0) fail(Errno.EEXIST);
      return;
    }
    if (target === undefined && (flags & RENAME_EXCHANGE) !== 0) fail(Errno.ENOENT);
    if (target !== undefined && (flags & RENAME_NOREPLACE) !== 0) fail(Errno.EEXIST);
    if (target === undefined) this.checkNewName(toName);
    if (toDir.nlink === 0) fail(Errno.ENOENT);

    checkSticky(caller, fromDir, inode);
    if (target !== undefined) checkSticky(caller, toDir, target.inode);
    // Moving a directory to another parent rewrites its "..": needs write access to it.
    if (fromDir !== toDir) {
      if (inode.isDir()) checkAccess(caller, inode, W_OK);
      if (target !== undefined && target.inode.isDir() && (flags & RENAME_EXCHANGE) !== 0) checkAccess(caller, target.inode, W_OK);
    }
    // A directory cannot move below itself.
    if (inode.isDir() && this.isAncestor(inode, toDir)) fail(Errno.EINVAL);
    if ((flags & RENAME_EXCHANGE) !== 0 && target!.inode.isDir() && this.isAncestor(target!.inode, fromDir)) fail(Errno.EINVAL);

    if (target !== undefined && target.inode === inode) {
      // Two hard links to one file: POSIX says do nothing.
      return;
    }

    if ((flags & RENAME_EXCHANGE) !== 0) {
      this.exchange(fromDir, fromEntries, source.name, toDir, toEntries, target!.name);
      return;
    }

    if (target !== undefined) {
      const victim = target.inode;
      if (inode.isDir()) {
        if (!victim.isDir()) fail(Errno.ENOTDIR);
        if (victim.dir!.size > 0) fail(Errno.ENOTEMPTY);
      } else if (victim.isDir()) {
        fail(Errno.EISDIR);
      }
      if (victim === this.root) fail(Errno.EBUSY);
    }
    const newCost = this.entryCost(toName);
    const oldCost = this.entryCost(source.name);
    this.charge(inode, newCost);
    this.uncharge(inode, oldCost);

    if (target !== undefined) this.detach(toDir, toEntries, target.name, target.inode);
    fromEntries.remove(source.name);
    toEntries.add(toName, inode);
    if (inode.isDir() && fromDir !== toDir) {
      fromDir.nlink--;
      toDir.nlink++;
      inode.parent = toDir;
    }
    const t = now();
    fromDir.mtime = fromDir.ctime = t;
    toDir.mtime = toDir.ctime = t;
    inode.ctime = t;
    for (const l of this.listeners) l.entryRemoved?.(fromDir, source.name, inode);
  }

  private exchange(aDir: Inode, aEntries: Directory, aName: string, bDir: Inode, bEntries: Directory, bName: string): void {
    const a = aEntries.get(aName)!;
    const b = bEntries.get(bName)!;
    const aInode = a.inode;
    const bInode = b.inode;
    const costA = this.entryCost(aName);
    const costB = this.entryCost(bName);
    // aInode takes name bName and bInode takes aName.
    this.charge(aInode, costB);
    this.charge(bInode, costA);
    this.uncharge(aInode, costA);
    this.uncharge(bInode, costB);
    aEntries.replace(a, bInode, aName);
    bEntries.replace(b, aInode, bName);
    if (aDir !== bDir) {
      if (aInode.isDir()) { aDir.nlink--; bDir.nlink++; aInode.parent = bDir; }
      if (bInode.isDir()) { bDir.nlink--; aDir.nlink++; bInode.parent = aDir; }
    }
    const t = now();
    aDir.mtime = aDir.ctime = t;
    bDir.mtime = bDir.ctime = t;
    aInode.ctime = t;
    bInode.ctime = t;
    for (const l of this.listeners) {
      l.entryRemoved?.(aDir, aName, aInode);
      l.entryRemoved?.(bDir, bName, bInode);
    }
  }

  /** True if `dir` is `ancestor` or lies below it. */
  isAncestor(ancestor: Inode, dir: Inode): boolean {
    for (let d: Inode | null = dir; d !== null; d = d.parent) {
      if (d === ancestor) return true;
      if (d === this.root || d.parent === d) return false;
    }
    return false;
  }

  // ---- attributes -------------------------------------------------------

  /** Applies attribute changes. With checkPermissions, POSIX's rules for chmod, chown, utimes and truncate apply. */
  setattr(caller: Caller, inode: Inode, attr: SetAttr): void {
    if (caller.checkPermissions) this.checkSetattr(caller, inode, attr);
    if (attr.size !== undefined) {
      if (inode.isDir()) fail(Errno.EISDIR);
      if (!inode.isFile()) fail(Errno.EINVAL);
      if (attr.size < 0) fail(Errno.EINVAL);
    }
    const t = now();
    if (attr.size !== undefined && inode.data) {
      const before = inode.data.size;
      inode.data.truncate(attr.size);
      if (attr.size !== before || attr.mtime === undefined) {
        inode.mtime = t;
      }
      inode.ctime = t;
    }
    let mode = inode.mode;
    if (attr.mode !== undefined) {
      mode = (mode & S_IFMT) | (attr.mode & PERMISSION_BITS);
      if (caller.checkPermissions && caller.uid !== 0 && !inGroup(caller, attr.gid ?? inode.gid)) mode &= ~S_ISGID;
    }
    const chown = (attr.uid !== undefined && attr.uid !== inode.uid) || (attr.gid !== undefined && attr.gid !== inode.gid);
    const oldGid = inode.gid;
    if (attr.uid !== undefined) inode.uid = attr.uid;
    if (attr.gid !== undefined) inode.gid = attr.gid;
    if ((chown && !inode.isDir() && attr.mode === undefined) || attr.killSuidSgid) {
      // chown by anyone clears set-user-ID; set-group-ID as Linux's setattr_should_drop_sgid says.
      mode &= ~S_ISUID;
      if (dropsSgid(caller, mode, oldGid)) mode &= ~S_ISGID;
    }
    inode.mode = mode;
    if (attr.atime !== undefined) inode.atime = attr.atime === 'now' ? t : attr.atime;
    if (attr.mtime !== undefined) inode.mtime = attr.mtime === 'now' ? t : attr.mtime;
    inode.ctime = attr.ctime ?? t;
  }

  private checkSetattr(caller: Caller, inode: Inode, attr: SetAttr): void {
    const owner = isOwner(caller, inode);
    if (attr.mode !== undefined && !owner) fail(Errno.EPERM);
    // Linux's chown_ok/chgrp_ok: without CAP_CHOWN only the owner may "change" the uid to itself,
    // and the gid to its current value or one of the caller's groups.
    if (attr.uid !== undefined && caller.uid !== 0 && !(caller.uid === inode.uid && attr.uid === inode.uid)) fail(Errno.EPERM);
    if (attr.gid !== undefined && caller.uid !== 0 && !(caller.uid === inode.uid && (attr.gid === inode.gid || inGroup(caller, attr.gid)))) fail(Errno.EPERM);
    const explicit = (attr.atime !== undefined && attr.atime !== 'now') || (attr.mtime !== undefined && attr.mtime !== 'now');
    if (explicit && !owner) fail(Errno.EPERM);
    if (!explicit && (attr.atime === 'now' || attr.mtime === 'now') && !owner && !permits(caller, inode, W_OK)) fail(Errno.EACCES);
    if (attr.size !== undefined && !permits(caller, inode, W_OK)) fail(Errno.EACCES);
  }

  // ---- data -------------------------------------------------------------

  private fileData(inode: Inode): FileData {
    if (inode.data === null) fail(inode.isDir() ? Errno.EISDIR : Errno.EINVAL);
    return inode.data;
  }

  /** Views of the bytes in [pos, pos+len); updates atime as relatime does. */
  read(inode: Inode, pos: number, len: number): Uint8Array[] {
    const parts = this.fileData(inode).read(pos, len);
    this.accessed(inode);
    return parts;
  }

  /** relatime: update atime when it is older than mtime/ctime or a day old. */
  accessed(inode: Inode): void {
    const a = inode.atime;
    if (compare(a, inode.mtime) <= 0 || compare(a, inode.ctime) <= 0) {
      inode.atime = now();
      return;
    }
    const t = now();
    if (t.sec - a.sec >= 86400) inode.atime = t;
  }

  /** Writes and returns the count written (short when the volume fills part-way). */
  write(inode: Inode, pos: number, src: Uint8Array, killSuidSgid = false, caller?: Caller): number {
    const n = this.fileData(inode).write(pos, src);
    this.modified(inode, killSuidSgid, caller);
    return n;
  }

  /**
   * After a change of content: new mtime/ctime, and set-ID bits cleared when asked. With the writer
   * known, set-group-ID without group-exec also goes when the writer is not in the file's group.
   */
  modified(inode: Inode, killSuidSgid = false, caller?: Caller): void {
    const t = now();
    inode.mtime = t;
    inode.ctime = t;
    if (killSuidSgid && (inode.mode & (S_ISUID | S_ISGID)) !== 0) {
      inode.mode &= ~S_ISUID;
      if ((inode.mode & 0o010) !== 0 || (caller !== undefined && dropsSgid(caller, inode.mode, inode.gid))) inode.mode &= ~S_ISGID;
    }
  }

  fallocate(inode: Inode, mode: number, offset: number, length: number): void {
    if (offset < 0 || length <= 0) fail(Errno.EINVAL);
    const data = this.fileData(inode);
    const keep = (mode & FALLOC_FL_KEEP_SIZE) !== 0;
    if ((mode & FALLOC_FL_PUNCH_HOLE) !== 0) {
      if (!keep || (mode & ~(FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE)) !== 0) fail(Errno.EOPNOTSUPP);
      data.punchHole(offset, length);
      this.modified(inode);
      return;
    }
    if ((mode & FALLOC_FL_ZERO_RANGE) !== 0) {
      if ((mode & ~(FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE)) !== 0) fail(Errno.EOPNOTSUPP);
      const end = offset + length;
      data.punchHole(offset, length);
      if (!keep && end > data.size) data.truncate(end);
      this.modified(inode);
      return;
    }
    if ((mode & ~FALLOC_FL_KEEP_SIZE) !== 0) fail(Errno.EOPNOTSUPP);
    const before = data.size;
    data.allocate(offset, length, keep);
    if (data.size !== before) this.modified(inode);
  }

  /** copy_file_range within the volume; returns the count copied. */
  copyRange(src: Inode, srcPos: number, dst: Inode, dstPos: number, len: number): number {
    const from = this.fileData(src);
    const to = this.fileData(dst);
    if (src === dst && srcPos < dstPos + len && dstPos < srcPos + len) fail(Errno.EINVAL);
    const n = to.copyFrom(from, srcPos, dstPos, len);
    if (n > 0) this.modified(dst);
    this.accessed(src);
    return n;
  }

  // ---- extended attributes ----------------------------------------------

  private streamsOf(inode: Inode): Map<string, Stream> {
    if (inode.streams === null) inode.streams = new Map();
    return inode.streams;
  }

  /** Named stream `name` of a file (ntfs-3g: the same as xattr user.NAME). */
  stream(inode: Inode, name: string): Stream | undefined {
    return inode.streams?.get(this.keyOf(name));
  }

  getxattr(inode: Inode, name: string): Uint8Array {
    checkXattrName(name);
    if (name.startsWith('user.')) {
      const s = this.stream(inode, name.slice(5));
      if (s === undefined) fail(Errno.ENODATA);
      const out = new Uint8Array(s.data.size);
      s.data.readInto(0, out);
      return out;
    }
    const v = inode.xattrs?.get(name);
    if (v === undefined) fail(Errno.ENODATA);
    return v;
  }

  listxattr(inode: Inode): string[] {
    const names: string[] = [];
    if (inode.streams) for (const s of inode.streams.values()) names.push('user.' + s.name);
    if (inode.xattrs) for (const k of inode.xattrs.keys()) names.push(k);
    return names;
  }

  setxattr(inode: Inode, name: string, value: Uint8Array, flags = 0): void {
    checkXattrName(name);
    if (value.length > XATTR_SIZE_MAX) fail(Errno.E2BIG);
    if (name.startsWith('user.')) {
      const sname = name.slice(5);
      if (sname.length === 0) fail(Errno.EINVAL);
      const key = this.keyOf(sname);
      const existing = inode.streams?.get(key);
      if (existing && (flags & XATTR_CREATE)) fail(Errno.EEXIST);
      if (!existing && (flags & XATTR_REPLACE)) fail(Errno.ENODATA);
      const cost = existing ? 0 : ENTRY_COST + nameByteLength(sname);
      this.charge(inode, cost);
      const data = new FileData(this);
      try {
        if (data.write(0, value) !== value.length) fail(Errno.ENOSPC);
      } catch (e) {
        data.free();
        this.uncharge(inode, cost);
        throw e;
      }
      existing?.data.free();
      this.streamsOf(inode).set(key, { name: existing?.name ?? sname, data });
    } else {
      const old = inode.xattrs?.get(name);
      if (old && (flags & XATTR_CREATE)) fail(Errno.EEXIST);
      if (!old && (flags & XATTR_REPLACE)) fail(Errno.ENODATA);
      const cost = value.length - (old ? old.length : -ENTRY_COST - name.length);
      this.charge(inode, cost);
      if (inode.xattrs === null) inode.xattrs = new Map();
      inode.xattrs.set(name, value.slice());
    }
    inode.ctime = now();
  }

  removexattr(inode: Inode, name: string): void {
    checkXattrName(name);
    if (name.startsWith('user.')) {
      const key = this.keyOf(name.slice(5));
      const s = inode.streams?.get(key);
      if (s === undefined) fail(Errno.ENODATA);
      s.data.free();
      inode.streams!.delete(key);
      this.uncharge(inode, ENTRY_COST + nameByteLength(s.name));
    } else {
      const old = inode.xattrs?.get(name);
      if (old === undefined) fail(Errno.ENODATA);
      inode.xattrs!.delete(name);
      this.uncharge(inode, old.length + ENTRY_COST + name.length);
    }
    inode.ctime = now();
  }
}

/**
 * Linux's setattr_should_drop_sgid: set-group-ID (of a file being chowned, truncated or written by
 * someone without CAP_FSETID) goes when group-exec is set, or when the caller is neither root nor
 * in the file's group `gid`. Without group-exec the bit would mean mandatory locking.
 */
function dropsSgid(caller: Caller, mode: number, gid: number): boolean {
  if ((mode & S_ISGID) === 0) return false;
  return (mode & 0o010) !== 0 || (caller.uid !== 0 && !inGroup(caller, gid));
}

/**
 * Namespaces stored as given. POSIX ACLs (system.posix_acl_*) are refused
 * with EOPNOTSUPP, as on a file system without ACLs, so that tools such as
 * `cp -a` fall back to chmod instead of storing an ACL nothing enforces.
 */
const XATTR_PREFIXES = ['user.', 'trusted.', 'security.'];

function checkXattrName(name: string): void {
  if (name.length === 0) fail(Errno.ERANGE);
  if (nameByteLength(name) > XATTR_NAME_MAX) fail(Errno.ERANGE);
  if (!XATTR_PREFIXES.some((p) => name.startsWith(p))) fail(Errno.EOPNOTSUPP);
}
