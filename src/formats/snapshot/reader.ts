/**
 * Loads a tar archive into a fresh volume: memefs's own snapshots (pax with
 * memefs keywords), and what GNU tar and bsdtar write (pax, GNU long names,
 * GNU sparse formats 0.0, 0.1, 1.0 and old-GNU 'S', base-256 numbers, plain
 * ustar and v7).
 *
 * Structural faults (truncation, corrupt headers, an archive that does not fit
 * the volume) throw SnapshotError. A fault confined to one entry (a path with
 * "..", a hard link to nothing, a bad sparse map, a name the volume refuses)
 * skips that entry with a warning. Memory is bounded: the archive streams
 * through one buffer, header values are capped, and big user.* xattr values
 * go straight into volume memory as named streams.
 */
import { ROOT } from '../../core/access.js';
import { CHUNK_SIZE, FileData, MAX_FILE_SIZE } from '../../core/data.js';
import { Errno, isFsError } from '../../core/errno.js';
import type { DirEntry } from '../../core/directory.js';
import { S_IFBLK, S_IFCHR, S_IFIFO, S_IFREG, S_IFSOCK, type Inode } from '../../core/inode.js';
import { decodeName, nameByteLength, NAME_MAX } from '../../core/names.js';
import { Volume, XATTR_SIZE_MAX, type VolumeOptions } from '../../core/volume.js';
import type { Timespec } from '../../core/time.js';
import { SnapshotError, Warnings } from './errors.js';
import { Input, type ArchiveSource } from './input.js';
import {
  FORMAT_VERSION, K, fromBase64, makeDev, parseDecimal, parseEas, parseTime, percentDecode,
} from './keywords.js';
import { PaxParser, type ValueSpool } from './pax-records.js';
import { archivePathParts, showPath } from './paths.js';
import { ProgressTicker, type ProgressCallback } from './progress.js';
import { SparseMapParser, checkSparseMap, parseSparseMap01, MAX_REGIONS, type Region } from './sparse.js';
import { TYPE, decodeHeader, isZeroBlock, parseNumber, type ParsedHeader } from './ustar.js';

export interface ReadOptions {
  onProgress?: ProgressCallback;
}

export interface ReadResult {
  volume: Volume;
  /** What was skipped or could not be kept, one line each. */
  warnings: string[];
  /** Entries (names) loaded. */
  entries: number;
}

/** In-memory bytes one run of extended headers may hold (spooled xattr values not counted). */
const MAX_HEADER_MEMORY = 16 << 20;
/** Longest volume label accepted (labels are short; NTFS allows 32 characters). */
const MAX_LABEL = 255;
/** Longest GNU long name/link ('L'/'K') accepted. */
const MAX_LONG_NAME = 1 << 20;

const utf8Text = new TextDecoder();

/** A fault confined to one entry: skip it, warn, go on. */
class EntryProblem extends Error {}

/** What extended headers (and GNU long names) said about the next entry. */
class Pending {
  records = new Map<string, Uint8Array>();
  /** xattr name → value in memory, or spooled into volume memory. */
  xattrs = new Map<string, Uint8Array | FileData>();
  sparseOffsets: number[] = [];
  sparseNumbytes: number[] = [];
  longName: Uint8Array | null = null;
  longLink: Uint8Array | null = null;
  memory = 0;

  /** Frees spooled values that will not be used. */
  discard(): void {
    for (const v of this.xattrs.values()) if (v instanceof FileData) v.free();
    this.xattrs.clear();
  }
}

export async function readArchive(source: ArchiveSource, volumeOptions: VolumeOptions = {}, options: ReadOptions = {}): Promise<ReadResult> {
  const reader = new ArchiveReader(source, volumeOptions, options);
  return reader.run();
}

class ArchiveReader {
  private readonly input: Input;
  private readonly warnings = new Warnings();
  private readonly progress: ProgressTicker;
  private volume: Volume | null = null;
  private readonly globals = new Map<string, Uint8Array>();
  private globalMemory = 0;
  private pending = new Pending();
  private entries = 0;
  /** Final times, set after everything is in place (adding names changes directory times). */
  private readonly times = new Map<Inode, { atime: Timespec; mtime: Timespec; ctime: Timespec; btime: Timespec }>();
  /** chattr flags, set once everything is loaded: an immutable directory takes no entries, an immutable file no data. */
  private readonly fileFlags = new Map<Inode, number>();
  private readonly filler = new FileFiller();
  /** Per directory, archive names that were given another name because the volume folds them onto an existing one. */
  private readonly renamed = new Map<Inode, Map<string, string>>();

  constructor(private readonly source: ArchiveSource, private readonly volumeOptions: VolumeOptions, options: ReadOptions) {
    this.input = new Input(source);
    this.progress = new ProgressTicker('load', source.size ?? 0, options.onProgress);
  }

