/**
 * Reads a FAT image into a tree, noting everything that is wrong on the way
 * (the same findings back the loader's warnings, `checkFat` and the dump).
 *
 * Hostile images are expected. The work is bounded: every cluster can be
 * claimed by one chain only, so loops, cross-links and directories that
 * contain themselves end the walk of that chain; data outside the image reads
 * as absent (never allocated).
 *
 * The image is read in parts (an ImageSource): only the boot sector, the FAT
 * copy used and the directories are held. Read from bytes in memory, file
 * data comes back as views of them; read from a file, as ContentSources that
 * read their clusters when copied (loading and extracting never hold the image).
 * Names are made safe for a POSIX directory ("/", NUL, control characters,
 * "." and ".." never come out).
 */
import {
  clusterOffset, flagsOffset, geometryOf, parseBootSector, parseFsInfo, FSINFO_LEAD, FSINFO_STRUCT, FSINFO_TRAIL,
  NO_NAME, UNKNOWN, type BootSector, type FsInfo, type Geometry,
} from './bootsector.js';
import {
  ATTR_DIRECTORY, ATTR_KEPT, ATTR_VOLUME_ID, DELETED, END, ENTRY_SIZE, decodeShortEntry, type ShortEntry,
} from './dirent.js';
import { fromDosStamp } from './dostime.js';
import { fatKey } from './names.js';
import { isLfnSlot, lfnChecksum, parseLfnSlot, unitsToName, LFN_LAST } from './lfn.js';
import { name11FromBytes, displayName11, readShortName, isShortNameChar, type CodePage } from './shortname.js';
import { readClamped, sourceOf, type ImageSource } from './source.js';
import { cleanBits, FatTable } from './table.js';
import { newRoot, sizeOf, type ContentSource, type FatDirectory, type FatNode, type FatTree } from './tree.js';

export interface ScanOptions {
  /** Keep a record of every directory entry and chain (for the dump). */
  records?: boolean;
  /** Stop listing problems after this many (the count of the rest is still given). */
  maxProblems?: number;
  /** How high bytes in short names read (default: DEFAULT_CODEPAGE). */
  codepage?: CodePage;
}

export type EntryKind = 'lfn' | 'short' | 'dot' | 'label' | 'deleted' | 'end';

export interface EntryRecord {
  /** Path of the directory holding the entry ('/' for the root). */
  dir: string;
  /** Index of the 32-byte entry in the directory. */
  index: number;
  kind: EntryKind;
  raw: Uint8Array;
  /** The full path the entry names, for files and directories. */
  path?: string;
  /** Clusters of the file or directory, in chain order. */
  chain?: number[];
  /** What is wrong or notable about this entry. */
  note?: string;
}

export interface FatScan {
  bootSector: BootSector;
  geometry: Geometry;
  fsInfo: FsInfo | null;
  tree: FatTree;
  problems: string[];
  /** Clusters in use according to the walk, and free according to the FAT. */
  usedClusters: number;
  freeClusters: number;
  records: EntryRecord[];
  /** Directory chains by path (root included on FAT32). */
  directoryChains: Map<string, number[]>;
}

const CLAIM_NONE = 0;
/** Other FAT copies are compared with the one used in pieces of this size. */
const COMPARE_PIECE = 1 << 20;

/** Scans an image; throws only when it is not a FAT volume at all. */
export function scanFat(image: Uint8Array | ImageSource, options: ScanOptions = {}): FatScan {
  const source = sourceOf(image);
  const { bootSector, geometry } = readBootSector(source);
  return new Scanner(source, image instanceof Uint8Array, bootSector, geometry, options).run();
}

/** The boot sector and geometry of an image; throws when it is not a FAT volume. */
export function readBootSector(image: Uint8Array | ImageSource): { bootSector: BootSector; geometry: Geometry } {
  if (image.length < 512) throw new Error(`not a FAT image: only ${image.length} bytes (a boot sector alone is 512)`);
  const bootSector = parseBootSector(sourceOf(image).read(0, 512));
  return { bootSector, geometry: geometryOf(bootSector) };
}

