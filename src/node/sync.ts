/**
 * The synchronous node:fs API over a volume: the base every other form
 * (callbacks, promises, streams) wraps. Each call resolves paths with the
 * PathWalker, applies Linux's rules, drives the volume, and turns failures
 * into Node-shaped errors naming the syscall Node itself would name.
 */
import { permits, R_OK, W_OK, X_OK, type Caller } from '../core/access.js';
import { Errno, fail, isFsError } from '../core/errno.js';
import { S_IFMT, S_IFREG, S_ISGID, S_ISUID, PERMISSION_BITS, type Inode } from '../core/inode.js';
import type { Timespec } from '../core/time.js';
import type { Volume } from '../core/volume.js';
import { posix } from 'node:path';
import { constants, O_ACCMODE } from './constants.js';
import { fileTooLarge, invalidArgType, invalidArgValue, nodeError, notSupported, outOfRange, uvError, type NodeSystemError } from './errors.js';
import { checkFlush, IO_MAX_LENGTH } from './whole.js';
import { FdTable, OpenFile, parseFlags } from './fds.js';
import {
  assertEncoding, encodeResult, getOptions, parseMode, secondsToTimespec, toBytes, toUnixTimestamp, validateFd, validateId,
  validateInteger, validateRmdirOptions, warnOnce, warnRecursiveRmdir, type Encoding,
} from './options.js';
import { PathWalker, toPath } from './paths.js';
import { BigIntStats, Dirent, StatFs, Stats } from './stats.js';
import type { WatchHub } from './watch.js';
import { Dir, type OpenDirOptions } from './dir.js';
import { Remover } from './rm.js';
import { Copier } from './cp.js';

const { O_CREAT, O_EXCL, O_TRUNC, O_DIRECTORY, O_NOFOLLOW, O_RDONLY, O_WRONLY, O_RDWR, COPYFILE_EXCL, COPYFILE_FICLONE_FORCE } = constants;

/** Who the fs acts as, and the creation mask. */
export interface Identity {
  uid: number;
  gid: number;
  groups: readonly number[];
  umask: number;
}

export interface StatOptions {
  bigint?: boolean;
  throwIfNoEntry?: boolean;
}
export interface MkdirOptions {
  recursive?: boolean;
  mode?: number | string;
}
export interface RmOptions {
  force?: boolean;
  recursive?: boolean;
  maxRetries?: number;
  retryDelay?: number;
}
export type RmdirOptions = Omit<RmOptions, 'force'>;
export interface ReaddirOptions {
  encoding?: Encoding | null;
  withFileTypes?: boolean;
  recursive?: boolean;
}
export interface WriteFileOptions {
  encoding?: BufferEncoding | null;
  mode?: number | string;
  flag?: string | number;
  flush?: boolean;
}
export interface ReadFileOptions {
  encoding?: BufferEncoding | null;
  flag?: string | number;
}
export interface CopyOptions {
  dereference?: boolean;
  errorOnExist?: boolean;
  filter?: (src: string, dest: string) => boolean;
  force?: boolean;
  mode?: number;
  preserveTimestamps?: boolean;
  recursive?: boolean;
  verbatimSymlinks?: boolean;
}

type StatsResult = Stats | BigIntStats;

export class SyncFs {
  readonly walker: PathWalker;
  readonly fds: FdTable;
  /** The caller as seen by the permission rules. */
  readonly caller: Caller;
  /** For operations on an open file: the access mode was checked at open time. */
  private readonly opened: Caller;
  readonly umask: number;
  readonly dev: number;
  /** A write by anyone but root clears set-user-ID/set-group-ID, as Linux's file_remove_privs. */
  private readonly killPrivs: boolean;

  constructor(readonly volume: Volume, identity: Identity, readonly hub: WatchHub, cwd = '/') {
    this.caller = Object.freeze({ uid: identity.uid, gid: identity.gid, groups: identity.groups, checkPermissions: true });
    this.opened = Object.freeze({ ...this.caller, checkPermissions: false });
    this.umask = identity.umask & 0o777;
    this.killPrivs = identity.uid !== 0;
    this.dev = volume.serial;
    this.walker = new PathWalker(volume, this.caller, volume.root);
    const start = this.walker.inode(cwd, true);
    if (start === null || start.dir === null) throw uvError(this.walker.errno || Errno.ENOTDIR, 'chdir', cwd);
    this.walker.cwd = start;
    this.fds = new FdTable(volume);
  }

  // ---- helpers ------------------------------------------------------------

  private resolve(path: string, follow: boolean, syscall: string): Inode {
    const inode = this.walker.inode(path, follow);
    if (inode === null) throw uvError(this.walker.errno, syscall, path);
    return inode;
  }

  /** Resolves the parent of `path`; the walker then holds dir/name/slash. */
  private parentOf(path: string, syscall: string): void {
    if (!this.walker.parent(path)) throw uvError(this.walker.errno, syscall, path);
  }

  private file(fd: unknown, syscall: string): OpenFile {
    const n = validateFd(fd);
    const file = this.fds.get(n);
    if (file === undefined) throw uvError(Errno.EBADF, syscall);
    return file;
  }

  private stats(inode: Inode, bigint: boolean | undefined): StatsResult {
    return bigint ? new BigIntStats(inode, this.dev) : new Stats(inode, this.dev);
  }

  private changed(dir: Inode | null, name: string, inode: Inode | null, event: 'rename' | 'change'): void {
    if (this.hub.active > 0) this.hub.notify(dir, name, inode, event);
  }

  // ---- stat and friends -------------------------------------------------------

  statSync(path: unknown, options?: StatOptions): StatsResult | undefined {
    const p = toPath(path);
    const inode = this.walker.inode(p, true);
    if (inode === null) return this.statFailed(p, 'stat', options);
    return options?.bigint ? new BigIntStats(inode, this.dev) : new Stats(inode, this.dev);
  }

  lstatSync(path: unknown, options?: StatOptions): StatsResult | undefined {
    const p = toPath(path);
    const inode = this.walker.inode(p, false);
    if (inode === null) return this.statFailed(p, 'lstat', options);
    return options?.bigint ? new BigIntStats(inode, this.dev) : new Stats(inode, this.dev);
  }

  private statFailed(path: string, syscall: string, options?: StatOptions): undefined {
    const errno = this.walker.errno;
    if (options?.throwIfNoEntry === false && errno === Errno.ENOENT) return undefined;
    throw uvError(errno, syscall, path);
  }

  fstatSync(fd: unknown, options?: StatOptions): StatsResult {
    return this.stats(this.file(fd, 'fstat').inode, options?.bigint);
  }

  statfsSync(path: unknown, options?: { bigint?: boolean }): StatFs<number> | StatFs<bigint> {
    const p = toPath(path);
    this.resolve(p, true, 'statfs');
    const s = this.volume.statfs();
    return options?.bigint ? new StatFs<bigint>(s, true) : new StatFs<number>(s, false);
  }

