/**
 * The bridge between FUSE requests and the volume: one handler per opcode,
 * each decoding its arguments, calling the volume and encoding the reply.
 *
 * Vocabulary: a *node id* is the inode number the kernel uses to name an
 * inode; the kernel holds a *lookup count* for every node id we hand out in an
 * entry reply and gives it back with FORGET. An inode stays alive while it has
 * links, open handles (volume.ref/unref) or lookups (volume.lookedUp/forgotten;
 * an unlinked file that is not open gives its data back at once). The mount uses
 * `default_permissions`, so the kernel enforces POSIX permissions before a
 * request reaches us; the volume sees callers with checkPermissions: false.
 */
import {
  ATTR_OUT_SIZE, Attr, AttrOut, BatchForgetIn, CopyFileRangeIn, CopyFileRangeOut, CreateIn, Dirent, ENTRY_OUT_SIZE,
  EntryOut, FATTR, FOPEN, FallocateIn, ForgetIn, ForgetOne, GETATTR_FH, GetattrIn, GetxattrIn, GetxattrOut, IN_HEADER_SIZE, Init,
  Init2, InitIn, InitOut, IoctlIn, IoctlOut, KERNEL_MINOR, KERNEL_VERSION, LinkIn, LseekIn, LseekOut, MkdirIn, MknodIn,
  Notify, NotifyInvalEntryOut, NotifyInvalInodeOut, OP_NAMES, OPEN_KILL_SUIDGID, OUT_HEADER_SIZE, Op, OpenIn, OpenOut, OutHeader,
  ReadIn, Rename2In, RenameIn, STATX, STATX_OUT_SIZE, SETXATTR_IN_COMPAT_SIZE, SetattrIn, SetxattrIn, Statx, StatxOut,
  StatfsOut, WRITE_KILL_SUIDGID, WriteIn, WriteOut, align8,
} from './abi.js';
import { readFileSync } from 'node:fs';
import { u64 } from './struct.js';
import type { Request, Session } from './session.js';
import { MAX_WRITE } from './limits.js';
import { type Caller, ROOT } from '../core/access.js';
import { Errno, FsError, errnoName } from '../core/errno.js';
import { type Inode, S_IFMT, S_IFREG, S_ISGID } from '../core/inode.js';
import { StreamInode } from '../core/stream-node.js';
import { isAclName } from '../core/acl.js';
import { Notifier } from './notifier.js';
import { decodeNameAt, encodeName, encodeNameInto } from '../core/names.js';
import { FS_APPEND_FL, FS_IMMUTABLE_FL, FS_NOATIME_FL, FS_NODUMP_FL, labelProblem, type SetAttr, type Volume } from '../core/volume.js';

export interface BridgeOptions {
  /** Seconds the kernel may cache names and attributes. */
  entryTimeout: number;
  attrTimeout: number;
  /** Seconds the kernel may remember that a name does not exist (0 on case-insensitive volumes). */
  negativeTimeout: number;
  /** Let the kernel buffer writes in its page cache (FUSE_WRITEBACK_CACHE). */
  writebackCache: boolean;
  /** One line per operation, when set. */
  log?: (line: string) => void;
  /** Called after FS_IOC_SETFSLABEL changed the label. */
  onLabel?: (label: string) => void;
  /**
   * The volume also changes outside the kernel (the in-process API): the page
   * cache is not kept across opens and is dropped when the kernel sees a new
   * mtime or size (AUTO_INVAL_DATA). Use with zero cache timeouts.
   */
  shared?: boolean;
}

const O_ACCMODE = 3;
const O_TRUNC = 0o1000;
const O_EXCL = 0o200;
const O_APPEND = 0o2000;
const SEEK_DATA = 3;
const SEEK_HOLE = 4;

const FS_IOC_GETFLAGS = 0x80086601;
const FS_IOC_SETFLAGS = 0x40086602;
const FS_IOC_FSGETXATTR = 0x801c581f;
const FS_IOC_FSSETXATTR = 0x401c5820;
/** struct fsxattr: xflags, extsize, nextents, projid, cowextsize (u32 each), 8 bytes of padding. */
const FSXATTR_SIZE = 28;
/** fsxattr's xflags for the chattr flags memefs keeps, as [xflag, FS_IOC_GETFLAGS flag]. */
const XFLAGS: [number, number][] = [[0x8, FS_IMMUTABLE_FL], [0x10, FS_APPEND_FL], [0x80, FS_NODUMP_FL], [0x40, FS_NOATIME_FL]];
const FS_IOC_GETFSLABEL = 0x81009431;
const FS_IOC_SETFSLABEL = 0x41009432;
const FSLABEL_MAX = 256;
/** Labels are UTF-8; invalid bytes are refused, never replaced. */
const LABEL_UTF8 = new TextDecoder('utf-8', { fatal: true });
const WRITE_CACHE = 1 << 0;
const SETXATTR_ACL_KILL_SGID = 1 << 0;

/**
 * Handles one request and replies to it. Failures are thrown as FsErrors; an
 * expected failure on a hot path (an absent extended attribute, which the
 * kernel asks for on every first write to a file) may instead be returned as
 * its errno: no exception, which costs microseconds per request.
 */
type Handler = (req: Request) => void | number;

export class Bridge {
  /** The negotiated protocol minor. */
  minor = 0;
  private setxattrExt = false;
  private dontMask = false;
  private readonly handlers: (Handler | undefined)[] = [];
  private readonly handles = new Map<number, Inode>();
  /** Handles that may write, and how many each inode has (see lseek). */
  private readonly writableHandles = new Set<number>();
  private readonly writers = new Map<Inode, number>();
  private nextHandle = 1;
  private initialized = false;
  destroyed = false;
  private readonly kernelCaller: Caller = ROOT;

