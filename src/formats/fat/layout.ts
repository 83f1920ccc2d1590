/**
 * The layout mkfs.fat 4.2 would make for an image of a given size: floppy
 * geometries for the classic floppy sizes, FAT32 from 512 MiB up, otherwise
 * FAT12 or FAT16 with 2 KiB clusters to start, doubled until the cluster
 * count fits the type; structures aligned to the cluster size above 4 MiB.
 * Only the facts are taken from mkfs.fat (its results are checked against
 * the real tool in the tests).
 */
import { MAX_CLUSTERS_12, MAX_CLUSTERS_16, MAX_CLUSTERS_32, NO_NAME, type BootSector } from './bootsector.js';
import { labelField } from './names.js';
import type { FatType } from './table.js';

export interface LayoutOptions {
  /** Force a FAT type (as mkfs.fat -F). */
  fatType?: FatType;
  /** Force sectors per cluster (as mkfs.fat -s). */
  sectorsPerCluster?: number;
  /** Root directory entries on FAT12/16 (as mkfs.fat -r). */
  rootEntries?: number;
  /** Volume serial number; default derived from the clock, as mkfs.fat does. */
  volumeId?: number;
  /** Volume label as the user gives it (stored uppercase in 11 characters; default the tree's label). */
  label?: string;
  /** OEM name, 8 characters. */
  oemName?: string;
}

export interface Layout {
  fatType: FatType;
  bytesPerSector: number;
  sectorsPerCluster: number;
  reservedSectors: number;
  numFats: number;
  rootEntries: number;
  totalSectors: number;
  fatSectors: number;
  clusterCount: number;
  media: number;
  sectorsPerTrack: number;
  heads: number;
  driveNumber: number;
}

const SECTOR = 512;
const MIN_CLUSTERS_16 = 4087; // mkfs.fat keeps FAT16 a little away from the FAT12 edge
const MIN_CLUSTERS_32 = 65525;

interface Floppy { spt: number; media: number; spc: number; root: number }
const FLOPPIES: Record<number, Floppy> = {
  360: { spt: 9, media: 0xfd, spc: 2, root: 112 },
  720: { spt: 9, media: 0xf9, spc: 2, root: 112 },
  1200: { spt: 15, media: 0xf9, spc: 1, root: 224 },
  1440: { spt: 18, media: 0xf0, spc: 1, root: 224 },
  2880: { spt: 36, media: 0xf0, spc: 2, root: 224 },
};

/** CHS geometry for a size with no real disk behind it: SD-card table below 256 MiB, LBA-assist above. */
function chs(totalSectors: number): { heads: number; spt: number } {
  if (totalSectors <= 524288) {
    const heads = totalSectors <= 32768 ? 2 : totalSectors <= 65536 ? 4 : totalSectors <= 262144 ? 8 : 16;
    return { heads, spt: totalSectors <= 4096 ? 16 : 32 };
  }
  const heads = totalSectors <= 16 * 63 * 1024 ? 16 : totalSectors <= 32 * 63 * 1024 ? 32
    : totalSectors <= 64 * 63 * 1024 ? 64 : totalSectors <= 128 * 63 * 1024 ? 128 : 255;
  return { heads, spt: 63 };
}

/** The largest FAT image: 2^32 - 1 sectors of 512 bytes, in whole KiB (2 TiB - 1 KiB). */
export const MAX_IMAGE_SIZE = (2 ** 31 - 1) * 1024;

