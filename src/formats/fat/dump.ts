/**
 * `memefs dump`: a readable account of an image: boot sector and BPB fields
 * with their meaning, FSInfo, FAT type and geometry, the FAT itself (see
 * dump-fat.ts), every directory entry (long-name slots too, with their
 * checksums checked; deleted ones with their 0xE5 marker), the cluster chain
 * of each file in fragments, invalid dates, and the problems the check pass
 * finds. `dumpBytes` is the raw view: a hexdump of any sector or cluster.
 */
import { hex, u16 } from './bytes.js';
import {
  geometryOf, parseBootSector, parseFsInfo, FSINFO_LEAD, FSINFO_STRUCT, FSINFO_TRAIL, UNKNOWN, type BootSector, type Geometry,
} from './bootsector.js';
import { attributeLetters, decodeShortEntry } from './dirent.js';
import { formatDosStamp, fromDosStamp } from './dostime.js';
import { analyzeFat, hexView, type FatAnalysis } from './dump-fat.js';
import { lfnChecksum, parseLfnSlot } from './lfn.js';
import { scanFat, type EntryRecord, type FatScan } from './reader.js';
import { readClamped, sourceOf, type ImageSource } from './source.js';
import { displayName11, name11FromBytes, readShortName, type CodePage } from './shortname.js';
import { countRuns, describeRuns } from './table.js';

function row(out: string[], field: string, value: string | number, meaning = ''): void {
  out.push(`  ${field.padEnd(22)} ${String(value).padEnd(14)} ${meaning}`.trimEnd());
}

function mediaMeaning(m: number): string {
  return m === 0xf8 ? 'fixed disk' : m === 0xf0 ? '3.5" floppy (1.44/2.88 MB) or other removable' : m === 0xf9 ? '3.5" 720 KB / 5.25" 1.2 MB floppy' : m >= 0xf8 ? 'floppy' : 'invalid';
}

function dumpBootSector(out: string[], bs: BootSector, head: Uint8Array): void {
  const fat32 = bs.fatSize16 === 0 && bs.rootEntries === 0;
  out.push('Boot sector');
  row(out, 'jump', bs.jump.map((b) => b.toString(16).toUpperCase().padStart(2, '0')).join(' '), bs.jump[0] === 0xeb || bs.jump[0] === 0xe9 ? 'x86 jump to boot code' : 'not a jump instruction');
  row(out, 'OEM name', JSON.stringify(bs.oemName), 'who formatted it (informational)');
  row(out, 'BytsPerSec', bs.bytesPerSector, 'bytes per sector');
  row(out, 'SecPerClus', bs.sectorsPerCluster, `sectors per cluster (${bs.bytesPerSector * bs.sectorsPerCluster} bytes)`);
  row(out, 'RsvdSecCnt', bs.reservedSectors, 'reserved sectors before the first FAT');
  row(out, 'NumFATs', bs.numFats, 'copies of the FAT');
  row(out, 'RootEntCnt', bs.rootEntries, fat32 ? '0: root directory is a cluster chain (FAT32)' : 'entries in the fixed root directory');
  row(out, 'TotSec16', bs.totalSectors16, 'total sectors (0: see TotSec32)');
  row(out, 'Media', hex(bs.media, 2), mediaMeaning(bs.media));
  row(out, 'FATSz16', bs.fatSize16, 'sectors per FAT (0 on FAT32)');
  row(out, 'SecPerTrk / NumHeads', `${bs.sectorsPerTrack} / ${bs.heads}`, 'CHS geometry (informational)');
  row(out, 'HiddSec', bs.hiddenSectors, 'sectors before this partition');
  row(out, 'TotSec32', bs.totalSectors32, 'total sectors when TotSec16 is 0');
  if (fat32) {
    row(out, 'FATSz32', bs.fatSize32, 'sectors per FAT');
    row(out, 'ExtFlags', hex(bs.extFlags, 4), bs.extFlags & 0x80 ? `only FAT #${(bs.extFlags & 0xf) + 1} is active` : 'all FATs mirrored');
    row(out, 'FSVer', hex(bs.fsVersion, 4), bs.fsVersion === 0 ? 'version 0.0' : 'unknown version');
    row(out, 'RootClus', bs.rootCluster, 'first cluster of the root directory');
    row(out, 'FSInfo', bs.fsInfoSector, 'sector of the FSInfo structure');
    row(out, 'BkBootSec', bs.backupBootSector, 'sector of the backup boot sector');
  }
  row(out, 'DrvNum', hex(bs.driveNumber, 2), bs.driveNumber === 0x80 ? 'hard disk' : bs.driveNumber === 0 ? 'floppy' : '');
  row(out, 'Reserved1 (flags)', hex(bs.flags, 2), bs.flags & 1 ? 'DIRTY: not unmounted cleanly' : 'clean');
  row(out, 'BootSig', hex(bs.bootSignature, 2), bs.bootSignature === 0x29 ? 'the next three fields are valid' : 'serial, label and type absent');
  row(out, 'VolID', hex(bs.volumeId, 8), `serial ${(bs.volumeId >>> 16).toString(16).toUpperCase().padStart(4, '0')}-${(bs.volumeId & 0xffff).toString(16).toUpperCase().padStart(4, '0')}`);
  row(out, 'VolLab', JSON.stringify(bs.volumeLabel), 'label (the root directory entry is authoritative)');
  row(out, 'FilSysType', JSON.stringify(bs.fsTypeName), 'informational only; the cluster count decides');
  row(out, 'Signature', hex(u16(head, 510), 4), u16(head, 510) === 0xaa55 ? 'ok' : 'WRONG (should be 0xAA55)');
}