  async run(): Promise<ReadResult> {
    try {
      await this.headers();
    } catch (e) {
      this.pending.discard();
      if (isFsError(e) && e.errno === Errno.ENOSPC) {
        throw new SnapshotError('the snapshot does not fit in the volume (size or inode limit reached)', this.input.position);
      }
      throw e;
    }
    const volume = this.ensureVolume();
    for (const [inode, flags] of this.fileFlags) {
      try {
        volume.setFileFlags(inode, flags);
      } catch (e) {
        if (!isFsError(e)) throw e;
        this.warnings.once('bad-fileflags', `${K.fileFlags} ${flags}: flags memefs does not keep are ignored`);
      }
    }
    for (const [inode, t] of this.times) {
      inode.atime = t.atime;
      inode.mtime = t.mtime;
      inode.ctime = t.ctime;
      inode.btime = t.btime;
    }
    this.progress.bytesDone = this.input.position;
    this.progress.finish();
    return { volume, warnings: this.warnings.result(), entries: this.entries };
  }

  private async headers(): Promise<void> {
    let first = true;
    for (;;) {
      const at = this.input.position;
      const block = await this.input.block();
      if (block === null) {
        if (first) {
          this.warnings.add('the snapshot file is empty: starting with an empty volume');
          return;
        }
        throw new SnapshotError('archive ends without its end-of-archive blocks (truncated?)', at);
      }
      if (isZeroBlock(block)) {
        // End of archive (a second zero block and record padding follow; nothing after them matters).
        if (this.pending.records.size > 0 || this.pending.longName !== null) this.warnings.add('extended header with no entry at the end of the archive');
        return;
      }
      const h = decodeHeader(block);
      if (h === 'checksum') {
        if (first) throw new SnapshotError(`not a tar archive${compressionOf(block) ?? ' (header checksum does not match)'}`, at);
        throw new SnapshotError('corrupt archive: header checksum does not match', at);
      }
      if (h === 'number') throw new SnapshotError('corrupt archive: malformed number in a header', at);
      const raw = block.slice();
      first = false;
      await this.header(h, raw, at);
      this.progress.bytesDone = this.input.position;
      this.progress.tick();
    }
  }

  private async header(h: ParsedHeader, raw: Uint8Array, at: number): Promise<void> {
    switch (h.typeflag) {
      case TYPE.paxGlobal:
        await this.extendedHeader(h.size, true, at);
        return;
      case TYPE.paxLocal:
        this.ensureVolume();
        await this.extendedHeader(h.size, false, at);
        return;
      case TYPE.gnuLongName:
      case TYPE.gnuLongLink: {
        const bytes = await this.smallMember(h.size, MAX_LONG_NAME, 'GNU long name', at);
        const nul = bytes.indexOf(0);
        const name = nul < 0 ? bytes : bytes.subarray(0, nul);
        if (h.typeflag === TYPE.gnuLongName) this.pending.longName = name;
        else this.pending.longLink = name;
        return;
      }
      default:
        this.ensureVolume();
        await this.entry(h, raw, at);
    }
  }

  /** The volume, made when the first entry arrives (the global header may set its case sensitivity). */
  private ensureVolume(): Volume {
    if (this.volume !== null) return this.volume;
    const opts: VolumeOptions = { ...this.volumeOptions };
    const label = this.globals.get(K.label);
    const ci = this.globals.get(K.caseInsensitive);
    if (label !== undefined) {
      const text = new TextDecoder().decode(label);
      if (text.length > MAX_LABEL) this.warnings.add(`volume label of ${text.length} characters ignored`);
      else if (opts.label === undefined) opts.label = text;
      else if (opts.label !== text) this.warnings.add(`volume label "${opts.label}" given; the snapshot says "${text}"`);
    }
    if (ci !== undefined) {
      const flag = new TextDecoder().decode(ci) === '1';
      if (opts.caseInsensitive === undefined) opts.caseInsensitive = flag;
      else if (opts.caseInsensitive !== flag) {
        this.warnings.add(`the snapshot was ${flag ? 'case-insensitive' : 'case-sensitive'}; loading it ${opts.caseInsensitive ? 'case-insensitive' : 'case-sensitive'} as asked`);
      }
    }
    this.volume = new Volume(opts);
    const serial = this.globals.get(K.serial);
    if (serial !== undefined) {
      const n = parseDecimal(new TextDecoder().decode(serial));
      // The serial is fixed at construction and VolumeOptions has no field for it: set it once, here.
      if (n !== null && n <= 0xffffffff) (this.volume as { serial: number }).serial = n;
      else this.warnings.add(`malformed ${K.serial} ignored`);
    }
    return this.volume;
  }

  // ---- extended headers ---------------------------------------------------