/** The tree and the findings of an image, for loading. */
export function readFat(image: Uint8Array | ImageSource): { tree: FatTree; warnings: string[] } {
  const scan = scanFat(image);
  return { tree: scan.tree, warnings: scan.problems };
}

interface PendingLfn {
  count: number;
  next: number;
  checksum: number;
  units: number[][];
  firstIndex: number;
}

interface DirJob {
  node: FatDirectory;
  path: string;
  /** First cluster (0 for a FAT12/16 root). */
  cluster: number;
  parentCluster: number;
}

class Scanner {
  private readonly problems: string[] = [];
  private hidden = 0;
  private readonly maxProblems: number;
  private readonly fat: FatTable;
  /** Which walk claimed each cluster: 0 none, else an index into `owners`. */
  private readonly claims: Uint32Array;
  private readonly owners: string[] = [''];
  private readonly records: EntryRecord[] = [];
  private readonly directoryChains = new Map<string, number[]>();
  /** Per directory: the next "~dupN" number to try for a repeated name. */
  private dupNext = new Map<string, number>();
  private readonly maxCluster: number;
  /** Which FAT copy is read (0 = FAT #1). */
  private readonly fatIndex: number;
  private used = 0;

  constructor(
    private readonly image: ImageSource,
    /** The image is bytes in memory: file data is returned as views of them. */
    private readonly inMemory: boolean,
    private readonly bs: BootSector,
    private readonly g: Geometry,
    private readonly options: ScanOptions,
  ) {
    this.maxProblems = options.maxProblems ?? 1000;
    // FAT32 may disable mirroring and name one active FAT (ExtFlags bit 7, number in bits 0-3).
    const mirrored = !(g.fatType === 32 && (bs.extFlags & 0x80) !== 0);
    const active = !mirrored && (bs.extFlags & 0x0f) < g.numFats ? bs.extFlags & 0x0f : 0;
    this.fatIndex = mirrored ? chooseFatCopy(image, g) : active;
    // The one copy held, only the entries the clusters need (a FAT may be declared far larger): 4 bytes a cluster at most.
    this.fat = fatCopy(image, g, this.fatIndex, g.clusterCount + 2);
    this.maxCluster = Math.min(g.clusterCount + 1, this.fat.capacity - 1);
    this.claims = new Uint32Array(Math.max(0, this.maxCluster + 1));
  }

  private problem(text: string): void {
    if (this.problems.length < this.maxProblems) this.problems.push(text);
    else this.hidden++;
  }