  existsSync(path: unknown): boolean {
    let p: string;
    try {
      p = toPath(path);
    } catch {
      return false;
    }
    return this.walker.inode(p, true) !== null;
  }

  accessSync(path: unknown, mode: number = constants.F_OK): void {
    const p = toPath(path);
    const m = mode === undefined || mode === null ? 0 : validateInteger(mode, 'mode', 0, 7);
    const inode = this.resolve(p, true, 'access');
    if (!permits(this.caller, inode, m)) throw uvError(Errno.EACCES, 'access', p);
  }

  // ---- directories -------------------------------------------------------------

  mkdirSync(path: unknown, options?: MkdirOptions | number | string): string | undefined {
    return this.mkdir(path, options, false);
  }

  /** The callback and promise forms: recursive failures name the path whose mkdir failed (sync names the given path). */
  mkdirAsyncForm(path: unknown, options?: MkdirOptions | number | string): string | undefined {
    return this.mkdir(path, options, true);
  }

  private mkdir(path: unknown, options: MkdirOptions | number | string | undefined, nameFailing: boolean): string | undefined {
    const p = toPath(path);
    let recursive = false;
    let mode = 0o777;
    if (typeof options === 'number' || typeof options === 'string') mode = parseMode(options, 'mode');
    else if (options) {
      const r: unknown = options.recursive === undefined ? false : options.recursive;
      if (typeof r !== 'boolean') throw invalidArgType('options.recursive', 'of type boolean', r);
      recursive = r;
      mode = parseMode(options.mode, 'mode', 0o777);
    }
    if (recursive) return this.mkdirRecursive(p, mode, nameFailing);
    this.mkdirOne(p, p, mode);
    return undefined;
  }

  private mkdirOne(p: string, reported: string, mode: number): Inode {
    this.parentOf(p, 'mkdir');
    const { dir, name } = this.walker;
    // filename_create: an existing name is EEXIST before any write-permission check.
    if (dir.dir !== null && this.walker.lookup(dir, name) !== null) throw uvError(Errno.EEXIST, 'mkdir', reported);
    try {
      // mkdir(2) keeps only the permission and sticky bits of the mode.
      const made = this.volume.mkdir(this.caller, dir, name, mode & ~this.umask & 0o1777);
      this.changed(dir, name, made, 'rename');
      return made;
    } catch (e) {
      throw this.convert(e, 'mkdir', reported);
    }
  }

  /** mkdir(2) returning the errno instead of throwing (0 on success). */
  private mkdirErrno(p: string, mode: number): number {
    try {
      this.mkdirOne(p, p, mode);
      return 0;
    } catch (e) {
      const errno = (e as NodeSystemError).errno;
      if (typeof errno !== 'number') throw e;
      return -errno;
    }
  }

  /**
   * mkdir -p with Node's algorithm (MKDirpSync): on ENOENT retry after the
   * string dirname; errors name the path whose mkdir failed; returns the
   * first directory created.
   */
  private mkdirRecursive(p: string, mode: number, nameFailing: boolean): string | undefined {
    const stack = [p];
    let first: string | undefined;
    for (let guard = 0; stack.length > 0 && guard < 100000; guard++) {
      const next = stack.pop()!;
      let err = this.mkdirErrno(next, mode);
      if (err === 0) {
        first ??= next;
        continue;
      }
      const where = nameFailing ? next : p;
      if (err === Errno.EACCES || err === Errno.ENOTDIR || err === Errno.EPERM) throw uvError(err, 'mkdir', where);
      if (err === Errno.ENOENT) {
        const cut = next.lastIndexOf('/');
        const parent = cut < 0 ? next : next.slice(0, cut);
        if (parent !== next) {
          stack.push(next, parent);
          continue;
        }
        if (stack.length > 0) continue;
        err = Errno.EEXIST;
      }
      // Something is there (or another error): stat decides, slightly differently in the two forms.
      const existing = this.walker.inode(next, true);
      const statErrno = existing === null ? this.walker.errno : 0;
      if (nameFailing) {
        if (err === Errno.EEXIST && stack.length > 0) {
          if (existing !== null && existing.dir !== null) continue;
          throw uvError(Errno.ENOTDIR, 'mkdir', where);
        }
        if (existing === null) throw uvError(statErrno, 'mkdir', where);
        if (existing.dir === null) throw uvError(Errno.EEXIST, 'mkdir', where);
        return first;
      }
      if (existing === null) throw uvError(statErrno, 'mkdir', where);
      if (existing.dir === null) throw uvError(err === Errno.EEXIST && stack.length > 0 ? Errno.ENOTDIR : Errno.EEXIST, 'mkdir', where);
    }
    return first;
  }

  /**
   * rmdir, with Node 20's deprecated `recursive` (DEP0147): it removes a tree
   * only when the path is a directory, so a missing path gives ENOENT and a
   * file ENOTDIR (and is kept). Node's three forms look differently: the sync
   * and callback forms lstat, the promise form stats (following a symlink).
   */
  rmdirSync(path: unknown, options?: RmdirOptions): void {
    this.rmdirForm(path, options, 'sync');
  }

  rmdirForm(path: unknown, options: RmdirOptions | undefined, form: 'sync' | 'callback' | 'promise'): void {
    const p = toPath(path);
    if (options?.recursive) warnRecursiveRmdir();
    if (validateRmdirOptions(options)) {
      const follow = form === 'promise';
      const inode = this.walker.inode(p, follow);
      if (inode === null) throw uvError(this.walker.errno, follow ? 'stat' : 'lstat', p);
      if (inode.dir !== null) {
        const remover = new Remover(this);
        if (form === 'sync') remover.rimraf(p);
        else remover.rimrafAsync(p);
        return;
      }
    }
    if (PathWalker.isRootOnly(p)) throw uvError(Errno.EBUSY, 'rmdir', p);
    this.parentOf(p, 'rmdir');
    const { dir, name } = this.walker;
    const victim = this.hub.active > 0 ? this.walker.lookup(dir, name) : null;
    try {
      this.volume.rmdir(this.caller, dir, name);
    } catch (e) {
      throw this.convert(e, 'rmdir', p);
    }
    this.changed(dir, name, victim, 'rename');
  }

  readdirSync(path: unknown, options?: ReaddirOptions | Encoding | null): (string | Buffer | Dirent)[] {
    const p = toPath(path);
    const opts = getOptions<ReaddirOptions>(options, {});
    const inode = this.resolve(p, true, 'scandir');
    if (opts.recursive) return this.readdirRecursive(p, inode, opts);
    return this.listDir(p, inode, opts, p);
  }