  private async extendedHeader(size: number, global: boolean, at: number): Promise<void> {
    const pending = this.pending;
    const parser = new PaxParser({
      spoolFor: (key, valueBytes) => (!global && key.startsWith(K.schilyXattr + 'user.') ? this.spool(valueBytes) : null),
      record: (key, value) => {
        if (value instanceof Uint8Array) {
          pending.memory += value.length + key.length;
          if (pending.memory > MAX_HEADER_MEMORY) throw new Error('extended headers too large');
        }
        if (global) {
          this.globalMemory += (value as Uint8Array).length + key.length;
          if (this.globalMemory > MAX_HEADER_MEMORY) throw new Error('global headers too large');
          this.globalRecord(key, value as Uint8Array);
        }
        else this.localRecord(key, value);
      },
    });
    this.input.expect(size);
    let left = size;
    try {
      while (left > 0) {
        const piece = await this.input.peek(left);
        parser.feed(piece);
        this.input.consume(piece.length);
        left -= piece.length;
      }
      parser.finish();
    } catch (e) {
      if (e instanceof SnapshotError) throw e;
      throw new SnapshotError(`corrupt extended header: ${(e as Error).message}`, at);
    }
    await this.input.skipPadding(size);
  }

  /** Volume memory for a user.* xattr value of any size. */
  private spool(size: number): XattrSpool {
    return new XattrSpool(new FileData(this.volume!), size);
  }

  private globalRecord(key: string, value: Uint8Array): void {
    if (key === K.version) {
      const v = new TextDecoder().decode(value);
      if (v !== FORMAT_VERSION) this.warnings.add(`snapshot format version ${v} (this memefs writes ${FORMAT_VERSION}); loading what it understands`);
      return;
    }
    if (key === K.label || key === K.caseInsensitive || key === K.serial) {
      if (this.volume !== null) this.warnings.once(`late:${key}`, `${key} in a global header after the first entry is ignored`);
      this.globals.set(key, value);
      return;
    }
    if (key.startsWith(K.schilyXattr) || key.startsWith(K.libarchiveXattr)) {
      this.warnings.once('global-xattr', 'xattrs in a global header are ignored');
      return;
    }
    this.globals.set(key, value);
  }

  private localRecord(key: string, value: Uint8Array | ValueSpool): void {
    const p = this.pending;
    if (key.startsWith(K.schilyXattr)) {
      const name = key.slice(K.schilyXattr.length);
      const old = p.xattrs.get(name);
      if (old instanceof FileData) old.free();
      p.xattrs.set(name, value instanceof XattrSpool ? value.data : (value as Uint8Array));
      return;
    }
    const bytes = value as Uint8Array;
    if (key.startsWith(K.libarchiveXattr)) {
      const nameBytes = percentDecode(key.slice(K.libarchiveXattr.length));
      const v = fromBase64(new TextDecoder().decode(bytes));
      if (nameBytes === null || v === null) {
        this.warnings.once('bad-libarchive-xattr', `malformed ${K.libarchiveXattr} record ignored`);
        return;
      }
      const name = decodeName(nameBytes);
      const old = p.xattrs.get(name);
      if (old instanceof FileData) old.free();
      p.xattrs.set(name, v);
      return;
    }
    if (key === K.rhtSelinux) {
      p.xattrs.set('security.selinux', bytes);
      return;
    }
    if (key === K.sparseOffset || key === K.sparseNumbytes) {
      const n = parseDecimal(new TextDecoder().decode(bytes));
      const list = key === K.sparseOffset ? p.sparseOffsets : p.sparseNumbytes;
      if (list.length >= MAX_REGIONS) throw new Error('too many GNU.sparse.offset records');
      list.push(n ?? -1);
      return;
    }
    p.records.set(key, bytes);
  }

  /** A member small enough to hold in memory (long names), read whole. */
  private async smallMember(size: number, max: number, what: string, at: number): Promise<Uint8Array> {
    if (size > max) throw new SnapshotError(`${what} of ${size} bytes is too large`, at);
    this.input.expect(size);
    const out = new Uint8Array(size);
    let off = 0;
    await this.input.pieces(size, (piece) => {
      out.set(piece, off);
      off += piece.length;
    });
    await this.input.skipPadding(size);
    return out;
  }

  // ---- entries ------------------------------------------------------------