  run(): FatScan {
    const { image, bs, g } = this;
    const expected = g.totalSectors * g.bytesPerSector;
    if (bs.signature !== 0xaa55) this.problem(`boot sector signature is 0x${bs.signature.toString(16)}, not 0xaa55`);
    if (image.length < expected) this.problem(`image is truncated: ${image.length} bytes of ${expected}; the rest reads as missing`);
    if (g.clusterCount + 2 > this.fat.capacity) this.problem(`FAT holds ${this.fat.capacity} entries but the volume has ${g.clusterCount} clusters`);
    if (g.fatType === 32 && g.clusterCount < 65525) {
      this.problem(`FAT32 volume with only ${g.clusterCount} clusters (fewer than 65525): some systems will take it for FAT16`);
    }
    this.checkFatHeader();
    this.compareFatCopies();
    const fsInfo = g.fatType === 32 ? this.readFsInfo() : null;
    if (g.fatType === 32) this.checkBackupBoot();

    const tree: FatTree = { label: '', root: newRoot(), volumeId: bs.volumeId };
    const bsLabel = bs.bootSignature === 0x29 ? bs.volumeLabel : NO_NAME;
    let rootLabel: string | null = null;
    const jobs: DirJob[] = [{ node: tree.root, path: '/', cluster: g.rootCluster, parentCluster: 0 }];
    while (jobs.length > 0) {
      const job = jobs.pop()!;
      const found = this.readDirectory(job, jobs);
      if (job.path === '/' && found !== null) rootLabel = found;
    }
    if (rootLabel !== null) {
      tree.label = rootLabel.trimEnd();
      // mlabel keeps the case in the boot sector and uppercases the directory entry: only a different name is a problem.
      if (bsLabel.toUpperCase() !== rootLabel.toUpperCase() && bs.bootSignature === 0x29) {
        this.problem(`volume label in the boot sector ("${bsLabel.trimEnd()}") differs from the root directory's ("${rootLabel.trimEnd()}")`);
      }
    } else if (bsLabel !== NO_NAME && bsLabel.trim() !== '') {
      tree.label = bsLabel.trimEnd();
      this.problem(`volume label "${bsLabel.trimEnd()}" is in the boot sector but not in the root directory`);
    }

    const free = this.countFreeAndLost();
    if (fsInfo && fsInfo.freeCount !== UNKNOWN && fsInfo.freeCount !== free) {
      this.problem(`FSInfo free cluster count is ${fsInfo.freeCount}, the FAT says ${free}`);
    }
    if (this.hidden > 0) this.problems.push(`... and ${this.hidden} more problems`);
    return {
      bootSector: bs, geometry: g, fsInfo, tree, problems: this.problems,
      usedClusters: this.used, freeClusters: free, records: this.records, directoryChains: this.directoryChains,
    };
  }

  private checkFatHeader(): void {
    const { fat, bs, g } = this;
    if (fat.capacity < 2) return;
    if ((fat.get(0) & 0xff) !== bs.media) this.problem(`FAT[0] is 0x${fat.get(0).toString(16)}, its low byte should be the media byte 0x${bs.media.toString(16)}`);
    const { clean } = cleanBits(g.fatType);
    if (clean !== 0 && (fat.rawEntry1() & clean) === 0) this.problem('volume was not unmounted cleanly (clean-shutdown bit in FAT[1] is clear)');
    if ((this.image.read(flagsOffset(g.fatType), 1)[0]! & 1) !== 0) this.problem('dirty bit is set in the boot sector');
  }

  private compareFatCopies(): void {
    const { image, g } = this;
    const len = g.fatSectors * g.bytesPerSector;
    const first = g.reservedSectors * g.bytesPerSector;
    if (g.fatType === 32 && (this.bs.extFlags & 0x80) !== 0) return; // not mirrored: copies may differ
    const used = this.fatIndex;
    if (used !== 0) this.problem(`FAT #1 is damaged (its first entry does not hold the media byte); FAT #${used + 1} is used, as fsck.fat does`);
    for (let n = 0; n < g.numFats; n++) {
      const start = first + n * len;
      if (n === used || start >= image.length) continue;
      let diff = 0;
      const end = Math.min(start + len, image.length);
      // Whole copies, compared in pieces (bytes of the copy used past the image's end read as 0).
      for (let piece = start; piece < end; piece += COMPARE_PIECE) {
        const other = image.read(piece, Math.min(COMPARE_PIECE, end - piece));
        const mine = readClamped(image, first + used * len + (piece - start), other.length);
        for (let i = 0; i < other.length; i++) if (other[i] !== (i < mine.length ? mine[i] : 0)) diff++;
      }
      if (diff > 0) this.problem(`FAT #${n + 1} differs from FAT #${used + 1} in ${diff} bytes (FAT #${used + 1} is used)`);
    }
  }

