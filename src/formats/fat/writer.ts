/**
 * Writes a tree as a FAT image: layout as mkfs.fat would choose it (or the
 * geometry of an existing image), every file contiguous, both FATs equal,
 * FSInfo and backup boot sector current, clean-shutdown bits set. What FAT
 * cannot hold is reported in `warnings` (or refused, for files too big).
 */
import {
  buildBootSector, buildFsInfo, clusterOffset, geometryOf, parseBootSector, flagsOffset, NO_NAME,
  type BootSector, type Geometry,
} from './bootsector.js';
import { ATTR_DIRECTORY, ATTR_KEPT, ATTR_VOLUME_ID, ENTRY_SIZE, encodeShortEntry } from './dirent.js';
import { toDosStamp } from './dostime.js';
import { bootSectorFor, chooseLayout, layoutProblem, type Layout, type LayoutOptions } from './layout.js';
import { buildLfnSlots, lfnChecksum, lfnSlotCount, LFN_MAX_UNITS } from './lfn.js';
import { fatKey, labelField, mixedCaseLabel, storableName } from './names.js';
import { basisName, isShortNameChar, makeAlias, name11Bytes, plainShortName, storedShortName, DEFAULT_CODEPAGE, type CodePage } from './shortname.js';
import { FatTable } from './table.js';
import { sourceOf, type ImageSource } from './source.js';
import { sizeOf, type ContentSource, type FatDirectory, type FatNode, type FatTimes, type FatTree } from './tree.js';
import { Errno, FsError } from '../../core/errno.js';

export const MAX_FAT_FILE_SIZE = 0xffffffff;
export const MAX_DIR_ENTRIES = 65536;
/** The largest fixed root a FAT12/16 boot sector can declare, in whole sectors. */
const MAX_ROOT_ENTRIES = 65520;

export interface WriteOptions extends LayoutOptions {
  /** Size of a new image in bytes. Default: the smallest of 1440 KiB, 4 MiB, 8 MiB, ... that leaves a fifth free. */
  size?: number;
  /** An existing image (read only in parts: its reserved sectors and what lies past the file system) whose geometry, serial number and boot code are kept (saving back to the same file). */
  like?: Uint8Array | ImageSource;
  /** Leave out files of 4 GiB or more with a warning instead of failing. */
  skipTooBig?: boolean;
  /** Time for entries without times and for the label entry (epoch ms); default now. */
  now?: number;
  /** The code page of high bytes in short names: generated aliases, names loaded as short-only entries. */
  codepage?: CodePage;
}

export interface WriteResult {
  image: Uint8Array;
  warnings: string[];
}

/** Where an image goes: bytes written at positions, each byte at most once (a TargetWriter of ../target.ts fits). */
export interface ImageSink {
  write(bytes: Uint8Array, position: number): void;
}

/** An image laid out and ready to write: metadata in memory, file data still in the tree. */
export interface PreparedImage {
  /** Bytes the image spans (an image saved over keeps its old length). */
  length: number;
  warnings: string[];
  /**
   * Writes every byte the image needs; bytes never written (free clusters, the
   * unused end of a file's last cluster) are meant to be zero or do not matter.
   */
  writeTo(sink: ImageSink): void;
}

interface PlannedEntry {
  node: FatNode;
  name: string;
  name11: string;
  ntCase: number;
  lfn: boolean;
  first: number;
  clusters: number;
  dir: PlannedDir | null;
}

interface PlannedDir {
  node: FatDirectory;
  path: string;
  isRoot: boolean;
  entries: PlannedEntry[];
  /** 32-byte entries needed (dots, label, long-name slots included). */
  slots: number;
  first: number;
  clusters: number;
}