  private async entry(h: ParsedHeader, raw: Uint8Array, at: number): Promise<void> {
    const pending = this.pending;
    this.pending = new Pending();
    const rec = (key: string): string | undefined => {
      const v = pending.records.get(key) ?? this.globals.get(key);
      return v === undefined ? undefined : utf8Text.decode(v);
    };
    const recBytes = (key: string): Uint8Array | undefined => pending.records.get(key) ?? this.globals.get(key);

    let size = h.size;
    const sizeRec = rec(K.size);
    if (sizeRec !== undefined) {
      const n = parseDecimal(sizeRec);
      if (n === null) throw new SnapshotError('corrupt extended header: bad size', at);
      size = n;
    }
    const member = new Member(this.input, size);
    member.check();
    // Old GNU sparse headers continue in extension blocks: read them whatever becomes of the entry.
    const oldSparse = h.typeflag === TYPE.gnuSparse ? await oldGnuSparseMap(raw, this.input) : null;

    const pathBytes = recBytes(K.sparseName) ?? recBytes(K.path) ?? pending.longName ?? ustarPath(h);
    const shown = showPath(pathBytes);
    try {
      await this.place(h, oldSparse, pending, member, pathBytes, shown, rec, recBytes);
      this.entries++;
      pending.discard(); // spooled values the entry did not take (a hard link's, say)
    } catch (e) {
      pending.discard();
      if (e instanceof EntryProblem) {
        this.warnings.add(`${shown}: ${e.message}; skipped`);
      } else if (isFsError(e) && e.errno !== Errno.ENOSPC) {
        this.warnings.add(`${shown}: ${e.message}; skipped`);
      } else {
        throw e;
      }
    }
    await member.finish();
  }

  private async place(
    h: ParsedHeader, oldSparse: OldSparse | null, pending: Pending, member: Member, pathBytes: Uint8Array, shown: string,
    rec: (key: string) => string | undefined, recBytes: (key: string) => Uint8Array | undefined,
  ): Promise<void> {
    const volume = this.volume!;
    const path = archivePathParts(pathBytes);
    if ('problem' in path) throw new EntryProblem(`path ${path.problem}`);
    if (path.strippedSlash) this.warnings.once('leading-slash', 'removed leading "/" from absolute paths');
    const parts = path.parts;

    let typeflag = h.typeflag === 0 ? TYPE.file : h.typeflag;
    if (typeflag === TYPE.gnuDumpDir) typeflag = TYPE.dir;
    // Pre-POSIX tars marked directories only by a trailing slash on a regular entry.
    if ((h.typeflag === 0 || (h.kind === 'v7' && typeflag === TYPE.file)) && pathBytes[pathBytes.length - 1] === 0x2f) typeflag = TYPE.dir;
    if (typeflag === TYPE.gnuVolume) return; // a GNU volume label: nothing to create
    if (typeflag === TYPE.gnuMultiVolume || typeflag === 0x4e /* 'N' */) {
      throw new EntryProblem(`GNU entry type '${String.fromCharCode(typeflag)}' is not supported`);
    }
    const known = [TYPE.file, TYPE.contiguous, TYPE.hardlink, TYPE.symlink, TYPE.chardev, TYPE.blockdev, TYPE.dir, TYPE.fifo, TYPE.gnuSparse] as number[];
    if (!known.includes(typeflag)) {
      this.warnings.once(`type:${typeflag}`, `unknown entry type '${String.fromCharCode(typeflag)}' loaded as a regular file`);
      typeflag = TYPE.file;
    }
    const socket = rec(K.filetype) === 'socket';
    if (parts.length === 0 && typeflag !== TYPE.dir) throw new EntryProblem('the root can only be a directory');

    if (typeflag === TYPE.hardlink) {
      this.hardLink(parts, pending.longLink ?? recBytes(K.linkpath) ?? h.linkname);
      return;
    }

    let inode: Inode | null;
    let sparse: { regions: Region[]; realSize: number } | null = null;
    if (typeflag === TYPE.file || typeflag === TYPE.contiguous || typeflag === TYPE.gnuSparse) {
      if (!socket) sparse = await this.sparseMap(oldSparse, pending, member, rec);
    }
    switch (typeflag) {
      case TYPE.dir:
        inode = parts.length === 0 ? volume.root : this.make(parts, true, (dir, name) => volume.mkdir(ROOT, dir, name, 0o700));
        break;
      case TYPE.symlink: {
        const target = decodeName(pending.longLink ?? recBytes(K.linkpath) ?? h.linkname);
        if (target === '') throw new EntryProblem('symlink with an empty target');
        inode = this.make(parts, false, (dir, name) => volume.symlink(ROOT, dir, name, target));
        break;
      }
      case TYPE.chardev:
      case TYPE.blockdev:
      case TYPE.fifo: {
        const type = typeflag === TYPE.fifo ? S_IFIFO : typeflag === TYPE.chardev ? S_IFCHR : S_IFBLK;
        const number = (key: string, fallback: number) => {
          const n = parseDecimal(rec(key) ?? '');
          return n !== null && n <= 0xffffffff ? n : fallback;
        };
        const rdev = typeflag === TYPE.fifo ? 0 : makeDev(number(K.devMajor, h.devmajor), number(K.devMinor, h.devminor));
        inode = this.make(parts, false, (dir, name) => volume.mknod(ROOT, dir, name, type | 0o600, rdev));
        break;
      }
      default: {
        if (socket) {
          inode = this.make(parts, false, (dir, name) => volume.mknod(ROOT, dir, name, S_IFSOCK | 0o600));
          break;
        }
        inode = this.make(parts, false, (dir, name) => volume.mknod(ROOT, dir, name, S_IFREG | 0o600));
        if (inode !== null) await this.fileData(inode, member, sparse);
      }
    }
    if (inode === null) return;
    this.metadata(inode, h, pending, shown, rec);
  }

