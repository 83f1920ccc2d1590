/**
 * Image files on the host: saving (through ../target.ts), packing a host directory
 * into an image, and extracting an image into a host directory without
 * writing anywhere else.
 */
import { constants, promises as fsp, closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { dirname, join, relative, isAbsolute, resolve } from 'node:path';
import { ATTR_ARCHIVE, ATTR_READ_ONLY } from './dirent.js';
import { scanFat } from './reader.js';
import type { CodePage } from './shortname.js';
import { sizeOf, type ContentSource, type FatDirectory, type FatTree } from './tree.js';
import type { ImageSource } from './source.js';
import { prepareFat, type PreparedImage, type WriteOptions } from './writer.js';
import { asidePath, blockDeviceSize, isZero, writeTarget, writeTargetFile } from '../target.js';

/**
 * Replaces `path` with an image without ever leaving a half-written one, following
 * symlinks, writing block devices in place and refusing other non-files (see ../target.ts).
 * A prepared image is written straight from its tree: the image is never held whole.
 */
export function saveImageFile(path: string, image: Uint8Array | PreparedImage): void {
  if (image instanceof Uint8Array) writeTargetFile(path, image, 0o644);
  else writeTarget(path, image.length, (out) => image.writeTo(out), 0o644);
}

/** An image file (or device) of `length` bytes read in parts, as the reader and writer need them; close it after. */
export function openImageSource(path: string, length: number): ImageSource & { close(): void } {
  const fd = openSync(path, constants.O_RDONLY);
  const readInto = (position: number, target: Uint8Array): void => {
    let done = 0;
    while (done < target.length) {
      const got = readSync(fd, target, done, Math.min(target.length - done, PIECE), position + done);
      if (got === 0) throw new Error(`${path}: unexpected end of file at byte ${position + done}`);
      done += got;
    }
  };
  return {
    length,
    readInto,
    read(position: number, n: number): Uint8Array {
      const bytes = new Uint8Array(n);
      readInto(position, bytes);
      return bytes;
    },
    close: () => closeSync(fd),
  };
}

/** An image file (or device) as a source for scanFat, loadFatIntoVolume and extractImage; throws a clear Error when unreadable. */
export function openImageFile(path: string): ImageSource & { close(): void } {
  const fd = openSync(path, constants.O_RDONLY);
  let size: number;
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw Object.assign(new Error(`${path} is a directory`), { code: 'EISDIR' });
    size = st.isBlockDevice() ? blockDeviceSize(st) : st.size;
  } finally {
    closeSync(fd);
  }
  return openImageSource(path, size);
}

/** Largest image read whole into memory (the largest typed array Node allows); see openImageFile for any size. */
export const MAX_IMAGE_FILE = 2 ** 32;

/**
 * Reads an image file whole (fs.readFile stops at 2 GiB; images may reach 4 GiB).
 * Throws a clear Error for files too big to hold.
 */
export function readImageFile(path: string): Uint8Array {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size > MAX_IMAGE_FILE) throw new Error(`${path}: ${size} bytes; images of more than 4 GiB cannot be read into memory whole`);
    const bytes = new Uint8Array(size);
    let off = 0;
    while (off < size) {
      const n = readSync(fd, bytes, off, Math.min(size - off, 1 << 30), off);
      if (n === 0) break; // the file shrank while being read: what was read is what there is
      off += n;
    }
    return off === size ? bytes : bytes.subarray(0, off);
  } finally {
    closeSync(fd);
  }
}

export interface PackOptions extends WriteOptions {
  /** Bytes of file data read so far, of all there is. */
  onProgress?: (done: number, total: number) => void;
}

/** The bytes of regular files below `dir`, for progress. */
async function dataBytes(dir: string): Promise<number> {
  let total = 0;
  for (const name of await fsp.readdir(dir)) {
    const st = await fsp.lstat(join(dir, name));
    if (st.isDirectory()) total += await dataBytes(join(dir, name));
    else if (st.isFile()) total += st.size;
  }
  return total;
}

