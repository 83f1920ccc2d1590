/**
 * Streams a volume out as a POSIX pax archive (ustar headers plus pax extended
 * headers) that GNU tar and bsdtar can list and extract: hard links as link
 * entries, sparse files in GNU's pax format 1.0, xattrs (user.* named streams
 * included) as SCHILY.xattr.NAME, nanosecond times, and memefs's own facts
 * (birth time, Windows metadata, sockets, volume label) as extra keywords.
 *
 * The volume should be quiet while this runs (it awaits the sink between
 * pieces): a file that changes meanwhile is still written with exactly the
 * byte count its header declared, so the archive stays well-formed.
 */
import type { FileData } from '../../core/data.js';
import { S_IFBLK, S_IFCHR, S_IFDIR, S_IFIFO, S_IFLNK, S_IFREG, S_IFSOCK, type Inode } from '../../core/inode.js';
import { encodeName } from '../../core/names.js';
import type { Volume } from '../../core/volume.js';
import {
  K, FORMAT_VERSION, devMajor, devMinor, formatEas, formatTime, percentEncode, toBase64,
} from './keywords.js';
import { Output, RECORD_SIZE, type Sink } from './output.js';
import { encodeRecord, recordPrefix } from './pax-records.js';
import { ProgressTicker, type ProgressCallback } from './progress.js';
import { dataRegions, encodeSparseMap, storedBytes, type Region } from './sparse.js';
import { BLOCK, TYPE, encodeHeader, octalMax, splitUstarPath } from './ustar.js';

export interface WriteOptions {
  onProgress?: ProgressCallback;
}

export interface WriteResult {
  /** Archive bytes written. */
  bytes: number;
  /** Entries (names) written. */
  entries: number;
}

/** A pax record whose value is bytes in memory or a file's contents streamed from the volume. */
type Rec = { key: string; value: Uint8Array } | { key: string; stream: FileData };

const SIZE_MAX = octalMax(12);
const ID_MAX = octalMax(8);
const DEV_MAX = octalMax(8);
const PIECE = 1 << 20;
const utf8 = new TextDecoder('utf-8', { fatal: true });
const ascii = new TextEncoder();

export async function writeArchive(volume: Volume, sink: Sink, options: WriteOptions = {}): Promise<WriteResult> {
  const progress = new ProgressTicker('save', 0, options.onProgress);
  progress.bytesTotal = measure(volume);
  const out = new Output(sink);
  const writer = new EntryWriter(out, progress);
  await writer.global(volume);
  for (const { path, inode } of walk(volume)) {
    await writer.entry(path, inode);
    progress.entries++;
    progress.tick();
  }
  out.zeros(2 * BLOCK);
  out.pad(RECORD_SIZE);
  await out.flush();
  progress.finish();
  return { bytes: out.position, entries: progress.entries };
}

/** Every name of the volume, directories before what they hold, in listing order; iterative so depth costs no stack. */
function* walk(volume: Volume): Generator<{ path: Uint8Array; inode: Inode }> {
  yield { path: ascii.encode('./'), inode: volume.root };
  const stack: { prefix: Uint8Array; entries: { name: string; inode: Inode }[]; next: number }[] = [];
  const open = (prefix: Uint8Array, dir: Inode) => {
    stack.push({ prefix, entries: [...dir.dir!.entriesAfter(0)].map((e) => ({ name: e.name, inode: e.inode })), next: 0 });
  };
  open(new Uint8Array(0), volume.root);
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    if (top.next >= top.entries.length) {
      stack.pop();
      continue;
    }
    const { name, inode } = top.entries[top.next++]!;
    const path = concat(top.prefix, encodeName(name));
    if (inode.isDir() && inode.dir !== null) {
      const withSlash = concat(path, ascii.encode('/'));
      yield { path: withSlash, inode };
      open(withSlash, inode);
    } else {
      yield { path, inode };
    }
  }
}

/** Bytes of file data and streams the archive will carry, for progress. */
function measure(volume: Volume): number {
  let total = 0;
  const seen = new Set<Inode>();
  for (const { inode } of walk(volume)) {
    if (seen.has(inode)) continue;
    if (inode.nlink > 1) seen.add(inode);
    if (inode.data) total += storedBytes(dataRegions(inode.data));
    if (inode.streams) for (const s of inode.streams.values()) total += s.data.size;
  }
  return total;
}

class EntryWriter {
  /** First path written for each inode with more than one name. */
  private readonly linked = new Map<Inode, Uint8Array>();
  private sparseSerial = 0;

  constructor(private readonly out: Output, private readonly progress: ProgressTicker) {}

  async global(volume: Volume): Promise<void> {
    const recs: Rec[] = [
      text(K.version, FORMAT_VERSION),
      text(K.label, volume.label),
      text(K.caseInsensitive, volume.caseInsensitive ? '1' : '0'),
      text(K.serial, String(volume.serial)),
    ];
    await this.extendedHeader(TYPE.paxGlobal, ascii.encode('PaxGlobalHeader'), 0, recs);
  }