  /** Reads the sparse map of a GNU sparse entry (before anything is created), or null for a plain file. */
  private async sparseMap(
    oldSparse: OldSparse | null, pending: Pending, member: Member, rec: (key: string) => string | undefined,
  ): Promise<{ regions: Region[]; realSize: number } | null> {
    const major = rec(K.sparseMajor);
    const minor = rec(K.sparseMinor);
    const realText = rec(K.sparseRealsize) ?? rec(K.sparseSize);
    let regions: Region[];
    let realSize: number | null = realText === undefined ? null : parseDecimal(realText);
    if (major === '1' && minor === '0') {
      const parser = new SparseMapParser();
      try {
        while (!parser.done) {
          if (member.left === 0) throw new Error('sparse map runs past the data');
          const piece = await member.peek(4096);
          member.consume(parser.feed(piece));
        }
      } catch (e) {
        if (e instanceof SnapshotError) throw e;
        throw new EntryProblem((e as Error).message);
      }
      if (parser.padding > member.left) throw new EntryProblem('sparse map runs past the data');
      await member.skip(parser.padding);
      regions = parser.regions;
    } else if (major !== undefined) {
      throw new EntryProblem(`GNU sparse format ${major}.${minor ?? '?'} is not supported`);
    } else if (rec(K.sparseMap) !== undefined) {
      const map = parseSparseMap01(rec(K.sparseMap)!);
      if (map === null) throw new EntryProblem('malformed GNU.sparse.map');
      regions = map;
    } else if (pending.sparseOffsets.length > 0) {
      if (pending.sparseOffsets.length !== pending.sparseNumbytes.length) throw new EntryProblem('unpaired GNU.sparse.offset/numbytes');
      regions = pending.sparseOffsets.map((offset, i) => ({ offset, length: pending.sparseNumbytes[i]! }));
    } else if (oldSparse !== null) {
      if (oldSparse.malformed) throw new EntryProblem('malformed old GNU sparse map');
      regions = oldSparse.regions;
      realSize = oldSparse.realSize;
    } else {
      return null;
    }
    if (realSize === null) throw new EntryProblem('sparse file without a valid real size');
    if (realSize > MAX_FILE_SIZE) throw new EntryProblem(`sparse file size ${realSize} is too large`);
    const problem = checkSparseMap(regions, realSize, member.left);
    if (problem !== null) throw new EntryProblem(`bad sparse map: ${problem}`);
    return { regions, realSize };
  }

  /** Streams the member's bytes into the file, leaving holes for sparse regions and zero chunks. */
  private async fileData(inode: Inode, member: Member, sparse: { regions: Region[]; realSize: number } | null): Promise<void> {
    const data = inode.data!;
    const regions = sparse?.regions ?? [{ offset: 0, length: member.left }];
    for (const r of regions) {
      this.filler.start(data, r.offset);
      let left = r.length;
      while (left > 0) {
        const piece = await member.peek(left);
        this.filler.push(piece);
        member.consume(piece.length);
        left -= piece.length;
        this.progress.bytesDone = this.input.position;
        this.progress.tick();
      }
      this.filler.flush();
    }
    const size = sparse?.realSize ?? regions[0]!.length;
    if (data.size < size) data.truncate(size);
  }

  private hardLink(parts: string[], targetBytes: Uint8Array): void {
    const volume = this.volume!;
    const target = archivePathParts(targetBytes);
    if ('problem' in target) throw new EntryProblem(`hard link target ${target.problem}`);
    const inode = this.find(target.parts);
    if (inode === undefined) throw new EntryProblem(`hard link to unknown target ${showPath(targetBytes)}`);
    if (inode.isDir()) throw new EntryProblem('hard link to a directory');
    const parent = this.parent(parts);
    const existing = this.lookup(parent, parts[parts.length - 1]!);
    if (existing !== undefined && existing.inode === inode) return;
    this.make(parts, false, (dir, n) => {
      volume.link(ROOT, inode, dir, n);
      return inode;
    });
  }

  /** The inode at a path, following no symlinks. */
  private find(parts: string[]): Inode | undefined {
    let node: Inode = this.volume!.root;
    for (const part of parts) {
      const next = node.dir === null ? undefined : this.lookup(node, part)?.inode;
      if (next === undefined) return undefined;
      node = next;
    }
    return node;
  }

