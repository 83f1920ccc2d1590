/**
 * A named stream seen as a node of its own (`FILE:NAME` with the Windows
 * stream interface): it has its own inode number, so the kernel (or the
 * node:fs facade) can open, read, write and truncate it like a file, while
 * every piece of metadata — mode, owner, times, DOS attributes, security,
 * EAs — is the file's. Reads and writes of those fields go to the base inode.
 *
 * A stream node lives while something outside holds it (refs) and holds its
 * base file alive meanwhile. When the stream is deleted while the node is
 * open, the node keeps the data (POSIX unlink semantics) and reports nlink 0.
 */
import { Inode, S_IFMT, S_IFREG, type Stream } from './inode.js';

/** Inode fields that belong to the file, not to the stream. */
const SHARED = ['uid', 'gid', 'rdev', 'atime', 'mtime', 'ctime', 'btime', 'dosAttributes', 'securityDescriptor', 'reparseData', 'eas', 'xattrs'] as const;

export class StreamInode extends Inode {
  /** True once the stream was deleted (the node then only keeps its data for open handles). */
  removed = false;

  constructor(ino: number, readonly base: Inode, readonly stream: Stream) {
    super(ino, S_IFREG, base.uid, base.gid, base.btime);
    const self = this as unknown as Record<string, unknown>;
    const baseRec = base as unknown as Record<string, unknown>;
    for (const key of SHARED) {
      delete self[key];
      Object.defineProperty(this, key, { get: () => baseRec[key], set: (v: unknown) => { baseRec[key] = v; }, configurable: true });
    }
    delete self.mode;
    Object.defineProperty(this, 'mode', {
      get: () => (base.mode & ~S_IFMT) | S_IFREG,
      set: (v: number) => { base.mode = (base.mode & S_IFMT) | (v & ~S_IFMT); },
      configurable: true,
    });
    delete self.nlink;
    Object.defineProperty(this, 'nlink', { get: () => (this.removed ? 0 : base.nlink), set: () => {}, configurable: true });
    delete self.data;
    Object.defineProperty(this, 'data', { get: () => stream.data, set: () => {}, configurable: true });
  }
}