  private readFsInfo(): FsInfo | null {
    const { bs, g, image } = this;
    if (bs.fsInfoSector === 0 || bs.fsInfoSector === 0xffff) {
      this.problem(`FAT32 volume has no FSInfo sector (field is 0x${bs.fsInfoSector.toString(16)}); a save writes one`);
      return null;
    }
    if (bs.fsInfoSector >= g.reservedSectors) {
      this.problem(`FSInfo sector ${bs.fsInfoSector} is outside the reserved area; a save writes one inside it`);
      return null;
    }
    const info = parseFsInfo(readClamped(image, bs.fsInfoSector * g.bytesPerSector, 512));
    if (info.leadSignature !== FSINFO_LEAD || info.structSignature !== FSINFO_STRUCT || info.trailSignature !== FSINFO_TRAIL) {
      this.problem('FSInfo sector has wrong signatures');
      return null;
    }
    if (info.nextFree !== UNKNOWN && (info.nextFree < 2 || info.nextFree > g.clusterCount + 1)) {
      this.problem(`FSInfo next free cluster ${info.nextFree} is out of range`);
    }
    return info;
  }

  private checkBackupBoot(): void {
    const { bs, g, image } = this;
    if (bs.backupBootSector === 0 || bs.backupBootSector === 0xffff) return;
    if (bs.backupBootSector >= g.reservedSectors) {
      this.problem(`backup boot sector ${bs.backupBootSector} is outside the reserved area`);
      return;
    }
    const boot = image.read(0, 512);
    const backup = readClamped(image, bs.backupBootSector * g.bytesPerSector, 512);
    for (let i = 0; i < 512; i++) {
      if (boot[i] !== backup[i]) {
        this.problem('backup boot sector differs from the boot sector');
        return;
      }
    }
  }

  private inRange(c: number): boolean {
    return c >= 2 && c <= g2max(this.g);
  }

  /**
   * Follows a chain from `start`, claiming each cluster for `owner`. Ends at
   * the end-of-chain mark, or early (with a problem) at a free, bad,
   * out-of-range or already claimed cluster: no chain is ever walked twice.
   */
  private walk(start: number, owner: string, limitClusters = Infinity): number[] {
    const chain: number[] = [];
    if (!this.inRange(start)) {
      this.problem(`${owner}: starts at cluster ${start}, outside the data area`);
      return chain;
    }
    const id = this.owners.push(owner) - 1;
    let c = start;
    for (;;) {
      if (c > this.maxCluster) {
        this.problem(`${owner}: cluster ${c} has no FAT entry in the image`);
        break;
      }
      const prior = this.claims[c]!;
      if (prior !== CLAIM_NONE) {
        this.problem(prior === id ? `${owner}: chain loops back to cluster ${c}` : `${owner}: cross-linked with ${this.owners[prior]} at cluster ${c}`);
        break;
      }
      if (chain.length >= limitClusters) break;
      this.claims[c] = id;
      this.used++;
      chain.push(c);
      const next = this.fat.get(c);
      if (this.fat.isEoc(next)) break;
      if (next === 0) { this.problem(`${owner}: chain ends in free cluster after ${c}`); break; }
      if (this.fat.isBad(next)) { this.problem(`${owner}: chain runs into a bad cluster after ${c}`); break; }
      if (!this.inRange(next)) { this.problem(`${owner}: cluster ${c} points outside the data area (${next})`); break; }
      c = next;
    }
    return chain;
  }

  /** Bytes of the chain's clusters the image holds, up to `limit`. */
  private available(chain: number[], limit: number): number {
    const cb = this.g.clusterBytes;
    let available = 0;
    for (const c of chain) {
      const off = clusterOffset(this.g, c);
      if (off >= this.image.length || available >= limit) break;
      available += Math.min(cb, this.image.length - off);
    }
    return Math.min(limit, available);
  }

  /**
   * The bytes of the clusters (only what the image holds); `limit` caps the length. From an image in memory,
   * clusters in a row (the usual layout) come back as a view of it, not a copy: readers must not write to it.
   */
  private readClusters(chain: number[], limit: number): Uint8Array {
    const length = this.available(chain, limit);
    if (length > 0 && inRow(chain, Math.ceil(length / this.g.clusterBytes))) {
      return this.image.read(clusterOffset(this.g, chain[0]!), length);
    }
    const out = new Uint8Array(length);
    chainReader(this.image, this.g, chain, length).readInto(0, out);
    return out;
  }

