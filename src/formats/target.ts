/**
 * Where a saved image or snapshot goes, and writing it there without ever
 * losing the old one or damaging something that is not a file. One function
 * for every save (`--image`, `--snapshot`, `mkimage`):
 *   - a regular file (or a new one) is written aside, flushed and renamed over
 *     the target, keeping the old file's owner, group and mode;
 *   - a symlink is followed: its target is replaced and the link stays a link;
 *   - a block device is written in place (renaming over /dev/sdX would only
 *     replace the device node), and must be large enough;
 *   - anything else (a character device such as /dev/full, a directory, a
 *     FIFO, a socket) is refused with a clear message before anything is written.
 */
import {
  constants, closeSync, fchmodSync, fchownSync, fstatSync, fsyncSync, ftruncateSync, lstatSync, openSync, readFileSync,
  readlinkSync, realpathSync, renameSync, statSync, unlinkSync, writeSync, type Stats,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join, resolve } from 'node:path';

export class TargetError extends Error {}

export interface Target {
  /** The file that is really written (symlinks followed). */
  path: string;
  kind: 'new' | 'file' | 'block';
  /** For a block device: its size in bytes; for a file: its current size; 0 for a new file. */
  size: number;
}

function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** Follows symlinks, even a dangling one (its target is then created). */
function follow(path: string): string {
  let p = resolve(path);
  for (let hops = 0; hops < 40; hops++) {
    let st: Stats;
    try {
      st = lstatSync(p);
    } catch {
      // Missing: resolve the directory it would be created in, so the real place is named.
      try {
        return join(realpathSync(dirname(p)), basename(p));
      } catch {
        return p;
      }
    }
    if (!st.isSymbolicLink()) return realpathSync(p);
    p = resolve(dirname(p), readlinkSync(p));
  }
  throw new TargetError(`${path}: too many levels of symbolic links`);
}

/** Size of a block device, from sysfs (fstat reports 0 for devices). */
export function blockDeviceSize(st: Stats): number {
  const major = Math.floor(st.rdev / 256) & 0xfff;
  const minor = (st.rdev & 0xff) | (Math.floor(st.rdev / 4096) & 0xfff00);
  try {
    return Number(readFileSync(`/sys/dev/block/${major}:${minor}/size`, 'utf8').trim()) * 512;
  } catch {
    return 0;
  }
}

/**
 * Where a save of `path` would write, checked without writing: throws a
 * TargetError naming the problem (missing or unwritable directory, a
 * directory or device that is not a block device).
 */
export function resolveTarget(path: string): Target {
  const real = follow(path);
  let st: Stats | null = null;
  try {
    st = statSync(real);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new TargetError(`${path}: ${(e as Error).message}`);
  }
  if (st === null) {
    const dir = dirname(real);
    let d: Stats;
    try {
      d = statSync(dir);
    } catch {
      throw new TargetError(`cannot save to ${path}: its directory ${dir} does not exist`);
    }
    if (!d.isDirectory()) throw new TargetError(`cannot save to ${path}: ${dir} is not a directory`);
    return { path: real, kind: 'new', size: 0 };
  }
  if (st.isFile()) return { path: real, kind: 'file', size: st.size };
  if (st.isBlockDevice()) return { path: real, kind: 'block', size: blockDeviceSize(st) };
  throw new TargetError(`cannot save to ${path}: it is ${kindOf(st)} (images and snapshots go to regular files or block devices)`);
}

/** Writes at positions into an open target; see openTarget. */
export interface TargetWriter {
  readonly target: Target;
  /** Writes `chunk` at `position`. */
  write(chunk: Uint8Array, position: number): void;
  /** Sets the length (files only: a device keeps its size), flushes, and puts the file in place. */
  commit(length: number): void;
  /** Gives up: the aside file is removed, the target is untouched (a device may be partly written). */
  abort(): void;
}

/** Zero blocks are not written to a fresh file, so mostly empty images stay sparse on the host. */
const BLOCK = 64 * 1024;