/** Names, aliases and entry counts for the whole tree (independent of cluster size). */
function plan(tree: FatTree, labelEntry: boolean, options: WriteOptions, warnings: Warnings): PlannedDir {
  const root: PlannedDir = { node: tree.root, path: '/', isRoot: true, entries: [], slots: labelEntry ? 1 : 0, first: 0, clusters: 0 };
  const stack: PlannedDir[] = [root];
  while (stack.length > 0) {
    const dir = stack.pop()!;
    const keys = new Set<string>();
    const taken = new Set<string>();
    const accepted: { node: FatNode; name: string; path: string }[] = [];
    const changed: { node: FatNode; name: string; path: string }[] = [];
    for (const node of dir.node.children) {
      const path = dir.isRoot ? `/${node.name}` : `${dir.path}/${node.name}`;
      if (node.kind === 'file' && sizeOf(node.data) > MAX_FAT_FILE_SIZE) {
        if (!options.skipTooBig) {
          throw new FsError(Errno.EFBIG, `${path} is ${sizeOf(node.data)} bytes; FAT files end at 4 GiB - 1 (skip such files to save the rest)`);
        }
        warnings.add('files of 4 GiB or more left out', path);
        continue;
      }
      const name = storableName(node.name);
      if (name === null) { warnings.add('names FAT cannot hold, left out', path); continue; }
      // Changed names come last, so they can never take the place of a name that fits as it is.
      if (name !== node.name) { changed.push({ node, name, path }); continue; }
      const key = fatKey(name);
      if (keys.has(key)) { warnings.add('names that differ only in case (FAT ignores case), left out', path); continue; }
      keys.add(key);
      accepted.push({ node, name, path });
    }
    for (const c of changed) {
      const name = uniqueName(c.name, keys);
      keys.add(fatKey(name));
      warnings.add('names changed to what FAT can hold', `${c.path} -> ${name}`);
      accepted.push({ ...c, name });
    }
    if (!dir.isRoot) dir.slots += 2;
    // Names that fit 8.3 first, so generated aliases never take them. Long names that read as a short name
    // (like "Foo~1.txt") are reserved for their own entry: short and long names share one namespace.
    // A loaded short-only name with code-page bytes (as mtools writes `été.txt`) stays short-only while unchanged.
    const plain = accepted.map((a) => {
      const hint = a.node.shortName !== undefined && validHint(a.node.shortName) ? a.node.shortName : undefined;
      const p = plainShortName(a.name) ?? storedShortName(hint, a.name, options.codepage ?? DEFAULT_CODEPAGE);
      if (p && taken.has(p.name11)) return null;
      if (p) taken.add(p.name11);
      return p;
    });
    const reserved = new Map<string, number>();
    accepted.forEach((a, i) => {
      const b = basisName(a.name, options.codepage);
      if (!plain[i] && !b.lossy) reserved.set(b.base.padEnd(8, ' ') + b.ext.padEnd(3, ' '), i);
    });
    // Aliases the image already had are kept (loaded entries carry them): no generated alias takes one.
    accepted.forEach((a, i) => {
      const h = a.node.shortName;
      if (!plain[i] && h && validHint(h) && !taken.has(h) && !reserved.has(h)) reserved.set(h, i);
    });
    accepted.forEach((a, i) => {
      const p = plain[i];
      const unavailable = { has: (n: string) => taken.has(n) || (reserved.has(n) && reserved.get(n) !== i) };
      let name11: string;
      if (p) name11 = p.name11;
      else if (a.node.shortName && validHint(a.node.shortName) && !unavailable.has(a.node.shortName)) name11 = a.node.shortName;
      else name11 = makeAlias(a.name, unavailable, options.codepage);
      taken.add(name11);
      const entry: PlannedEntry = {
        node: a.node, name: a.name, name11, ntCase: p ? p.ntCase : 0, lfn: !p, first: 0, clusters: 0, dir: null,
      };
      dir.slots += 1 + (entry.lfn ? lfnSlotCount(a.name) : 0);
      if (a.node.kind === 'dir') {
        entry.dir = { node: a.node, path: a.path, isRoot: false, entries: [], slots: 0, first: 0, clusters: 0 };
        stack.push(entry.dir);
      }
      dir.entries.push(entry);
    });
    if (dir.slots > MAX_DIR_ENTRIES) {
      throw new FsError(Errno.ENOSPC, `directory ${dir.path} needs ${dir.slots} entries; a FAT directory holds ${MAX_DIR_ENTRIES}`);
    }
  }
  return root;
}