  /** One directory's entries, sorted by name (memefs's documented readdir order). */
  private listDir(p: string, inode: Inode, opts: ReaddirOptions, parentPath: string): (string | Buffer | Dirent)[] {
    if (inode.dir === null) throw uvError(Errno.ENOTDIR, 'scandir', p);
    if (!permits(this.caller, inode, R_OK)) throw uvError(Errno.EACCES, 'scandir', p);
    this.volume.accessed(inode);
    const names: string[] = [];
    for (const entry of inode.dir.entries()) names.push(entry.name);
    names.sort();
    const enc = opts.encoding;
    if (opts.withFileTypes) {
      const out: Dirent[] = [];
      for (const name of names) {
        const child = inode.dir.get(name)!.inode;
        out.push(new Dirent(encodeResult(name, enc), child.mode & S_IFMT, parentPath));
      }
      return out;
    }
    if (enc === undefined || enc === null || enc === 'utf8' || enc === 'utf-8') return names;
    return names.map((n) => encodeResult(n, enc));
  }

  /**
   * Breadth-first, as Node 20's readdir({ recursive }): each directory is
   * listed by its joined path (so permissions apply on the way); the name form
   * descends wherever stat() finds a directory (symlinks too, until ELOOP),
   * the Dirent form only into real directories.
   */
  private readdirRecursive(p: string, inode: Inode, opts: ReaddirOptions): (string | Buffer | Dirent)[] {
    const out: (string | Buffer | Dirent)[] = [];
    const queue = [p];
    const plain = { ...opts, encoding: 'utf8' as const };
    for (let i = 0; i < queue.length; i++) {
      const at = queue[i]!;
      const dir = i === 0 ? inode : this.resolve(at, true, 'scandir');
      const entries = this.listDir(at, dir, plain, at) as (string | Dirent)[];
      for (const entry of entries) {
        const name = typeof entry === 'string' ? entry : (entry.name as string);
        const childPath = posix.join(at, name);
        if (opts.withFileTypes) {
          const dirent = entry as Dirent;
          out.push(opts.encoding && opts.encoding !== 'utf8' ? new Dirent(encodeResult(name, opts.encoding), SyncFs.typeOf(dir.dir!.get(name)!.inode), at) : dirent);
          if (dirent.isDirectory()) queue.push(childPath);
        } else {
          out.push(encodeResult(posix.relative(p, childPath), opts.encoding));
          if (this.walker.inode(childPath, true)?.dir) queue.push(childPath);
        }
      }
    }
    return out;
  }

  /** Node 20 reports opendir failures without the path. */
  opendirSync(path: unknown, options?: OpenDirOptions): Dir {
    const p = toPath(path);
    const opts = getOptions<OpenDirOptions>(options, {});
    if (opts.bufferSize !== undefined) validateInteger(opts.bufferSize, 'options.bufferSize', 1, 4294967295);
    const inode = this.walker.inode(p, true);
    if (inode === null) throw uvError(this.walker.errno, 'opendir');
    if (inode.dir === null) throw uvError(Errno.ENOTDIR, 'opendir');
    if (!permits(this.caller, inode, R_OK)) throw uvError(Errno.EACCES, 'opendir');
    return new Dir(this.volume, inode, p, opts);
  }

  mkdtempSync(prefix: unknown, options?: { encoding?: Encoding | null } | Encoding | null): string | Buffer {
    const pre = toPath(prefix, 'prefix');
    if (pre.endsWith('X')) warnOnce('mkdtemp() templates ending with X are not portable. For details see: https://nodejs.org/api/fs.html');
    const opts = getOptions<{ encoding?: Encoding | null }>(options, {});
    // Node 20 on Linux fails an empty prefix this way (its template loses a character).
    if (pre.length === 0) throw uvError(Errno.EINVAL, 'mkdtemp', 'XXXXX');
    const letters = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
    for (let attempt = 0; attempt < 100; attempt++) {
      let suffix = '';
      for (let i = 0; i < 6; i++) suffix += letters[Math.floor(Math.random() * letters.length)];
      const p = pre + suffix;
      try {
        this.mkdirOne(p, pre + 'XXXXXX', 0o700);
        return encodeResult(p, opts.encoding);
      } catch (e) {
        const err = e as NodeSystemError;
        if (typeof err.errno !== 'number') throw e;
        if (err.code !== 'EEXIST') throw uvError(-err.errno, 'mkdtemp', pre + 'XXXXXX');
      }
    }
    throw uvError(Errno.EEXIST, 'mkdtemp', pre + 'XXXXXX');
  }

  // ---- names ----------------------------------------------------------------------

  unlinkSync(path: unknown): void {
    const p = toPath(path);
    this.parentOf(p, 'unlink');
    const { dir, name, slash } = this.walker;
    if (slash) {
      const child = this.walker.lookup(dir, name);
      throw uvError(child === null ? this.walker.errno : child.dir !== null ? Errno.EISDIR : Errno.ENOTDIR, 'unlink', p);
    }
    // The entry is only wanted for watchers: no second lookup on the hot path when none listen.
    const entry = this.hub.active > 0 ? dir.dir?.get(name) : undefined;
    try {
      this.volume.unlink(this.caller, dir, name);
    } catch (e) {
      throw this.convert(e, 'unlink', p);
    }
    if (this.hub.active > 0) this.changed(dir, name, entry?.inode ?? null, 'rename');
  }

  renameSync(oldPath: unknown, newPath: unknown): void {
    const from = toPath(oldPath, 'oldPath');
    const to = toPath(newPath, 'newPath');
    if (!this.walker.parent(from)) throw uvError(this.walker.errno, 'rename', from, to);
    const fromDir = this.walker.dir, fromName = this.walker.name, fromSlash = this.walker.slash;
    if (!this.walker.parent(to)) throw uvError(this.walker.errno, 'rename', from, to);
    const toDir = this.walker.dir, toName = this.walker.name, toSlash = this.walker.slash;
    // Linux's order (do_renameat2): "." and ".." and "/" first, then the lookups, then the trailing-slash and ancestry rules.
    if (fromName === '.' || fromName === '..' || toName === '.' || toName === '..') throw uvError(Errno.EBUSY, 'rename', from, to);
    const source = this.walker.lookup(fromDir, fromName);
    if (source === null) throw uvError(this.walker.errno, 'rename', from, to);
    let victim: Inode | null = null;
    if (toDir.dir !== null && toName.length > 0) {
      victim = this.walker.lookup(toDir, toName);
      if (victim === null && this.walker.errno !== Errno.ENOENT) throw uvError(this.walker.errno, 'rename', from, to);
    }
    if ((fromSlash || toSlash) && source.dir === null) throw uvError(Errno.ENOTDIR, 'rename', from, to);
    // vfs_rename: renaming onto the same inode does nothing, before any permission check
    // (except a case-only rename of one entry on a case-insensitive volume, which changes its spelling).
    if (victim === source && !(fromDir === toDir && fromDir.dir!.get(fromName)!.name !== toName)) return;
    if (fromDir !== toDir) {
      if (source.dir !== null && this.volume.isAncestor(source, toDir)) throw uvError(Errno.EINVAL, 'rename', from, to);
      if (victim !== null && victim.dir !== null && this.volume.isAncestor(victim, fromDir)) throw uvError(Errno.ENOTEMPTY, 'rename', from, to);
    }
    try {
      this.volume.rename(this.caller, fromDir, fromName, toDir, toName);
    } catch (e) {
      throw this.convert(e, 'rename', from, to);
    }
    if (this.hub.active > 0) {
      const moved = toDir.dir?.get(toName)?.inode ?? null;
      this.changed(fromDir, fromName, moved, 'rename');
      this.changed(toDir, toName, moved, 'rename');
    }
  }