/** A hidden, unique name beside `path` for writing a file before renaming it over `path`. */
export function asidePath(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/** Whether every byte is zero; compares 32-bit words (about 7x faster than bytes over a whole image). */
export function isZero(b: Uint8Array): boolean {
  const head = Math.min((4 - (b.byteOffset & 3)) & 3, b.length);
  const words = (b.length - head) >>> 2;
  for (let i = 0; i < head; i++) if (b[i] !== 0) return false;
  const w = new Uint32Array(b.buffer, b.byteOffset + head, words);
  for (let i = 0; i < words; i++) if (w[i] !== 0) return false;
  for (let i = head + words * 4; i < b.length; i++) if (b[i] !== 0) return false;
  return true;
}

function writeAll(fd: number, chunk: Uint8Array, position: number): void {
  let done = 0;
  while (done < chunk.length) done += writeSync(fd, chunk, done, chunk.length - done, position + done);
}

/**
 * Opens `path` for a save. `newMode` is the mode of a file that did not exist;
 * `length`, when known, lets a too-small block device be refused before writing.
 */
export function openTarget(path: string, newMode: number, length?: number): TargetWriter {
  const target = resolveTarget(path);
  if (target.kind === 'block') {
    if (length !== undefined && target.size > 0 && length > target.size) {
      throw new TargetError(`cannot save to ${path}: the device holds ${target.size} bytes, the image needs ${length}`);
    }
    const fd = openSync(target.path, constants.O_WRONLY);
    let open = true;
    const close = (): void => {
      if (open) closeSync(fd);
      open = false;
    };
    return {
      target,
      write: (chunk, position) => writeAll(fd, chunk, position),
      commit: () => {
        try {
          fsyncSync(fd);
        } finally {
          close();
        }
      },
      abort: close,
    };
  }
  const old = target.kind === 'file' ? statSync(target.path) : null;
  const aside = asidePath(target.path);
  const fd = openSync(aside, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  let open = true;
  const close = (): void => {
    if (open) closeSync(fd);
    open = false;
  };
  const abort = (): void => {
    close();
    try {
      unlinkSync(aside);
    } catch {
      /* already gone */
    }
  };
  try {
    if (old) {
      // Keep who owns the file; only root may give it away, and then the mode is set after (chown clears set-id bits).
      if (old.uid !== fstatSync(fd).uid || old.gid !== fstatSync(fd).gid) {
        try {
          fchownSync(fd, old.uid, old.gid);
        } catch {
          /* not permitted: the file becomes ours, as any editor's save would */
        }
      }
      fchmodSync(fd, old.mode & 0o7777);
    } else {
      fchmodSync(fd, newMode);
    }
  } catch (e) {
    abort();
    throw e;
  }
  return {
    target,
    write: (chunk, position) => {
      for (let off = 0; off < chunk.length; off += BLOCK) {
        const block = chunk.subarray(off, Math.min(off + BLOCK, chunk.length));
        if (!isZero(block)) writeAll(fd, block, position + off);
      }
    },
    commit: (length) => {
      try {
        ftruncateSync(fd, length);
        fsyncSync(fd);
        close();
        renameSync(aside, target.path);
      } catch (e) {
        abort();
        throw e;
      }
      // The rename itself must reach the disk too.
      try {
        const dfd = openSync(dirname(target.path), constants.O_RDONLY | constants.O_DIRECTORY);
        try {
          fsyncSync(dfd);
        } finally {
          closeSync(dfd);
        }
      } catch {
        /* some file systems do not allow fsync on directories */
      }
    },
    abort,
  };
}

/** Saves `length` bytes to `path` as openTarget describes; `fill` writes them (a throw leaves the target as it was). */
export function writeTarget(path: string, length: number, fill: (out: TargetWriter) => void, newMode = 0o644): void {
  const out = openTarget(path, newMode, length);
  try {
    fill(out);
  } catch (e) {
    out.abort();
    throw e;
  }
  out.commit(length);
}

/** Saves `bytes` to `path` as openTarget describes. */
export function writeTargetFile(path: string, bytes: Uint8Array, newMode = 0o644): void {
  writeTarget(path, bytes.length, (out) => out.write(bytes, 0), newMode);
}
