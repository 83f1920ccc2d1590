/**
 * The volume: the inode table, the namespace operations and the memory
 * accounting. No I/O happens here; transports (FUSE, the node:fs facade) and
 * formats (FAT images, snapshots) drive it. Every operation either completes
 * or throws an FsError and changes nothing.
 */
import { checkAccess, checkSticky, inGroup, isOwner, permits, type Caller, W_OK, X_OK } from './access.js';
import { FileData, type Space, trimSlabs } from './data.js';
import { Directory } from './directory.js';
import { Errno, FsError, fail } from './errno.js';
import {
  Inode, PERMISSION_BITS, S_IFCHR, S_IFBLK, S_IFDIR, S_IFIFO, S_IFLNK, S_IFMT, S_IFREG, S_IFSOCK,
  S_ISGID, S_ISUID, type Stream,
} from './inode.js';
import { checkName, foldCase, isWindowsName, nameByteLength } from './names.js';
import { compare, now, type Timespec } from './time.js';
import { StreamInode } from './stream-node.js';
import { FILE_ATTRIBUTE_ARCHIVE, FILE_ATTRIBUTE_READONLY } from './windows/attributes.js';
import { ACL_ACCESS, ACL_DEFAULT, aclMode, chmodAcl, encodeAcl, inheritAcl, isAclName, isEquivalentToMode, parseAcl } from './acl.js';
import { NTFS_PREFIX, getNtfsXattr, removeNtfsXattr, setNtfsXattr } from './windows/ntfs-xattrs.js';
import { SAMBA_DOSATTRIB, getDosAttrib, sambaStreamName, sambaStreamXattr, setDosAttrib } from './windows/samba-xattrs.js';

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
  /**
   * How named streams are reached besides the `user.NAME` xattr: 'xattr' (only that, the default) or
   * 'windows' (also as `FILE:NAME`, as ntfs-3g's streams_interface=windows; ':' then cannot be in names).
   */
  streams?: 'xattr' | 'windows';
  /**
   * Also answer Samba's vfs_streams_xattr names for streams, `user.DosStream.NAME:$DATA` (the stream's
   * bytes and the NUL Samba keeps after them), and list them: set for a mount shared with --share.
   */
  sambaStreams?: boolean;
  /** Self-relative security descriptor of the root (its owner, group and mode follow from it). */
  rootSecurity?: Uint8Array;
  /** What inodes and names count against `sizeLimit`; default: the memory they take. */
  metadataCost?: MetadataCost;
  /** The volume serial number (a FAT image's volume ID); default: a random one. */
  serial?: number;
}

/** Memory charged per inode for its metadata, and per directory entry beyond its name. */
export const INODE_COST = 512;
export const ENTRY_COST = 64;

/**
 * How much an inode and a directory entry count against the size limit.
 * The default is the memory they take; a volume saved to a FAT image counts
 * what the image needs instead (directory slots; an inode itself takes none).
 *
 * A format with its own allocation units (FAT's clusters) also sets `data`
 * and `directory`, so that the volume fills exactly when the image would:
 * file data then counts by its size, not by the memory it holds, and a
 * directory's entries count together, rounded as the format rounds them.
 */
export interface MetadataCost {
  inode: number;
  entry(name: string): number;
  /** What a regular file of `size` bytes counts, for each of its names (a format without hard links stores copies). */
  data?(size: number): number;
  /**
   * What a directory counts whose entries count `entries` bytes (with `label`, the root's include the
   * label's); throws ENOSPC for a directory that cannot hold them. Set, entries are not charged one by one.
   */
  directory?(entries: number, root: boolean): number;
  /** What the volume label takes among the root's entries. */
  label?(label: string): number;
  /** The allocation unit statfs reports (default 4096). */
  blockSize?: number;
}

const MEMORY_COST: MetadataCost = { inode: INODE_COST, entry: (name) => ENTRY_COST + nameByteLength(name) };
/** As tmpfs: no practical limit, but keep nlink within 32 bits. */
export const LINK_MAX = 0x7fffffff;
export const XATTR_NAME_MAX = 255;
export const XATTR_SIZE_MAX = 65536;
export const PATH_MAX = 4096;
export const SYMLINK_MAX = 4095;
/** NTFS's limit on a volume label, in UTF-16 units (as Windows counts it). */
export const LABEL_MAX = 32;

/** Why `label` cannot be a volume label, or null: the -l option and FS_IOC_SETFSLABEL apply the same rule. */
export function labelProblem(label: string): string | null {
  if (label.length > LABEL_MAX) return `label ${JSON.stringify(label)} is longer than ${LABEL_MAX} characters`;
  if (/[\x00-\x1f]/.test(label)) return 'label must not contain control characters';
  if (label.includes('\ufffd')) return 'label is not valid UTF-8';
  return null;
}

/** chattr's immutable flag: nothing may change the file (or, for a directory, its entries). */
export const FS_IMMUTABLE_FL = 0x10;
/** chattr's append-only flag: the file may only grow at its end; a directory only take new entries. */
export const FS_APPEND_FL = 0x20;
const FIXED = FS_IMMUTABLE_FL | FS_APPEND_FL;
/** chattr's no-dump flag: kept for backup tools (dump, some tar/rsync options) to read. */
export const FS_NODUMP_FL = 0x40;
/** chattr's no-atime flag: reading the file leaves its access time alone. */
export const FS_NOATIME_FL = 0x80;
export const RENAME_NOREPLACE = 1;
export const RENAME_EXCHANGE = 2;
export const RENAME_WHITEOUT = 4;