/** Host files are read and written in pieces of this size: a file may be larger than one Node buffer (2 GiB). */
const PIECE = 8 << 20;

/**
 * A host file's contents, read only when the writer copies them into the
 * image (no second copy, no 2 GiB limit). A file that shrank since it was
 * listed reads as zeros past its new end.
 */
function hostFileSource(path: string, size: number): ContentSource {
  return {
    size,
    readInto(pos: number, target: Uint8Array): number {
      const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
      try {
        let done = 0;
        while (done < target.length) {
          const n = readSync(fd, target, done, Math.min(PIECE, target.length - done), pos + done);
          if (n === 0) break;
          done += n;
        }
        return done;
      } finally {
        closeSync(fd);
      }
    },
  };
}

/**
 * Lays out a host directory as a FAT image; its files are read when the image is
 * written. Symlinks and special files are left out with a warning.
 */
export async function packDirectory(dir: string, options: PackOptions = {}): Promise<PreparedImage> {
  const skipped: string[] = [];
  const root: FatDirectory = { kind: 'dir', name: '', attributes: 0, children: [] };
  const total = options.onProgress ? await dataBytes(dir) : 0;
  let done = 0;
  const visit = async (hostDir: string, node: FatDirectory, rel: string) => {
    const names = (await fsp.readdir(hostDir)).sort();
    for (const name of names) {
      const p = join(hostDir, name);
      const st = await fsp.lstat(p);
      const times = { created: st.birthtimeMs > 0 ? st.birthtimeMs : st.mtimeMs, modified: st.mtimeMs, accessed: st.atimeMs };
      if (st.isDirectory()) {
        const child: FatDirectory = { kind: 'dir', name, attributes: 0, children: [], ...times };
        node.children.push(child);
        await visit(p, child, `${rel}/${name}`);
      } else if (st.isFile()) {
        const source = hostFileSource(p, st.size);
        const data: ContentSource = options.onProgress
          ? { size: st.size, readInto: (pos, target) => { const n = source.readInto(pos, target); done += n; options.onProgress!(done, total); return n; } }
          : source;
        const attributes = ATTR_ARCHIVE | ((st.mode & 0o200) === 0 ? ATTR_READ_ONLY : 0);
        node.children.push({ kind: 'file', name, attributes, data, ...times });
      } else {
        skipped.push(`${rel}/${name}`);
      }
    }
  };
  await visit(dir, root, '');
  const tree: FatTree = { label: options.label ?? '', root };
  const result = prepareFat(tree, options);
  if (skipped.length > 0) {
    result.warnings.unshift(`FAT cannot hold symbolic links and special files: ${skipped.length} left out (${skipped.slice(0, 3).join(', ')}${skipped.length > 3 ? ', ...' : ''})`);
  }
  return result;
}

export interface ExtractResult {
  warnings: string[];
  files: number;
  directories: number;
  /** Entries of the image that were not extracted (each has a warning). */
  failed: number;
}

export interface ExtractOptions {
  /** Replace existing files (by renaming a new file over the name: a link there is replaced, never written through). */
  force?: boolean;
  onProgress?: (done: number, total: number) => void;
  /** How high bytes in short names read (default: DEFAULT_CODEPAGE). */
  codepage?: CodePage;
}

/**
 * Writes one file in pieces (a file may exceed one Node buffer), leaving
 * holes for zero pieces. Without `replace` an existing name of any kind is
 * refused (O_EXCL); with it the file is written beside the name and renamed
 * over it. A failed write leaves nothing behind.
 */
