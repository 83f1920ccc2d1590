/**
 * Loading an image into a volume, through the volume's public operations as
 * the root caller. Mapping (as Linux's vfat does by default): directories
 * 0755, files 0644, read-only files 0444; DOS attributes go to
 * `inode.dosAttributes`; creation time → btime, modification → mtime, access
 * date → atime; the label becomes the volume's label. FAT times are local
 * time in the process's time zone (TZ) - see dostime.ts.
 */
import { ROOT } from '../../core/access.js';
import { Errno, FsError, isFsError } from '../../core/errno.js';
import { S_IFREG, type Inode } from '../../core/inode.js';
import { NAME_MAX, nameByteLength } from '../../core/names.js';
import { fromMs } from '../../core/time.js';
import type { Volume } from '../../core/volume.js';
import { ATTR_KEPT, ATTR_READ_ONLY } from './dirent.js';
import { readBootSector, scanFat } from './reader.js';
import type { CodePage } from './shortname.js';
import type { ImageSource } from './source.js';
import { sizeOf, type ContentSource, type FatDirectory, type FatNode, type StoredStamps } from './tree.js';

export const FAT_DIR_MODE = 0o755;
export const FAT_FILE_MODE = 0o644;
export const FAT_READONLY_FILE_MODE = 0o444;

export interface LoadResult {
  /** What is wrong with the image, and what could not be loaded. */
  warnings: string[];
  files: number;
  directories: number;
  bytes: number;
}

/** Errors that concern one name only: the entry is left out with a warning. */
const NAME_ERRORS: number[] = [Errno.EEXIST, Errno.EINVAL, Errno.ENAMETOOLONG, Errno.EILSEQ];

/**
 * What a loaded entry was called in the image, so that a save writes back
 * what was not renamed as it was: the name it is reachable under in the
 * volume, its FAT name (different when longer than the host's 255 bytes of
 * UTF-8; FAT allows 255 UTF-16 units) and its stored 8.3 alias.
 */
interface FatOrigin { reachable: string; fatName: string; shortName?: string; stamps?: StoredStamps }
const origins = new WeakMap<Inode, FatOrigin>();

/**
 * What to save for an entry: the name and alias it was loaded with while it
 * keeps its name, and its stored stamps (used while its times are unchanged).
 */
export function savedName(inode: Inode, name: string): { name: string; hints: { shortName?: string; stamps?: StoredStamps } } {
  const o = origins.get(inode);
  if (!o) return { name, hints: {} };
  const stamps = o.stamps ? { stamps: o.stamps } : {};
  if (o.reachable !== name) return { name, hints: stamps };
  return { name: o.fatName, hints: o.shortName === undefined ? stamps : { shortName: o.shortName, ...stamps } };
}

/** A name of at most NAME_MAX bytes for `name`: cut before the extension, with a "~N" tail (N from `n`). */
function reachableName(name: string, n: number): string {
  const dot = name.lastIndexOf('.');
  const ext = dot > 0 && nameByteLength(name.slice(dot)) <= 32 ? name.slice(dot) : '';
  const tail = `~${n}${ext}`;
  let stem = '';
  const budget = NAME_MAX - nameByteLength(tail);
  for (const ch of name.slice(0, name.length - ext.length)) {
    if (nameByteLength(stem + ch) > budget) break;
    stem += ch;
  }
  return stem + tail;
}

export interface LoadOptions {
  /** How high bytes in short names read (default: DEFAULT_CODEPAGE). */
  codepage?: CodePage;
  /** Bytes of file data loaded so far, of all there is. */
  onProgress?: (done: number, total: number) => void;
}

/** File data read from an image file goes to the volume in pieces of this size, through one buffer. */
const PIECE = 4 << 20;

/** The image's volume ID (the serial number `memefs info` and Windows show), if its boot sector has one. */
export function fatVolumeSerial(image: Uint8Array | ImageSource): number | undefined {
  const { bootSector } = readBootSector(image);
  return bootSector.bootSignature === 0x28 || bootSector.bootSignature === 0x29 ? bootSector.volumeId : undefined;
}

/**
 * Loads a FAT image into `volume` (normally empty) below its root. Throws for non-FAT images and when the
 * volume fills. From a file (an ImageSource) only the FAT, the directories and one piece of data are held at a time.
 */