  constructor(
    private readonly volume: Volume,
    private readonly session: Session,
    private readonly options: BridgeOptions,
  ) {
    if (volume.windowsStreams) {
      volume.listeners.add({
        entryRemoved: (_dir, _name, inode) => this.streamBaseRemoved(inode),
        // FILE changed through FILE:NAME (chmod, write, xattrs, new or deleted streams): the kernel's
        // copy of FILE's attributes, from which it checks permissions, must go before the reply.
        inodeChanged: (inode) => this.forgetNames(inode, false),
      });
    }
    const h = this.handlers;
    h[Op.INIT] = (r) => this.init(r);
    h[Op.DESTROY] = (r) => { this.destroyed = true; this.session.ok(r.unique); this.session.close(); };
    h[Op.LOOKUP] = (r) => this.lookup(r);
    h[Op.FORGET] = (r) => this.forget(r);
    h[Op.BATCH_FORGET] = (r) => this.batchForget(r);
    h[Op.GETATTR] = (r) => this.getattr(r);
    h[Op.STATX] = (r) => this.statx(r);
    h[Op.SETATTR] = (r) => this.setattr(r);
    h[Op.READLINK] = (r) => this.readlink(r);
    h[Op.SYMLINK] = (r) => this.symlink(r);
    h[Op.MKNOD] = (r) => this.mknod(r);
    h[Op.MKDIR] = (r) => this.mkdir(r);
    h[Op.UNLINK] = (r) => this.unlink(r);
    h[Op.RMDIR] = (r) => this.rmdir(r);
    h[Op.RENAME] = (r) => this.rename(r, false);
    h[Op.RENAME2] = (r) => this.rename(r, true);
    h[Op.LINK] = (r) => this.link(r);
    h[Op.OPEN] = (r) => this.open(r);
    h[Op.CREATE] = (r) => this.create(r);
    h[Op.TMPFILE] = (r) => this.tmpfile(r);
    h[Op.READ] = (r) => this.read(r);
    h[Op.WRITE] = (r) => this.write(r);
    // FLUSH (sent at every close) has nothing to do here: the kernel writes back dirty pages and reports
    // their errors before it would send it. ENOSYS makes the kernel stop sending it, saving a round trip per close.
    h[Op.FLUSH] = () => Errno.ENOSYS;
    h[Op.FSYNC] = (r) => this.session.ok(r.unique);
    h[Op.FSYNCDIR] = (r) => this.session.ok(r.unique);
    h[Op.SYNCFS] = (r) => this.session.ok(r.unique);
    h[Op.RELEASE] = (r) => this.release(r);
    // Zero-message opendir: a directory handle would hold nothing here (READDIR names the directory by
    // its node id and the position by cookie; the kernel's lookup keeps a removed directory alive while
    // it is open). ENOSYS makes the kernel stop sending OPENDIR and RELEASEDIR for this connection and
    // use what memefs answered anyway: a cached listing (FOPEN_CACHE_DIR | FOPEN_KEEP_CACHE).
    h[Op.OPENDIR] = () => Errno.ENOSYS; // the protocol minors memefs accepts (7.31+) all know NO_OPENDIR_SUPPORT
    h[Op.READDIR] = (r) => this.readdir(r, false);
    h[Op.READDIRPLUS] = (r) => this.readdir(r, true);
    h[Op.STATFS] = (r) => this.statfs(r);
    h[Op.SETXATTR] = (r) => this.setxattr(r);
    h[Op.GETXATTR] = (r) => this.getxattr(r, false);
    h[Op.LISTXATTR] = (r) => this.getxattr(r, true);
    h[Op.REMOVEXATTR] = (r) => this.removexattr(r);
    h[Op.ACCESS] = (r) => this.session.ok(r.unique);
    h[Op.FALLOCATE] = (r) => this.fallocate(r);
    h[Op.LSEEK] = (r) => this.lseek(r);
    h[Op.COPY_FILE_RANGE] = (r) => this.copyFileRange(r, false);
    h[Op.COPY_FILE_RANGE_64] = (r) => this.copyFileRange(r, true);
    h[Op.IOCTL] = (r) => this.ioctl(r);
    h[Op.INTERRUPT] = () => { /* every request is answered at once; nothing to interrupt */ };
  }

  /** Handles one request. Never throws: failures become error replies. */
  dispatch = (req: Request): void => {
    const handler = this.handlers[req.opcode];
    const log = this.options.log;
    const started = log ? process.hrtime.bigint() : 0n;
    let result = 0;
    if (handler === undefined || (!this.initialized && req.opcode !== Op.INIT)) {
      result = Errno.ENOSYS;
      this.session.error(req.unique, Errno.ENOSYS);
    } else {
      try {
        const errno = handler(req);
        if (errno !== undefined) {
          result = errno;
          this.session.error(req.unique, errno);
        }
      } catch (e) {
        result = e instanceof FsError ? e.errno : Errno.EIO;
        if (!(e instanceof FsError)) process.stderr.write(`memefs: internal error in ${OP_NAMES[req.opcode]}: ${(e as Error).stack ?? e}\n`);
        if (req.opcode !== Op.FORGET && req.opcode !== Op.BATCH_FORGET) this.session.error(req.unique, result);
      }
    }
    if (log) {
      const us = Number(process.hrtime.bigint() - started) / 1000;
      log(`${OP_NAMES[req.opcode] ?? req.opcode} node=${req.nodeid}${this.describe(req)} -> ${result === 0 ? 'ok' : errnoName(result)} ${us.toFixed(1)}us`);
    }
  };

  // ---- decoding helpers -------------------------------------------------

  private node(req: Request): Inode {
    return this.volume.get(req.nodeid);
  }

  /** The NUL-terminated name starting at `off`, and where the next field begins. */
  private name(req: Request, off: number): [string, number] {
    let end = req.buf.indexOf(0, off);
    if (end < 0 || end > req.len) end = req.len;
    return [decodeNameAt(req.buf, off, end), end + 1];
  }

  /** The caller's umask, when the kernel left it to us (DONT_MASK); it applied it itself otherwise. */
  private umask(umask: number): number {
    return this.dontMask ? umask : 0;
  }

  private caller(req: Request): Caller {
    return { uid: req.uid, gid: req.gid, groups: [], checkPermissions: false };
  }

  /**
   * The caller with its supplementary groups. FUSE passes only uid, gid and pid, but whether
   * chown, truncate or write drops set-group-ID depends on the caller's groups: read them from
   * /proc (only when a set-group-ID file is at stake).
   */
  private callerWithGroups(req: Request): Caller {
    let groups: number[] = [];
    try {
      const m = /^Groups:(.*)$/m.exec(readFileSync(`/proc/${req.pid}/status`, 'utf8'));
      if (m && req.pid > 0) groups = m[1]!.trim().split(/\s+/).filter((g) => g !== '').map(Number);
    } catch { /* the process is gone: primary group only */ }
    return { uid: req.uid, gid: req.gid, groups, checkPermissions: false };
  }