function dumpGeometry(out: string[], g: Geometry, scan: FatScan): void {
  const s = (n: number) => `sector ${n} (byte ${n * g.bytesPerSector})`;
  out.push('', 'Geometry');
  row(out, 'FAT type', `FAT${g.fatType}`, `${g.clusterCount} clusters of ${g.clusterBytes} bytes`);
  for (let n = 0; n < g.numFats; n++) row(out, `FAT #${n + 1}`, s(g.reservedSectors + n * g.fatSectors), `${g.fatSectors} sectors`);
  if (g.fatType !== 32) row(out, 'root directory', s(g.reservedSectors + g.numFats * g.fatSectors), `${g.rootEntries} entries, ${g.rootDirSectors} sectors`);
  else row(out, 'root directory', `cluster ${g.rootCluster}`, `chain ${describeRuns(scan.directoryChains.get('/') ?? [])}`);
  row(out, 'data area', s(g.firstDataSector), `cluster 2 starts here`);
  row(out, 'total sectors', g.totalSectors, `${g.totalSectors * g.bytesPerSector} bytes`);
  row(out, 'clusters in use', scan.usedClusters, `reachable from the root`);
  row(out, 'free clusters', scan.freeClusters, 'per FAT #1');
}

function dumpFsInfo(out: string[], image: ImageSource, bs: BootSector, scan: FatScan): void {
  if (bs.fsInfoSector === 0 || bs.fsInfoSector === 0xffff) return;
  const info = parseFsInfo(readClamped(image, bs.fsInfoSector * bs.bytesPerSector, 512));
  const sig = (v: number, want: number) => (v === want ? 'ok' : `WRONG (should be ${hex(want, 8)})`);
  out.push('', `FSInfo (sector ${bs.fsInfoSector})`);
  row(out, 'LeadSig', hex(info.leadSignature, 8), sig(info.leadSignature, FSINFO_LEAD));
  row(out, 'StrucSig', hex(info.structSignature, 8), sig(info.structSignature, FSINFO_STRUCT));
  row(out, 'Free_Count', info.freeCount === UNKNOWN ? 'unknown' : info.freeCount, `the FAT says ${scan.freeClusters}`);
  row(out, 'Nxt_Free', info.nextFree === UNKNOWN ? 'unknown' : info.nextFree, 'hint where to look for free clusters');
  row(out, 'TrailSig', hex(info.trailSignature, 8), sig(info.trailSignature, FSINFO_TRAIL));
}

function describeUnits(units: number[]): string {
  return units.map((u) => (u === 0 ? '\\0' : u === 0xffff ? '·' : u < 0x20 ? `\\x${u.toString(16).padStart(2, '0')}` : String.fromCharCode(u))).join('');
}

export interface DumpOptions {
  /** Also print the 32 raw bytes of every directory entry. */
  hex?: boolean;
  /** How high bytes in short names read (default: DEFAULT_CODEPAGE). */
  codepage?: CodePage;
}

function hexBytes(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' ');
}

