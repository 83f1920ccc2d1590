/**
 * fs.rm as Node 20 implements it in JavaScript (validation, then rimraf over
 * lstat/unlink/rmdir/readdir), so its errors and edge cases are Node's. The
 * sync and async rimrafs differ in small ways, both kept.
 */
import { Errno } from '../core/errno.js';
import { systemError, uvError, type NodeSystemError } from './errors.js';
import { toPath } from './paths.js';
import type { RmOptions, SyncFs } from './sync.js';

/** The end of a step of the callback rimraf: its error, or null. */
type Done = (err: NodeSystemError | null) => void;

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

  /**
   * The callback rimraf, run as Node runs it: its fs calls are made one by one in the order they are
   * issued (as libuv's thread pool mostly ends them), each call's callback right after it, and a
   * directory's children are removed side by side. So the first of several errors to arrive, and what a
   * path through `..` (`a/../b`) still reaches once `a` is gone, are what Node gives (most of the time: in
   * Node they vary with the threads' timing). Calls issued before an error still run, as in Node.
   */
  rimrafAsync(p: string): void {
    const queue: (() => void)[] = [];
    let failure: NodeSystemError | null = null;
    this.queueRimraf(queue, p, (err) => (failure = err));
    for (let i = 0; i < queue.length; i++) queue[i]!();
    if (failure !== null) throw failure;
  }

  /** Queues one fs call; `then` gets its system error, or null and its value. */
  private queueCall<T>(queue: (() => void)[], call: () => T, then: (err: NodeSystemError | null, value?: T) => void): void {
    queue.push(() => {
      let value: T;
      try {
        value = call();
      } catch (e) {
        if (typeof (e as NodeSystemError).errno !== 'number') throw e;
        then(e as NodeSystemError);
        return;
      }
      then(null, value);
    });
  }

  /** Node's rimraf: lstat; a directory goes to rmdir, anything else (or an lstat error but ENOENT) to unlink. */
  private queueRimraf(queue: (() => void)[], p: string, callback: Done): void {
    const done: Done = (err) => callback(err !== null && err.code === 'ENOENT' ? null : err);
    const lstat = () => {
      const inode = this.fs.walker.inode(p, false);
      if (inode === null) throw uvError(this.fs.walker.errno, 'lstat', p);
      return inode;
    };
    this.queueCall(queue, lstat, (err, inode) => {
      if (err !== null && err.code === 'ENOENT') return done(null);
      if (err === null && inode!.dir !== null) return this.queueRmdir(queue, p, null, done);
      this.queueCall(queue, () => this.fs.unlinkSync(p), (unlinkErr) => {
        if (unlinkErr !== null && (unlinkErr.code === 'EISDIR' || unlinkErr.code === 'EPERM')) return this.queueRmdir(queue, p, unlinkErr, done);
        done(unlinkErr);
      });
    });
  }

  /** Node's _rmdir: a directory that is not empty (or EPERM) has its children removed, then itself. */
  private queueRmdir(queue: (() => void)[], p: string, original: NodeSystemError | null, done: Done): void {
    this.queueCall(queue, () => this.fs.rmdirSync(p), (err) => {
      if (err !== null && (err.code === 'ENOTEMPTY' || err.code === 'EEXIST' || err.code === 'EPERM')) return this.queueChildren(queue, p, done);
      done(err !== null && err.code === 'ENOTDIR' ? original : err);
    });
  }

  /** Node's _rmchildren: every child's rimraf at once; the first error ends it, else the directory goes last. */
  private queueChildren(queue: (() => void)[], p: string, done: Done): void {
    const rmdir = () => this.queueCall(queue, () => this.fs.rmdirSync(p), done);
    this.queueCall(queue, () => this.fs.readdirSync(p) as string[], (err, children) => {
      if (err !== null) return done(err);
      let left = children!.length;
      if (left === 0) return rmdir();
      let failed = false;
      for (const child of children!) {
        this.queueRimraf(queue, p + '/' + child, (childErr) => {
          if (failed) return;
          if (childErr !== null) {
            failed = true;
            return done(childErr);
          }
          if (--left === 0) rmdir();
        });
      }
    });
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