  private describe(req: Request): string {
    const body = IN_HEADER_SIZE;
    const q = (s: string): string => JSON.stringify(s);
    try {
      switch (req.opcode) {
        case Op.LOOKUP: case Op.UNLINK: case Op.RMDIR: case Op.GETXATTR: case Op.REMOVEXATTR:
          return ` name=${JSON.stringify(this.name(req, req.opcode === Op.GETXATTR ? body + GetxattrIn.size : body)[0])}`;
        case Op.SETXATTR: {
          const a = SetxattrIn.read(req.buf, body);
          return ` name=${q(this.name(req, body + (this.setxattrExt ? SetxattrIn.size : SETXATTR_IN_COMPAT_SIZE))[0])} size=${a.size}`;
        }
        case Op.SYMLINK: {
          const [name, next] = this.name(req, body);
          return ` name=${q(name)} target=${q(this.name(req, next)[0])}`;
        }
        case Op.LINK: return ` name=${q(this.name(req, body + LinkIn.size)[0])} from=${LinkIn.read(req.buf, body).oldnodeid}`;
        case Op.RENAME: case Op.RENAME2: {
          const v2 = req.opcode === Op.RENAME2;
          const a = v2 ? Rename2In.read(req.buf, body) : { ...RenameIn.read(req.buf, body), flags: 0 };
          const [from, next] = this.name(req, body + (v2 ? Rename2In.size : RenameIn.size));
          return ` name=${q(from)} newdir=${a.newdir} newname=${q(this.name(req, next)[0])}${a.flags ? ` flags=${a.flags}` : ''}`;
        }
        case Op.MKDIR: return ` name=${JSON.stringify(this.name(req, body + MkdirIn.size)[0])}`;
        case Op.MKNOD: return ` name=${JSON.stringify(this.name(req, body + MknodIn.size)[0])}`;
        case Op.CREATE: return ` name=${JSON.stringify(this.name(req, body + CreateIn.size)[0])}`;
        case Op.READ: case Op.WRITE: {
          const a = ReadIn.read(req.buf, body);
          return ` off=${a.offset} size=${a.size}`;
        }
        default: return '';
      }
    } catch {
      return '';
    }
  }

  // ---- replies ----------------------------------------------------------

  private fillAttr(at: number, inode: Inode): void {
    Attr.write(this.session.out, at, {
      ino: inode.ino, size: inode.size, blocks: Math.ceil(inode.allocated / 512),
      atime: inode.atime.sec, mtime: inode.mtime.sec, ctime: inode.ctime.sec,
      atimensec: inode.atime.nsec, mtimensec: inode.mtime.nsec, ctimensec: inode.ctime.nsec,
      mode: inode.mode, nlink: inode.nlink, uid: inode.uid, gid: inode.gid, rdev: inode.rdev, blksize: 4096, flags: 0,
    });
  }

  /** Writes an entry_out for `inode` at `at` and counts the lookup the kernel now holds. */
  private fillEntry(at: number, inode: Inode): void {
    const o = this.options;
    // A stream node (FILE:NAME) changes behind the kernel's back (user.NAME xattrs, deleting FILE): never cached.
    const transient = inode instanceof StreamInode;
    EntryOut.write(this.session.out, at, {
      nodeid: inode.ino, generation: 0, entry_valid: transient ? 0 : o.entryTimeout, attr_valid: transient ? 0 : o.attrTimeout,
      entry_valid_nsec: 0, attr_valid_nsec: 0,
    });
    this.fillAttr(at + EntryOut.size, inode);
    this.volume.lookedUp(inode);
  }

  private replyEntry(req: Request, inode: Inode): void {
    this.fillEntry(OUT_HEADER_SIZE, inode);
    this.session.ok(req.unique, ENTRY_OUT_SIZE);
  }

  private replyAttr(req: Request, inode: Inode): void {
    // Not cached for stream nodes, nor while writes to the file are refused (a cached answer would let them through).
    const uncached = inode instanceof StreamInode || this.lostWrites?.has(inode) === true;
    AttrOut.write(this.session.out, OUT_HEADER_SIZE, { attr_valid: uncached ? 0 : this.options.attrTimeout, attr_valid_nsec: 0 });
    this.fillAttr(OUT_HEADER_SIZE + AttrOut.size, inode);
    this.session.ok(req.unique, ATTR_OUT_SIZE);
  }

  private replyOpen(req: Request, inode: Inode, fh: number, flags: number, at = OUT_HEADER_SIZE): void {
    OpenOut.write(this.session.out, at, { fh, open_flags: flags, backing_id: 0 });
    if (at === OUT_HEADER_SIZE) this.session.ok(req.unique, OpenOut.size);
  }

  private openHandle(inode: Inode, writable = false): number {
    const fh = this.nextHandle++;
    this.handles.set(fh, inode);
    if (writable) {
      this.writableHandles.add(fh);
      this.writers.set(inode, (this.writers.get(inode) ?? 0) + 1);
    }
    this.volume.ref(inode);
    return fh;
  }

  // ---- handlers ---------------------------------------------------------

  private init(req: Request): void {
    const a = InitIn.read(req.buf, IN_HEADER_SIZE);
    if (a.major !== KERNEL_VERSION) {
      // A newer major: answer with ours and wait for the kernel to retry (the protocol's rule).
      InitOut.write(this.session.out, OUT_HEADER_SIZE, { major: KERNEL_VERSION, minor: KERNEL_MINOR });
      this.session.ok(req.unique, InitOut.size);
      return;
    }
    if (a.minor < 31) throw new FsError(Errno.EPROTO, 'kernel FUSE protocol older than 7.31');
    this.minor = Math.min(a.minor, KERNEL_MINOR);
    const kernel = a.flags;
    const kernel2 = (kernel & Init.INIT_EXT) !== 0 ? a.flags2 : 0;
    let want = Init.ASYNC_READ | Init.ATOMIC_O_TRUNC | Init.BIG_WRITES | Init.HAS_IOCTL_DIR | Init.DO_READDIRPLUS |
      Init.READDIRPLUS_AUTO | Init.PARALLEL_DIROPS | Init.HANDLE_KILLPRIV_V2 | Init.MAX_PAGES | Init.CACHE_SYMLINKS |
      Init.SETXATTR_EXT | Init.INIT_EXT | (this.options.shared ? Init.AUTO_INVAL_DATA : Init.EXPLICIT_INVAL_DATA);
    if (this.options.writebackCache) want |= Init.WRITEBACK_CACHE;
    // POSIX ACLs, enforced by the kernel (it reads them with GETXATTR); the umask comes apart
    // (DONT_MASK), as a directory's default ACL replaces it for what is created in it.
    want |= Init.POSIX_ACL | Init.DONT_MASK;
    const flags = (want & kernel) >>> 0;
    const flags2 = ((Init2.NO_EXPORT_SUPPORT | Init2.DIRECT_IO_ALLOW_MMAP | this.session.initFlags2) & kernel2) >>> 0;
    this.setxattrExt = (flags & Init.SETXATTR_EXT) !== 0;
    this.dontMask = (flags & Init.DONT_MASK) !== 0;
    InitOut.write(this.session.out, OUT_HEADER_SIZE, {
      major: KERNEL_VERSION, minor: this.minor, max_readahead: a.max_readahead, flags,
      max_background: 64, congestion_threshold: 48, max_write: MAX_WRITE, time_gran: 1,
      max_pages: MAX_WRITE / 4096, flags2,
    });
    this.initialized = true;
    this.session.ok(req.unique, InitOut.size);
  }

