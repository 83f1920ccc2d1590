/**
 * fs.cp as Node 20 implements it in JavaScript (checkPaths, parent checks,
 * mkdir -p of the destination's parent, then a copy per file type), so its
 * errors and edge cases are Node's.
 */
import { Errno } from '../core/errno.js';
import type { Inode } from '../core/inode.js';
import { posix } from 'node:path';
import { cpError, uvError, type NodeSystemError } from './errors.js';
import { toPath } from './paths.js';
import type { Stats } from './stats.js';
import type { CopyOptions, SyncFs } from './sync.js';

export class Copier {
  constructor(private readonly fs: SyncFs) {}

  /** The async forms differ only in their "directory, not copied" errno (EISDIR; sync: EINVAL). */
  cp(src: unknown, dest: unknown, options: CopyOptions | undefined, asyncForm: boolean): void {
    const from = toPath(src, 'src');
    const to = toPath(dest, 'dest');
    const opts: CopyOptions & { asyncForm: boolean } = { dereference: false, errorOnExist: false, force: true, mode: 0, preserveTimestamps: false, recursive: false, verbatimSymlinks: false, ...options, asyncForm };
    if (opts.filter && !opts.filter(from, to)) return;
    const { srcStat, destStat } = this.cpCheckPaths(from, to, opts);
    this.cpCheckParents(from, srcStat, to);
    const destParent = posix.dirname(to);
    if (!this.fs.existsSync(destParent)) this.fs.mkdirSync(destParent, { recursive: true });
    this.cpByType(destStat, from, to, opts);
  }

  cpStat(p: string, opts: CopyOptions): Inode {
    const inode = this.fs.walker.inode(p, opts.dereference === true);
    if (inode === null) throw uvError(this.fs.walker.errno, opts.dereference ? 'stat' : 'lstat', p);
    return inode;
  }

  cpCheckPaths(from: string, to: string, opts: CopyOptions & { asyncForm?: boolean }): { srcStat: Inode; destStat: Inode | null } {
    const syscall = opts.dereference ? 'stat' : 'lstat';
    const destStat: Inode | null = this.fs.walker.inode(to, opts.dereference === true);
    const destErrno = destStat === null && this.fs.walker.errno !== Errno.ENOENT ? this.fs.walker.errno : 0;
    // (Node's async form stats both at once with Promise.all, so when both fail either error may win; memefs reports the source's.)
    const srcStat = this.cpStat(from, opts);
    if (destErrno !== 0) throw uvError(destErrno, syscall, to);
    if (destStat !== null) {
      if (destStat === srcStat) {
        throw cpError('ERR_FS_CP_EINVAL', 'Invalid src or dest', { message: 'src and dest cannot be the same', path: to, syscall: 'cp', errno: Errno.EINVAL, code: 'EINVAL' });
      }
      // (Node's prefixes for these two codes read the other way round; kept as Node has them.)
      if (srcStat.dir !== null && destStat.dir === null) {
        throw cpError('ERR_FS_CP_DIR_TO_NON_DIR', 'Cannot overwrite non-directory with directory', { message: `cannot overwrite non-directory ${to} with directory ${from}`, path: to, syscall: 'cp', errno: Errno.EISDIR, code: 'EISDIR' });
      }
      if (srcStat.dir === null && destStat.dir !== null) {
        throw cpError('ERR_FS_CP_NON_DIR_TO_DIR', 'Cannot overwrite directory with non-directory', { message: `cannot overwrite directory ${to} with non-directory ${from}`, path: to, syscall: 'cp', errno: Errno.ENOTDIR, code: 'ENOTDIR' });
      }
    }
    if (srcStat.dir !== null && this.isSubdirLexically(from, to)) {
      throw cpError('ERR_FS_CP_EINVAL', 'Invalid src or dest', { message: `cannot copy ${from} to a subdirectory of self ${to}`, path: to, syscall: 'cp', errno: Errno.EINVAL, code: 'EINVAL' });
    }
    return { srcStat, destStat };
  }

  /** Node's isSrcSubdir: a comparison of resolved path strings. */
  isSubdirLexically(from: string, to: string): boolean {
    const cwd = this.fs.cwdPath();
    const a = posix.resolve(cwd, from).split('/').filter(Boolean);
    const b = posix.resolve(cwd, to).split('/').filter(Boolean);
    return a.every((part, i) => b[i] === part);
  }

  cpCheckParents(from: string, srcStat: Inode, to: string): void {
    const cwd = this.fs.cwdPath();
    const srcParent = posix.resolve(cwd, posix.dirname(from));
    const destParent = posix.resolve(cwd, posix.dirname(to));
    if (destParent === srcParent || destParent === '/') return;
    const parent = this.fs.walker.inode(destParent, true);
    if (parent === null) {
      if (this.fs.walker.errno === Errno.ENOENT) return;
      throw uvError(this.fs.walker.errno, 'stat', destParent);
    }
    if (parent === srcStat) {
      throw cpError('ERR_FS_CP_EINVAL', 'Invalid src or dest', { message: `cannot copy ${from} to a subdirectory of self ${to}`, path: to, syscall: 'cp', errno: Errno.EINVAL, code: 'EINVAL' });
    }
    this.cpCheckParents(from, srcStat, destParent);
  }