  async entry(path: Uint8Array, inode: Inode): Promise<void> {
    const first = this.linked.get(inode);
    if (first !== undefined) {
      await this.hardLink(path, first, inode);
      return;
    }
    if (!inode.isDir() && inode.nlink > 1) this.linked.set(inode, path);

    const recs: Rec[] = [];
    let typeflag: number;
    let linkname: Uint8Array = new Uint8Array(0);
    let rdev = 0;
    let regions: Region[] | null = null;
    let sparse = false;
    let memberSize = 0;
    switch (inode.type) {
      case S_IFDIR: typeflag = TYPE.dir; break;
      case S_IFLNK: typeflag = TYPE.symlink; linkname = encodeName(inode.target ?? ''); break;
      case S_IFCHR: typeflag = TYPE.chardev; rdev = inode.rdev; break;
      case S_IFBLK: typeflag = TYPE.blockdev; rdev = inode.rdev; break;
      case S_IFIFO: typeflag = TYPE.fifo; break;
      case S_IFSOCK: typeflag = TYPE.file; recs.push(text(K.filetype, 'socket')); break;
      case S_IFREG:
      default: {
        typeflag = TYPE.file;
        if (inode.data !== null) {
          regions = dataRegions(inode.data);
          const stored = storedBytes(regions);
          sparse = stored < inode.data.size;
          memberSize = stored;
        }
      }
    }

    let sparseMap: Uint8Array | null = null;
    let ustarPath = path;
    if (sparse) {
      sparseMap = encodeSparseMap(regions!, inode.data!.size);
      memberSize += sparseMap.length;
      recs.push(text(K.sparseMajor, '1'), text(K.sparseMinor, '0'));
      recs.push({ key: K.sparseName, value: path }, text(K.sparseRealsize, String(inode.data!.size)));
      ustarPath = concat(ascii.encode(`GNUSparseFile.${this.sparseSerial++}/`), basename(path));
    } else if (!fitsUstar(path)) {
      recs.push({ key: K.path, value: path });
    }
    if (linkname.length > 100 || !isAscii(linkname)) recs.push({ key: K.linkpath, value: linkname });
    if (!isUtf8(path) || !isUtf8(linkname)) recs.push(text(K.hdrcharset, 'BINARY'));
    if (memberSize > SIZE_MAX) recs.push(text(K.size, String(memberSize)));
    if (inode.uid > ID_MAX) recs.push(text(K.uid, String(inode.uid)));
    if (inode.gid > ID_MAX) recs.push(text(K.gid, String(inode.gid)));
    const major = rdev === 0 ? 0 : devMajor(rdev);
    const minor = rdev === 0 ? 0 : devMinor(rdev);
    // devMajor/devMinor split all 64 bits of a dev_t, so the pair always says it exactly.
    if (major > DEV_MAX || minor > DEV_MAX) recs.push(text(K.devMajor, String(major)), text(K.devMinor, String(minor)));

    recs.push(text(K.mtime, formatTime(inode.mtime)), text(K.atime, formatTime(inode.atime)), text(K.ctime, formatTime(inode.ctime)));
    recs.push(text(K.birthtime, formatTime(inode.btime)));
    this.xattrRecords(inode, recs);
    if (inode.dosAttributes !== 0) recs.push(text(K.dosAttributes, String(inode.dosAttributes)));
    if (inode.fileFlags !== 0) recs.push(text(K.fileFlags, String(inode.fileFlags)));
    if (inode.securityDescriptor !== null) recs.push(text(K.securityDescriptor, toBase64(inode.securityDescriptor)));
    if (inode.reparseData !== null) recs.push(text(K.reparseData, toBase64(inode.reparseData)));
    if (inode.eas !== null) recs.push(text(K.eas, formatEas(inode.eas.values())));

    await this.extendedHeader(TYPE.paxLocal, concat(ascii.encode('PaxHeaders/'), basename(path)), inode.mtime.sec, recs);
    const fields = fitFields(ustarPath);
    this.out.write(encodeHeader({
      ...fields,
      mode: inode.mode & 0o7777,
      uid: inode.uid > ID_MAX ? 0 : inode.uid,
      gid: inode.gid > ID_MAX ? 0 : inode.gid,
      size: memberSize > SIZE_MAX ? 0 : memberSize,
      mtime: clampTime(inode.mtime.sec),
      typeflag,
      linkname,
      devmajor: major > DEV_MAX ? 0 : major,
      devminor: minor > DEV_MAX ? 0 : minor,
    }));
    if (sparseMap !== null) this.out.write(sparseMap);
    if (regions !== null) for (const r of regions) await this.fileBytes(inode.data!, r.offset, r.length);
    this.out.pad();
    await this.out.drain();
  }