/** A DOS stamp for the report; invalid ones are also collected, with the fields as stored. */
function stamp(invalid: string[], what: string, date: number, time: number, tenths?: number): string {
  if (date === 0 && time === 0) return '(unset)';
  if (fromDosStamp(date, time, tenths ?? 0) !== null && (tenths === undefined || tenths <= 199)) return formatDosStamp(date, time, tenths);
  const p = (n: number) => String(n).padStart(2, '0');
  const fields = `${(date >> 9) + 1980}-${p((date >> 5) & 0xf)}-${p(date & 0x1f)} ${p(time >> 11)}:${p((time >> 5) & 0x3f)}:${p((time & 0x1f) * 2)}` +
    (tenths !== undefined ? ` +${tenths * 10} ms` : '');
  invalid.push(`${what}: ${fields}`);
  return `INVALID (${fields})`;
}

function dumpDirectories(out: string[], scan: FatScan, options: DumpOptions, fat: FatAnalysis, invalid: string[]): void {
  const fat32 = scan.geometry.fatType === 32;
  const byDir = new Map<string, EntryRecord[]>();
  for (const r of scan.records) {
    let list = byDir.get(r.dir);
    if (!list) byDir.set(r.dir, (list = []));
    list.push(r);
  }
  for (const [dir, records] of byDir) {
    const chain = scan.directoryChains.get(dir);
    out.push('', `Directory ${dir}${chain ? ` (clusters ${describeRuns(chain) || 'none'})` : ' (fixed root)'}`);
    // Long-name slots are checked against the short entry that follows them.
    const sums = new Map<EntryRecord, number>();
    const labelSlots = new Set<EntryRecord>();
    let pending: EntryRecord[] = [];
    for (const r of records) {
      if (r.kind === 'lfn') pending.push(r);
      else {
        if (r.kind === 'short' || r.kind === 'label') for (const p of pending) sums.set(p, lfnChecksum(r.raw.subarray(0, 11)));
        if (r.kind === 'label') for (const p of pending) labelSlots.add(p);
        pending = [];
      }
    }
    for (const r of records) {
      if (options.hex) out.push(`          raw: ${hexBytes(r.raw)}`);
      const at = `  #${String(r.index).padEnd(5)}`;
      const note = r.note ? `  [${r.note}]` : '';
      if (r.kind === 'end') { out.push(`${at} end of directory`); continue; }
      if (r.kind === 'deleted') {
        // The first byte is gone: 0xE5 took its place (a name that really starts with 0xE5 is stored with 0x05).
        out.push(`${at} deleted      first byte 0xE5 (deleted marker), was "?${displayName11(name11FromBytes(r.raw)).slice(1)}"`);
        continue;
      }
      if (r.kind === 'lfn') {
        const slot = parseLfnSlot(r.raw);
        const want = sums.get(r);
        const check = want === undefined ? 'no short entry follows' : want === slot.checksum ? 'checksum ok' : `checksum MISMATCH (short name needs ${hex(want, 2)})`;
        const owner = labelSlots.has(r) ? ', long form of the volume label (mlabel writes one)' : '';
        out.push(`${at} long name    ordinal ${slot.ordinal}${slot.last ? ' (last)' : ''} checksum ${hex(slot.checksum, 2)} ${check}${owner}  "${describeUnits(slot.units)}"${note}`);
        continue;
      }
      const e = decodeShortEntry(r.raw, 0, fat32);
      const name = displayName11(name11FromBytes(e.name));
      if (r.kind === 'label') { out.push(`${at} volume label "${name11FromBytes(e.name)}"  written ${stamp(invalid, 'volume label', e.writeDate, e.writeTime)}`); continue; }
      if (r.kind === 'dot') { out.push(`${at} ${name.padEnd(12)} <DIR>  cluster ${e.cluster}`); continue; }
      const kind = e.attr & 0x10 ? '<DIR>' : `${e.size} bytes`;
      const caseBits = e.ntRes & 0x18 ? ` NT case ${hex(e.ntRes, 2)} (reads "${readShortName(e.name, 0, e.ntRes, options.codepage)}")` : '';
      out.push(`${at} ${name.padEnd(12)} ${attributeLetters(e.attr)} ${kind}, first cluster ${e.cluster}${caseBits} -> ${r.path}${note}`);
      const who = r.path ?? name;
      out.push(`          created ${stamp(invalid, `${who} created`, e.createDate, e.createTime, e.createTenths)}, modified ${stamp(invalid, `${who} modified`, e.writeDate, e.writeTime)}, accessed ${stamp(invalid, `${who} accessed`, e.accessDate, 0)}`.replace(/ 00:00:00(?=$)/, ''));
      const clusters = r.chain ?? (r.path ? scan.directoryChains.get(r.path) : undefined);
      if (clusters && clusters.length > 0) {
        const runs = countRuns(clusters);
        out.push(`          chain: ${clusters.length} cluster${clusters.length === 1 ? '' : 's'} in ${runs} fragment${runs === 1 ? '' : 's'}: ${describeRuns(clusters)}`);
      }
      const cross = r.path !== undefined ? fat.crossLinks.get(r.path) : undefined;
      if (cross) out.push(`          CROSS-LINKED: its FAT chain is ${describeRuns(cross.chain)}; ${cross.shared}`);
    }
  }
}

