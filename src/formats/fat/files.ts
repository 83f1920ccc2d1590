/**
 * Image files on the host: saving (through ../target.ts), packing a host directory
 * into an image, and extracting an image into a host directory without
 * writing anywhere else.
 */
import { constants, promises as fsp, closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { dirname, join, relative, isAbsolute, resolve } from 'node:path';
import { ATTR_ARCHIVE, ATTR_READ_ONLY } from './dirent.js';
import { scanFat } from './reader.js';
import type { FatDirectory, FatTree } from './tree.js';
import { writeFat, type WriteOptions, type WriteResult } from './writer.js';
import { writeTargetFile } from '../target.js';

/**
 * Replaces `path` with `bytes` without ever leaving a half-written image, following
 * symlinks, writing block devices in place and refusing other non-files (see ../target.ts).
 */
export function saveImageFile(path: string, bytes: Uint8Array): void {
  writeTargetFile(path, bytes, 0o644);
}

/** Largest image read into memory (the largest typed array Node allows). */
export const MAX_IMAGE_FILE = 2 ** 32;

/**
 * Reads an image file whole (fs.readFile stops at 2 GiB; images may reach 4 GiB).
 * Throws a clear Error for files too big to hold.
 */
export function readImageFile(path: string): Uint8Array {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size > MAX_IMAGE_FILE) throw new Error(`${path}: ${size} bytes; images of more than 4 GiB cannot be loaded into memory`);
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

/** Reads a host directory into a FAT image. Symlinks and special files are left out with a warning. */
export async function packDirectory(dir: string, options: PackOptions = {}): Promise<WriteResult> {
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
        const data = new Uint8Array(await fsp.readFile(p));
        done += data.length;
        options.onProgress?.(done, total);
        const attributes = ATTR_ARCHIVE | ((st.mode & 0o200) === 0 ? ATTR_READ_ONLY : 0);
        node.children.push({ kind: 'file', name, attributes, data, ...times });
      } else {
        skipped.push(`${rel}/${name}`);
      }
    }
  };
  await visit(dir, root, '');
  const tree: FatTree = { label: options.label ?? '', root };
  const result = writeFat(tree, options);
  if (skipped.length > 0) {
    result.warnings.unshift(`FAT cannot hold symbolic links and special files: ${skipped.length} left out (${skipped.slice(0, 3).join(', ')}${skipped.length > 3 ? ', ...' : ''})`);
  }
  return result;
}

export interface ExtractResult {
  warnings: string[];
  files: number;
  directories: number;
}

/**
 * Writes the files of an image below `dir` (created if missing). Nothing is
 * written outside it: names are made safe by the reader, every path is checked
 * to stay inside, and existing symlinks are never followed.
 */
export async function extractImage(
  image: Uint8Array,
  dir: string,
  options: { onProgress?: (done: number, total: number) => void } = {},
): Promise<ExtractResult> {
  const scan = scanFat(image);
  let total = 0;
  let written = 0;
  if (options.onProgress) {
    const stack: FatDirectory[] = [scan.tree.root];
    while (stack.length > 0) {
      for (const c of stack.pop()!.children) {
        if (c.kind === 'dir') stack.push(c);
        else total += (c.data as Uint8Array).length;
      }
    }
  }
  const result: ExtractResult = { warnings: [...scan.problems], files: 0, directories: 0 };
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
        continue;
      }
      try {
        if (child.kind === 'dir') {
          try {
            await fsp.mkdir(target);
          } catch (e) {
            if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
            const st = await fsp.lstat(target);
            if (!st.isDirectory()) throw Object.assign(new Error('exists and is not a directory'), { code: 'EEXIST' });
          }
          result.directories++;
          await visit(child, target);
        } else {
          // O_NOFOLLOW: an existing symlink in the target is an error, never a way out.
          const fh = await fsp.open(target, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o644);
          try {
            const data = child.data as Uint8Array;
            let done = 0;
            while (done < data.length) done += (await fh.write(data, done, data.length - done, done)).bytesWritten;
          } finally {
            await fh.close();
          }
          written += (child.data as Uint8Array).length;
          options.onProgress?.(written, total);
          result.files++;
        }
      } catch (e) {
        result.warnings.push(`${relative(top, target)}: not extracted (${(e as Error).message})`);
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