  /** The directory that will hold the last component; missing ones are made (as tar does), symlinks are never followed. */
  private parent(parts: string[]): Inode {
    const volume = this.volume!;
    let dir = volume.root;
    for (let i = 0; i < parts.length - 1; i++) {
      const existing = this.lookup(dir, parts[i]!);
      if (existing === undefined) {
        dir = volume.mkdir(ROOT, dir, this.freeName(dir, parts.slice(0, i + 1)), 0o755);
      } else if (existing.inode.isDir()) {
        dir = existing.inode;
      } else {
        throw new EntryProblem(`"${parts.slice(0, i + 1).join('/')}" is not a directory`);
      }
    }
    return dir;
  }

  /** Makes the last component; a later entry replaces an earlier non-directory of the same name. */
  private make(parts: string[], isDir: boolean, create: (dir: Inode, name: string) => Inode): Inode | null {
    const parent = this.parent(parts);
    const existing = this.lookup(parent, parts[parts.length - 1]!);
    if (existing !== undefined) {
      if (isDir && existing.inode.isDir()) return existing.inode;
      if (existing.inode.isDir()) throw new EntryProblem('would replace a directory');
      this.warnings.add(`${parts.join('/')}: appears more than once; the later entry wins`);
      this.volume!.unlink(ROOT, parent, existing.name);
      return create(parent, existing.name);
    }
    return create(parent, this.freeName(parent, parts));
  }

  /**
   * The entry an archive name means in dir. Only the very same name counts: on a case-insensitive
   * volume another name may fold onto it (a case-sensitive snapshot, or one from a volume that folded
   * differently), and that one is a different file.
   */
  private lookup(dir: Inode, name: string): DirEntry | undefined {
    const given = this.renamed.get(dir)?.get(name) ?? name;
    const entry = dir.dir!.get(given);
    return entry !== undefined && entry.name === given ? entry : undefined;
  }

  /** The name to create the last of parts under: itself, or a free one (with a warning) when the volume folds it onto another. */
  private freeName(dir: Inode, parts: string[]): string {
    const name = parts[parts.length - 1]!;
    const taken = dir.dir!.get(name);
    if (taken === undefined) return name;
    let free = name;
    for (let n = 2; dir.dir!.get(free) !== undefined; n++) free = withSuffix(name, `~case${n}`);
    let names = this.renamed.get(dir);
    if (names === undefined) this.renamed.set(dir, (names = new Map()));
    names.set(name, free);
    this.warnings.add(`${parts.join('/')}: the volume is case-insensitive and "${taken.name}" is the same name there; loaded as "${free}"`);
    return free;
  }

  private metadata(inode: Inode, h: ParsedHeader, pending: Pending, where: string, rec: (key: string) => string | undefined): void {
    const volume = this.volume!;
    const number = (key: string, fallback: number) => {
      const text = rec(key);
      if (text === undefined) return fallback;
      const n = parseDecimal(text);
      if (n === null || n > 0xffffffff) {
        this.warnings.once(`bad:${key}`, `malformed ${key} record ignored`);
        return fallback;
      }
      return n;
    };
    volume.setattr(ROOT, inode, { mode: h.mode & 0o7777, uid: number(K.uid, h.uid), gid: number(K.gid, h.gid) });

    for (const [name, value] of pending.xattrs) {
      try {
        this.setXattr(inode, name, value, where);
      } catch (e) {
        if (value instanceof FileData) value.free();
        if (!isFsError(e) || e.errno === Errno.ENOSPC) throw e;
        this.warnings.add(`${where}: xattr ${name} not kept (${e.message})`);
      }
    }
    pending.xattrs.clear();

    const dos = rec(K.dosAttributes);
    if (dos !== undefined) {
      const n = parseDecimal(dos);
      if (n === null || n > 0xffffffff) this.warnings.once('bad-dos', `malformed ${K.dosAttributes} ignored`);
      else inode.dosAttributes = n;
    }
    const fileFlags = rec(K.fileFlags);
    if (fileFlags !== undefined) {
      const n = parseDecimal(fileFlags);
      if (n === null || n > 0xffffffff) this.warnings.once('bad-fileflags', `malformed ${K.fileFlags} ignored`);
      else if (n !== 0) this.fileFlags.set(inode, n);
    }
    for (const [key, field] of [[K.securityDescriptor, 'securityDescriptor'], [K.reparseData, 'reparseData']] as const) {
      const text = rec(key);
      if (text === undefined) continue;
      const bytes = fromBase64(text);
      if (bytes === null) this.warnings.once(`bad:${key}`, `malformed ${key} ignored`);
      else inode[field] = bytes;
    }
    const eas = rec(K.eas);
    if (eas !== undefined) {
      const list = parseEas(eas);
      if (list === null) this.warnings.once('bad-eas', `malformed ${K.eas} ignored`);
      else inode.eas = new Map(list.map((ea) => [ea.name.toUpperCase(), ea]));
    }

    const time = (key: string): Timespec | undefined => {
      const text = rec(key);
      if (text === undefined) return undefined;
      const t = parseTime(text);
      if (t === null) this.warnings.once(`bad:${key}`, `malformed ${key} record ignored`);
      return t ?? undefined;
    };
    const mtime = time(K.mtime) ?? { sec: h.mtime, nsec: 0 };
    this.times.set(inode, {
      mtime,
      atime: time(K.atime) ?? mtime,
      ctime: time(K.ctime) ?? mtime,
      btime: time(K.birthtime) ?? mtime,
    });
    for (const key of pending.records.keys()) this.noteUnknown(key);
  }