/** The layout for an image of `sizeBytes` (rounded down to whole KiB, as mkfs.fat counts). */
export function chooseLayout(sizeBytes: number, options: LayoutOptions = {}): Layout {
  const kib = Math.floor(sizeBytes / 1024);
  if (kib < 64) throw new Error(`a FAT image needs at least 64 KiB (asked for ${sizeBytes} bytes)`);
  let sectors = kib * 2;
  if (sectors > 0xffffffff) throw new Error(`a FAT image holds at most 2 TiB with 512-byte sectors (asked for ${sizeBytes} bytes)`);
  let { heads, spt } = chs(sectors);
  let media = 0xf8;
  let spc = 4;
  let rootEntries = 512;
  const floppy = FLOPPIES[kib];
  if (floppy) {
    ({ spt, media, spc } = floppy);
    heads = 2;
    rootEntries = floppy.root;
  }
  let fatType: FatType | 0 = options.fatType ?? 0;
  const forced = options.fatType !== undefined;
  if (!fatType && sizeBytes >= 512 * 1024 * 1024) fatType = 32;
  if (fatType === 32) {
    spc = sectors > 32 * 1024 * 1024 * 2 ? 64 : sectors > 16 * 1024 * 1024 * 2 ? 32
      : sectors > 8 * 1024 * 1024 * 2 ? 16 : sectors > 260 * 1024 * 2 ? 8 : 1;
    rootEntries = 0;
  } else if (options.rootEntries !== undefined) {
    rootEntries = options.rootEntries;
  }
  if (options.sectorsPerCluster !== undefined) spc = options.sectorsPerCluster;
  let reserved = fatType === 32 ? 32 : 1;
  let align = true;
  sectors = Math.floor(sectors / spt) * spt; // whole tracks, which DOS and mtools expect
  if (sectors <= 8192) align = false; // floppy-sized: no alignment
  const alignUp = (n: number, to: number) => (align ? Math.ceil(n / to) * to : n);
  const rootSectors = Math.ceil((rootEntries * 32) / SECTOR);
  const maxSpc = options.sectorsPerCluster ?? 128;

  let chosen: { type: FatType; clusters: number; fatSectors: number } | null = null;
  for (; spc <= maxSpc; spc *= 2) {
    const data32 = sectors - alignUp(reserved, spc);
    const data1216 = data32 - alignUp(rootSectors, spc);
    const tries: { type: FatType; clusters: number; fatSectors: number }[] = [];
    // FAT12: 1.5 bytes per cluster; estimate, size the FAT, then recount what really fits.
    {
      const est = Math.floor((2 * (data1216 * SECTOR + 6)) / (2 * spc * SECTOR + 6));
      const fatSectors = alignUp(Math.ceil((((est + 2) * 3 + 1) >> 1) / SECTOR), spc);
      let clusters = Math.floor((data1216 - 2 * fatSectors) / spc);
      const max = Math.min(Math.floor((fatSectors * 2 * SECTOR) / 3), MAX_CLUSTERS_12);
      if (clusters > max) clusters = 0;
      tries.push({ type: 12, clusters, fatSectors });
    }
    {
      const est = Math.floor((data1216 * SECTOR + 8) / (spc * SECTOR + 4));
      const fatSectors = alignUp(Math.ceil(((est + 2) * 2) / SECTOR), spc);
      let clusters = Math.floor((data1216 - 2 * fatSectors) / spc);
      const max = Math.min(Math.floor((fatSectors * SECTOR) / 2), MAX_CLUSTERS_16);
      if (clusters > max || clusters < MIN_CLUSTERS_16) clusters = 0;
      tries.push({ type: 16, clusters, fatSectors });
    }
    {
      const est = Math.floor((data32 * SECTOR + 16) / (spc * SECTOR + 8));
      const fatSectors = alignUp(Math.ceil(((est + 2) * 4) / SECTOR), spc);
      let clusters = Math.floor((data32 - 2 * fatSectors) / spc);
      const max = Math.min(Math.floor((fatSectors * SECTOR) / 4), MAX_CLUSTERS_32);
      if (clusters > max) clusters = 0;
      if (clusters > 0 && clusters < MIN_CLUSTERS_32 && !(forced && fatType === 32)) clusters = 0;
      tries.push({ type: 32, clusters, fatSectors });
    }
    const [t12, t16, t32] = tries as [typeof tries[0], typeof tries[0], typeof tries[0]];
    if (fatType === 0) {
      if (t12.clusters > 0 || t16.clusters > 0) {
        chosen = t16.clusters > t12.clusters ? t16 : t12;
        break;
      }
    } else {
      const t = fatType === 12 ? t12 : fatType === 16 ? t16 : t32;
      if (t.clusters > 0) { chosen = t; break; }
    }
  }
  if (chosen === null || chosen.clusters <= 0) {
    throw new Error(`no FAT${fatType || ''} layout fits ${kib} KiB${options.sectorsPerCluster ? ` with ${options.sectorsPerCluster} sectors per cluster` : ''}`);
  }
  reserved = alignUp(reserved, spc);
  if (chosen.type !== 32 && align) rootEntries = alignUp(rootSectors, spc) * (SECTOR / 32);
  if (chosen.type === 32) rootEntries = 0;
  return {
    fatType: chosen.type,
    bytesPerSector: SECTOR,
    sectorsPerCluster: spc,
    reservedSectors: reserved,
    numFats: 2,
    rootEntries,
    totalSectors: sectors,
    fatSectors: chosen.fatSectors,
    clusterCount: chosen.clusters,
    media,
    sectorsPerTrack: spt,
    heads,
    driveNumber: media === 0xf8 ? 0x80 : 0x00,
  };
}

