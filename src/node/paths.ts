/**
 * Path resolution over the volume, as Linux's namei does it: walk the
 * components from the root (or the working directory), follow symlinks
 * (ELOOP after 40), ENAMETOOLONG past PATH_MAX or NAME_MAX, ENOTDIR for a
 * non-directory in the middle, and a trailing slash demands a directory.
 *
 * Failures return null and leave the errno in `errno`, so hot callers such as
 * existsSync never build an Error; the fs layer turns it into a Node error.
 */
import { permits, X_OK, type Caller } from '../core/access.js';
import { Errno } from '../core/errno.js';
import type { Inode } from '../core/inode.js';
import { NAME_MAX, decodeName, nameByteLength } from '../core/names.js';
import { PATH_MAX, type Volume } from '../core/volume.js';
import { URL, fileURLToPath } from 'node:url';
import { invalidArgType, invalidArgValue } from './errors.js';

/** What node:fs accepts as a path. */
export type PathLike = string | Buffer | URL;

/** Linux follows at most 40 symlinks in one resolution. */
export const MAX_SYMLINKS = 40;

/** Converts a path argument to a string, validating as node:fs does. */
export function toPath(value: unknown, name = 'path'): string {
  let path: string;
  if (typeof value === 'string') path = value;
  // Bytes that are not UTF-8 survive as the volume's escapes (names are bytes on Linux).
  else if (value instanceof Uint8Array) path = decodeName(value);
  else if (value instanceof URL) {
    if (value.protocol !== 'file:') throw Object.assign(new TypeError('The URL must be of scheme file'), { code: 'ERR_INVALID_URL_SCHEME' });
    path = fileURLToPath(value);
  } else throw invalidArgType(name, 'of type string or an instance of Buffer or URL', value);
  if (path.includes('\0')) throw invalidArgValue(name, path, 'must be a string, Uint8Array, or URL without null bytes');
  return path;
}

function pathTooLong(path: string): boolean {
  // PATH_MAX counts the terminating NUL; UTF-16 units are at most 3 bytes.
  return path.length * 3 >= PATH_MAX && nameByteLength(path) >= PATH_MAX;
}

export class PathWalker {
  /** The errno of the last failed resolution. */
  errno = 0;
  /** After parent(): the directory holding the last component, and its name. */
  dir: Inode;
  name = '';
  /** After parent(): the path ended in a slash (the last component must be a directory). */
  slash = false;
  private links = 0;

  constructor(
    private readonly volume: Volume,
    private readonly caller: Caller,
    /** The working directory for relative paths. */
    public cwd: Inode,
  ) {
    this.dir = volume.root;
  }

  /** The inode at `path`; a symlink at the end is followed when `follow`. */
  inode(path: string, follow: boolean): Inode | null {
    this.links = 0;
    return this.resolveFrom(path, this.cwd, follow);
  }

  /**
   * Resolves all but the last component (following symlinks on the way) and
   * leaves the directory in `dir`, the last name in `name` ("." for "/"),
   * and whether a slash followed it in `slash`. False on failure.
   */
  parent(path: string): boolean {
    this.links = 0;
    return this.walkParent(path, this.cwd);
  }

  /** Looks up `name` in `dir` without throwing (null + errno on failure). */
  lookup(dir: Inode, name: string): Inode | null {
    const entries = dir.dir;
    if (entries === null) {
      // A removed directory (a working directory rmdir'ed under us) still has "." and "..", and nothing else, as on Linux.
      if (!dir.isDir()) return this.failed(Errno.ENOTDIR);
      if (name === '.' || name === '..') return name === '.' ? dir : dir.parent ?? dir;
      return this.failed(Errno.ENOENT);
    }
    if (!permits(this.caller, dir, X_OK)) return this.failed(Errno.EACCES);
    if (name === '.') return dir;
    if (name === '..') return dir.parent ?? dir;
    if (name.length * 3 > NAME_MAX && nameByteLength(name) > NAME_MAX) return this.failed(Errno.ENAMETOOLONG);
    const entry = entries.get(name);
    if (entry === undefined) return this.failed(Errno.ENOENT);
    return entry.inode;
  }

  /** Follows the symlink `link` found in `dir`: the inode its target names. */
  followLink(link: Inode, dir: Inode, follow: boolean): Inode | null {
    if (++this.links > MAX_SYMLINKS) return this.failed(Errno.ELOOP);
    return this.resolveFrom(link.target!, dir, follow);
  }

  /** Continues a resolution (keeping the symlink count) from `base`. */
  resolveFrom(path: string, base: Inode, follow: boolean): Inode | null {
    for (;;) {
      if (!this.walkParent(path, base)) return null;
      const dir = this.dir;
      const slash = this.slash;
      const child = this.lookup(dir, this.name);
      if (child === null) return null;
      if (child.target !== null && (follow || slash)) {
        if (++this.links > MAX_SYMLINKS) return this.failed(Errno.ELOOP);
        path = slash ? child.target + '/' : child.target;
        base = dir;
        continue;
      }
      if (slash && child.dir === null) return this.failed(Errno.ENOTDIR);
      return child;
    }
  }

  /** Like parent(), continuing a resolution from `base` (keeps the symlink count). */
  parentFrom(path: string, base: Inode): boolean {
    return this.walkParent(path, base);
  }

  /** Counts one more symlink followed; false (errno ELOOP) past the limit. */
  countLink(): boolean {
    if (++this.links > MAX_SYMLINKS) return this.failed(Errno.ELOOP) !== null;
    return true;
  }

  /** Whether the path is only slashes (names the root itself, e.g. for rmdir's EBUSY). */
  static isRootOnly(path: string): boolean {
    if (path.length === 0) return false;
    for (let i = 0; i < path.length; i++) if (path.charCodeAt(i) !== 47) return false;
    return true;
  }

  private walkParent(path: string, base: Inode): boolean {
    if (path.length === 0) return this.failed(Errno.ENOENT) !== null;
    if (pathTooLong(path)) return this.failed(Errno.ENAMETOOLONG) !== null;
    let dir = path.charCodeAt(0) === 47 ? this.volume.root : base;
    let n = path.length;
    let i = 0;
    for (;;) {
      while (i < n && path.charCodeAt(i) === 47) i++;
      if (i >= n) {
        // Only slashes left: the path names `dir` itself ("/" or "a/" after a followed link).
        this.dir = dir;
        this.name = '.';
        this.slash = true;
        return true;
      }
      let j = path.indexOf('/', i);
      if (j < 0) j = n;
      let k = j;
      while (k < n && path.charCodeAt(k) === 47) k++;
      const name = path.slice(i, j);
      if (k >= n) {
        // As link_path_walk: search permission on the parent is checked for the last component too.
        if (!permits(this.caller, dir, X_OK)) return this.failed(Errno.EACCES) !== null;
        this.dir = dir;
        this.name = name;
        this.slash = j < n;
        return true;
      }
      const child = this.lookup(dir, name);
      if (child === null) return false;
      if (child.target !== null) {
        if (++this.links > MAX_SYMLINKS) return this.failed(Errno.ELOOP) !== null;
        path = child.target + path.slice(j);
        n = path.length;
        i = 0;
        if (path.charCodeAt(0) === 47) dir = this.volume.root;
        continue;
      }
      if (child.dir === null) return this.failed(Errno.ENOTDIR) !== null;
      dir = child;
      i = k;
    }
  }

  private failed(errno: number): null {
    this.errno = errno;
    return null;
  }
}