  /** A file's data: bytes from an image in memory, else a source that reads the clusters when copied. */
  private fileData(chain: number[], size: number): Uint8Array | ContentSource {
    return this.inMemory ? this.readClusters(chain, size) : chainReader(this.image, this.g, chain, this.available(chain, size));
  }

  private record(r: EntryRecord): void {
    if (this.options.records) this.records.push(r);
  }

  /** Reads one directory into `job.node`, queueing subdirectories; returns the root's label entry if any. */
  private readDirectory(job: DirJob, jobs: DirJob[]): string | null {
    const { g } = this;
    let bytes: Uint8Array;
    if (job.path === '/' && g.fatType !== 32) {
      bytes = readClamped(this.image, (g.reservedSectors + g.numFats * g.fatSectors) * g.bytesPerSector, g.rootEntries * ENTRY_SIZE);
    } else {
      const chain = this.walk(job.cluster, `directory ${job.path}`);
      this.directoryChains.set(job.path, chain);
      bytes = this.readClusters(chain, chain.length * g.clusterBytes);
    }
    const isRoot = job.path === '/';
    const fat32 = g.fatType === 32;
    const taken = new Set<string>();
    this.dupNext = new Map();
    let label: string | null = null;
    let lfn: PendingLfn | null = null;
    const count = Math.floor(bytes.length / ENTRY_SIZE);
    let dots = 0;
    if (count > 65536) this.problem(`directory ${job.path} has ${count} entries, more than FAT allows (65536)`);
    const dropLfn = (why: string) => {
      if (lfn) this.problem(`${job.path}: long-name slots at entry ${lfn.firstIndex} ${why}; ignored`);
      lfn = null;
    };
    for (let i = 0; i < count; i++) {
      const off = i * ENTRY_SIZE;
      const raw = bytes.subarray(off, off + ENTRY_SIZE);
      const first = raw[0]!;
      if (first === END) {
        dropLfn('are not followed by a short entry');
        this.record({ dir: job.path, index: i, kind: 'end', raw });
        break;
      }
      if (first === DELETED) {
        dropLfn('are interrupted by a deleted entry');
        this.record({ dir: job.path, index: i, kind: 'deleted', raw });
        continue;
      }
      if (isLfnSlot(raw)) {
        const slot = parseLfnSlot(raw);
        let note: string | undefined;
        if (slot.last) {
          dropLfn('are not followed by a short entry');
          if (slot.ordinal < 1 || slot.ordinal > 20) note = `bad ordinal ${slot.ordinal}`;
          else lfn = { count: slot.ordinal, next: slot.ordinal - 1, checksum: slot.checksum, units: [slot.units], firstIndex: i };
        } else {
          const p = lfn as PendingLfn | null;
          if (p && slot.ordinal === p.next && p.next >= 1 && slot.checksum === p.checksum) {
            p.units.push(slot.units);
            p.next--;
          } else {
            dropLfn('are out of sequence');
            note = `slot ${slot.ordinal} outside a set`;
            this.problem(`${job.path}: long-name slot at entry ${i} (ordinal ${slot.ordinal}) is outside a set; ignored`);
          }
        }
        if (note && slot.last) this.problem(`${job.path}: long-name slot at entry ${i} has ${note}; ignored`);
        this.record({ dir: job.path, index: i, kind: 'lfn', raw, note });
        continue;
      }
      const e = decodeShortEntry(raw, 0, fat32);
      const name11 = name11FromBytes(e.name);
      if ((e.attr & ATTR_VOLUME_ID) !== 0 && (e.attr & ATTR_DIRECTORY) === 0) {
        // mlabel keeps a mixed-case label in a long-name slot before the label entry (and as given in the boot sector).
        const p = lfn as PendingLfn | null;
        const longLabel = p && p.next === 0 && p.checksum === lfnChecksum(e.name) ? unitsToName(p.units.reverse().flat()) : null;
        const mixedCase = longLabel !== null && longLabel.toUpperCase() === name11.trimEnd();
        if (mixedCase) lfn = null;
        else dropLfn('precede a volume label');
        if (isRoot && label === null) label = mixedCase ? longLabel.padEnd(11, ' ') : name11;
        else this.problem(`${job.path}: extra volume label entry "${name11.trimEnd()}" at entry ${i}`);
        this.record({ dir: job.path, index: i, kind: 'label', raw });
        continue;
      }
      if (name11 === '.          ' || name11 === '..         ') {
        dropLfn('precede a dot entry');
        this.checkDot(job, i, name11, e);
        dots++;
        this.record({ dir: job.path, index: i, kind: 'dot', raw });
        continue;
      }
      const pending = lfn as PendingLfn | null;
      lfn = null;
      let longName: string | null = null;
      let note: string | undefined;
      if (pending) {
        if (pending.next !== 0) {
          this.problem(`${job.path}: long name at entry ${pending.firstIndex} is missing slots; short name used`);
          note = 'incomplete long name';
        } else if (pending.checksum !== lfnChecksum(e.name)) {
          this.problem(`${job.path}: long name at entry ${pending.firstIndex} has checksum 0x${pending.checksum.toString(16)}, the short name "${displayName11(name11)}" needs 0x${lfnChecksum(e.name).toString(16)}; short name used`);
          note = 'long-name checksum mismatch';
        } else {
          longName = unitsToName(pending.units.reverse().flat());
        }
      }
      for (let k = 0; k < 11; k++) {
        const c = e.name[k]!;
        if (k === 0 && c === 0x05) continue;
        if (!isShortNameChar(c) && !(c >= 0x61 && c <= 0x7a)) {
          this.problem(`${job.path}: short name "${displayName11(name11)}" at entry ${i} has an invalid character 0x${c.toString(16)}`);
          break;
        }
      }
      const shown = longName ?? readShortName(e.name, 0, e.ntRes, this.options.codepage);
      const name = this.safeName(shown, job.path, taken, name11);
      const path = job.path === '/' ? `/${name}` : `${job.path}/${name}`;
      const node = this.entryNode(e, name, name11, path, job, jobs, i, raw, note);
      if (node) job.node.children.push(node);
    }
    dropLfn('end the directory');
    if (!isRoot && dots < 2) this.problem(`${job.path}: "." or ".." entry is missing`);
    return label;
  }