/**
 * What is legal but unwise about a layout, as the check pass reports it:
 * FAT32 under 65,525 clusters (mkfs.fat -F 32 makes it with a warning; the
 * cluster count says FAT16, so some systems misread it). Null when sound.
 */
export function layoutProblem(layout: Layout): string | null {
  if (layout.fatType === 32 && layout.clusterCount < MIN_CLUSTERS_32) {
    return `FAT32 with only ${layout.clusterCount} clusters (fewer than ${MIN_CLUSTERS_32}): some systems take it for FAT16`;
  }
  return null;
}

/** A volume serial number from the clock, as formatters make one. */
export function clockVolumeId(ms = Date.now()): number {
  const d = new Date(ms);
  const lo = ((d.getSeconds() << 8) | Math.floor(d.getMilliseconds() / 10)) + ((d.getMonth() + 1) << 8 | d.getDate());
  const hi = (d.getHours() << 8 | d.getMinutes()) + d.getFullYear();
  return (((hi & 0xffff) << 16) | (lo & 0xffff)) >>> 0;
}

/** The boot sector fields for a layout. */
export function bootSectorFor(layout: Layout, options: LayoutOptions = {}): BootSector {
  const fat32 = layout.fatType === 32;
  const big = layout.totalSectors >= 0x10000 || fat32;
  return {
    jump: [0xeb, fat32 ? 0x58 : 0x3c, 0x90],
    oemName: options.oemName ?? 'MEMEFS  ',
    bytesPerSector: layout.bytesPerSector,
    sectorsPerCluster: layout.sectorsPerCluster,
    reservedSectors: layout.reservedSectors,
    numFats: layout.numFats,
    rootEntries: layout.rootEntries,
    totalSectors16: big ? 0 : layout.totalSectors,
    media: layout.media,
    fatSize16: fat32 ? 0 : layout.fatSectors,
    sectorsPerTrack: layout.sectorsPerTrack,
    heads: layout.heads,
    hiddenSectors: 0,
    totalSectors32: big ? layout.totalSectors : 0,
    fatSize32: fat32 ? layout.fatSectors : 0,
    extFlags: 0,
    fsVersion: 0,
    rootCluster: fat32 ? 2 : 0,
    fsInfoSector: fat32 ? 1 : 0,
    backupBootSector: fat32 ? 6 : 0,
    driveNumber: layout.driveNumber,
    flags: 0,
    bootSignature: 0x29,
    volumeId: options.volumeId ?? clockVolumeId(),
    volumeLabel: options.label !== undefined ? labelField(options.label).field : NO_NAME,
    fsTypeName: `FAT${layout.fatType}`.padEnd(8, ' '),
    signature: 0xaa55,
  };
}