export const XATTR_CREATE = 1;
export const XATTR_REPLACE = 2;
const OPTIONAL_NTFS_XATTRS = new Set(['system.ntfs_ea', 'system.ntfs_reparse_data']);
function hasNtfsXattr(inode: Inode, name: string): boolean {
  try {
    getNtfsXattr(inode, name);
    return true;
  } catch (e) {
    if (e instanceof FsError && e.errno === Errno.ENODATA) return false;
    throw e;
  }
}

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
  /** `FILE:NAME` reaches named stream NAME of FILE. */
  readonly windowsStreams: boolean;
  readonly sambaStreams: boolean;
  sizeLimit: number;
  inodeLimit: number;
  private volumeLabel: string;
  /** A volume serial number, as Windows shows it. */
  readonly serial: number;
  readonly root: Inode;
  /** Bytes charged: every inode's charge (see chargeOf), and memory held outside inodes. */
  used = 0;
  private readonly inodes = new Map<number, Inode>();
  private nextIno = 1;
  private readonly keyOf: (name: string) => string;
  readonly listeners = new Set<NamespaceListener>();
  private readonly cost: MetadataCost;
  /** What file data charges its memory to: the volume, or nothing when `cost.data` counts it by size. */
  private readonly dataSpace: Space;
  /** With `cost.directory`: what each directory's entries count together. */
  private readonly entryBytes = new WeakMap<Inode, number>();

  constructor(options: VolumeOptions = {}) {
    this.caseInsensitive = options.caseInsensitive ?? false;
    this.windowsNames = options.windowsNames ?? false;
    this.windowsStreams = options.streams === 'windows';
    this.sambaStreams = options.sambaStreams ?? false;
    this.sizeLimit = options.sizeLimit ?? Number.MAX_SAFE_INTEGER;
    this.cost = options.metadataCost ?? MEMORY_COST;
    this.dataSpace = this.cost.data ? { reserve: () => {}, release: () => {} } : this;
    this.inodeLimit = options.inodeLimit ?? 0;
    this.volumeLabel = options.label ?? 'MEMEFS';
    this.serial = options.serial ?? (Math.random() * 0x1_0000_0000) >>> 0;
    this.keyOf = this.caseInsensitive ? foldCase : (name) => name;
    const root = this.newInode(S_IFDIR | ((options.rootMode ?? 0o1777) & PERMISSION_BITS), options.rootUid ?? 0, options.rootGid ?? 0);
    root.dir = new Directory(this.keyOf);
    root.nlink = 2;
    root.parent = root;
    this.root = root;
    if (this.cost.directory) this.resizeDir(root, this.labelCost(this.volumeLabel), true);
    if (options.rootSecurity) setNtfsXattr(this, root, 'system.ntfs_acl', options.rootSecurity);
  }

  // ---- accounting -------------------------------------------------------

  /** Space: file data is charged to its inode's data part (`owner`); other memory to the volume alone. */
  reserve(bytes: number, owner?: Inode): void {
    if (owner !== undefined) return this.account(owner, bytes, 0);
    if (bytes <= 0) {
      this.used += bytes;
      return;
    }
    if (this.used + bytes > this.sizeLimit) fail(Errno.ENOSPC);
    this.used += bytes;
  }

  release(bytes: number, owner?: Inode): void {
    if (owner !== undefined) return this.account(owner, -bytes, 0);
    this.used -= bytes;
  }

  get label(): string {
    return this.volumeLabel;
  }

  /** Sets the label; ENOSPC when the root has no room left for it (see MetadataCost.label). */
  set label(label: string) {
    if (this.cost.directory) this.resizeDir(this.root, this.labelCost(label) - this.labelCost(this.volumeLabel));
    this.volumeLabel = label;
  }

  private labelCost(label: string): number {
    return this.cost.label?.(label) ?? 0;
  }

  /**
   * With `cost.directory`: `dir`'s entries count `delta` bytes more (or less), charged to `dir` as the
   * format rounds them; `fresh` for a new directory, which is charged what it costs empty first.
   */
  private resizeDir(dir: Inode, delta: number, fresh = false): void {
    const cost = this.cost.directory!;
    const root = dir === this.root;
    const before = this.entryBytes.get(dir) ?? 0;
    this.charge(dir, cost(before + delta, root) - (fresh ? 0 : cost(before, root)));
    this.entryBytes.set(dir, before + delta);
  }

  get inodeCount(): number {
    return this.inodes.size;
  }

  statfs(): StatFs {
    const bsize = this.cost.blockSize ?? 4096;
    const blocks = Math.floor(this.sizeLimit / bsize);
    const bfree = Math.max(0, Math.floor((this.sizeLimit - this.used) / bsize));
    const byMemory = this.inodes.size + Math.floor(Math.max(0, this.sizeLimit - this.used) / Math.max(1, this.cost.inode + this.cost.entry('')));
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

  /** Pins an inode for an outside holder (open file, API handle); it lives while pinned. */
  ref(inode: Inode, n = 1): void {
    inode.refs += n;
  }

  /** The kernel looked the inode up `n` times more (an entry reply): its number stays valid until forgotten. */
  lookedUp(inode: Inode, n = 1): void {
    inode.lookups += n;
  }

  /** The kernel forgot `n` of its lookups (FORGET). */
  forgotten(inode: Inode, n: number): void {
    inode.lookups -= n;
    if (inode.lookups < 0) inode.lookups = 0;
    this.maybeFree(inode);
  }

  /** Gives back the memory file data keeps for reuse (empty slabs, see slab.ts): for when the volume is quiet. */
  trim(): void {
    trimSlabs(this.dataSpace);
    if (this.dataSpace !== this) trimSlabs(this);
  }

  unref(inode: Inode, n = 1): void {
    inode.refs -= n;
    if (inode.refs < 0) inode.refs = 0;
    this.maybeFree(inode);
  }

  private newInode(mode: number, uid: number, gid: number): Inode {
    if (this.inodeLimit > 0 && this.inodes.size >= this.inodeLimit) fail(Errno.ENOSPC);
    this.reserve(this.cost.inode);
    const inode = new Inode(this.nextIno++, mode, uid, gid, now());
    inode.metaCharged = this.cost.inode;
    this.inodes.set(inode.ino, inode);
    return inode;
  }

  private maybeFree(inode: Inode): void {
    if (inode instanceof StreamInode) return this.maybeFreeStreamNode(inode);
    if (inode.nlink > 0 || inode.refs > 0 || inode === this.root) return;
    if (!this.inodes.has(inode.ino)) return;
    // Unlinked and not open, yet still looked up by the kernel: FORGET may come a moment after the next
    // request, so a file's data and charge go now (a full disk has room again at once) and the inode
    // waits for FORGET. A directory may still be listed through an open handle the daemon does not see,
    // and streams have holders of their own: both wait for FORGET as a whole.
    const looked = inode.lookups > 0;
    if (looked && (inode.dir !== null || inode.streams !== null)) return;
    inode.data?.free();
    this.release(this.chargeOf(inode.dataCharged, inode.metaCharged));
    inode.dataCharged = 0;
    inode.metaCharged = 0;
    if (looked) return;
    this.inodes.delete(inode.ino);
    if (inode.streams) for (const s of inode.streams.values()) s.data.free();
    // Only what is set: a store, even of the null already there, changes the field of the objects' map
    // (V8: it is no longer constant) and throws away compiled code that relied on it (mknod's, Inode's).
    if (inode.streams !== null) inode.streams = null;
    if (inode.xattrs !== null) inode.xattrs = null;
    if (inode.dir !== null) inode.dir = null;
  }

  /**
   * What an inode counts against the size limit, from its data and metadata parts. By default the
   * larger of the two, as tmpfs charges a file its pages and nothing for its inode (which it caps with
   * nr_inodes instead): a file with data counts what tmpfs counts, and empty files still count their
   * metadata, so that a flood of them fills the volume. With `cost.data` the format counts file data by
   * size in the metadata part, and the data part (named streams' memory) adds to it.
   */
  private chargeOf(data: number, meta: number): number {
    return this.cost.data ? data + meta : Math.max(data, meta);
  }

  /** Changes an inode's parts by `data` and `meta` bytes; ENOSPC, and nothing changed, when it does not fit. */
  private account(inode: Inode, data: number, meta: number): void {
    const before = this.chargeOf(inode.dataCharged, inode.metaCharged);
    this.reserve(this.chargeOf(inode.dataCharged + data, inode.metaCharged + meta) - before);
    inode.dataCharged += data;
    inode.metaCharged += meta;
  }

  /** A regular file's data, charged to the file (or, when the format counts sizes, to nothing). */
  private newData(inode: Inode): FileData {
    return new FileData(this.dataSpace, inode);
  }

  /** Charges `bytes` of metadata to the inode (given back when it is freed). */
  charge(inode: Inode, bytes: number): void {
    this.account(inode, 0, bytes);
  }

  uncharge(inode: Inode, bytes: number): void {
    this.account(inode, 0, -bytes);
  }

  // ---- names ------------------------------------------------------------

  private checkNewName(name: string): void {
    checkName(name);
    if (name === '.' || name === '..') fail(Errno.EEXIST);
    if (this.windowsNames && !isWindowsName(name)) fail(Errno.EINVAL, `name not allowed on Windows: ${name}`);
    if (this.windowsStreams && name.includes(':')) fail(Errno.EINVAL, `':' names a stream: ${name}`);
  }

  private dirOf(inode: Inode): Directory {
    if (inode.dir === null) fail(Errno.ENOTDIR);
    return inode.dir;
  }

  /** Looks up one name in a directory. "." and ".." work too. */
  lookup(caller: Caller, dir: Inode, name: string): Inode {
    const inode = this.lookupOrNull(caller, dir, name);
    if (inode === null) fail(Errno.ENOENT);
    return inode;
  }

  /**
   * lookup(), but a name that is not there gives null instead of throwing ENOENT.
   * For hot paths: FUSE looks up every new name before creating it, and an
   * exception (with its stack trace) costs more than the rest of the request.
   */
  lookupOrNull(caller: Caller, dir: Inode, name: string): Inode | null {
    const entries = this.dirOf(dir);
    checkAccess(caller, dir, X_OK);
    if (name === '.') return dir;
    if (name === '..') return dir.parent ?? dir;
    checkName(name);
    if (this.windowsStreams && name.includes(':')) return this.lookupStream(dir, name);
    return entries.get(name)?.inode ?? null;
  }

  /** The stored spelling of `name` in `dir` (differs on case-insensitive volumes). */
  storedName(dir: Inode, name: string): string | undefined {
    return dir.dir?.get(name)?.name;
  }

  private checkCreate(caller: Caller, dir: Inode, name: string): Directory {
    // A removed directory (someone's working directory) takes no new entries: ENOENT, as Linux's IS_DEADDIR.
    if (dir.nlink === 0 && dir.isDir()) fail(Errno.ENOENT);
    const entries = this.dirOf(dir);
    if (name === '.' || name === '..') fail(Errno.EEXIST);
    checkName(name);
    if ((dir.fileFlags & FS_IMMUTABLE_FL) !== 0) fail(Errno.EPERM);
    checkAccess(caller, dir, W_OK | X_OK);
    if (entries.get(name) !== undefined) fail(Errno.EEXIST);
    this.checkNewName(name);
    return entries;
  }

  private entryCost(name: string): number {
    return this.cost.entry(name);
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
    if (!this.cost.directory) {
      this.charge(inode, cost);
    } else {
      this.resizeDir(dir, cost);
      try {
        if (inode.nlink > 0) this.charge(inode, this.copyCost(inode)); // one more copy of a hard-linked file
      } catch (e) {
        this.resizeDir(dir, -cost);
        throw e;
      }
    }
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
  /** `umask`: applied unless `dir` has a default ACL (FUSE passes it apart: FUSE_DONT_MASK). */
  mknod(caller: Caller, dir: Inode, name: string, mode: number, rdev = 0, umask = 0): Inode {
    if (this.windowsStreams && name.includes(':') && ((mode & S_IFMT) === S_IFREG || (mode & S_IFMT) === 0)) return this.createStream(caller, dir, name);
    const entries = this.checkCreate(caller, dir, name);
    const type = mode & S_IFMT;
    if (type === 0) mode |= S_IFREG;
    else if (type !== S_IFREG && type !== S_IFIFO && type !== S_IFSOCK && type !== S_IFCHR && type !== S_IFBLK) fail(Errno.EINVAL);
    if ((type === S_IFCHR || type === S_IFBLK) && caller.checkPermissions && caller.uid !== 0) fail(Errno.EPERM);
    const owner = this.initialOwner(caller, dir, mode);
    const inode = this.newInode((mode & S_IFMT) | (owner.mode & PERMISSION_BITS), owner.uid, owner.gid);
    if (inode.isFile()) inode.data = this.newData(inode);
    inode.dosAttributes = FILE_ATTRIBUTE_ARCHIVE; // NTFS marks new files for backup
    if (type === S_IFCHR || type === S_IFBLK) inode.rdev = rdev;
    try {
      this.applyCreateAcl(dir, inode, owner.mode, umask);
      this.attach(dir, entries, name, inode);
    } catch (e) {
      this.maybeFree(inode);
      throw e;
    }
    return inode;
  }

  mkdir(caller: Caller, dir: Inode, name: string, mode: number, umask = 0): Inode {
    const entries = this.checkCreate(caller, dir, name);
    const owner = this.initialOwner(caller, dir, S_IFDIR | (mode & PERMISSION_BITS));
    const inode = this.newInode(S_IFDIR | (owner.mode & PERMISSION_BITS), owner.uid, owner.gid);
    inode.dir = new Directory(this.keyOf);
    try {
      if (this.cost.directory) this.resizeDir(inode, 0, true);
      this.applyCreateAcl(dir, inode, owner.mode, umask);
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
    inode.dosAttributes = FILE_ATTRIBUTE_ARCHIVE; // as FIFOs and files (ntfs-3g does the same)
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
  tmpfile(caller: Caller, dir: Inode, mode: number, umask = 0): Inode {
    this.dirOf(dir);
    checkAccess(caller, dir, W_OK | X_OK);
    const owner = this.initialOwner(caller, dir, S_IFREG | (mode & PERMISSION_BITS));
    const inode = this.newInode(S_IFREG | (owner.mode & PERMISSION_BITS), owner.uid, owner.gid);
    try {
      this.applyCreateAcl(dir, inode, owner.mode, umask);
    } catch (e) {
      this.maybeFree(inode);
      throw e;
    }
    inode.data = this.newData(inode);
    inode.refs = 1;
    return inode;
  }

  link(caller: Caller, inode: Inode, dir: Inode, name: string): void {
    if (inode.isDir() || (inode.fileFlags & FIXED) !== 0) fail(Errno.EPERM);
    if (inode instanceof StreamInode) fail(Errno.EINVAL); // a stream has no name of its own (as ntfs-3g)
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
    if (this.windowsStreams && name.includes(':')) return this.unlinkStream(caller, dir, name);
    const entry = entries.get(name);
    if (entry === undefined) fail(Errno.ENOENT);
    checkAccess(caller, dir, W_OK | X_OK);
    const inode = entry.inode;
    // Linux's may_delete: the sticky rule comes before the type check.
    checkSticky(caller, dir, inode);
    checkDeletable(dir, inode);
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
    checkDeletable(dir, inode);
    if (!inode.isDir()) fail(Errno.ENOTDIR);
    if (inode === this.root) fail(Errno.EBUSY);
    if (inode.dir!.size > 0) fail(Errno.ENOTEMPTY);
    this.detach(dir, entries, entry.name, inode);
  }

  /** Removes an entry and drops the inode's link (a directory loses both of its own). */
  private detach(dir: Inode, entries: Directory, name: string, inode: Inode): void {
    entries.remove(name);
    if (this.cost.directory) this.resizeDir(dir, -this.entryCost(name));
    else this.uncharge(inode, this.entryCost(name));
    if (inode.isDir()) {
      inode.nlink = 0;
      dir.nlink--;
    } else {
      inode.nlink--;
      if (inode.nlink > 0) this.uncharge(inode, this.copyCost(inode));
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
    // A stream is not renamed or moved out of its file (as ntfs-3g answers for a stream name given as the source).
    if (this.windowsStreams && (fromName.includes(':') || toName.includes(':'))) fail(Errno.EINVAL, 'streams cannot be renamed');
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
        const delta = this.entryCost(toName) - this.entryCost(old);
        if (this.cost.directory) this.resizeDir(fromDir, delta);
        else this.charge(inode, delta);
        fromEntries.remove(old);
        toEntries.add(toName, inode);
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
    checkDeletable(fromDir, inode);
    if (target !== undefined) checkDeletable(toDir, target.inode);
    else if ((toDir.fileFlags & FS_IMMUTABLE_FL) !== 0) fail(Errno.EPERM);
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
    // RENAME_WHITEOUT (overlayfs): a whiteout, a 0:0 character device, takes the old name. Made
    // first, so that a full volume fails the rename before anything moved.
    const whiteout = (flags & RENAME_WHITEOUT) !== 0 ? this.newInode(S_IFCHR, caller.uid, this.initialOwner(caller, fromDir, S_IFCHR).gid) : null;
    try {
      if (this.cost.directory) {
        // The whiteout keeps the old name's place; a replaced target is given back by detach below.
        const left = whiteout !== null ? 0 : -oldCost;
        if (fromDir === toDir) {
          this.resizeDir(toDir, newCost + left);
        } else {
          this.resizeDir(toDir, newCost);
          this.resizeDir(fromDir, left);
        }
      } else {
        if (whiteout !== null) this.charge(whiteout, oldCost);
        this.charge(inode, newCost);
        this.uncharge(inode, oldCost);
      }
    } catch (e) {
      if (whiteout !== null) this.maybeFree(whiteout);
      throw e;
    }

    if (target !== undefined) this.detach(toDir, toEntries, target.name, target.inode);
    fromEntries.remove(source.name);
    toEntries.add(toName, inode);
    if (whiteout !== null) {
      fromEntries.add(source.name, whiteout);
      whiteout.nlink++;
    }
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
    if (!this.cost.directory) {
      this.charge(aInode, costB);
      this.charge(bInode, costA);
      this.uncharge(aInode, costA);
      this.uncharge(bInode, costB);
    } // else each name stays in its directory: what they count does not change
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
    if ((inode.fileFlags & FIXED) !== 0) {
      // Linux's may_setattr and truncate rules for immutable and append-only files.
      const explicitTimes = (attr.atime !== undefined && attr.atime !== 'now') || (attr.mtime !== undefined && attr.mtime !== 'now');
      const anyTimes = attr.atime !== undefined || attr.mtime !== undefined;
      if (attr.mode !== undefined || attr.uid !== undefined || attr.gid !== undefined || attr.size !== undefined || explicitTimes) fail(Errno.EPERM);
      if ((inode.fileFlags & FS_IMMUTABLE_FL) !== 0 && anyTimes) fail(Errno.EPERM);
    }
    if (caller.checkPermissions) this.checkSetattr(caller, inode, attr);
    if (attr.size !== undefined) {
      if (inode.isDir()) fail(Errno.EISDIR);
      if (!inode.isFile()) fail(Errno.EINVAL);
      if (attr.size < 0) fail(Errno.EINVAL);
    }
    const t = now();
    if (attr.size !== undefined && inode.data) {
      const before = inode.data.size;
      this.resizing(inode, attr.size, (data) => data.truncate(attr.size!));
      if (attr.size !== before || attr.mtime === undefined) {
        inode.mtime = t;
      }
      if (attr.size !== before) inode.dosAttributes |= FILE_ATTRIBUTE_ARCHIVE;
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
    const acl = attr.mode !== undefined ? inode.xattrs?.get(ACL_ACCESS) : undefined;
    if (acl !== undefined) inode.xattrs!.set(ACL_ACCESS, encodeAcl(chmodAcl(parseAcl(acl), mode))); // same size
    if (attr.atime !== undefined) inode.atime = attr.atime === 'now' ? t : attr.atime;
    if (attr.mtime !== undefined) inode.mtime = attr.mtime === 'now' ? t : attr.mtime;
    inode.ctime = attr.ctime ?? t;
    this.changedThroughStream(inode);
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
    if ((inode.fileFlags & FS_NOATIME_FL) !== 0) return;
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
    const n = this.prepareWrite(inode, pos, src.length, killSuidSgid, caller);
    this.fillWrite(inode, pos, n === src.length ? src : src.subarray(0, n));
    return n;
  }

  /**
   * `write` in two halves, for a transport that answers before copying: this one does everything
   * that can fail (room, size, times, set-ID bits) and returns how many bytes fit; `fillWrite` copies
   * them and must run before anything else touches the file.
   */
  prepareWrite(inode: Inode, pos: number, length: number, killSuidSgid = false, caller?: Caller): number {
    if ((inode.fileFlags & FS_IMMUTABLE_FL) !== 0) fail(Errno.EPERM);
    const data = this.fileData(inode);
    let n: number;
    if (!this.countsSize(inode)) {
      n = data.prepare(pos, length);
    } else {
      const fit = this.fitting(inode, pos, length);
      n = this.resizing(inode, pos + fit, () => data.prepare(pos, fit));
    }
    this.modified(inode, killSuidSgid, caller);
    return n;
  }

  // With `cost.data`, a file's size counts (FAT stores every byte up to the size, holes too), and its
  // data charges no memory: these keep the charge equal to what the size costs, before any change.

  private countsSize(inode: Inode): boolean {
    return this.cost.data !== undefined && inode.data !== null && !(inode instanceof StreamInode);
  }

  /** What `inode`'s data counts at `size`: once for each name (a hard link is saved as a copy). */
  private sizeCost(inode: Inode, size: number): number {
    return this.cost.data!(size) * Math.max(1, inode.nlink);
  }

  /** What one more (or one less) copy of a file costs, when size counts; else 0. */
  private copyCost(inode: Inode): number {
    return this.countsSize(inode) ? this.cost.data!(inode.data!.size) : 0;
  }

  /**
   * Runs `change`, which may grow the file's size up to `end`: when size counts, what that would add is
   * charged first (ENOSPC before anything changed), and the charge then follows the size reached.
   */
  private resizing<T>(inode: Inode, end: number, change: (data: FileData) => T): T {
    const data = this.fileData(inode);
    if (!this.countsSize(inode)) return change(data);
    const before = this.sizeCost(inode, data.size);
    const reserved = Math.max(0, this.sizeCost(inode, Math.max(end, data.size)) - before);
    this.charge(inode, reserved);
    try {
      return change(data);
    } finally {
      this.uncharge(inode, before + reserved - this.sizeCost(inode, data.size));
    }
  }

  /** How many of `length` bytes at `pos` fit, when size counts (a short write); ENOSPC if none. */
  private fitting(inode: Inode, pos: number, length: number): number {
    const size = inode.data!.size;
    const room = this.sizeLimit - this.used + this.sizeCost(inode, size);
    const fits = (n: number) => pos + n <= size || this.sizeCost(inode, pos + n) <= room;
    if (length === 0 || fits(length)) return length;
    let lo = 0;
    let hi = length; // fits(lo), !fits(hi)
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (fits(mid)) lo = mid;
      else hi = mid;
    }
    if (lo === 0) fail(Errno.ENOSPC);
    return lo;
  }

  fillWrite(inode: Inode, pos: number, src: Uint8Array): void {
    this.fileData(inode).fill(pos, src);
  }

  /**
   * After a change of content: new mtime/ctime, and set-ID bits cleared when asked. With the writer
   * known, set-group-ID without group-exec also goes when the writer is not in the file's group.
   */
  modified(inode: Inode, killSuidSgid = false, caller?: Caller): void {
    const t = now();
    inode.mtime = t;
    inode.ctime = t;
    inode.dosAttributes |= FILE_ATTRIBUTE_ARCHIVE; // as NTFS: changed since the last backup
    if (killSuidSgid && (inode.mode & (S_ISUID | S_ISGID)) !== 0) {
      inode.mode &= ~S_ISUID;
      if ((inode.mode & 0o010) !== 0 || (caller !== undefined && dropsSgid(caller, inode.mode, inode.gid))) inode.mode &= ~S_ISGID;
    }
    this.changedThroughStream(inode);
  }

  fallocate(inode: Inode, mode: number, offset: number, length: number): void {
    if (offset < 0 || length <= 0) fail(Errno.EINVAL);
    if ((inode.fileFlags & FS_IMMUTABLE_FL) !== 0 || ((inode.fileFlags & FS_APPEND_FL) !== 0 && (mode & ~FALLOC_FL_KEEP_SIZE) !== 0)) fail(Errno.EPERM);
    const data = this.fileData(inode);
    const keep = (mode & FALLOC_FL_KEEP_SIZE) !== 0;
    // Preallocating past the end cannot be counted by size, and a format like FAT keeps nothing past it.
    if (keep && (mode & FALLOC_FL_PUNCH_HOLE) === 0 && this.countsSize(inode) && offset + length > data.size) fail(Errno.EOPNOTSUPP);
    if ((mode & FALLOC_FL_PUNCH_HOLE) !== 0) {
      if (!keep || (mode & ~(FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE)) !== 0) fail(Errno.EOPNOTSUPP);
      data.punchHole(offset, length);
      this.modified(inode);
      return;
    }
    if ((mode & FALLOC_FL_ZERO_RANGE) !== 0) {
      if ((mode & ~(FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE)) !== 0) fail(Errno.EOPNOTSUPP);
      const end = offset + length;
      this.resizing(inode, keep ? 0 : end, () => {
        data.punchHole(offset, length);
        if (!keep && end > data.size) data.truncate(end);
      });
      this.modified(inode);
      return;
    }
    if ((mode & ~FALLOC_FL_KEEP_SIZE) !== 0) fail(Errno.EOPNOTSUPP);
    const before = data.size;
    this.resizing(inode, keep ? 0 : offset + length, () => data.allocate(offset, length, keep));
    if (data.size !== before) this.modified(inode);
  }

  /** copy_file_range within the volume; returns the count copied. A copy is a write: `killSuidSgid` as for write(). */
  copyRange(src: Inode, srcPos: number, dst: Inode, dstPos: number, len: number, killSuidSgid = false): number {
    if ((dst.fileFlags & FS_IMMUTABLE_FL) !== 0) fail(Errno.EPERM);
    const from = this.fileData(src);
    const to = this.fileData(dst);
    if (src === dst && srcPos < dstPos + len && dstPos < srcPos + len) fail(Errno.EINVAL);
    let n: number;
    if (!this.countsSize(dst)) {
      n = to.copyFrom(from, srcPos, dstPos, len);
    } else {
      const fit = this.fitting(dst, dstPos, Math.min(len, Math.max(0, from.size - srcPos)));
      n = this.resizing(dst, dstPos + fit, () => to.copyFrom(from, srcPos, dstPos, fit));
    }
    if (n > 0) this.modified(dst, killSuidSgid);
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
    const v = this.findXattr(inode, name);
    if (v === undefined) fail(Errno.ENODATA);
    return v;
  }

  /**
   * getxattr, with undefined for an attribute the inode does not have (ENODATA)
   * instead of an exception: the kernel asks for absent ones (security.capability
   * before every first write to a file, ACLs for ls -l) often enough for the
   * exception's cost to show. A bad name still throws.
   */
  findXattr(inode: Inode, name: string): Uint8Array | undefined {
    if (inode instanceof StreamInode) inode = inode.base; // a stream's metadata is its file's
    if (name.startsWith(NTFS_PREFIX)) return getNtfsXattr(inode, name);
    if (name === SAMBA_DOSATTRIB) return getDosAttrib(inode);
    const samba = this.sambaStreams ? sambaStreamName(name) : null;
    if (samba !== null) {
      const v = this.findXattr(inode, 'user.' + samba);
      return v && Buffer.concat([v, new Uint8Array(1)]);
    }
    checkXattrName(name);
    if (name.startsWith('user.')) {
      const s = this.stream(inode, name.slice(5));
      if (s === undefined) return undefined;
      // More than an xattr call can carry (the kernel answers E2BIG anyway): say so without copying it.
      if (s.data.size > XATTR_SIZE_MAX) fail(Errno.E2BIG);
      const out = new Uint8Array(s.data.size);
      s.data.readInto(0, out);
      return out;
    }
    return inode.xattrs?.get(name);
  }

  /**
   * The xattr names. Streams larger than an xattr can be (XATTR_SIZE_MAX) are not listed: a tool
   * that copies xattrs would fail on them and then skip the whole file (rsync) or fail (cp);
   * unlisted, the file and everything else is copied. They stay reachable as FILE:NAME.
   */
  listxattr(inode: Inode): string[] {
    if (inode instanceof StreamInode) inode = inode.base;
    const names: string[] = [];
    if (inode.streams) for (const s of inode.streams.values()) if (s.data.size <= XATTR_SIZE_MAX) names.push('user.' + s.name);
    // Samba's form carries a NUL after the data.
    if (inode.streams && this.sambaStreams) for (const s of inode.streams.values()) if (s.data.size < XATTR_SIZE_MAX) names.push(sambaStreamXattr(s.name));
    if (inode.xattrs) for (const k of inode.xattrs.keys()) names.push(k);
    return names;
  }

  setxattr(inode: Inode, name: string, value: Uint8Array, flags = 0, caller?: Caller): void {
    if (inode instanceof StreamInode) {
      this.setxattr(inode.base, name, value, flags, caller);
      this.changedThroughStream(inode);
      return;
    }
    if ((inode.fileFlags & FIXED) !== 0) fail(Errno.EPERM);
    if (name.startsWith(NTFS_PREFIX)) {
      // EAs and reparse data may be absent; the others always exist.
      const exists = !OPTIONAL_NTFS_XATTRS.has(name) || hasNtfsXattr(inode, name);
      if (exists && (flags & XATTR_CREATE) !== 0) fail(Errno.EEXIST);
      if (!exists && (flags & XATTR_REPLACE) !== 0) fail(Errno.ENODATA);
      setNtfsXattr(this, inode, name, value, caller);
      return;
    }
    if (name === SAMBA_DOSATTRIB) {
      if ((flags & XATTR_CREATE) !== 0) fail(Errno.EEXIST); // always there, like system.ntfs_attrib
      setDosAttrib(this, inode, value, caller);
      return;
    }
    const samba = this.sambaStreams ? sambaStreamName(name) : null;
    if (samba !== null) {
      // Samba writes the stream's bytes and a NUL: the stream is the bytes.
      this.setxattr(inode, 'user.' + samba, value.length > 0 && value[value.length - 1] === 0 ? value.subarray(0, -1) : value, flags, caller);
      return;
    }
    checkXattrName(name);
    if (value.length > XATTR_SIZE_MAX) fail(Errno.E2BIG);
    if (isAclName(name)) {
      const killSgid = caller !== undefined && caller.checkPermissions && caller.uid !== 0 && !inGroup(caller, inode.gid);
      this.setAcl(inode, name, value, flags, killSgid, caller);
      return;
    }
    if (name.startsWith('user.')) {
      const sname = name.slice(5);
      if (sname.length === 0) fail(Errno.EINVAL);
      // ntfs-3g's windows_names checks an xattr's stream name for characters only (reserved names pass).
      if (this.windowsNames && !isWindowsStreamXattr(sname)) fail(Errno.EINVAL, `stream name not allowed on Windows: ${sname}`);
      if (!inode.isDir()) this.checkWritable(inode); // a stream is the file's data
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
      if (existing) {
        // Keep the Stream object: an open FILE:NAME node reads through it.
        existing.data.free();
        existing.data = data;
      } else {
        this.streamsOf(inode).set(key, { name: sname, data });
      }
      if (!inode.isDir()) inode.dosAttributes |= FILE_ATTRIBUTE_ARCHIVE; // as a write through FILE:NAME
    } else {
      const old = inode.xattrs?.get(name);
      if (old && (flags & XATTR_CREATE)) fail(Errno.EEXIST);
      if (!old && (flags & XATTR_REPLACE)) fail(Errno.ENODATA);
      const cost = value.length - (old ? old.length : -ENTRY_COST - name.length);
      this.charge(inode, cost);
      if (inode.xattrs === null) inode.xattrs = new Map();
      inode.xattrs.set(name, new Uint8Array(value)); // a copy: value may be a Buffer view of the request
    }
    inode.ctime = now();
  }

  /**
   * Sets a POSIX ACL, as Linux's simple_set_acl: an access ACL sets the mode's permission bits (the
   * group bits from its mask) and is not kept when the mode says it all; a default ACL only on a
   * directory. `killSgid`: the setter is neither in the file's group nor privileged (the kernel
   * says so with FUSE_SETXATTR_ACL_KILL_SGID), so set-group-ID goes, as with chmod.
   */
  setAcl(inode: Inode, name: string, value: Uint8Array, flags: number, killSgid: boolean, caller?: Caller): void {
    if (inode instanceof StreamInode) {
      this.setAcl(inode.base, name, value, flags, killSgid, caller);
      this.changedThroughStream(inode);
      return;
    }
    if ((inode.fileFlags & FIXED) !== 0) fail(Errno.EPERM);
    if (caller !== undefined && !isOwner(caller, inode)) fail(Errno.EPERM);
    const entries = parseAcl(value);
    const old = inode.xattrs?.get(name);
    if (old !== undefined && (flags & XATTR_CREATE)) fail(Errno.EEXIST);
    if (old === undefined && (flags & XATTR_REPLACE)) fail(Errno.ENODATA);
    if (name === ACL_DEFAULT && !inode.isDir()) fail(Errno.EACCES);
    const keep = name === ACL_DEFAULT || !isEquivalentToMode(entries);
    this.storeXattr(inode, name, keep ? encodeAcl(entries) : null);
    if (name === ACL_ACCESS) {
      inode.mode = (inode.mode & ~0o777) | aclMode(entries);
      if (killSgid) inode.mode &= ~S_ISGID;
    }
    inode.ctime = now();
  }

  /** Stores (or, for null, removes) a plain xattr value, charging the difference. */
  private storeXattr(inode: Inode, name: string, value: Uint8Array | null): void {
    const old = inode.xattrs?.get(name);
    const cost = (value === null ? 0 : value.length + ENTRY_COST + name.length) - (old === undefined ? 0 : old.length + ENTRY_COST + name.length);
    if (cost > 0) this.charge(inode, cost);
    else this.uncharge(inode, -cost);
    if (value === null) inode.xattrs?.delete(name);
    else (inode.xattrs ??= new Map()).set(name, value);
  }

  /**
   * The mode and ACLs of a new node in `dir` (posix_acl_create): with a default ACL, it is
   * inherited (a directory also takes it as its own default) and the umask does not apply;
   * without one, the umask does. Charged to the new inode; called before it has a name.
   */
  private applyCreateAcl(dir: Inode, inode: Inode, mode: number, umask: number): void {
    const defaults = dir.xattrs?.get(ACL_DEFAULT);
    if (defaults === undefined) {
      inode.mode &= ~(umask & 0o777);
      return;
    }
    if (inode.isSymlink()) return;
    const { mode: bits, access } = inheritAcl(parseAcl(defaults), mode);
    inode.mode = (inode.mode & ~0o777) | (bits & 0o777);
    if (access !== null) this.storeXattr(inode, ACL_ACCESS, encodeAcl(access));
    if (inode.isDir()) this.storeXattr(inode, ACL_DEFAULT, new Uint8Array(defaults));
  }

  removexattr(inode: Inode, name: string, caller?: Caller): void {
    if (inode instanceof StreamInode) {
      this.removexattr(inode.base, name, caller);
      this.changedThroughStream(inode);
      return;
    }
    if ((inode.fileFlags & FIXED) !== 0) fail(Errno.EPERM);
    if (name.startsWith(NTFS_PREFIX)) {
      removeNtfsXattr(this, inode, name, caller);
      return;
    }
    if (name === SAMBA_DOSATTRIB) fail(Errno.EPERM); // memefs's own attributes: they can be changed, not removed
    const samba = this.sambaStreams ? sambaStreamName(name) : null;
    if (samba !== null) {
      this.removexattr(inode, 'user.' + samba, caller);
      return;
    }
    checkXattrName(name);
    if (name.startsWith('user.')) {
      if (!this.dropStream(inode, name.slice(5))) fail(Errno.ENODATA);
    } else {
      const old = inode.xattrs?.get(name);
      if (old === undefined) fail(Errno.ENODATA);
      inode.xattrs!.delete(name);
      this.uncharge(inode, old.length + ENTRY_COST + name.length);
    }
    inode.ctime = now();
  }
  // ---- Windows: named streams as nodes, reparse retyping, read-only ------

  private readonly streamNodes = new WeakMap<Stream, StreamInode>();

  /**
   * "FILE:NAME" or "FILE:NAME:$DATA" in dir -> [FILE's inode, NAME]; "FILE::$DATA" is the file itself
   * (NAME ''). ENOENT when FILE is not there or the path is not a stream path.
   */
  private resolveStreamPath(dir: Inode, name: string): [Inode, string] {
    const colon = name.indexOf(':');
    const baseName = name.slice(0, colon);
    let sname = name.slice(colon + 1);
    const type = sname.indexOf(':');
    if (type >= 0) {
      if (sname.slice(type + 1).toUpperCase() !== '$DATA') fail(Errno.ENOENT);
      sname = sname.slice(0, type);
    }
    if (baseName === '' || sname.includes(':')) fail(Errno.ENOENT);
    const entry = this.dirOf(dir).get(baseName);
    if (entry === undefined) fail(Errno.ENOENT);
    return [entry.inode, sname];
  }

  /** The node for stream `stream` of `base`: one per stream, so every lookup gets the same node id. */
  streamNode(base: Inode, stream: Stream): StreamInode {
    let node = this.streamNodes.get(stream);
    if (node === undefined) {
      node = new StreamInode(this.nextIno++, base, stream);
      this.inodes.set(node.ino, node);
      this.streamNodes.set(stream, node);
      this.ref(base); // the file lives while its stream node does
    }
    return node;
  }

  private lookupStream(dir: Inode, name: string): Inode {
    const [base, sname] = this.resolveStreamPath(dir, name);
    if (sname === '') return base;
    const stream = base.isFile() || base.isDir() ? this.stream(base, sname) : undefined;
    if (stream === undefined) fail(Errno.ENOENT);
    return this.streamNode(base, stream);
  }

  /** Creates stream NAME of FILE (empty), or returns the existing one. */
  private createStream(caller: Caller, dir: Inode, name: string): Inode {
    const [base, sname] = this.resolveStreamPath(dir, name);
    if (sname === '') return base;
    if (!base.isFile() && !base.isDir()) fail(Errno.EINVAL);
    if (this.windowsNames && !isWindowsName(sname)) fail(Errno.EINVAL, `stream name not allowed on Windows: ${sname}`);
    if (caller.checkPermissions) checkAccess(caller, base, W_OK);
    if (this.stream(base, sname) === undefined) {
      this.setxattr(base, 'user.' + sname, new Uint8Array(0), XATTR_CREATE);
      this.notifyChanged(base);
    }
    return this.streamNode(base, this.stream(base, sname)!);
  }

  private unlinkStream(caller: Caller, dir: Inode, name: string): void {
    const [base, sname] = this.resolveStreamPath(dir, name);
    if (sname === '') fail(Errno.ENOENT);
    if (caller.checkPermissions) checkAccess(caller, base, W_OK);
    if (!this.dropStream(base, sname)) fail(Errno.ENOENT);
    this.notifyChanged(base);
  }

  /** Deletes a stream; an open node of it keeps the data until it is released. */
  private dropStream(inode: Inode, sname: string): boolean {
    const key = this.keyOf(sname);
    const s = inode.streams?.get(key);
    if (s === undefined) return false;
    if (!inode.isDir()) this.checkWritable(inode);
    inode.streams!.delete(key);
    this.uncharge(inode, ENTRY_COST + nameByteLength(s.name));
    const node = this.streamNodes.get(s);
    if (node === undefined) s.data.free();
    else node.removed = true;
    inode.ctime = now();
    return true;
  }

  /**
   * A stream node's metadata is its file's: a change made through FILE:NAME changed FILE behind the
   * back of a transport that caches FILE's attributes (and enforces permissions from them).
   */
  private changedThroughStream(inode: Inode): void {
    if (inode instanceof StreamInode) this.notifyChanged(inode.base);
  }

  private notifyChanged(inode: Inode): void {
    for (const l of this.listeners) l.inodeChanged?.(inode);
  }

  private maybeFreeStreamNode(node: StreamInode): void {
    if (node.refs > 0 || node.lookups > 0 || !this.inodes.has(node.ino)) return;
    this.inodes.delete(node.ino);
    this.streamNodes.delete(node.stream);
    if (node.removed) node.stream.data.free();
    this.unref(node.base);
  }

  /** Every (directory, name) that refers to `inode`: a scan of all directories, for rare changes only. */
  namesOf(inode: Inode): [Inode, string][] {
    const out: [Inode, string][] = [];
    for (const d of this.inodes.values()) {
      if (d.dir === null) continue;
      for (const e of d.dir.entries()) if (e.inode === inode) out.push([d, e.name]);
    }
    return out;
  }

  /** Windows's read-only attribute: refuses opening for writing and truncating, even for root. */
  /**
   * Sets the chattr flags tmpfs takes (FS_IOC_SETFLAGS / FSSETXATTR; the kernel checked ownership
   * and CAP_LINUX_IMMUTABLE). The kernel knows nothing of them on a FUSE file system: memefs itself
   * refuses what they forbid (see checkDeletable, setattr, checkWritable, the bridge's open).
   */
  setFileFlags(inode: Inode, flags: number): void {
    if ((flags & ~(FIXED | FS_NODUMP_FL | FS_NOATIME_FL)) !== 0) fail(Errno.EOPNOTSUPP);
    inode.fileFlags = flags;
    inode.ctime = now();
  }

  checkWritable(inode: Inode): void {
    if ((inode.fileFlags & FS_IMMUTABLE_FL) !== 0) fail(Errno.EPERM);
    if ((inode.dosAttributes & FILE_ATTRIBUTE_READONLY) !== 0) fail(Errno.EACCES, 'the file has the read-only attribute');
  }

  /** Turns a regular file or empty directory into a symlink or special file (reparse points); `target` for symlinks. */
  retype(inode: Inode, mode: number, target: string | null): void {
    if (inode === this.root) fail(Errno.EPERM);
    if (inode instanceof StreamInode) fail(Errno.EINVAL);
    if (target !== null) {
      const bytes = nameByteLength(target);
      if (bytes > SYMLINK_MAX) fail(Errno.ENAMETOOLONG);
      this.charge(inode, bytes - (inode.target !== null ? inode.targetBytes : 0));
    } else if (inode.target !== null) {
      this.uncharge(inode, inode.targetBytes);
    }
    if (inode.isDir()) {
      const parent = inode.parent;
      if (parent && parent !== inode) parent.nlink--;
      inode.nlink = inode.nlink > 0 ? 1 : 0;
      inode.parent = null;
      inode.dir = null;
    }
    if (this.countsSize(inode)) this.uncharge(inode, this.sizeCost(inode, inode.data!.size));
    inode.data?.free();
    inode.data = (mode & S_IFMT) === S_IFREG ? this.newData(inode) : null;
    inode.mode = mode;
    inode.target = target;
    inode.targetBytes = target !== null ? nameByteLength(target) : 0;
    inode.ctime = now();
    this.notifyChanged(inode);
  }
}

/**
 * What ntfs-3g's windows_names allows as the stream name of a `user.*` xattr: its character check only
 * (no forbidden character, no trailing dot or space); device names such as CON pass, unlike in FILE:NAME.
 */
function isWindowsStreamXattr(name: string): boolean {
  return !/[<>:"/\\|?*\x00-\x1f]/.test(name) && !/[. ]$/.test(name);
}

/** Linux's may_delete for immutable and append-only directories and files: EPERM. */
function checkDeletable(dir: Inode, victim: Inode): void {
  if ((dir.fileFlags & FIXED) !== 0 || (victim.fileFlags & FIXED) !== 0) fail(Errno.EPERM);
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
 * Namespaces stored as given; besides them, the two POSIX ACLs (see acl.ts and
 * Volume.setAcl). Other system.* names are refused with EOPNOTSUPP.
 */
const XATTR_PREFIXES = ['user.', 'trusted.', 'security.'];

function checkXattrName(name: string): void {
  if (name.length === 0) fail(Errno.ERANGE);
  if (nameByteLength(name) > XATTR_NAME_MAX) fail(Errno.ERANGE);
  if (!XATTR_PREFIXES.some((p) => name.startsWith(p)) && !isAclName(name)) fail(Errno.EOPNOTSUPP);
}