  linkSync(existingPath: unknown, newPath: unknown): void {
    const from = toPath(existingPath, 'existingPath');
    const to = toPath(newPath, 'newPath');
    const inode = this.walker.inode(from, false);
    if (inode === null) throw uvError(this.walker.errno, 'link', from, to);
    this.createEntry(to, 'link', from, to, (dir, name) => {
      // do_linkat's order: protected_hardlinks, then may_create, then "no links to directories".
      if (!this.mayHardlink(inode)) fail(Errno.EPERM);
      if (!permits(this.caller, dir, W_OK | X_OK)) fail(Errno.EACCES);
      this.volume.link(this.caller, inode, dir, name);
    });
  }

  /** fs.protected_hardlinks (on by default): only the owner may link a file they could not read and write. */
  private mayHardlink(inode: Inode): boolean {
    if (this.caller.uid === 0 || this.caller.uid === inode.uid) return true;
    const mode = inode.mode;
    if (inode.data === null || (mode & S_ISUID) !== 0 || (mode & (S_ISGID | 0o010)) === (S_ISGID | 0o010)) return false;
    return permits(this.caller, inode, R_OK | W_OK);
  }

  symlinkSync(target: unknown, path: unknown, type?: string | null): void {
    // The type matters only on Windows, but Node checks it everywhere.
    if (typeof type === 'string' && type !== 'dir' && type !== 'file' && type !== 'junction') {
      throw nodeError('Error', 'ERR_FS_INVALID_SYMLINK_TYPE', `Symlink type must be one of "dir", "file", or "junction". Received "${type}"`);
    }
    const t = toPath(target, 'target');
    const p = toPath(path);
    this.createEntry(p, 'symlink', t, p, (dir, name) => this.volume.symlink(this.caller, dir, name, t));
  }

  /** Linux's filename_create: EEXIST if the name exists, ENOENT for a trailing slash on a non-directory. */
  private createEntry(p: string, syscall: string, errPath: string, errDest: string, make: (dir: Inode, name: string) => unknown): void {
    if (!this.walker.parent(p)) throw uvError(this.walker.errno, syscall, errPath, errDest);
    const { dir, name, slash } = this.walker;
    if (dir.dir !== null) {
      const existing = this.walker.lookup(dir, name);
      if (existing !== null) throw uvError(Errno.EEXIST, syscall, errPath, errDest);
      if (this.walker.errno !== Errno.ENOENT) throw uvError(this.walker.errno, syscall, errPath, errDest);
    }
    if (slash) throw uvError(Errno.ENOENT, syscall, errPath, errDest);
    try {
      make(dir, name);
    } catch (e) {
      throw this.convert(e, syscall, errPath, errDest);
    }
    this.changed(dir, name, dir.dir?.get(name)?.inode ?? null, 'rename');
  }

  readlinkSync(path: unknown, options?: { encoding?: Encoding | null } | Encoding | null): string | Buffer {
    const p = toPath(path);
    const opts = getOptions<{ encoding?: Encoding | null }>(options, {});
    const inode = this.resolve(p, false, 'readlink');
    if (inode.target === null) throw uvError(Errno.EINVAL, 'readlink', p);
    this.volume.accessed(inode);
    return encodeResult(inode.target, opts.encoding);
  }

  /**
   * fs.realpath is JavaScript in Node: it resolves '..' lexically first
   * (path.resolve), then lstats each prefix and splices in symlink targets;
   * failures name `lstat` (or `stat` for a bad link) and the absolute prefix.
   */
  realpathSync(path: unknown, options?: { encoding?: Encoding | null } | Encoding | null): string | Buffer {
    const opts = getOptions<{ encoding?: Encoding | null }>(options, {});
    let p = posix.resolve(this.cwdPath(), toPath(path));
    let current = '/';
    let pos = 1;
    while (pos < p.length) {
      const next = p.indexOf('/', pos);
      const previous = current;
      let base: string;
      if (next === -1) {
        base = previous + p.slice(pos);
        current = base;
        pos = p.length;
      } else {
        current += p.slice(pos, next + 1);
        base = previous + p.slice(pos, next);
        pos = next + 1;
      }
      const inode = this.walker.inode(base, false);
      if (inode === null) throw uvError(this.walker.errno, 'lstat', base);
      if (inode.target === null) continue;
      if (this.walker.inode(base, true) === null) throw uvError(this.walker.errno, 'stat', base);
      p = posix.resolve(posix.resolve(previous, inode.target), p.slice(pos));
      current = '/';
      pos = 1;
    }
    return encodeResult(p, opts.encoding);
  }

  realpathNativeSync(path: unknown, options?: { encoding?: Encoding | null } | Encoding | null): string | Buffer {
    const p = toPath(path);
    const opts = getOptions<{ encoding?: Encoding | null }>(options, {});
    return encodeResult(this.canonical(p, 'realpath'), opts.encoding);
  }