/** The full report for an image (read in parts from a source). Never throws for damaged images; a non-FAT image reports why. */
export function dumpFat(bytes: Uint8Array | ImageSource, options: DumpOptions = {}): string {
  const out: string[] = [];
  const image = sourceOf(bytes);
  if (image.length < 512) return `Not a FAT image: only ${image.length} bytes (a boot sector alone is 512)\n`;
  const head = image.read(0, 512);
  const bs = parseBootSector(head);
  dumpBootSector(out, bs, head);
  let geometry: Geometry;
  try {
    geometry = geometryOf(bs);
  } catch (e) {
    out.push('', `Not a FAT image: ${(e as Error).message}`);
    return out.join('\n') + '\n';
  }
  const scan = scanFat(image, { records: true, maxProblems: 10000, codepage: options.codepage });
  if (geometry.fatType === 32) dumpFsInfo(out, image, bs, scan);
  dumpGeometry(out, geometry, scan);
  const fat = analyzeFat(image, scan);
  out.push(...fat.lines);
  const invalid: string[] = [];
  dumpDirectories(out, scan, options, fat, invalid);
  if (invalid.length > 0) {
    // Not damage (fsck.fat does not check dates), but no system can show them: they read as unset.
    out.push('', `Invalid dates (${invalid.length}), read as unset:`);
    for (const d of invalid) out.push(`  - ${d}`);
  }
  out.push('', scan.problems.length === 0 ? 'No problems found.' : `Problems (${scan.problems.length}):`);
  for (const p of scan.problems) out.push(`  - ${p}`);
  return out.join('\n') + '\n';
}

export interface BytesRequest {
  /** Sector number (from the start of the image). */
  sector?: number;
  /** Data cluster number (2 and up). */
  cluster?: number;
  /** How many sectors or clusters; default 1. */
  count?: number;
}

/** The raw view: a hexdump of sectors or clusters, with a heading saying where they are. Throws for what is outside the image. */
export function dumpBytes(bytes: Uint8Array | ImageSource, request: BytesRequest): string {
  const image = sourceOf(bytes);
  const count = request.count ?? 1;
  if (request.sector !== undefined) {
    const bps = image.length >= 512 ? parseBootSector(image.read(0, 512)).bytesPerSector || 512 : 512;
    const offset = request.sector * bps;
    if (offset >= image.length) throw new Error(`sector ${request.sector} is past the end of the image (${Math.floor(image.length / bps)} sectors of ${bps} bytes)`);
    return `Sector ${request.sector}${count > 1 ? `-${request.sector + count - 1}` : ''} (byte ${offset})\n` + hexView(image, offset, count * bps);
  }
  const g = geometryOf(parseBootSector(readClamped(image, 0, 512)));
  const c = request.cluster ?? 2;
  if (c < 2 || c > g.clusterCount + 1) throw new Error(`cluster ${c} is outside the data area (clusters 2 to ${g.clusterCount + 1})`);
  const offset = (g.firstDataSector + (c - 2) * g.sectorsPerCluster) * g.bytesPerSector;
  if (offset >= image.length) throw new Error(`cluster ${c} is past the end of the image`);
  return `Cluster ${c}${count > 1 ? `-${c + count - 1}` : ''} (sector ${offset / g.bytesPerSector}, byte ${offset})\n` + hexView(image, offset, count * g.clusterBytes);
}