  private checkDot(job: DirJob, index: number, name11: string, e: ShortEntry): void {
    if (job.path === '/') {
      this.problem(`root directory has a "${name11.trim()}" entry`);
      return;
    }
    if (name11 === '.          ') {
      if (index !== 0) this.problem(`${job.path}: "." is entry ${index}, not the first`);
      if (e.cluster !== job.cluster) this.problem(`${job.path}: "." points to cluster ${e.cluster}, not its own ${job.cluster}`);
    } else {
      if (index !== 1) this.problem(`${job.path}: ".." is entry ${index}, not the second`);
      const want = job.parentCluster === this.g.rootCluster ? 0 : job.parentCluster;
      if (e.cluster !== want && !(want === 0 && e.cluster === this.g.rootCluster && this.g.fatType === 32)) {
        this.problem(`${job.path}: ".." points to cluster ${e.cluster}, not the parent's ${want}`);
      }
    }
  }

  /** A name that is safe to create in a POSIX directory and unique in this one. */
  private safeName(name: string, dir: string, taken: Set<string>, name11: string): string {
    let safe = '';
    for (let i = 0; i < name.length; i++) {
      const c = name.charCodeAt(i);
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < name.length) {
        const d = name.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) { safe += name[i]! + name[i + 1]!; i++; continue; }
      }
      if (c < 0x20 || c === 0x7f || c === 0x2f) safe += '_';
      else if (c >= 0xd800 && c <= 0xdfff) safe += '\ufffd';
      else safe += name[i]!;
    }
    if (safe === '' || safe === '.' || safe === '..') safe = displayName11(name11).replace(/[\x00-\x1f/]/g, '_') || '_';
    if (safe === '.' || safe === '..') safe = safe.replace(/\./g, '_');
    if (safe !== name) this.problem(`${dir}: name ${JSON.stringify(name)} is not a usable file name; read as ${JSON.stringify(safe)}`);
    let unique = safe;
    const key = fatKey(safe);
    if (taken.has(key)) {
      // Resume numbering where the last duplicate of this name stopped: thousands of copies stay linear.
      let n = this.dupNext.get(key) ?? 2;
      while (taken.has(fatKey(unique = `${safe}~dup${n}`))) n++;
      this.dupNext.set(key, n + 1);
      this.problem(`${dir}: name ${JSON.stringify(safe)} appears twice; the second is read as ${JSON.stringify(unique)}`);
    }
    taken.add(fatKey(unique));
    return unique;
  }

  private entryNode(
    e: ShortEntry, name: string, name11: string, path: string, job: DirJob, jobs: DirJob[], index: number, raw: Uint8Array, note?: string,
  ): FatNode | null {
    const times = {
      created: fromDosStamp(e.createDate, e.createTime, e.createTenths) ?? undefined,
      modified: fromDosStamp(e.writeDate, e.writeTime) ?? undefined,
      accessed: fromDosStamp(e.accessDate) ?? undefined,
    };
    const attributes = e.attr & ATTR_KEPT;
    // Kept so that an untouched round trip writes the same bytes (a local time in a DST gap reads as another hour).
    const stamps = {
      times: { ...times },
      created: { date: e.createDate, time: e.createTime, tenths: e.createTenths },
      modified: { date: e.writeDate, time: e.writeTime, tenths: 0 },
      accessDate: e.accessDate,
    };
    if ((e.attr & ATTR_DIRECTORY) !== 0) {
      if (e.cluster === 0 || (this.g.fatType === 32 && e.cluster === this.g.rootCluster)) {
        this.problem(`${path}: directory ${e.cluster === 0 ? 'has no cluster' : 'points at the root directory'}; read as empty`);
        this.record({ dir: job.path, index, kind: 'short', raw, path, chain: [], note: note ?? 'directory without its own cluster' });
        return { kind: 'dir', name, attributes, shortName: name11, stamps, ...times, children: [] };
      }
      const node: FatDirectory = { kind: 'dir', name, attributes, shortName: name11, stamps, ...times, children: [] };
      if (this.inRange(e.cluster) && e.cluster <= this.maxCluster && this.claims[e.cluster] !== CLAIM_NONE) {
        this.problem(`${path}: directory starts at cluster ${e.cluster}, already used by ${this.owners[this.claims[e.cluster]!]}; read as empty`);
        this.record({ dir: job.path, index, kind: 'short', raw, path, chain: [], note: 'directory loop or cross-link' });
        return node;
      }
      jobs.push({ node, path, cluster: e.cluster, parentCluster: job.cluster });
      this.record({ dir: job.path, index, kind: 'short', raw, path, note });
      return node;
    }
    let size = e.size;
    let data: Uint8Array | ContentSource = new Uint8Array(0);
    let chain: number[] = [];
    if (e.cluster === 0) {
      if (size !== 0) this.problem(`${path}: size ${size} but no clusters; read as empty`);
    } else {
      const cb = this.g.clusterBytes;
      const need = Math.ceil(size / cb);
      if (size === 0) this.problem(`${path}: empty file with start cluster ${e.cluster}`);
      chain = this.walk(e.cluster, path);
      if (chain.length < need) {
        this.problem(`${path}: size ${size} but its chain holds ${chain.length} clusters (${chain.length * cb} bytes); truncated`);
        size = chain.length * cb;
      } else if (chain.length > need && size > 0) {
        this.problem(`${path}: chain of ${chain.length} clusters is longer than the size ${size} needs (${need})`);
      }
      data = this.fileData(chain, size);
      if (sizeOf(data) < size) {
        this.problem(`${path}: data runs past the end of the image; truncated to ${sizeOf(data)} bytes`);
      }
    }
    this.record({ dir: job.path, index, kind: 'short', raw, path, chain, note });
    return { kind: 'file', name, attributes, shortName: name11, stamps, ...times, data };
  }

  /** Free clusters per the FAT, and a problem for allocated clusters no chain reaches. */
  private countFreeAndLost(): number {
    let free = 0;
    let lost = 0;
    const g = this.g;
    for (let c = 2; c <= g.clusterCount + 1; c++) {
      if (c > this.maxCluster) { free += g.clusterCount + 1 - c + 1; break; }
      const v = this.fat.get(c);
      if (v === 0) free++;
      else if (!this.fat.isBad(v) && this.claims[c] === CLAIM_NONE) lost++;
    }
    // The dump's FAT section lists the lost chains one by one.
    if (lost > 0) this.problem(`${lost} allocated clusters belong to no file (lost chains)`);
    return free;
  }
}

