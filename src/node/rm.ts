/**
 * fs.rm as Node 20 implements it in JavaScript (validation, then rimraf over
 * lstat/unlink/rmdir/readdir), so its errors and edge cases are Node's. The
 * sync and async rimrafs differ in small ways, both kept.
 */
import { Errno } from '../core/errno.js';
import { systemError, uvError, type NodeSystemError } from './errors.js';
import { toPath } from './paths.js';
import type { RmOptions, SyncFs } from './sync.js';

export class Remover {
  constructor(private readonly fs: SyncFs) {}

  /** fs.rm: Node's validation (the sync form skips its lstat for force+recursive), then its rimraf. */
  rm(path: unknown, options: RmOptions | undefined, asyncForm: boolean): void {
    const p = toPath(path);
    const force = options?.force === true;
    const recursive = options?.recursive === true;
    if (asyncForm || !force || !recursive) {
      const inode = this.fs.walker.inode(p, false);
      if (inode === null) {
        const errno = this.fs.walker.errno;
        if (!(force && errno === Errno.ENOENT)) throw uvError(errno, 'lstat', p);
      } else if (inode.dir !== null && !recursive) {
        throw systemError('ERR_FS_EISDIR', 'Path is a directory', { code: 'EISDIR', message: 'is a directory', path: p, syscall: 'rm', errno: Errno.EISDIR });
      }
    }
    if (asyncForm) this.rimrafAsync(p);
    else this.rimraf(p);
  }

  /** The callback rimraf: like the sync one, but every ENOENT on the way counts as done. */
  rimrafAsync(p: string): void {
    try {
      const inode = this.fs.walker.inode(p, false);
      if (inode === null && this.fs.walker.errno === Errno.ENOENT) return;
      if (inode !== null && inode.dir !== null) {
        this.rmdirAsync(p, null);
        return;
      }
      try {
        this.fs.unlinkSync(p);
      } catch (e) {
        const err = e as NodeSystemError;
        if (err.code === 'EISDIR' || err.code === 'EPERM') this.rmdirAsync(p, err);
        else throw e;
      }
    } catch (e) {
      if ((e as NodeSystemError).code !== 'ENOENT') throw e;
    }
  }

  rmdirAsync(p: string, original: NodeSystemError | null): void {
    try {
      this.fs.rmdirSync(p);
    } catch (e) {
      const err = e as NodeSystemError;
      if (err.code === 'ENOTEMPTY' || err.code === 'EEXIST' || err.code === 'EPERM') {
        const children = this.fs.readdirSync(p) as string[];
        for (const child of children) this.rimrafAsync(p + '/' + child);
        this.fs.rmdirSync(p);
        return;
      }
      if (err.code === 'ENOTDIR') {
        if (original) throw original;
        return;
      }
      throw e;
    }
  }

  /** Node's rimraf: lstat, then unlink or rmdir; a non-empty directory has its children removed first. */
  rimraf(p: string): void {
    const inode = this.fs.walker.inode(p, false);
    if (inode === null && this.fs.walker.errno === Errno.ENOENT) return;
    try {
      if (inode !== null && inode.dir !== null) this.rmdirTree(p, null);
      else this.fs.unlinkSync(p);
    } catch (e) {
      const err = e as NodeSystemError;
      if (err.code === 'ENOENT') return;
      if (err.code !== 'EPERM' && err.code !== 'EISDIR') throw e;
      this.rmdirTree(p, err);
    }
  }

  rmdirTree(p: string, original: NodeSystemError | null): void {
    try {
      this.fs.rmdirSync(p);
    } catch (e) {
      const err = e as NodeSystemError;
      if (err.code === 'ENOENT') return;
      if (err.code === 'ENOTDIR') throw original ?? err;
      if (err.code !== 'ENOTEMPTY' && err.code !== 'EEXIST' && err.code !== 'EPERM') throw original ?? err;
      for (const child of this.fs.readdirSync(p) as string[]) this.rimraf(p + '/' + child);
      try {
        this.fs.rmdirSync(p);
      } catch (again) {
        if ((again as NodeSystemError).code === 'ENOENT') return;
        throw again;
      }
    }
  }
}