  private lookup(req: Request): void {
    const dir = this.node(req);
    const [name] = this.name(req, IN_HEADER_SIZE);
    let inode: Inode | null;
    try {
      inode = this.volume.lookupOrNull(this.kernelCaller, dir, name);
    } catch (e) {
      if (e instanceof FsError && e.errno === Errno.ENOENT && this.negativeEntry(req, name)) return;
      throw e;
    }
    if (inode === null) {
      if (this.negativeEntry(req, name)) return;
      throw new FsError(Errno.ENOENT);
    }
    if (this.volume.windowsStreams && name.includes(':')) this.noteStreamDentry(dir, name, inode);
    this.replyEntry(req, inode);
  }

  /** Answers an absent name with a negative entry when the kernel may cache absence; false when it may not. */
  private negativeEntry(req: Request, name: string): boolean {
    const streamPath = this.volume.windowsStreams && name.includes(':');
    if (this.options.negativeTimeout <= 0 || streamPath) return false;
    // A negative entry: the kernel may remember the absence for negativeTimeout seconds.
    EntryOut.write(this.session.out, OUT_HEADER_SIZE, { nodeid: 0, entry_valid: this.options.negativeTimeout });
    Attr.write(this.session.out, OUT_HEADER_SIZE + EntryOut.size, {});
    this.session.ok(req.unique, ENTRY_OUT_SIZE);
    return true;
  }

  private forget(req: Request): void {
    const { nlookup } = ForgetIn.read(req.buf, IN_HEADER_SIZE);
    const inode = this.volume.find(req.nodeid);
    if (inode) this.volume.forgotten(inode, nlookup);
  }

  private batchForget(req: Request): void {
    const { count } = BatchForgetIn.read(req.buf, IN_HEADER_SIZE);
    let at = IN_HEADER_SIZE + BatchForgetIn.size;
    for (let i = 0; i < count && at + ForgetOne.size <= req.len; i++, at += ForgetOne.size) {
      const one = ForgetOne.read(req.buf, at);
      const inode = this.volume.find(one.nodeid);
      if (inode) this.volume.forgotten(inode, one.nlookup);
    }
  }

  private getattr(req: Request): number | undefined {
    const inode = this.node(req);
    if (this.lostWrites !== null && (GetattrIn.read(req.buf, IN_HEADER_SIZE).getattr_flags & GETATTR_FH) !== 0) {
      // Asked with a handle: the kernel checking the size before buffering a write (see lostWrite).
      const usedThen = this.lostWrites.get(inode);
      if (usedThen !== undefined) {
        if (this.volume.used >= usedThen) return Errno.ENOSPC;
        this.lostWrites.delete(inode); // space was freed since: let writers try again
      }
    }
    this.replyAttr(req, inode);
    return undefined;
  }

  private statx(req: Request): void {
    const inode = this.node(req);
    const out = this.session.out;
    StatxOut.write(out, OUT_HEADER_SIZE, { attr_valid: this.options.attrTimeout, flags: 0 });
    const dev = inode.rdev;
    Statx.write(out, OUT_HEADER_SIZE + StatxOut.size, {
      mask: STATX.BASIC_STATS | STATX.BTIME, blksize: 4096, attributes: 0, nlink: inode.nlink,
      uid: inode.uid, gid: inode.gid, mode: inode.mode, ino: inode.ino, size: inode.size,
      blocks: Math.ceil(inode.allocated / 512), attributes_mask: 0,
      atime: inode.atime.sec, atimensec: inode.atime.nsec, btime: inode.btime.sec, btimensec: inode.btime.nsec,
      ctime: inode.ctime.sec, ctimensec: inode.ctime.nsec, mtime: inode.mtime.sec, mtimensec: inode.mtime.nsec,
      rdev_major: (dev & 0xfff00) >>> 8, rdev_minor: (dev & 0xff) | ((dev >>> 12) & 0xfff00),
    });
    this.session.ok(req.unique, STATX_OUT_SIZE);
  }

  private setattr(req: Request): void {
    const inode = this.node(req);
    const a = SetattrIn.read(req.buf, IN_HEADER_SIZE);
    const v = a.valid;
    const attr: SetAttr = {};
    if (v & FATTR.MODE) attr.mode = a.mode;
    if (v & FATTR.UID) attr.uid = a.uid;
    if (v & FATTR.GID) attr.gid = a.gid;
    if (v & FATTR.SIZE) attr.size = a.size;
    if (v & FATTR.ATIME) attr.atime = v & FATTR.ATIME_NOW ? 'now' : { sec: a.atime, nsec: a.atimensec };
    if (v & FATTR.MTIME) attr.mtime = v & FATTR.MTIME_NOW ? 'now' : { sec: a.mtime, nsec: a.mtimensec };
    if (v & FATTR.CTIME) attr.ctime = { sec: a.ctime, nsec: a.ctimensec };
    if (v & FATTR.KILL_SUIDGID) attr.killSuidSgid = true;
    if ((v & FATTR.SIZE) !== 0 && (v & FATTR.FH) === 0) this.volume.checkWritable(inode); // truncate(2) by path
    if (this.pinnedTimes !== null && this.pinnedTimes.has(inode)) {
      if ((v & FATTR.CTIME) !== 0 && (v & (FATTR.MODE | FATTR.UID | FATTR.GID | FATTR.SIZE | FATTR.ATIME)) === 0) {
        // The kernel writing back the times it cached, after system.ntfs_times set them: those win.
        this.replyAttr(req, inode);
        return;
      } else if ((v & (FATTR.MTIME | FATTR.SIZE)) !== 0) {
        this.pinnedTimes.delete(inode);
      }
    }
    // chown(f, -1, -1) on a file arrives as a SETATTR with nothing to set (with the writeback cache:
    // a change of ctime alone), without FATTR_KILL_SUIDGID; Linux clears set-ID bits on it as on any chown.
    if ((v & ~(FATTR.FH | FATTR.LOCKOWNER | FATTR.CTIME)) === 0 && !inode.isDir()) attr.killSuidSgid = true;
    const caller = attr.killSuidSgid && (inode.mode & S_ISGID) !== 0 ? this.callerWithGroups(req) : this.caller(req);
    this.volume.setattr(caller, inode, attr);
    if (inode instanceof StreamInode && (attr.mtime !== undefined || attr.ctime !== undefined) && inode.base.isFile() && this.options.writebackCache) {
      // Times set through FILE:NAME: under the writeback cache the kernel keeps FILE's mtime and ctime
      // itself, so FILE is forgotten and its times pinned, as after system.ntfs_times.
      (this.pinnedTimes ??= new WeakSet()).add(inode.base);
      this.forgetNames(inode.base, true);
    }
    this.replyAttr(req, inode);
  }