export function loadFatIntoVolume(image: Uint8Array | ImageSource, volume: Volume, options: LoadOptions = {}): LoadResult {
  const scan = scanFat(image, options);
  const warnings = [...scan.problems];
  const result: LoadResult = { warnings, files: 0, directories: 0, bytes: 0 };
  volume.label = scan.tree.label;
  const copier = new DataCopier(volume, options.onProgress ? totalBytes(scan.tree.root) : 0, options.onProgress);
  const timed: { inode: Inode; node: FatNode }[] = [];
  const stack: { dir: FatDirectory; inode: Inode; path: string }[] = [{ dir: scan.tree.root, inode: volume.root, path: '' }];
  while (stack.length > 0) {
    const { dir, inode: parent, path } = stack.pop()!;
    for (const node of dir.children) {
      let name = node.name;
      if (nameByteLength(name) > NAME_MAX) {
        // Reachable under a shorter name; the first "~N" nobody else uses.
        for (let n = 1; ; n++) {
          name = reachableName(node.name, n);
          try { volume.lookup(ROOT, parent, name); } catch { break; }
        }
      }
      const p = `${path}/${name}`;
      let inode: Inode;
      try {
        if (node.kind === 'dir') {
          inode = volume.mkdir(ROOT, parent, name, FAT_DIR_MODE);
          result.directories++;
          stack.push({ dir: node, inode, path: p });
        } else {
          const readOnly = (node.attributes & ATTR_READ_ONLY) !== 0;
          inode = volume.mknod(ROOT, parent, name, S_IFREG | (readOnly ? FAT_READONLY_FILE_MODE : FAT_FILE_MODE));
          copier.copy(inode, node.data, p);
          result.files++;
          result.bytes += sizeOf(node.data);
        }
      } catch (e) {
        if (isFsError(e) && NAME_ERRORS.includes(e.errno)) {
          warnings.push(`${p}: left out, the volume refuses the name (${e.code})`);
          continue;
        }
        if (isFsError(e) && e.errno === Errno.ENOSPC) throw new FsError(Errno.ENOSPC, `loading ${p}: the image does not fit the volume's size limit`);
        throw e;
      }
      const origin: FatOrigin = { reachable: name, fatName: node.name };
      if (node.shortName !== undefined) origin.shortName = node.shortName;
      if (node.stamps !== undefined) origin.stamps = node.stamps;
      origins.set(inode, origin);
      if (name !== node.name) {
        warnings.push(`${path}/${node.name}: the name is longer than ${NAME_MAX} bytes; reachable as ${JSON.stringify(name)}, saved back under its FAT name unless renamed`);
      }
      inode.dosAttributes = node.attributes & ATTR_KEPT;
      timed.push({ inode, node });
    }
  }
  // Times last: creating entries inside a directory changes its mtime.
  for (const { inode, node } of timed) {
    const attr: { atime?: ReturnType<typeof fromMs>; mtime?: ReturnType<typeof fromMs> } = {};
    if (node.accessed !== undefined) attr.atime = fromMs(node.accessed);
    if (node.modified !== undefined) attr.mtime = fromMs(node.modified);
    if (attr.atime || attr.mtime) volume.setattr(ROOT, inode, attr);
    if (node.created !== undefined) inode.btime = fromMs(node.created);
  }
  return result;
}

function totalBytes(root: FatDirectory): number {
  let total = 0;
  const stack = [root];
  while (stack.length > 0) for (const c of stack.pop()!.children) c.kind === 'dir' ? stack.push(c) : (total += sizeOf(c.data));
  return total;
}

/** Writes file contents into the volume: bytes as they are, sources through one reused buffer. */
class DataCopier {
  private buffer: Uint8Array | null = null;
  private done = 0;
  constructor(private readonly volume: Volume, private readonly total: number, private readonly onProgress?: (done: number, total: number) => void) {}

  copy(inode: Inode, data: Uint8Array | ContentSource, path: string): void {
    const size = sizeOf(data);
    for (let pos = 0; pos < size; pos += PIECE) {
      let piece: Uint8Array;
      if (data instanceof Uint8Array) piece = data.subarray(pos, pos + PIECE);
      else {
        this.buffer ??= new Uint8Array(PIECE);
        piece = this.buffer.subarray(0, Math.min(PIECE, size - pos));
        piece.fill(0, data.readInto(pos, piece));
      }
      if (this.volume.write(inode, pos, piece) !== piece.length) throw new FsError(Errno.ENOSPC, `${path}: the volume is full`);
      this.done += piece.length;
      this.onProgress?.(this.done, this.total);
    }
  }
}