  /** Resolves every symlink and returns the stored spelling of each component. */
  private canonical(p: string, syscall: 'lstat' | 'realpath'): string {
    if (p.length === 0) throw uvError(Errno.ENOENT, syscall, p);
    const names: string[] = [];
    const inodes: Inode[] = [];
    let dir = this.volume.root;
    if (p.charCodeAt(0) !== 47) {
      const cwd = this.cwdPath();
      for (const part of cwd.split('/')) if (part) names.push(part);
      dir = this.walker.cwd;
      let d = dir;
      const chain: Inode[] = [];
      while (d !== this.volume.root) { chain.unshift(d); d = d.parent!; }
      inodes.push(...chain);
    }
    let parts = p.split('/');
    let links = 0;
    for (let i = 0; i < parts.length; i++) {
      const name = parts[i]!;
      if (name === '' || name === '.') continue;
      if (name === '..') {
        names.pop();
        inodes.pop();
        dir = inodes.length > 0 ? inodes[inodes.length - 1]! : this.volume.root;
        continue;
      }
      const child = this.walker.lookup(dir, name);
      const here = '/' + [...names, name].join('/');
      if (child === null) throw uvError(this.walker.errno, syscall, syscall === 'lstat' ? here : p);
      if (child.target !== null) {
        if (++links > 40) throw uvError(Errno.ELOOP, syscall, syscall === 'lstat' ? here : p);
        const rest = parts.slice(i + 1);
        if (child.target.startsWith('/')) {
          names.length = 0;
          inodes.length = 0;
          dir = this.volume.root;
        }
        parts = [...child.target.split('/'), ...rest];
        i = -1;
        continue;
      }
      const stored = dir.dir!.get(name)!.name;
      // Anything after a non-directory, even "." or a trailing slash, is ENOTDIR.
      if (child.dir === null && i < parts.length - 1) throw uvError(Errno.ENOTDIR, syscall, syscall === 'lstat' ? here : p);
      names.push(stored);
      inodes.push(child);
      if (child.dir !== null) dir = child;
    }
    return '/' + names.join('/');
  }

  /** process.chdir's equivalent for this fs object: a directory the caller may search. */
  chdir(path: unknown): void {
    const p = toPath(path);
    const inode = this.resolve(p, true, 'chdir');
    if (inode.dir === null) throw uvError(Errno.ENOTDIR, 'chdir', p);
    if (!permits(this.caller, inode, X_OK)) throw uvError(Errno.EACCES, 'chdir', p);
    this.walker.cwd = inode;
  }

  /** The working directory's path (stored spellings). */
  cwdPath(): string {
    const names: string[] = [];
    for (let d = this.walker.cwd; d !== this.volume.root && d.parent !== null; d = d.parent) {
      const parent = d.parent;
      let found = '';
      for (const e of parent.dir!.entries()) if (e.inode === d) { found = e.name; break; }
      names.unshift(found);
    }
    return '/' + names.join('/');
  }

  // ---- attributes --------------------------------------------------------------------

  chmodSync(path: unknown, mode: unknown): void {
    const p = toPath(path);
    const m = parseMode(mode, 'mode');
    const inode = this.resolve(p, true, 'chmod');
    this.setattr(inode, { mode: m }, 'chmod', p);
  }

  fchmodSync(fd: unknown, mode: unknown): void {
    const m = parseMode(mode, 'mode');
    const file = this.file(fd, 'fchmod');
    this.setattr(file.inode, { mode: m }, 'fchmod');
  }

  chownSync(path: unknown, uid: unknown, gid: unknown): void {
    const p = toPath(path);
    const u = validateId(uid, 'uid'), g = validateId(gid, 'gid');
    this.chown(this.resolve(p, true, 'chown'), u, g, 'chown', p);
  }

  lchownSync(path: unknown, uid: unknown, gid: unknown): void {
    const p = toPath(path);
    const u = validateId(uid, 'uid'), g = validateId(gid, 'gid');
    this.chown(this.resolve(p, false, 'lchown'), u, g, 'lchown', p);
  }

  fchownSync(fd: unknown, uid: unknown, gid: unknown): void {
    const u = validateId(uid, 'uid'), g = validateId(gid, 'gid');
    this.chown(this.file(fd, 'fchown').inode, u, g, 'fchown');
  }

  private chown(inode: Inode, uid: number, gid: number, syscall: string, p?: string): void {
    // chown_common: on non-directories any chown (even to -1, -1) clears set-user-ID and group-executable set-group-ID.
    const attr: { uid?: number; gid?: number; killSuidSgid?: boolean } = { killSuidSgid: inode.dir === null };
    if (uid !== -1) attr.uid = uid;
    if (gid !== -1) attr.gid = gid;
    this.setattr(inode, attr, syscall, p);
  }

  utimesSync(path: unknown, atime: unknown, mtime: unknown): void {
    const p = toPath(path);
    const times = this.times(atime, mtime);
    this.setattr(this.resolve(p, true, 'utime'), times, 'utime', p);
  }

  lutimesSync(path: unknown, atime: unknown, mtime: unknown): void {
    const p = toPath(path);
    const times = this.times(atime, mtime);
    this.setattr(this.resolve(p, false, 'lutime'), times, 'lutime', p);
  }

  futimesSync(fd: unknown, atime: unknown, mtime: unknown): void {
    const times = this.times(atime, mtime);
    this.setattr(this.file(fd, 'futime').inode, times, 'futime');
  }

  private times(atime: unknown, mtime: unknown): { atime: Timespec; mtime: Timespec } {
    return {
      atime: secondsToTimespec(toUnixTimestamp(atime, 'atime')),
      mtime: secondsToTimespec(toUnixTimestamp(mtime, 'mtime')),
    };
  }

  private setattr(inode: Inode, attr: Parameters<Volume['setattr']>[2], syscall: string, p?: string): void {
    try {
      this.volume.setattr(this.caller, inode, attr);
    } catch (e) {
      throw this.convert(e, syscall, p);
    }
    this.changed(null, '', inode, 'change');
  }

  truncateSync(path: unknown, len: unknown = 0): void {
    if (typeof path === 'number') {
      warnOnce('Using fs.truncate with a file descriptor is deprecated. Please use fs.ftruncate with a file descriptor instead.', 'DeprecationWarning', 'DEP0081');
      this.ftruncateSync(path, len);
      return;
    }
    const p = toPath(path);
    const size = Math.max(0, validateInteger(len === undefined ? 0 : len, 'len'));
    // Node opens the file 'r+' and truncates through the descriptor.
    const inode = this.openInode(p, O_RDWR, 0o666, 'open');
    this.truncateInode(inode, size, 'ftruncate');
  }

  ftruncateSync(fd: unknown, len: unknown = 0): void {
    const size = Math.max(0, validateInteger(len === undefined ? 0 : len, 'len'));
    const file = this.file(fd, 'ftruncate');
    if (!file.writable || file.inode.data === null) throw uvError(Errno.EINVAL, 'ftruncate');
    this.truncateInode(file.inode, size, 'ftruncate', file);
  }

  private truncateInode(inode: Inode, size: number, syscall: string, file?: OpenFile): void {
    try {
      this.volume.setattr(this.opened, inode, { size, killSuidSgid: this.killPrivs });
    } catch (e) {
      throw this.convert(e, syscall);
    }
    if (this.hub.active > 0) this.changed(file?.dir ?? null, file?.name ?? '', inode, 'change');
  }

  // ---- open files --------------------------------------------------------------------