  private readlink(req: Request): void {
    const target = this.volume.readlink(this.node(req));
    this.session.data(req.unique, [encodeName(target)]);
  }

  private symlink(req: Request): void {
    const dir = this.node(req);
    const [name, next] = this.name(req, IN_HEADER_SIZE);
    const [target] = this.name(req, next);
    this.replyEntry(req, this.volume.symlink(this.caller(req), dir, name, target));
  }

  private mknod(req: Request): void {
    const dir = this.node(req);
    const a = MknodIn.read(req.buf, IN_HEADER_SIZE);
    const [name] = this.name(req, IN_HEADER_SIZE + MknodIn.size);
    this.replyEntry(req, this.volume.mknod(this.caller(req), dir, name, a.mode, a.rdev, this.umask(a.umask)));
  }

  private mkdir(req: Request): void {
    const dir = this.node(req);
    const a = MkdirIn.read(req.buf, IN_HEADER_SIZE);
    const [name] = this.name(req, IN_HEADER_SIZE + MkdirIn.size);
    this.replyEntry(req, this.volume.mkdir(this.caller(req), dir, name, a.mode, this.umask(a.umask)));
  }

  private unlink(req: Request): void {
    const [name] = this.name(req, IN_HEADER_SIZE);
    this.volume.unlink(this.kernelCaller, this.node(req), name);
    this.session.ok(req.unique);
  }

  private rmdir(req: Request): void {
    const [name] = this.name(req, IN_HEADER_SIZE);
    this.volume.rmdir(this.kernelCaller, this.node(req), name);
    this.session.ok(req.unique);
  }

  private rename(req: Request, v2: boolean): void {
    const a = v2 ? Rename2In.read(req.buf, IN_HEADER_SIZE) : { ...RenameIn.read(req.buf, IN_HEADER_SIZE), flags: 0 };
    const [from, next] = this.name(req, IN_HEADER_SIZE + (v2 ? Rename2In.size : RenameIn.size));
    const [to] = this.name(req, next);
    // The caller (permissions unchecked, as the kernel's) owns a whiteout that RENAME_WHITEOUT makes.
    this.volume.rename(this.caller(req), this.node(req), from, this.volume.get(a.newdir), to, a.flags);
    this.session.ok(req.unique);
  }

  private link(req: Request): void {
    const a = LinkIn.read(req.buf, IN_HEADER_SIZE);
    const [name] = this.name(req, IN_HEADER_SIZE + LinkIn.size);
    const inode = this.volume.get(a.oldnodeid);
    this.volume.link(this.caller(req), inode, this.node(req), name);
    this.replyEntry(req, inode);
  }

  /**
   * Open flags for a regular file: keep the page cache across opens (every
   * change passes through the kernel, so what it caches stays true).
   */
  private fileOpenFlags(inode?: Inode): number {
    // Stream nodes: no page cache, their data also changes through user.NAME xattrs.
    if (inode instanceof StreamInode) return FOPEN.DIRECT_IO;
    if (this.options.shared) return 0;
    return FOPEN.KEEP_CACHE;
  }

  /** Whether a file may be opened with these flags: write access and O_TRUNC (may_open's rules). */
  private checkOpen(inode: Inode, flags: number): void {
    const writing = (flags & O_ACCMODE) !== 0;
    if (writing || (flags & O_TRUNC) !== 0) this.volume.checkWritable(inode);
    // An append-only file opens for writing only with O_APPEND, and never with O_TRUNC.
    if ((inode.fileFlags & FS_APPEND_FL) !== 0 && ((writing && (flags & O_APPEND) === 0) || (flags & O_TRUNC) !== 0)) throw new FsError(Errno.EPERM);
  }

  private open(req: Request): void {
    const inode = this.node(req);
    const a = OpenIn.read(req.buf, IN_HEADER_SIZE);
    this.checkOpen(inode, a.flags);
    // O_TRUNC truncates even with O_RDONLY on Linux (the kernel checked write permission and,
    // with ATOMIC_O_TRUNC, already set its size to 0).
    if ((a.flags & O_TRUNC) !== 0 && inode.isFile()) {
      this.volume.setattr(this.caller(req), inode, { size: 0, killSuidSgid: (a.open_flags & OPEN_KILL_SUIDGID) !== 0 });
    }
    this.replyOpen(req, inode, this.openHandle(inode, (a.flags & O_ACCMODE) !== 0), this.fileOpenFlags(inode));
  }

  private create(req: Request): void {
    const dir = this.node(req);
    const a = CreateIn.read(req.buf, IN_HEADER_SIZE);
    const [name] = this.name(req, IN_HEADER_SIZE + CreateIn.size);
    let inode: Inode;
    // O_EXCL (the usual create): the volume refuses an existing name itself, no need to look first.
    const existing = (a.flags & O_EXCL) === 0 ? dir.dir?.get(name)?.inode : undefined;
    if (existing !== undefined) {
      // The name appeared since the kernel looked (or differs only in case): open what is there.
      if (existing.isDir()) throw new FsError(Errno.EISDIR);
      inode = existing;
      this.checkOpen(inode, a.flags);
      if ((a.flags & O_TRUNC) !== 0 && inode.isFile()) this.volume.setattr(this.caller(req), inode, { size: 0 });
    } else {
      inode = this.volume.mknod(this.caller(req), dir, name, S_IFREG | (a.mode & ~S_IFMT), 0, this.umask(a.umask));
      if (inode instanceof StreamInode && (a.flags & O_TRUNC) !== 0) this.volume.setattr(this.caller(req), inode, { size: 0 });
    }
    if (this.volume.windowsStreams && name.includes(':')) this.noteStreamDentry(dir, name, inode);
    this.replyCreated(req, inode);
  }