  private setXattr(inode: Inode, name: string, value: Uint8Array | FileData, where: string): void {
    const volume = this.volume!;
    if (!name.startsWith('user.')) {
      const bytes = value instanceof FileData ? readAll(value) : value;
      volume.setxattr(inode, name, bytes);
      return;
    }
    // user.* is a named stream: create it empty, then give it the data (streams may exceed XATTR_SIZE_MAX).
    let streamName = name.slice(5);
    const taken = volume.stream(inode, streamName)?.name;
    if (taken !== undefined && taken !== streamName) {
      // Stream names fold as file names do: another stream of this file is the same name here.
      const wanted = streamName;
      for (let n = 2; volume.stream(inode, streamName) !== undefined; n++) streamName = withSuffix(wanted, `~case${n}`, NAME_MAX - 'user.'.length);
      this.warnings.add(`${where}: the volume is case-insensitive and stream "${taken}" is the same name as "${wanted}" there; loaded as "${streamName}"`);
      name = 'user.' + streamName;
    }
    const small = value instanceof Uint8Array && value.length <= XATTR_SIZE_MAX;
    volume.setxattr(inode, name, small ? value : new Uint8Array(0));
    if (small) return;
    const stream = volume.stream(inode, streamName)!;
    if (value instanceof FileData) {
      stream.data.free();
      stream.data = value;
    } else if (stream.data.write(0, value) !== value.length) {
      throw new SnapshotError('the snapshot does not fit in the volume (size limit reached)');
    }
  }

  private noteUnknown(key: string): void {
    if (KNOWN.has(key) || key.startsWith('GNU.sparse.')) return;
    if (key.startsWith('SCHILY.acl.')) {
      this.warnings.once('acl', 'POSIX ACLs (SCHILY.acl.*) are not kept: memefs has none');
      return;
    }
    this.warnings.once(`kw:${key}`, `unknown pax keyword ${key} ignored`);
  }
}

/** name + suffix, the name cut (never inside a character) so that the result fits in max bytes. */
function withSuffix(name: string, suffix: string, max = NAME_MAX): string {
  const chars = [...name];
  while (chars.length > 0 && nameByteLength(chars.join('') + suffix) > max) chars.pop();
  return chars.join('') + suffix;
}

/** Keywords read (or deliberately ignored) without a warning. */
const KNOWN = new Set<string>([
  K.path, K.linkpath, K.size, K.uid, K.gid, K.uname, K.gname, K.mtime, K.atime, K.ctime, K.hdrcharset,
  K.comment, K.charset, K.birthtime, K.filetype, K.devMajor, K.devMinor, K.dosAttributes, K.fileFlags, K.securityDescriptor,
  K.reparseData, K.eas, 'SCHILY.dev', 'SCHILY.ino', 'SCHILY.nlink', 'SCHILY.fflags', 'LIBARCHIVE.symlinktype',
]);

/** The bytes of one archive member, consumed exactly once whatever happens to its entry. */
class Member {
  left: number;
  constructor(private readonly input: Input, private readonly size: number) {
    this.left = size;
  }
  /** Fails at once when the archive cannot hold what the header declares. */
  check(): void {
    this.input.expect(this.size);
  }
  async peek(max: number): Promise<Uint8Array> {
    return this.input.peek(Math.min(max, this.left));
  }
  consume(n: number): void {
    this.input.consume(n);
    this.left -= n;
  }
  async skip(n: number): Promise<void> {
    await this.input.skip(n);
    this.left -= n;
  }
  async finish(): Promise<void> {
    if (this.left > 0) await this.input.skip(this.left);
    this.left = 0;
    await this.input.skipPadding(this.size);
  }
}

/**
 * Writes a file's bytes chunk by chunk, skipping chunks that are all zeros so
 * they stay holes (plain tars store holes as zeros).
 */
class FileFiller {
  private readonly stage = new Uint8Array(CHUNK_SIZE);
  private readonly words = new Uint32Array(this.stage.buffer);
  private data: FileData | null = null;
  private pos = 0;
  private used = 0;