/** `name`, or `name~2`, `name~3`... (before the extension) when FAT already holds a name like it. */
function uniqueName(name: string, keys: Set<string>): string {
  if (!keys.has(fatKey(name))) return name;
  const dot = name.lastIndexOf('.');
  const [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
  for (let n = 2; ; n++) {
    const tail = `~${n}${ext}`;
    const candidate = stem.slice(0, LFN_MAX_UNITS - tail.length).replace(/[\ud800-\udbff]$/, '') + tail;
    if (!keys.has(fatKey(candidate))) return candidate;
  }
}

/** An 11-character short name from an image, reusable as an alias if still valid. */
function validHint(name11: string): boolean {
  if (name11.length !== 11 || name11[0] === ' ' || name11.startsWith('.')) return false;
  for (let i = 0; i < 11; i++) if (!isShortNameChar(name11.charCodeAt(i))) return false;
  return true;
}

/** Assigns clusters: each directory, then its files, then its subdirectories, depth first; returns the count used. */
function allocate(root: PlannedDir, clusterBytes: number, fat32: boolean): number {
  let next = 2;
  const take = (n: number) => { const first = n > 0 ? next : 0; next += n; return first; };
  // An explicit stack: trees may be deeper than the call stack.
  const stack: PlannedDir[] = [root];
  while (stack.length > 0) {
    const d = stack.pop()!;
    if (!d.isRoot || fat32) {
      d.clusters = Math.max(1, Math.ceil((d.slots * ENTRY_SIZE) / clusterBytes));
      d.first = take(d.clusters);
    }
    for (const e of d.entries) {
      if (e.node.kind === 'file') {
        e.clusters = Math.ceil(sizeOf(e.node.data) / clusterBytes);
        e.first = take(e.clusters);
      }
    }
    for (let i = d.entries.length - 1; i >= 0; i--) {
      const sub = d.entries[i]!.dir;
      if (sub) stack.push(sub);
    }
  }
  return next - 2;
}

class Warnings {
  private readonly groups = new Map<string, string[]>();
  add(what: string, example: string): void {
    let g = this.groups.get(what);
    if (!g) this.groups.set(what, (g = []));
    g.push(example);
  }
  list(): string[] {
    const out: string[] = [];
    for (const [what, examples] of this.groups) {
      const shown = examples.slice(0, 5).join(', ');
      out.push(`${examples.length} ${what}: ${shown}${examples.length > 5 ? ', ...' : ''}`);
    }
    return out;
  }
}

const STANDARD_SIZES_KIB = [1440, 4096];
for (let s = 8192; s <= 2 * 1024 * 1024 * 1024; s *= 2) STANDARD_SIZES_KIB.push(s);

function layoutFromImage(like: ImageSource): { layout: Layout; bs: BootSector; geometry: Geometry } {
  const bs = parseBootSector(like.read(0, Math.min(like.length, 4096)));
  const geometry = geometryOf(bs);
  const layout: Layout = {
    fatType: geometry.fatType, bytesPerSector: geometry.bytesPerSector, sectorsPerCluster: geometry.sectorsPerCluster,
    reservedSectors: geometry.reservedSectors, numFats: geometry.numFats, rootEntries: geometry.rootEntries,
    totalSectors: geometry.totalSectors, fatSectors: geometry.fatSectors, clusterCount: geometry.clusterCount,
    media: bs.media, sectorsPerTrack: bs.sectorsPerTrack, heads: bs.heads, driveNumber: bs.driveNumber,
  };
  return { layout, bs, geometry };
}

/** The largest image writeFat builds in memory (one typed array); prepareFat streams images of any size. */
export const MAX_IN_MEMORY_IMAGE = 2 ** 32;

/** Writes `tree` as a complete FAT image in memory. */
export function writeFat(tree: FatTree, options: WriteOptions = {}): WriteResult {
  const tooBig = (bytes: number) => new FsError(Errno.EFBIG, `a ${bytes}-byte image cannot be built in memory (at most 4 GiB); save it to a file, or choose a smaller size`);
  const asked = options.size ?? (options.like ? sourceOf(options.like).length : 0);
  if (asked > MAX_IN_MEMORY_IMAGE) throw tooBig(asked);
  const prepared = prepareFat(tree, options);
  if (prepared.length > MAX_IN_MEMORY_IMAGE) throw tooBig(prepared.length);
  const image = new Uint8Array(prepared.length);
  prepared.writeTo({ write: (bytes, position) => image.set(bytes, position) });
  return { image, warnings: prepared.warnings };
}

/**
 * Lays out `tree` as a FAT image without building it: only the reserved
 * sectors, FATs and directories are held; `writeTo` (once) sends file data
 * straight from the tree to the sink.
 */
export function prepareFat(tree: FatTree, options: WriteOptions = {}): PreparedImage {
  const like = options.like ? sourceOf(options.like) : undefined;
  const warnings = new Warnings();
  const now = options.now ?? Date.now();
  const label = labelField(options.label ?? tree.label);
  if (label.changed) warnings.add('volume label changed to what FAT can hold', `"${tree.label}" -> "${label.field.trimEnd()}"`);
  const hasLabel = label.field !== NO_NAME;
  const mixed = hasLabel ? mixedCaseLabel(options.label ?? tree.label) : null;
  const root = plan(tree, hasLabel, options, warnings);
  if (mixed !== null) root.slots += lfnSlotCount(mixed);

  let layout: Layout;
  let base: BootSector;
  if (like) {
    const fromImage = layoutFromImage(like);
    layout = fromImage.layout;
    base = { ...fromImage.bs, flags: fromImage.bs.flags & ~1 };
  } else {
    const sizes = options.size !== undefined ? [options.size] : STANDARD_SIZES_KIB.map((k) => k * 1024);
    let found: Layout | null = null;
    for (const size of sizes) {
      let candidate: Layout;
      try {
        candidate = chooseLayout(size, options);
      } catch (e) {
        // A forced type or cluster size rules out some standard sizes: try the next.
        if (options.size !== undefined) throw e;
        continue;
      }
      if (options.size === undefined && layoutProblem(candidate) !== null) continue;
      // A crowded FAT12/16 root gets the entries it needs (as mkfs.fat -r), rather than a 512 MiB FAT32 image.
      if (candidate.fatType !== 32 && root.slots > candidate.rootEntries && options.rootEntries === undefined && root.slots <= MAX_ROOT_ENTRIES) {
        try {
          candidate = chooseLayout(size, { ...options, fatType: candidate.fatType, rootEntries: Math.ceil(root.slots / 16) * 16 });
        } catch { /* the bigger root does not fit this size: keep the plain layout, which reports it */ }
      }
      const used = allocate(root, candidate.bytesPerSector * candidate.sectorsPerCluster, candidate.fatType === 32);
      const fitsRoot = candidate.fatType === 32 || root.slots <= candidate.rootEntries;
      const room = options.size !== undefined ? candidate.clusterCount : Math.floor(candidate.clusterCount * 0.8);
      if (used <= room && fitsRoot) { found = candidate; break; }
      if (options.size !== undefined) found = candidate;
    }
    if (found === null) throw new FsError(Errno.ENOSPC, `no standard image size up to 2 TiB has a layout for this content with these options`);
    layout = found;
    base = bootSectorFor(layout, { ...options, volumeId: options.volumeId ?? tree.volumeId });
  }
  const clusterBytes = layout.bytesPerSector * layout.sectorsPerCluster;
  const fat32 = layout.fatType === 32;
  const used = allocate(root, clusterBytes, fat32);
  if (!fat32 && root.slots > layout.rootEntries) {
    throw new FsError(Errno.ENOSPC, `the root directory needs ${root.slots} entries; this FAT${layout.fatType} layout has ${layout.rootEntries}`);
  }
  if (used > layout.clusterCount) {
    throw new FsError(Errno.ENOSPC, `the content needs ${used} clusters of ${clusterBytes} bytes; the image has ${layout.clusterCount}`);
  }
  const bs: BootSector = { ...base, volumeLabel: label.field, rootCluster: fat32 ? root.first : 0 };
  const imageBytes = layout.totalSectors * layout.bytesPerSector;
  const geometry = geometryOf(bs);
  const fatStart = layout.reservedSectors * layout.bytesPerSector;
  const fatBytes = layout.fatSectors * layout.bytesPerSector;
  // Everything before the first cluster (reserved sectors, FATs, a FAT12/16 root) is built here and written last.
  const meta = new Uint8Array(clusterOffset(geometry, 2));
  writeReserved(meta, bs, layout, like, used);
  const fat = new FatTable(layout.fatType, meta.subarray(fatStart, fatStart + fatBytes));
  fat.set(0, (fat.eoc & ~0xff) | layout.media);
  fat.set(1, fat.eoc); // includes the clean-shutdown and no-error bits on FAT16/32
  // Saving over an image keeps its length, and whatever lies past the file system (mkfs.fat leaves partial tracks).
  const length = Math.max(imageBytes, like?.length ?? 0);
  const writeTo = (sink: ImageSink): void => {
    for (let pos = imageBytes; pos < length; pos += PIECE) sink.write(like!.read(pos, Math.min(PIECE, length - pos)), pos);
    writeDirectory(sink, meta, geometry, fat, root, hasLabel ? { field: label.field, mixed } : null, now);
    for (let n = 1; n < layout.numFats; n++) meta.copyWithin(fatStart + n * fatBytes, fatStart, fatStart + fatBytes);
    sink.write(meta, 0);
  };
  return { length, warnings: warnings.list(), writeTo };
}

/** File data and old image bytes go to the sink in pieces of this size at most (one buffer per image). */
const PIECE = 4 << 20;

function writeReserved(image: Uint8Array, bs: BootSector, layout: Layout, like: ImageSource | undefined, used: number): void {
  const sector = layout.bytesPerSector;
  if (like) {
    // Keep what the old image had in its reserved area (boot code), then bring the fields up to date.
    image.set(like.read(0, Math.min(like.length, layout.reservedSectors * sector)));
    image[flagsOffset(layout.fatType)] = image[flagsOffset(layout.fatType)]! & ~1;
    const labelAt = (layout.fatType === 32 ? 64 : 36) + 7;
    if (image[labelAt - 5] === 0x29) for (let i = 0; i < 11; i++) image[labelAt + i] = bs.volumeLabel.charCodeAt(i);
    if (layout.fatType === 32) { image[44] = bs.rootCluster & 0xff; image[45] = bs.rootCluster >> 8; image[46] = 0; image[47] = 0; }
  } else {
    image.set(buildBootSector(bs), 0);
  }
  if (layout.fatType !== 32) return;
  const free = layout.clusterCount - used;
  const nextFree = free > 0 ? used + 2 : 0xffffffff;
  const info = buildFsInfo(sector, free, nextFree);
  // An FSInfo field of 0, 0xFFFF or outside the reserved area is repaired to sector 1 (mkfs.fat's place) when that is free.
  const valid = (n: number) => n > 0 && n < layout.reservedSectors && n !== bs.backupBootSector;
  const infoSector = valid(bs.fsInfoSector) ? bs.fsInfoSector : valid(1) ? 1 : 0;
  const hasInfo = infoSector !== 0;
  image[48] = infoSector & 0xff;
  image[49] = infoSector >> 8;
  if (hasInfo) image.set(info, infoSector * sector);
  const backup = bs.backupBootSector;
  if (backup > 0 && backup < layout.reservedSectors) {
    image.copyWithin(backup * sector, 0, sector);
    if (hasInfo && backup + infoSector < layout.reservedSectors) image.set(info, (backup + infoSector) * sector);
  }
}

/**
 * Writes one directory's entries (whole clusters, so no old entries show past the
 * end on a device) and its files' data, then its subdirectories (iteratively).
 * A FAT12/16 root goes into `meta`, the area before the first cluster.
 */
function writeDirectory(
  sink: ImageSink, meta: Uint8Array, g: Geometry, fat: FatTable, root: PlannedDir,
  label: { field: string; mixed: string | null } | null, now: number,
): void {
  const clusterBytes = g.bytesPerSector * g.sectorsPerCluster;
  const fixedRoot = g.fatType !== 32;
  const data = new DataWriter(sink);
  const jobs: { dir: PlannedDir; parentFirst: number }[] = [{ dir: root, parentFirst: 0 }];
  while (jobs.length > 0) {
    const { dir, parentFirst } = jobs.pop()!;
    const bytes = new Uint8Array(dir.isRoot && fixedRoot ? Math.max(dir.slots, 1) * ENTRY_SIZE : dir.clusters * clusterBytes);
    let at = 0;
    const put = (entry: Uint8Array) => { bytes.set(entry, at); at += ENTRY_SIZE; };
    if (dir.isRoot && label !== null) {
      const t = toDosStamp(now);
      // As mlabel: a mixed-case label also goes in long-name slots before the (upper-case) label entry. The boot
      // sector keeps the upper-case field (mlabel writes it as given, which fsck.fat reports as a mismatch).
      if (label.mixed !== null) for (const slot of buildLfnSlots(label.mixed, lfnChecksum(name11Bytes(label.field)))) put(slot);
      put(encodeShortEntry({
        name: name11Bytes(label.field), attr: ATTR_VOLUME_ID, ntRes: 0, createTenths: 0, createTime: 0, createDate: 0,
        accessDate: 0, writeTime: t.time, writeDate: t.date, cluster: 0, size: 0,
      }));
    }
    if (!dir.isRoot) {
      put(shortEntry('.          ', 0, dir.node, ATTR_DIRECTORY, dir.first, 0, now));
      put(shortEntry('..         ', 0, dir.node, ATTR_DIRECTORY, parentFirst, 0, now));
    }
    for (const e of dir.entries) {
      const attr = (e.node.attributes & ATTR_KEPT) | (e.node.kind === 'dir' ? ATTR_DIRECTORY : 0);
      const size = e.node.kind === 'file' ? sizeOf(e.node.data) : 0;
      const first = e.dir ? e.dir.first : e.first;
      const short = shortEntry(e.name11, e.ntCase, e.node, attr, first, size, now);
      if (e.lfn) for (const slot of buildLfnSlots(e.name, lfnChecksum(short.subarray(0, 11)))) put(slot);
      put(short);
      if (e.node.kind === 'file' && e.clusters > 0) {
        data.write(e.node.data, clusterOffset(g, e.first));
        chain(fat, e.first, e.clusters);
      }
      if (e.dir) jobs.push({ dir: e.dir, parentFirst: dir.isRoot ? 0 : dir.first });
    }
    if (dir.isRoot && fixedRoot) {
      meta.set(bytes.subarray(0, at), (g.reservedSectors + g.numFats * g.fatSectors) * g.bytesPerSector);
    } else {
      sink.write(bytes, clusterOffset(g, dir.first));
      chain(fat, dir.first, dir.clusters);
    }
  }
}

function chain(fat: FatTable, first: number, count: number): void {
  for (let i = 0; i < count; i++) fat.set(first + i, i + 1 < count ? first + i + 1 : fat.eoc);
}

/** Sends file contents to the sink: arrays as they are, other sources through one reused buffer. */
class DataWriter {
  private buffer: Uint8Array | null = null;
  constructor(private readonly sink: ImageSink) {}

  write(data: Uint8Array | ContentSource, offset: number): void {
    if (data instanceof Uint8Array) {
      this.sink.write(data, offset);
      return;
    }
    this.buffer ??= new Uint8Array(PIECE);
    for (let pos = 0; pos < data.size; pos += PIECE) {
      const piece = this.buffer.subarray(0, Math.min(PIECE, data.size - pos));
      piece.fill(0, data.readInto(pos, piece));
      this.sink.write(piece, offset + pos);
    }
  }
}

function shortEntry(name11: string, ntCase: number, node: FatNode, attr: number, cluster: number, size: number, now: number): Uint8Array {
  const kept = node.stamps;
  const same = (t: keyof FatTimes) => kept !== undefined && node[t] !== undefined && node[t] === kept.times[t];
  const created = same('created') ? kept!.created : toDosStamp(node.created ?? node.modified ?? now);
  const modified = same('modified') ? kept!.modified : toDosStamp(node.modified ?? now);
  const accessed = same('accessed') ? { date: kept!.accessDate } : toDosStamp(node.accessed ?? node.modified ?? now);
  return encodeShortEntry({
    name: name11Bytes(name11), attr, ntRes: ntCase, createTenths: created.tenths, createTime: created.time,
    createDate: created.date, accessDate: accessed.date, writeTime: modified.time, writeDate: modified.date, cluster, size,
  });
}