  private tmpfile(req: Request): void {
    const dir = this.node(req);
    const a = CreateIn.read(req.buf, IN_HEADER_SIZE);
    const inode = this.volume.tmpfile(this.caller(req), dir, a.mode, this.umask(a.umask));
    try {
      this.replyCreated(req, inode);
    } finally {
      this.volume.unref(inode); // tmpfile()'s own hold; the kernel's lookup and the handle keep it
    }
  }

  private replyCreated(req: Request, inode: Inode): void {
    this.fillEntry(OUT_HEADER_SIZE, inode);
    this.replyOpen(req, inode, this.openHandle(inode, true), this.fileOpenFlags(inode), OUT_HEADER_SIZE + ENTRY_OUT_SIZE);
    this.session.ok(req.unique, ENTRY_OUT_SIZE + OpenOut.size);
  }

  private read(req: Request): void {
    const a = ReadIn.read(req.buf, IN_HEADER_SIZE);
    const inode = this.node(req);
    this.session.data(req.unique, this.volume.read(inode, a.offset, Math.min(a.size, MAX_WRITE)));
  }

  private write(req: Request): void {
    const a = WriteIn.read(req.buf, IN_HEADER_SIZE);
    const start = IN_HEADER_SIZE + WriteIn.size;
    const size = Math.min(a.size, req.len - start);
    const inode = this.node(req);
    const kill = (a.write_flags & WRITE_KILL_SUIDGID) !== 0;
    if (this.pinnedTimes !== null) this.pinnedTimes.delete(inode);
    const caller = kill && (inode.mode & S_ISGID) !== 0 ? this.callerWithGroups(req) : undefined;
    const cached = (a.write_flags & WRITE_CACHE) !== 0;
    let n: number;
    try {
      n = this.volume.prepareWrite(inode, a.offset, size, kill, caller);
    } catch (e) {
      if (cached && e instanceof FsError && e.errno === Errno.ENOSPC) this.lostWrite(inode);
      throw e;
    }
    const data = req.buf.subarray(start, start + n);
    // The kernel drops the rest of a short writeback write silently; an error reaches close() and fsync().
    if (n < size && cached) {
      this.volume.fillWrite(inode, a.offset, data);
      this.lostWrite(inode);
      throw new FsError(Errno.ENOSPC);
    }
    WriteOut.write(this.session.out, OUT_HEADER_SIZE, { size: n });
    this.session.ok(req.unique, WriteOut.size);
    // The bytes are copied after the answer: the writer goes on with its next call while this thread
    // copies (for fresh memory, page faults included: ~0.7 ms per MiB here). Nothing can see the file in
    // between: the next request is read only after the copy, and the answer's content is already final.
    this.volume.fillWrite(inode, a.offset, data);
  }

  private release(req: Request): void {
    const fh = u64(req.buf, IN_HEADER_SIZE); // release_in.fh: the one field needed, without decoding the rest
    const inode = this.handles.get(fh);
    if (inode !== undefined) {
      this.handles.delete(fh);
      if (this.writableHandles.delete(fh)) {
        const n = (this.writers.get(inode) ?? 1) - 1;
        if (n > 0) this.writers.set(inode, n);
        else this.writers.delete(inode);
      }
      this.volume.unref(inode);
    }
    this.session.ok(req.unique);
  }

  private readdir(req: Request, plus: boolean): void {
    const dir = this.node(req);
    if (dir.dir === null) throw new FsError(Errno.ENOTDIR);
    const a = ReadIn.read(req.buf, IN_HEADER_SIZE);
    const out = this.session.out;
    const limit = Math.min(a.size, out.length - OUT_HEADER_SIZE);
    let used = 0;
    const head = plus ? ENTRY_OUT_SIZE : 0;
    const put = (name: string, inode: Inode | null, ino: number, mode: number, off: number): boolean => {
      const at = OUT_HEADER_SIZE + used;
      const namelen = encodeNameInto(name, out, at + head + Dirent.size, OUT_HEADER_SIZE + limit);
      const size = align8(head + Dirent.size + namelen);
      if (used + size > limit) return false;
      if (plus) {
        if (inode !== null) this.fillEntry(at, inode);
        else out.fill(0, at, at + ENTRY_OUT_SIZE);
      }
      Dirent.write(out, at + head, { ino, off, namelen, type: (mode & S_IFMT) >>> 12 });
      for (let pad = at + head + Dirent.size + namelen; pad < at + size; pad++) out[pad] = 0; // < 8 bytes: no call to fill
      used += size;
      return true;
    };
    let pos = a.offset;
    if (pos < 1 && !put('.', null, dir.ino, dir.mode, 1)) return this.session.ok(req.unique, used);
    if (pos < 2) {
      const parent = dir.parent ?? dir;
      if (!put('..', null, parent.ino, parent.mode, 2)) return this.session.ok(req.unique, used);
      pos = 2;
    }
    for (const entry of dir.dir.entriesAfter(pos)) {
      if (!put(entry.name, entry.inode, entry.inode.ino, entry.inode.mode, entry.cookie)) break;
    }
    this.volume.accessed(dir);
    this.session.ok(req.unique, used);
  }

  private statfs(req: Request): void {
    const s = this.volume.statfs();
    StatfsOut.write(this.session.out, OUT_HEADER_SIZE, {
      blocks: s.blocks, bfree: s.bfree, bavail: s.bavail, files: s.files, ffree: s.ffree,
      bsize: s.bsize, namelen: s.namelen, frsize: s.bsize,
    });
    this.session.ok(req.unique, StatfsOut.size);
  }