async function writeHostFile(target: string, data: Uint8Array | ContentSource, replace: boolean, wrote: (n: number) => void): Promise<void> {
  const path = replace ? asidePath(target) : target;
  const size = sizeOf(data);
  const fh = await fsp.open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
  try {
    const buffer = data instanceof Uint8Array ? null : new Uint8Array(Math.min(PIECE, size));
    for (let pos = 0; pos < size; pos += PIECE) {
      const length = Math.min(PIECE, size - pos);
      let piece: Uint8Array;
      if (data instanceof Uint8Array) piece = data.subarray(pos, pos + length);
      else {
        piece = buffer!.subarray(0, length);
        piece.fill(0, data.readInto(pos, piece));
      }
      if (!isZero(piece)) {
        let done = 0;
        while (done < length) done += (await fh.write(piece, done, length - done, pos + done)).bytesWritten;
      }
      wrote(length);
    }
    await fh.truncate(size);
    await fh.close();
    if (replace) {
      if ((await fsp.lstat(target).catch(() => null))?.isDirectory()) throw Object.assign(new Error('a directory of that name exists'), { code: 'EISDIR' });
      await fsp.rename(path, target);
    }
  } catch (e) {
    await fh.close().catch(() => undefined);
    await fsp.unlink(path).catch(() => undefined);
    throw e;
  }
}

function reason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'EEXIST') return 'already exists; --force replaces it';
  if (code === 'ELOOP') return 'a symbolic link is in the way';
  return (e as Error).message;
}

/**
 * Writes the files of an image below `dir` (created if missing). Nothing is
 * written outside it: names are made safe by the reader, every path is checked
 * to stay inside, existing symlinks are never followed, and existing files are
 * refused (or, with `force`, replaced by rename, never written through).
 */
export async function extractImage(image: Uint8Array | ImageSource, dir: string, options: ExtractOptions = {}): Promise<ExtractResult> {
  const scan = scanFat(image, { codepage: options.codepage });
  let total = 0;
  let written = 0;
  if (options.onProgress) {
    const stack: FatDirectory[] = [scan.tree.root];
    while (stack.length > 0) {
      for (const c of stack.pop()!.children) {
        if (c.kind === 'dir') stack.push(c);
        else total += sizeOf(c.data);
      }
    }
  }
  const result: ExtractResult = { warnings: [...scan.problems], files: 0, directories: 0, failed: 0 };
  const top = resolve(dir);
  await fsp.mkdir(top, { recursive: true });
  const inside = (p: string) => {
    const r = relative(top, p);
    return r !== '' && !r.startsWith('..') && !isAbsolute(r);
  };
  const times: { path: string; atime: number; mtime: number; readOnly: boolean }[] = [];
  const visit = async (node: FatDirectory, hostDir: string) => {
    for (const child of node.children) {
      const target = join(hostDir, child.name);
      if (!inside(target) || dirname(target) !== hostDir) {
        result.warnings.push(`${JSON.stringify(child.name)}: would land outside ${top}; left out`);
        result.failed++;
        continue;
      }
      try {
        if (child.kind === 'dir') {
          try {
            await fsp.mkdir(target);
          } catch (e) {
            if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
            const st = await fsp.lstat(target);
            if (!st.isDirectory()) throw new Error(`exists and is not a directory${st.isSymbolicLink() ? ' (a symbolic link is never followed)' : ''}`);
          }
          result.directories++;
          await visit(child, target);
        } else {
          await writeHostFile(target, child.data, options.force === true, (n) => {
            written += n;
            options.onProgress?.(written, total);
          });
          result.files++;
        }
      } catch (e) {
        result.warnings.push(`${relative(top, target)}: not extracted: ${reason(e)}`);
        result.failed++;
        continue;
      }
      const mtime = child.modified ?? Date.now();
      times.push({ path: target, atime: child.accessed ?? mtime, mtime, readOnly: child.kind === 'file' && (child.attributes & ATTR_READ_ONLY) !== 0 });
    }
  };
  await visit(scan.tree.root, top);
  // A directory is listed after its children, so its times are set last and stick.
  for (const t of times) {
    await fsp.utimes(t.path, t.atime / 1000, t.mtime / 1000);
    if (t.readOnly) await fsp.chmod(t.path, 0o444);
  }
  return result;
}