  /** A further name of an inode already written: a link entry (its header repeats the owner, mode and mtime for listings). */
  private async hardLink(path: Uint8Array, target: Uint8Array, inode: Inode): Promise<void> {
    const recs: Rec[] = [];
    if (!fitsUstar(path)) recs.push({ key: K.path, value: path });
    if (target.length > 100 || !isAscii(target)) recs.push({ key: K.linkpath, value: target });
    if (!isUtf8(path) || !isUtf8(target)) recs.push(text(K.hdrcharset, 'BINARY'));
    if (recs.length > 0) await this.extendedHeader(TYPE.paxLocal, concat(ascii.encode('PaxHeaders/'), basename(path)), 0, recs);
    this.out.write(encodeHeader({
      ...fitFields(path), mode: inode.mode & 0o7777, uid: inode.uid > ID_MAX ? 0 : inode.uid,
      gid: inode.gid > ID_MAX ? 0 : inode.gid, size: 0, mtime: clampTime(inode.mtime.sec),
      typeflag: TYPE.hardlink, linkname: target, devmajor: 0, devminor: 0,
    }));
  }

  /** xattrs as SCHILY.xattr.NAME; names a pax keyword cannot carry ("=", newline) as LIBARCHIVE.xattr.%NAME. */
  private xattrRecords(inode: Inode, recs: Rec[]): void {
    const add = (name: string, value: Uint8Array | FileData) => {
      if (/[=\n\0]/.test(name)) {
        const bytes = value instanceof Uint8Array ? value : readAll(value);
        if (!(value instanceof Uint8Array)) this.progress.bytesDone += bytes.length;
        recs.push(text(K.libarchiveXattr + percentEncode(encodeName(name)), toBase64(bytes)));
      } else if (value instanceof Uint8Array) {
        recs.push({ key: K.schilyXattr + name, value });
      } else {
        recs.push({ key: K.schilyXattr + name, stream: value });
      }
    };
    if (inode.streams) for (const s of inode.streams.values()) add('user.' + s.name, s.data);
    if (inode.xattrs) for (const [name, value] of inode.xattrs) add(name, value);
  }

  /** Writes an 'x' or 'g' header: a ustar block, then the records streamed, then padding. */
  private async extendedHeader(typeflag: number, name: Uint8Array, mtime: number, recs: Rec[]): Promise<void> {
    let size = 0;
    const prefixes = recs.map((r) => {
      const valueBytes = 'value' in r ? r.value.length : r.stream.size;
      const prefix = recordPrefix(r.key, valueBytes);
      size += prefix.length + valueBytes + 1;
      return prefix;
    });
    this.out.write(encodeHeader({
      name: name.subarray(0, 100), prefix: new Uint8Array(0), mode: 0o644, uid: 0, gid: 0,
      size, mtime: clampTime(mtime), typeflag, linkname: new Uint8Array(0), devmajor: 0, devminor: 0,
    }));
    for (let i = 0; i < recs.length; i++) {
      const r = recs[i]!;
      this.out.write(prefixes[i]!);
      if ('value' in r) this.out.write(r.value);
      else await this.fileBytes(r.stream, 0, r.stream.size);
      this.out.write(NEWLINE);
    }
    this.out.pad();
  }

  /** Exactly `length` bytes of a file from `offset`, zeros where it has shrunk since it was measured. */
  private async fileBytes(data: FileData, offset: number, length: number): Promise<void> {
    let done = 0;
    while (done < length) {
      const n = Math.min(PIECE, length - done);
      let got = 0;
      for (const part of data.read(offset + done, n)) {
        this.out.write(part);
        got += part.length;
      }
      if (got < n) this.out.zeros(n - got);
      done += n;
      await this.out.drain();
      this.progress.bytesDone += n;
      this.progress.tick();
    }
  }
}

const NEWLINE = Uint8Array.of(0x0a);

function text(key: string, value: string): Rec {
  return { key, value: encodeText(value) };
}

/** UTF-8 bytes of a string; most values are short ASCII (numbers, times), which skip the encoder. */
function encodeText(value: string): Uint8Array {
  const out = new Uint8Array(value.length);
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 0x80) return ascii.encode(value);
    out[i] = c;
  }
  return out;
}

function readAll(data: FileData): Uint8Array {
  const out = new Uint8Array(data.size);
  data.readInto(0, out);
  return out;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** The last component of a path (a directory's keeps its slash off). */
function basename(path: Uint8Array): Uint8Array {
  let end = path.length;
  if (end > 0 && path[end - 1] === 0x2f) end--;
  const slash = path.lastIndexOf(0x2f, end - 1);
  return path.subarray(slash + 1, end).slice(0, 90);
}

function isAscii(bytes: Uint8Array): boolean {
  for (const b of bytes) if (b >= 0x80) return false;
  return true;
}

function isUtf8(bytes: Uint8Array): boolean {
  if (isAscii(bytes)) return true;
  try {
    utf8.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** Whether the ustar fields hold the path exactly (else a pax path record says it). */
function fitsUstar(path: Uint8Array): boolean {
  return isAscii(path) && splitUstarPath(path) !== null;
}

/** The ustar name and prefix: the exact path when it fits, else its first bytes (pax `path` has the truth). */
function fitFields(path: Uint8Array): { name: Uint8Array; prefix: Uint8Array } {
  return splitUstarPath(path) ?? { name: path.subarray(0, 100), prefix: new Uint8Array(0) };
}

function clampTime(sec: number): number {
  return Math.min(Math.max(0, sec), octalMax(12));
}