  private setxattr(req: Request): void {
    const inode = this.node(req);
    const a = SetxattrIn.read(req.buf, IN_HEADER_SIZE);
    const [name, next] = this.name(req, IN_HEADER_SIZE + (this.setxattrExt ? SetxattrIn.size : SETXATTR_IN_COMPAT_SIZE));
    const value = req.buf.subarray(next, Math.min(next + a.size, req.len));
    const before = inode.mode & S_IFMT;
    const target = inode.target;
    if (isAclName(name)) this.volume.setAcl(inode, name, value, a.flags, this.setxattrExt && (a.setxattr_flags & SETXATTR_ACL_KILL_SGID) !== 0);
    else this.volume.setxattr(inode, name, value, a.flags, this.caller(req));
    if (name.startsWith('system.ntfs_')) this.afterNtfsChange(inode, name, before !== (inode.mode & S_IFMT) || inode.target !== target);
    this.session.ok(req.unique);
  }

  private getxattr(req: Request, list: boolean): number | undefined {
    const inode = this.node(req);
    const a = GetxattrIn.read(req.buf, IN_HEADER_SIZE);
    let value: Uint8Array;
    if (list) {
      const names = this.volume.listxattr(inode);
      value = Buffer.from(names.map((n) => n + '\0').join(''), 'utf8');
    } else {
      const [name] = this.name(req, IN_HEADER_SIZE + GetxattrIn.size);
      const found = this.volume.findXattr(inode, name);
      if (found === undefined) return Errno.ENODATA;
      value = found;
    }
    if (a.size === 0) {
      GetxattrOut.write(this.session.out, OUT_HEADER_SIZE, { size: value.length });
      this.session.ok(req.unique, GetxattrOut.size);
      return undefined;
    }
    if (value.length > a.size) return Errno.ERANGE;
    this.session.data(req.unique, [value]);
    return undefined;
  }

  private removexattr(req: Request): void {
    const [name] = this.name(req, IN_HEADER_SIZE);
    const inode = this.node(req);
    const before = inode.mode & S_IFMT;
    this.volume.removexattr(inode, name, this.caller(req));
    // Removing reparse data turns a symlink or special file back into a file: a new type for the kernel.
    if (name.startsWith('system.ntfs_')) this.afterNtfsChange(inode, name, before !== (inode.mode & S_IFMT));
    this.session.ok(req.unique);
  }

  private fallocate(req: Request): void {
    const a = FallocateIn.read(req.buf, IN_HEADER_SIZE);
    this.volume.fallocate(this.node(req), a.mode, a.offset, a.length);
    this.session.ok(req.unique);
  }

  private lseek(req: Request): void {
    const a = LseekIn.read(req.buf, IN_HEADER_SIZE);
    const inode = this.node(req);
    const data = inode.data;
    if (data === null) throw new FsError(Errno.EINVAL);
    // While the file is open for writing, the kernel's writeback cache may hold data (even past our
    // end of file) that we have not seen, and it does not flush before LSEEK: an answer from our copy
    // could call written data a hole. ENOSYS makes the kernel answer from its own size instead (data
    // up to the end, then one hole) — from now on for every file of this mount: correct over precise.
    if (this.options.writebackCache && this.writers.has(inode)) throw new FsError(Errno.ENOSYS);
    let off: number;
    if (a.whence === SEEK_DATA) off = data.seekData(a.offset);
    else if (a.whence === SEEK_HOLE) off = data.seekHole(a.offset);
    else throw new FsError(Errno.EINVAL);
    if (off < 0) throw new FsError(Errno.ENXIO);
    LseekOut.write(this.session.out, OUT_HEADER_SIZE, { offset: off });
    this.session.ok(req.unique, LseekOut.size);
  }

  private copyFileRange(req: Request, wide: boolean): void {
    const a = CopyFileRangeIn.read(req.buf, IN_HEADER_SIZE);
    if (a.flags !== 0) throw new FsError(Errno.EINVAL);
    const src = this.node(req);
    const dst = this.volume.get(a.nodeid_out);
    const len = wide ? a.len : Math.min(a.len, 0xffffffff);
    const n = this.volume.copyRange(src, a.off_in, dst, a.off_out, len);
    if (wide) {
      CopyFileRangeOut.write(this.session.out, OUT_HEADER_SIZE, { bytes_copied: n });
      this.session.ok(req.unique, CopyFileRangeOut.size);
    } else {
      WriteOut.write(this.session.out, OUT_HEADER_SIZE, { size: n });
      this.session.ok(req.unique, WriteOut.size);
    }
  }

  private ioctl(req: Request): void {
    const a = IoctlIn.read(req.buf, IN_HEADER_SIZE);
    const out = this.session.out;
    const payloadAt = OUT_HEADER_SIZE + IoctlOut.size;
    let outSize = 0;
    switch (a.cmd) {
      case FS_IOC_GETFLAGS:
        out.writeUInt32LE(this.node(req).fileFlags, payloadAt);
        out.writeUInt32LE(0, payloadAt + 4);
        outSize = Math.min(8, a.out_size);
        break;
      case FS_IOC_SETFLAGS:
        if (a.in_size < 4) throw new FsError(Errno.EINVAL);
        this.volume.setFileFlags(this.node(req), req.buf.readUInt32LE(IN_HEADER_SIZE + IoctlIn.size));
        break;
      case FS_IOC_FSGETXATTR: {
        const flags = this.node(req).fileFlags;
        out.fill(0, payloadAt, payloadAt + FSXATTR_SIZE);
        out.writeUInt32LE(XFLAGS.reduce((x, [xflag, flag]) => ((flags & flag) !== 0 ? x | xflag : x), 0), payloadAt);
        outSize = Math.min(FSXATTR_SIZE, a.out_size);
        break;
      }
      case FS_IOC_FSSETXATTR: {
        const at = IN_HEADER_SIZE + IoctlIn.size;
        if (a.in_size < FSXATTR_SIZE || at + FSXATTR_SIZE > req.len) throw new FsError(Errno.EINVAL);
        // Extent sizes and project ids: no such thing here (tmpfs answers the same).
        for (let f = 4; f < 20; f += 4) if (req.buf.readUInt32LE(at + f) !== 0) throw new FsError(Errno.EOPNOTSUPP);
        let xflags = req.buf.readUInt32LE(at);
        let flags = 0;
        for (const [xflag, flag] of XFLAGS) if ((xflags & xflag) !== 0) { flags |= flag; xflags &= ~xflag; }
        if (xflags !== 0) throw new FsError(Errno.EOPNOTSUPP);
        this.volume.setFileFlags(this.node(req), flags);
        break;
      }
      case FS_IOC_GETFSLABEL: {
        out.fill(0, payloadAt, payloadAt + FSLABEL_MAX);
        out.write(this.volume.label, payloadAt, FSLABEL_MAX - 1, 'utf8');
        outSize = Math.min(FSLABEL_MAX, a.out_size);
        break;
      }
      case FS_IOC_SETFSLABEL: {
        if (req.uid !== 0) throw new FsError(Errno.EPERM);
        const at = IN_HEADER_SIZE + IoctlIn.size;
        const raw = req.buf.subarray(at, Math.min(at + a.in_size, req.len));
        const end = raw.indexOf(0);
        let label: string;
        try {
          label = LABEL_UTF8.decode(raw.subarray(0, end < 0 ? raw.length : end));
        } catch {
          throw new FsError(Errno.EINVAL, 'label is not valid UTF-8');
        }
        const problem = labelProblem(label);
        if (problem !== null) throw new FsError(Errno.EINVAL, problem);
        this.volume.label = label;
        this.options.onLabel?.(label);
        break;
      }
      default:
        throw new FsError(Errno.ENOTTY);
    }
    IoctlOut.write(out, OUT_HEADER_SIZE, { result: 0, flags: 0, in_iovs: 0, out_iovs: 0 });
    this.session.ok(req.unique, IoctlOut.size + outSize);
  }