  /**
   * open(2) without a descriptor: resolves or creates the file, applies
   * O_EXCL/O_NOFOLLOW/O_DIRECTORY/O_TRUNC and the access checks. The walker
   * is left holding the entry's directory and name (for watchers).
   */
  openInode(p: string, flags: number, mode: number, syscall: string): Inode {
    const access = flags & O_ACCMODE;
    let inode: Inode;
    let created = false;
    if ((flags & O_CREAT) !== 0) {
      if (!this.walker.parent(p)) throw uvError(this.walker.errno, syscall, p);
      // O_CREAT with a trailing slash is EISDIR whatever is there (open_last_lookups).
      if (this.walker.slash) throw uvError(Errno.EISDIR, syscall, p);
      let dir = this.walker.dir, name = this.walker.name;
      for (;;) {
        const child = this.walker.lookup(dir, name);
        if (child === null) {
          if (this.walker.errno !== Errno.ENOENT) throw uvError(this.walker.errno, syscall, p);
          try {
            inode = this.volume.mknod(this.caller, dir, name, S_IFREG | (mode & ~this.umask & PERMISSION_BITS));
          } catch (e) {
            throw this.convert(e, syscall, p);
          }
          created = true;
          this.changed(dir, name, inode, 'rename');
          break;
        }
        if ((flags & O_EXCL) !== 0) throw uvError(Errno.EEXIST, syscall, p);
        if (child.target !== null) {
          if ((flags & O_NOFOLLOW) !== 0) {
            if (this.stickyCreateDenied(dir, child)) throw uvError(Errno.EACCES, syscall, p);
            throw uvError(Errno.ELOOP, syscall, p);
          }
          // O_CREAT through a symlink creates its target.
          if (!this.walker.countLink()) throw uvError(this.walker.errno, syscall, p);
          if (!this.walker.parentFrom(child.target, dir)) throw uvError(this.walker.errno, syscall, p);
          if (this.walker.slash) throw uvError(Errno.EISDIR, syscall, p);
          dir = this.walker.dir;
          name = this.walker.name;
          continue;
        }
        if (child.dir !== null) throw uvError(Errno.EISDIR, syscall, p);
        inode = child;
        this.walker.dir = dir;
        this.walker.name = name;
        break;
      }
    } else {
      const follow = (flags & O_NOFOLLOW) === 0;
      const found = this.walker.inode(p, follow);
      if (found === null) throw uvError(this.walker.errno, syscall, p);
      inode = found;
      if (!follow && inode.target !== null) throw uvError(Errno.ELOOP, syscall, p);
    }
    if ((flags & O_DIRECTORY) !== 0 && inode.dir === null) throw uvError(Errno.ENOTDIR, syscall, p);
    if (inode.dir !== null && access !== O_RDONLY) throw uvError(Errno.EISDIR, syscall, p);
    if (!created) {
      let need = 0;
      if (access === O_RDONLY || access === O_RDWR) need |= R_OK;
      if (access === O_WRONLY || access === O_RDWR || (flags & O_TRUNC) !== 0) need |= W_OK;
      if (!permits(this.caller, inode, need)) throw uvError(Errno.EACCES, syscall, p);
      if ((flags & O_TRUNC) !== 0 && inode.data !== null) {
        try {
          this.volume.setattr(this.opened, inode, { size: 0, killSuidSgid: this.killPrivs });
        } catch (e) {
          throw this.convert(e, syscall, p);
        }
        this.changed(null, '', inode, 'change');
      }
    }
    return inode;
  }

  /**
   * Linux's may_create_in_sticky for O_CREAT meeting an existing non-regular
   * file (here: a symlink not followed) in a world-writable sticky directory
   * owned by someone else (protected_regular/fifos are off, the kernel default).
   */
  private stickyCreateDenied(dir: Inode, inode: Inode): boolean {
    if ((dir.mode & 0o1000) === 0 || inode.data !== null) return false;
    if (inode.uid === dir.uid || inode.uid === this.caller.uid) return false;
    return (dir.mode & 0o002) !== 0;
  }

  openSync(path: unknown, flags?: unknown, mode?: unknown): number {
    const p = toPath(path);
    const f = parseFlags(flags);
    const m = parseMode(mode, 'mode', 0o666);
    const inode = this.openInode(p, f, m, 'open');
    return this.register(inode, f, p, 'open');
  }

  /** Puts an opened inode in the descriptor table. */
  register(inode: Inode, flags: number, p: string, syscall: string): number {
    const file = new OpenFile(inode, flags, p);
    file.dir = this.walker.dir;
    file.name = this.walker.name;
    const fd = this.fds.open(file);
    if (fd < 0) throw uvError(Errno.EMFILE, syscall, p);
    return fd;
  }

  closeSync(fd: unknown): void {
    const n = validateFd(fd);
    if (!this.fds.close(n)) throw uvError(Errno.EBADF, 'close');
  }

  fsyncSync(fd: unknown): void {
    this.file(fd, 'fsync');
  }

  fdatasyncSync(fd: unknown): void {
    this.file(fd, 'fdatasync');
  }

  readSync(fd: unknown, buffer: unknown, offsetOrOptions?: unknown, length?: unknown, position?: unknown): number {
    const n = validateFd(fd);
    if (!ArrayBuffer.isView(buffer)) throw invalidArgType('buffer', 'an instance of Buffer, TypedArray, or DataView', buffer);
    // Node's order of checks: options object (or offset), length coerced to int32, then empty buffer, ranges, position.
    let offset: unknown = offsetOrOptions;
    if (arguments.length <= 3 || typeof offsetOrOptions === 'object') {
      if (offsetOrOptions !== undefined && offsetOrOptions !== null && (typeof offsetOrOptions !== 'object' || Array.isArray(offsetOrOptions))) throw invalidArgType('options', 'of type object', offsetOrOptions);
      const o = (offsetOrOptions ?? {}) as { offset?: unknown; length?: unknown; position?: unknown };
      offset = o.offset ?? 0;
      length = o.length === undefined ? buffer.byteLength - (offset as number) : o.length;
      position = o.position ?? null;
    }
    const off = offset === undefined ? 0 : validateInteger(offset, 'offset', 0);
    const len = (length as number) | 0;
    if (len === 0) return 0;
    if (buffer.byteLength === 0) throw invalidArgValue('buffer', buffer, 'is empty and cannot be written');
    if (len < 0) throw outOfRange('length', '>= 0', len);
    if (off + len > buffer.byteLength) throw outOfRange('length', `<= ${buffer.byteLength - off}`, len);
    const view = buffer instanceof Uint8Array ? buffer : new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    return this.readInto(n, view, off, len, toPosition(checkPosition(position)));
  }