  cpByType(destStat: Inode | null, from: string, to: string, opts: CopyOptions & { asyncForm?: boolean }): void {
    const srcStat = this.cpStat(from, opts);
    if (srcStat.dir !== null) {
      if (!opts.recursive) {
        throw cpError('ERR_FS_EISDIR', 'Path is a directory', { message: `${from} is a directory (not copied)`, path: from, syscall: 'cp', errno: opts.asyncForm ? Errno.EISDIR : Errno.EINVAL, code: 'EISDIR' });
      }
      if (destStat === null) {
        this.fs.mkdirSync(to);
        this.cpDirContents(from, to, opts);
        this.fs.chmodSync(to, srcStat.mode);
      } else {
        this.cpDirContents(from, to, opts);
      }
      return;
    }
    if (srcStat.data !== null) {
      if (destStat !== null) {
        if (!opts.force) {
          if (opts.errorOnExist) {
            throw cpError('ERR_FS_CP_EEXIST', 'Target already exists', { message: `${to} already exists`, path: to, syscall: 'cp', errno: Errno.EEXIST, code: 'EEXIST' });
          }
          return;
        }
        this.fs.unlinkSync(to);
      }
      this.fs.copyFileSync(from, to, opts.mode ?? 0);
      if (opts.preserveTimestamps) {
        if ((srcStat.mode & 0o200) === 0) this.fs.chmodSync(to, srcStat.mode | 0o200);
        this.fs.utimesSync(to, srcStat.atime.sec + srcStat.atime.nsec / 1e9, srcStat.mtime.sec + srcStat.mtime.nsec / 1e9);
      }
      this.fs.chmodSync(to, srcStat.mode);
      return;
    }
    if (srcStat.target !== null) {
      let resolved = this.fs.readlinkSync(from) as string;
      if (!opts.verbatimSymlinks && !resolved.startsWith('/')) resolved = posix.resolve(this.fs.cwdPath(), posix.dirname(from), resolved);
      if (destStat === null) {
        this.fs.symlinkSync(resolved, to);
        return;
      }
      let resolvedDest: string;
      try {
        resolvedDest = this.fs.readlinkSync(to) as string;
      } catch (e) {
        if ((e as NodeSystemError).code === 'EINVAL') {
          this.fs.symlinkSync(resolved, to);
          return;
        }
        throw e;
      }
      if (!resolvedDest.startsWith('/')) resolvedDest = posix.resolve(this.fs.cwdPath(), posix.dirname(to), resolvedDest);
      if (this.isSubdirLexically(resolved, resolvedDest)) {
        throw cpError('ERR_FS_CP_EINVAL', 'Invalid src or dest', { message: `cannot copy ${resolved} to a subdirectory of self ${resolvedDest}`, path: to, syscall: 'cp', errno: Errno.EINVAL, code: 'EINVAL' });
      }
      const followed = this.fs.statSync(from) as Stats;
      if (followed.isDirectory() && this.isSubdirLexically(resolvedDest, resolved)) {
        throw cpError('ERR_FS_CP_SYMLINK_TO_SUBDIRECTORY', 'Cannot overwrite symlink in subdirectory of self', { message: `cannot overwrite ${resolvedDest} with ${resolved}`, path: to, syscall: 'cp', errno: Errno.EINVAL, code: 'EINVAL' });
      }
      this.fs.unlinkSync(to);
      this.fs.symlinkSync(resolved, to);
      return;
    }
    throw cpError('ERR_FS_CP_UNKNOWN', 'Cannot copy an unknown file type', { message: `cannot copy an unknown file type ${to}`, path: to, syscall: 'cp', errno: Errno.EINVAL, code: 'EINVAL' });
  }

  cpDirContents(from: string, to: string, opts: CopyOptions): void {
    const dir = this.fs.opendirSync(from);
    try {
      for (let entry = dir.readSync(); entry !== null; entry = dir.readSync()) {
        const name = entry.name as string;
        const srcItem = posix.join(from, name);
        const destItem = posix.join(to, name);
        if (opts.filter && !opts.filter(srcItem, destItem)) continue;
        const { destStat } = this.cpCheckPaths(srcItem, destItem, opts);
        this.cpByType(destStat, srcItem, destItem, opts);
      }
    } finally {
      dir.closeSync();
    }
  }

  /** An absolute spelling of `p` (for cp's symlink rewriting). */
  absolute(p: string): string {
    return p.startsWith('/') ? p : posix.join(this.fs.cwdPath(), p);
  }
}