  // ---- notifications ----------------------------------------------------

  private notifier: Notifier | null = null;
  /** Files whose writeback failed for want of space, with the volume's use then (see lostWrite). */
  private lostWrites: WeakMap<Inode, number> | null = null;
  /** Regular files whose mtime/ctime system.ntfs_times set since their last write (see setattr). */
  private pinnedTimes: WeakSet<Inode> | null = null;
  /** With FILE:NAME streams: the names under which the kernel caches stream nodes, per file. */
  private readonly streamDentries = new WeakMap<Inode, Set<string>>();

  /** Remembers that the kernel caches `name` in `dir` for a stream node (to drop it with the file). */
  private noteStreamDentry(dir: Inode, name: string, node: Inode): void {
    const base = node instanceof StreamInode ? node.base : node;
    let names = this.streamDentries.get(base);
    if (names === undefined) this.streamDentries.set(base, (names = new Set()));
    names.add(`${dir.ino}/${name}`);
  }

  /**
   * A file with streams lost its last name: the kernel still caches FILE:NAME entries for its
   * stream nodes, which would keep their memory until it forgets them. Drop them. The kernel holds
   * the directory's lock until this request is answered, so the helper thread writes these later,
   * without anyone waiting for it.
   */
  private streamBaseRemoved(inode: Inode): void {
    const names = this.streamDentries.get(inode);
    if (names === undefined || inode.nlink > 0) return;
    this.streamDentries.delete(inode);
    const messages: Uint8Array[] = [];
    for (const key of names) {
      const slash = key.indexOf('/');
      messages.push(this.invalEntryMessage(Number(key.slice(0, slash)), key.slice(slash + 1)));
    }
    this.notifier ??= new Notifier(this.session.fd);
    this.notifier.send(messages, false);
  }

  private invalAttrMessage(inode: Inode): Uint8Array {
    const m = notification(Notify.INVAL_INODE, NotifyInvalInodeOut.size);
    // off -1: attributes only; the data did not change (and dirty pages must not be written back now).
    NotifyInvalInodeOut.write(m, OUT_HEADER_SIZE, { ino: inode.ino, off: -1, len: 0 });
    return m;
  }

  private invalEntryMessage(parent: number, name: string): Uint8Array {
    const bytes = encodeName(name);
    const m = notification(Notify.INVAL_ENTRY, NotifyInvalEntryOut.size + bytes.length + 1); // the name ends in NUL
    NotifyInvalEntryOut.write(m, OUT_HEADER_SIZE, { parent, namelen: bytes.length, flags: 0 });
    m.set(bytes, OUT_HEADER_SIZE + NotifyInvalEntryOut.size);
    return m;
  }

  /**
   * A system.ntfs_* xattr changed what the kernel caches. Owner, group and mode (ntfs_acl) and atime:
   * the cached attributes are dropped. A new type (a reparse point made a file a symlink or FIFO), or
   * new mtime/ctime of a regular file (which the kernel keeps itself under the writeback cache): every
   * name of the inode is dropped too, so the kernel forgets the inode and looks it up afresh.
   */
  private afterNtfsChange(inode: Inode, name: string, retyped: boolean): void {
    const times = name.startsWith('system.ntfs_times') && inode.isFile() && this.options.writebackCache;
    if (times) (this.pinnedTimes ??= new WeakSet()).add(inode);
    // The kernel refetches the birth time only with a fresh inode: INVAL_INODE marks the basic
    // attributes stale, not btime (a statx asking for btime alone is answered from the cache).
    const birth = name.startsWith('system.ntfs_times') || name.startsWith('system.ntfs_crtime');
    if (retyped || times || birth) this.forgetNames(inode, true);
    else if (name.startsWith('system.ntfs_acl')) this.forgetNames(inode, false);
  }

  /**
   * A writeback WRITE did not fit. With the writeback cache, write() only fills the kernel's page
   * cache and the kernel owns the file's size: left alone, a writer would go on for ever (the
   * kernel throws away what fails to write back) and the kernel's size would grow past the cap.
   * Before buffering a write the kernel refreshes stale attributes with a GETATTR that names the
   * handle, and fails the write() with that GETATTR's error. So: drop the cached attributes, and
   * answer such GETATTRs with ENOSPC until space is freed. The file's names are dropped too, so
   * that once the last handle closes the kernel forgets the inode (and its size) and asks us again.
   */
  private lostWrite(inode: Inode): void {
    this.lostWrites ??= new WeakMap();
    const first = !this.lostWrites.has(inode);
    this.lostWrites.set(inode, this.volume.used);
    this.forgetNames(inode, first);
  }

  private forgetNames(inode: Inode, names: boolean): void {
    const messages: Uint8Array[] = [];
    for (const [dir, name] of names ? this.volume.namesOf(inode) : []) messages.push(this.invalEntryMessage(dir.ino, name));
    messages.push(this.invalAttrMessage(inode));
    this.notifier ??= new Notifier(this.session.fd);
    this.notifier.send(messages);
  }
}

/** A zeroed notification message of `bodySize` bytes after its out_header (error = the code, unique = 0). */
function notification(code: number, bodySize: number): Buffer {
  const m = Buffer.alloc(OUT_HEADER_SIZE + bodySize);
  OutHeader.write(m, 0, { len: m.length, error: code, unique: 0 });
  return m;
}