  /** read(2)/pread(2): position -1 means the descriptor's own. */
  readInto(fd: number, view: Uint8Array, off: number, len: number, position: number): number {
    const file = this.fds.get(fd);
    if (file === undefined || !file.readable) throw uvError(Errno.EBADF, 'read');
    const inode = file.inode;
    if (inode.data === null) throw uvError(inode.dir !== null ? Errno.EISDIR : Errno.EINVAL, 'read');
    const at = position < 0 ? file.position : position;
    const got = inode.data.readInto(at, len === view.byteLength && off === 0 ? view : view.subarray(off, off + len));
    this.volume.accessed(inode);
    if (position < 0) file.position = at + got;
    return got;
  }

  readvSync(fd: unknown, buffers: unknown, position?: unknown): number {
    return this.vectored(fd, buffers, position, (n, view, pos) => this.readInto(n, view, 0, view.byteLength, pos));
  }

  /** readv/writev: one buffer after the other, stopping at the first short transfer. */
  private vectored(fd: unknown, buffers: unknown, position: unknown, one: (fd: number, view: Uint8Array, pos: number) => number): number {
    const n = validateFd(fd);
    if (!Array.isArray(buffers) || !buffers.every((b) => ArrayBuffer.isView(b))) throw invalidArgType('buffers', 'an ArrayBufferView[]', buffers);
    // Node ignores a position that is not a number here.
    let pos = typeof position === 'number' ? toPosition(position) : -1;
    let total = 0;
    for (const b of buffers as ArrayBufferView[]) {
      const view = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
      const done = one(n, view, pos);
      total += done;
      if (pos >= 0) pos += done;
      if (done < view.byteLength) break;
    }
    return total;
  }

  writeSync(fd: unknown, buffer: unknown, offsetOrOptions?: unknown, length?: unknown, position?: unknown): number {
    const n = validateFd(fd);
    if (typeof buffer === 'string') {
      // writeSync(fd, string, position?, encoding?)
      const encoding = (typeof length === 'string' ? length : 'utf8') as BufferEncoding;
      // Node's validateEncoding: hex needs whole bytes.
      if (encoding.toLowerCase() === 'hex' && buffer.length % 2 !== 0) throw invalidArgValue('encoding', encoding, `is invalid for data of length ${buffer.length}`);
      const bytes = Buffer.from(buffer, encoding);
      return this.writeFrom(n, bytes, 0, bytes.length, toPosition(offsetOrOptions));
    }
    if (!ArrayBuffer.isView(buffer)) throw invalidArgType('buffer', 'of type string or an instance of Buffer, TypedArray, or DataView', buffer);
    const view = buffer instanceof Uint8Array ? buffer : new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    let offset: unknown = offsetOrOptions;
    if (offsetOrOptions !== null && typeof offsetOrOptions === 'object') {
      const o = offsetOrOptions as { offset?: number; length?: number; position?: number | null };
      offset = o.offset;
      length = o.length;
      position = o.position;
    }
    const off = offset === undefined || offset === null ? 0 : validateInteger(offset, 'offset', 0);
    if (off > view.byteLength) throw outOfRange('offset', `>= 0 && <= ${view.byteLength}`, off);
    const len = length === undefined || length === null ? view.byteLength - off : validateInteger(length, 'length', 0);
    if (len > view.byteLength - off) throw outOfRange('length', `>= 0 && <= ${view.byteLength - off}`, len);
    if (len > 2147483647) throw outOfRange('length', '>= 0 && <= 2147483647', len);
    return this.writeFrom(n, view, off, len, toPosition(position));
  }

  /** write(2)/pwrite(2); with O_APPEND every write lands at the end (even pwrite, as on Linux). */
  writeFrom(fd: number, view: Uint8Array, off: number, len: number, position: number): number {
    const file = this.fds.get(fd);
    if (file === undefined || !file.writable) throw uvError(Errno.EBADF, 'write');
    const inode = file.inode;
    const data = inode.data;
    if (data === null) throw uvError(inode.dir !== null ? Errno.EISDIR : Errno.EINVAL, 'write');
    const at = file.append ? data.size : position < 0 ? file.position : position;
    if (len === 0) return 0;
    let written: number;
    try {
      written = this.volume.write(inode, at, off === 0 && len === view.byteLength ? view : view.subarray(off, off + len), this.killPrivs);
    } catch (e) {
      throw this.convert(e, 'write');
    }
    // pwrite never moves the offset, even when O_APPEND sent the bytes to the end.
    if (position < 0) file.position = at + written;
    if (this.hub.active > 0) this.changed(file.dir, file.name, inode, 'change');
    return written;
  }

  writevSync(fd: unknown, buffers: unknown, position?: unknown): number {
    return this.vectored(fd, buffers, position, (n, view, pos) => this.writeFrom(n, view, 0, view.byteLength, pos));
  }

  // ---- whole files ----------------------------------------------------------------------

  readFileSync(path: unknown, options?: ReadFileOptions | BufferEncoding | null): string | Buffer {
    let encoding: BufferEncoding | null | undefined;
    let flags: number = O_RDONLY;
    if (typeof options === 'string') {
      assertEncoding(options);
      encoding = options;
    } else if (options !== undefined && options !== null) {
      const opts = getOptions<ReadFileOptions>(options, {});
      encoding = opts.encoding;
      flags = parseFlags(opts.flag, O_RDONLY);
    }
    let bytes: Buffer;
    if (typeof path === 'number') {
      bytes = this.readRest(path);
    } else {
      const p = toPath(path);
      const inode = this.openInode(p, flags, 0o666, 'open');
      if ((flags & O_ACCMODE) === O_WRONLY) throw uvError(Errno.EBADF, 'read');
      const data = inode.data;
      if (data === null) throw uvError(inode.dir !== null ? Errno.EISDIR : Errno.EINVAL, 'read');
      if (data.size > IO_MAX_LENGTH) throw fileTooLarge(data.size);
      bytes = data.size === 0 ? Buffer.alloc(0) : Buffer.allocUnsafe(data.size);
      if (data.size > 0) data.readInto(0, bytes);
      this.volume.accessed(inode);
    }
    return encoding ? bytes.toString(encoding) : bytes;
  }

  /** readFile on a descriptor: from its position to the end. */
  private readRest(fd: number): Buffer {
    // Node stats the descriptor first (for the size), then reads.
    const file = this.file(fd, 'fstat');
    if (!file.readable) throw uvError(Errno.EBADF, 'read');
    const data = file.inode.data;
    if (data === null) throw uvError(file.inode.dir !== null ? Errno.EISDIR : Errno.EINVAL, 'read');
    const n = Math.max(0, data.size - file.position);
    if (n > IO_MAX_LENGTH) throw fileTooLarge(n);
    const bytes = Buffer.allocUnsafe(n);
    this.readInto(fd, bytes, 0, n, -1);
    return bytes;
  }

  writeFileSync(path: unknown, data: unknown, options?: WriteFileOptions | BufferEncoding | null): void {
    this.writeWhole(path, data, options, O_TRUNC | O_CREAT | O_WRONLY);
  }