  start(data: FileData, offset: number): void {
    this.data = data;
    this.pos = offset;
    this.used = 0;
  }

  push(bytes: Uint8Array): void {
    let off = 0;
    while (off < bytes.length) {
      const room = CHUNK_SIZE - ((this.pos + this.used) % CHUNK_SIZE);
      const n = Math.min(room, bytes.length - off, CHUNK_SIZE - this.used);
      this.stage.set(bytes.subarray(off, off + n), this.used);
      this.used += n;
      off += n;
      if ((this.pos + this.used) % CHUNK_SIZE === 0) this.flush();
    }
  }

  flush(): void {
    if (this.used === 0) return;
    if (!this.allZero()) {
      const piece = this.stage.subarray(0, this.used);
      if (this.data!.write(this.pos, piece) !== piece.length) {
        throw new SnapshotError('the snapshot does not fit in the volume (size limit reached)');
      }
    }
    this.pos += this.used;
    this.used = 0;
  }

  private allZero(): boolean {
    const whole = this.used >>> 2;
    for (let i = 0; i < whole; i++) if (this.words[i] !== 0) return false;
    for (let i = whole << 2; i < this.used; i++) if (this.stage[i] !== 0) return false;
    return true;
  }
}

function readAll(data: FileData): Uint8Array {
  const out = new Uint8Array(data.size);
  data.readInto(0, out);
  data.free();
  return out;
}

/** A hint when the first block looks like a compressed file (snapshots are plain tar). */
function compressionOf(block: Uint8Array): string | null {
  const starts = (...bytes: number[]) => bytes.every((b, i) => block[i] === b);
  const kind = starts(0x1f, 0x8b) ? 'gzip' : starts(0x28, 0xb5, 0x2f, 0xfd) ? 'zstd' : starts(0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00) ? 'xz' : starts(0x42, 0x5a, 0x68) ? 'bzip2' : null;
  return kind === null ? null : `: it is ${kind}-compressed; decompress it first`;
}

/** The path from the ustar prefix and name fields. */
function ustarPath(h: ParsedHeader): Uint8Array {
  if (h.prefix.length === 0) return h.name;
  const out = new Uint8Array(h.prefix.length + 1 + h.name.length);
  out.set(h.prefix);
  out[h.prefix.length] = 0x2f;
  out.set(h.name, h.prefix.length + 1);
  return out;
}

interface OldSparse {
  regions: Region[];
  realSize: number;
  malformed: boolean;
}

/** Old GNU sparse ('S'): four regions in the header, more in extension blocks that follow it. */
async function oldGnuSparseMap(raw: Uint8Array, input: Input): Promise<OldSparse> {
  const regions: Region[] = [];
  let malformed = false;
  const take = (block: Uint8Array, at: number, count: number) => {
    for (let i = 0; i < count; i++) {
      const off = at + i * 24;
      if (block[off] === 0) break;
      const offset = parseNumber(block, off, 12);
      const length = parseNumber(block, off + 12, 12);
      if (Number.isNaN(offset) || Number.isNaN(length)) malformed = true;
      else regions.push({ offset, length });
    }
  };
  take(raw, 386, 4);
  const realSize = parseNumber(raw, 483, 12);
  let extended = raw[482] !== 0;
  while (extended) {
    const block = await input.block();
    if (block === null) throw new SnapshotError('archive truncated inside a sparse header', input.position);
    if (regions.length > MAX_REGIONS) throw new SnapshotError('old GNU sparse map too long', input.position);
    take(block, 0, 21);
    extended = block[504] !== 0;
  }
  // Every extension block is read before the entry is judged, so the data that follows is skipped exactly.
  return { regions, realSize, malformed: malformed || Number.isNaN(realSize) };
}

/** A user.* xattr value streamed from the header into volume memory. */
class XattrSpool implements ValueSpool {
  /** Sized up front and written only where non-zero, so zeros in a stream stay holes as they were. */
  constructor(readonly data: FileData, size: number) {
    if (size > MAX_FILE_SIZE) throw new Error('xattr value too large');
    data.truncate(size);
  }
  write(pos: number, bytes: Uint8Array): void {
    let off = 0;
    while (off < bytes.length) {
      // One chunk of the stream at a time, so a zero chunk is skipped whatever the piece boundaries.
      const n = Math.min(bytes.length - off, CHUNK_SIZE - ((pos + off) % CHUNK_SIZE));
      const piece = bytes.subarray(off, off + n);
      if (!isZero(piece) && this.data.write(pos + off, piece) !== n) {
        throw new SnapshotError('the snapshot does not fit in the volume (size limit reached)');
      }
      off += n;
    }
  }
  discard(): void {
    this.data.free();
  }
}

function isZero(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== 0) return false;
  return true;
}