/** The first `entries` entries of FAT copy `n` as the image holds them: entries past its end read as free. */
export function fatCopy(image: ImageSource, g: Geometry, n: number, entries: number): FatTable {
  const start = (g.reservedSectors + n * g.fatSectors) * g.bytesPerSector;
  const bytes = g.fatType === 12 ? Math.ceil((entries * 3) / 2) : entries * (g.fatType / 8);
  return new FatTable(g.fatType, readClamped(image, start, Math.min(bytes, g.fatSectors * g.bytesPerSector)));
}

/**
 * The copy to read, as fsck.fat chooses: a copy is intact when FAT[0] has
 * every bit above the media byte set; FAT #1 unless it is damaged and
 * another copy is not.
 */
export function chooseFatCopy(image: ImageSource, g: Geometry): number {
  const extd = g.fatType === 12 ? 0xf00 : g.fatType === 16 ? 0xff00 : 0x0fffff00;
  const intact = (n: number) => { const t = fatCopy(image, g, n, 2); return t.capacity >= 2 && (t.get(0) & extd) === extd; };
  if (intact(0)) return 0;
  for (let n = 1; n < g.numFats; n++) if (intact(n)) return n;
  return 0;
}

/** Whether the first `count` clusters of the chain lie in a row. */
function inRow(chain: number[], count: number): boolean {
  for (let i = 1; i < count; i++) if (chain[i] !== chain[0]! + i) return false;
  return true;
}

/** The first `length` bytes of a chain's clusters, read when asked: clusters in a row are read in one call. */
function chainReader(image: ImageSource, g: Geometry, chain: number[], length: number): ContentSource {
  const cb = g.clusterBytes;
  return {
    size: length,
    readInto(pos: number, target: Uint8Array): number {
      const want = Math.max(0, Math.min(target.length, length - pos));
      let done = 0;
      while (done < want) {
        const at = pos + done;
        const first = Math.floor(at / cb);
        const within = at - first * cb;
        let last = first;
        while (last + 1 < chain.length && chain[last + 1] === chain[last]! + 1 && (last + 1 - first) * cb - within < want - done) last++;
        const n = Math.min((last + 1 - first) * cb - within, want - done);
        image.readInto(clusterOffset(g, chain[first]!) + within, target.subarray(done, done + n));
        done += n;
      }
      return done;
    },
  };
}

function g2max(g: Geometry): number {
  return g.clusterCount + 1;
}