  appendFileSync(path: unknown, data: unknown, options?: WriteFileOptions | BufferEncoding | null): void {
    this.writeWhole(path, data, options, constants.O_APPEND | O_CREAT | O_WRONLY);
  }

  private writeWhole(path: unknown, data: unknown, options: WriteFileOptions | BufferEncoding | null | undefined, defaultFlags: number): void {
    let encoding: BufferEncoding | null | undefined;
    let flags: number = defaultFlags;
    let mode = 0o666;
    if (typeof options === 'string') {
      assertEncoding(options);
      encoding = options;
    } else if (options !== undefined && options !== null) {
      const opts = getOptions<WriteFileOptions>(options, {});
      encoding = opts.encoding;
      flags = parseFlags(opts.flag, defaultFlags);
      mode = parseMode(opts.mode, 'mode', 0o666);
      checkFlush(opts.flush);
    }
    const bytes = toBytes(data, encoding);
    if (typeof path === 'number') {
      let off = 0;
      while (off < bytes.length) off += this.writeFrom(path, bytes, off, bytes.length - off, -1);
      return;
    }
    const p = toPath(path);
    const inode = this.openInode(p, flags, mode, 'open');
    if ((flags & O_ACCMODE) === O_RDONLY) throw uvError(Errno.EBADF, 'write');
    if (bytes.length === 0) return;
    const fileData = inode.data;
    if (fileData === null) throw uvError(Errno.EINVAL, 'write');
    const at = (flags & constants.O_APPEND) !== 0 ? fileData.size : 0;
    try {
      let off = 0;
      while (off < bytes.length) {
        const wrote = this.volume.write(inode, at + off, off === 0 ? bytes : bytes.subarray(off), this.killPrivs);
        if (wrote === 0) throw uvError(Errno.ENOSPC, 'write');
        off += wrote;
      }
    } catch (e) {
      throw this.convert(e, 'write');
    }
    if (this.hub.active > 0) this.changed(this.walker.dir, this.walker.name, inode, 'change');
  }

  copyFileSync(src: unknown, dest: unknown, mode: unknown = 0): void {
    const from = toPath(src, 'src');
    const to = toPath(dest, 'dest');
    const m = validateInteger(mode ?? 0, 'mode', 0, 7);
    const source = this.walker.inode(from, true);
    if (source === null) throw uvError(this.walker.errno, 'copyfile', from, to);
    if (!permits(this.caller, source, R_OK)) throw uvError(Errno.EACCES, 'copyfile', from, to);
    const flags = O_WRONLY | O_CREAT | ((m & COPYFILE_EXCL) !== 0 ? O_EXCL : 0);
    let target: Inode;
    try {
      target = this.openInode(to, flags, source.mode & PERMISSION_BITS, 'copyfile');
    } catch (e) {
      throw this.redest(e, from, to);
    }
    const targetDir = this.walker.dir, targetName = this.walker.name;
    if (target === source) return;
    try {
      // As libuv: truncate, give it the source's mode, try a clone (a RAM disk has none), then copy (holes stay holes).
      this.volume.setattr(this.opened, target, { size: 0 });
      this.volume.setattr(this.opened, target, { mode: source.mode & PERMISSION_BITS });
      if (source.data === null) throw uvError(source.dir !== null ? Errno.EISDIR : Errno.EINVAL, 'copyfile', from, to);
      if ((m & COPYFILE_FICLONE_FORCE) !== 0) throw uvError(Errno.EOPNOTSUPP, 'copyfile', from, to);
      const size = source.data.size;
      // The copy writes the data after the mode is set: for anyone but root that drops set-user-ID (the kernel's file_remove_privs).
      if (size > 0 && this.volume.copyRange(source, 0, target, 0, size, this.killPrivs) < size) throw uvError(Errno.ENOSPC, 'copyfile', from, to);
    } catch (e) {
      // libuv removes the destination path (as given: a symlink there goes, not its target) when the copy fails.
      try {
        this.unlinkSync(to);
      } catch { /* as libuv, the copy's error is the one reported */ }
      throw this.convert(e, 'copyfile', from, to);
    }
    this.changed(targetDir, targetName, target, 'change');
  }

  /** openInode errors name only the path; copyfile's name both. */
  private redest(e: unknown, from: string, to: string): unknown {
    const err = e as NodeSystemError;
    if (err && typeof err.errno === 'number' && err.syscall) return uvError(-err.errno, err.syscall, from, to);
    return e;
  }

  // ---- rm and cp: Node implements these in JavaScript over the primitives (rm.ts, cp.ts) ----

  rmSync(path: unknown, options?: RmOptions): void {
    new Remover(this).rm(path, options, false);
  }

  /** fs.rm / fs.promises.rm: the asynchronous rimraf, whose validation always lstats. */
  rmAsyncForm(path: unknown, options?: RmOptions): void {
    new Remover(this).rm(path, options, true);
  }

  cpSync(src: unknown, dest: unknown, options?: CopyOptions): void {
    new Copier(this).cp(src, dest, options, false);
  }

  cpAsyncForm(src: unknown, dest: unknown, options?: CopyOptions): void {
    new Copier(this).cp(src, dest, options, true);
  }

  // ---- errors ------------------------------------------------------------------------------

  /** Maps a core FsError to the Node shape for `syscall`; other errors pass unchanged. */
  convert(e: unknown, syscall: string, p?: string, dest?: string): unknown {
    if (isFsError(e)) return uvError(e.errno, syscall, p, dest);
    return e;
  }

  /** A call memefs does not provide. */
  unsupported(call: string, what?: string): never {
    throw notSupported(call, what);
  }

  /** Entry type bits (for Dirent) of an inode. */
  static typeOf(inode: Inode): number {
    return inode.mode & S_IFMT;
  }
}

/** A position argument: null/undefined/-1 mean "the descriptor's own"; bigints allowed. */
/** Node's validatePosition for reads: null/undefined, an integer >= -1, or a bigint in int64 range. */
function checkPosition(position: unknown): unknown {
  if (position === undefined || position === null) return position;
  if (typeof position === 'number') return validateInteger(position, 'position', -1);
  if (typeof position === 'bigint') {
    if (position < -(2n ** 63n) || position > 2n ** 63n - 1n) throw outOfRange('position', `>= ${-(2n ** 63n)} && <= ${2n ** 63n - 1n}`, position);
    return position;
  }
  throw invalidArgType('position', 'of type bigint or integer', position);
}

export function toPosition(position: unknown): number {
  if (position === undefined || position === null) return -1;
  if (typeof position === 'bigint') return Number(position);
  if (typeof position !== 'number') throw invalidArgType('position', 'of type number or bigint', position);
  if (!Number.isInteger(position)) throw outOfRange('position', 'an integer', position);
  return position < 0 ? -1 : position;
}
