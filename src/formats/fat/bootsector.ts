/**
 * The boot sector and its BIOS Parameter Block, the FAT32 FSInfo sector, and
 * the geometry they imply. The FAT type follows from the cluster count alone,
 * as the specification says.
 */
import { latin1, put16, put32, putAscii, u16, u32, u8 } from './bytes.js';
import type { FatType } from './table.js';

export const MAX_CLUSTERS_12 = 4084;
export const MAX_CLUSTERS_16 = 65524;
export const MAX_CLUSTERS_32 = 0x0ffffff5;
export const NO_NAME = 'NO NAME    ';

export interface BootSector {
  jump: number[];
  oemName: string;
  bytesPerSector: number;
  sectorsPerCluster: number;
  reservedSectors: number;
  numFats: number;
  rootEntries: number;
  totalSectors16: number;
  media: number;
  fatSize16: number;
  sectorsPerTrack: number;
  heads: number;
  hiddenSectors: number;
  totalSectors32: number;
  /** FAT32 only. */
  fatSize32: number;
  extFlags: number;
  fsVersion: number;
  rootCluster: number;
  fsInfoSector: number;
  backupBootSector: number;
  /** Extended BPB (offset 36 on FAT12/16, 64 on FAT32). */
  driveNumber: number;
  /** Reserved1 / "current head": bit 0 = dirty (not unmounted cleanly), bit 1 = surface scan wanted. */
  flags: number;
  bootSignature: number;
  volumeId: number;
  volumeLabel: string;
  fsTypeName: string;
  signature: number;
}

export interface Geometry {
  fatType: FatType;
  bytesPerSector: number;
  sectorsPerCluster: number;
  clusterBytes: number;
  reservedSectors: number;
  numFats: number;
  fatSectors: number;
  rootEntries: number;
  rootDirSectors: number;
  totalSectors: number;
  firstDataSector: number;
  clusterCount: number;
  /** FAT32: the root directory's first cluster; 0 otherwise. */
  rootCluster: number;
}

/** Whether the BPB has the FAT32 layout: no fixed root and a 16-bit FAT size of 0. */
function looksFat32(b: Uint8Array): boolean {
  return u16(b, 17) === 0 && u16(b, 22) === 0;
}

function looksFat32Bpb(bs: BootSector): boolean {
  return bs.rootEntries === 0 && bs.fatSize16 === 0;
}

export function parseBootSector(b: Uint8Array): BootSector {
  const fat32 = looksFat32(b);
  const ext = fat32 ? 64 : 36;
  return {
    jump: [u8(b, 0), u8(b, 1), u8(b, 2)],
    oemName: latin1(b, 3, 8),
    bytesPerSector: u16(b, 11),
    sectorsPerCluster: u8(b, 13),
    reservedSectors: u16(b, 14),
    numFats: u8(b, 16),
    rootEntries: u16(b, 17),
    totalSectors16: u16(b, 19),
    media: u8(b, 21),
    fatSize16: u16(b, 22),
    sectorsPerTrack: u16(b, 24),
    heads: u16(b, 26),
    hiddenSectors: u32(b, 28),
    totalSectors32: u32(b, 32),
    fatSize32: fat32 ? u32(b, 36) : 0,
    extFlags: fat32 ? u16(b, 40) : 0,
    fsVersion: fat32 ? u16(b, 42) : 0,
    rootCluster: fat32 ? u32(b, 44) : 0,
    fsInfoSector: fat32 ? u16(b, 48) : 0,
    backupBootSector: fat32 ? u16(b, 50) : 0,
    driveNumber: u8(b, ext),
    flags: u8(b, ext + 1),
    bootSignature: u8(b, ext + 2),
    volumeId: u32(b, ext + 3),
    volumeLabel: latin1(b, ext + 7, 11),
    fsTypeName: latin1(b, ext + 18, 8),
    signature: u16(b, 510),
  };
}

/** Offset of the extended BPB's flags byte (dirty bit), which differs between FAT12/16 and FAT32. */
export function flagsOffset(type: FatType): number {
  return type === 32 ? 65 : 37;
}

const isPow2 = (n: number) => n > 0 && (n & (n - 1)) === 0;

/**
 * The geometry a boot sector describes, or an Error saying which field makes
 * no sense (this is what tells a FAT image from anything else).
 */
export function geometryOf(bs: BootSector): Geometry {
  const bad = (what: string): never => {
    throw new Error(`not a valid FAT boot sector: ${what}`);
  };
  if (![512, 1024, 2048, 4096].includes(bs.bytesPerSector)) bad(`bytes per sector ${bs.bytesPerSector}`);
  if (!isPow2(bs.sectorsPerCluster) || bs.sectorsPerCluster > 128) bad(`sectors per cluster ${bs.sectorsPerCluster}`);
  if (bs.reservedSectors === 0) bad('0 reserved sectors');
  if (bs.numFats === 0 || bs.numFats > 4) bad(`${bs.numFats} FATs`);
  if (bs.media !== 0xf0 && bs.media < 0xf8) bad(`media byte 0x${bs.media.toString(16)}`);
  const totalSectors = bs.totalSectors16 !== 0 ? bs.totalSectors16 : bs.totalSectors32;
  const fatSectors = bs.fatSize16 !== 0 ? bs.fatSize16 : bs.fatSize32;
  if (totalSectors === 0) bad('0 total sectors');
  if (fatSectors === 0) bad('FAT size 0');
  const rootDirSectors = Math.ceil((bs.rootEntries * 32) / bs.bytesPerSector);
  const firstDataSector = bs.reservedSectors + bs.numFats * fatSectors + rootDirSectors;
  if (firstDataSector >= totalSectors) bad('no room for data after the FATs');
  const clusterCount = Math.floor((totalSectors - firstDataSector) / bs.sectorsPerCluster);
  // A FAT32-shaped BPB (no fixed root, no 16-bit FAT size) means FAT32 even with few clusters, as Linux and
  // dosfstools read it (mkfs.fat -F 32 makes such volumes); otherwise the cluster count decides.
  const fatType: FatType = looksFat32Bpb(bs) ? 32 : clusterCount <= MAX_CLUSTERS_12 ? 12 : clusterCount <= MAX_CLUSTERS_16 ? 16 : 32;
  if (fatType === 32) {
    if (bs.rootEntries !== 0) bad('FAT32 volume with a fixed root directory');
    if (bs.rootCluster < 2 || bs.rootCluster >= clusterCount + 2) bad(`root cluster ${bs.rootCluster}`);
    if (clusterCount > MAX_CLUSTERS_32) bad('too many clusters');
  } else if (bs.rootEntries === 0) {
    bad(`FAT${fatType} volume without root directory entries`);
  }
  const need = fatType === 12 ? Math.ceil(((clusterCount + 2) * 3) / 2) : (clusterCount + 2) * (fatType / 8);
  if (fatSectors * bs.bytesPerSector < need) bad(`FAT of ${fatSectors} sectors is too small for ${clusterCount} clusters`);
  return {
    fatType,
    bytesPerSector: bs.bytesPerSector,
    sectorsPerCluster: bs.sectorsPerCluster,
    clusterBytes: bs.bytesPerSector * bs.sectorsPerCluster,
    reservedSectors: bs.reservedSectors,
    numFats: bs.numFats,
    fatSectors,
    rootEntries: bs.rootEntries,
    rootDirSectors,
    totalSectors,
    firstDataSector,
    clusterCount,
    rootCluster: fatType === 32 ? bs.rootCluster : 0,
  };
}

/** Byte offset of a data cluster (2 is the first). */
export function clusterOffset(g: Geometry, cluster: number): number {
  return (g.firstDataSector + (cluster - 2) * g.sectorsPerCluster) * g.bytesPerSector;
}

export const FSINFO_LEAD = 0x41615252;
export const FSINFO_STRUCT = 0x61417272;
export const FSINFO_TRAIL = 0xaa550000;
export const UNKNOWN = 0xffffffff;

export interface FsInfo {
  leadSignature: number;
  structSignature: number;
  freeCount: number;
  nextFree: number;
  trailSignature: number;
}

export function parseFsInfo(b: Uint8Array): FsInfo {
  return {
    leadSignature: u32(b, 0),
    structSignature: u32(b, 484),
    freeCount: u32(b, 488),
    nextFree: u32(b, 492),
    trailSignature: u32(b, 508),
  };
}

export function buildFsInfo(sectorBytes: number, freeCount: number, nextFree: number): Uint8Array {
  const b = new Uint8Array(sectorBytes);
  put32(b, 0, FSINFO_LEAD);
  put32(b, 484, FSINFO_STRUCT);
  put32(b, 488, freeCount);
  put32(b, 492, nextFree);
  put32(b, 508, FSINFO_TRAIL);
  return b;
}

/** A boot sector for the layout; the boot code area holds a tiny "not bootable" loop, as formatters write. */
export function buildBootSector(bs: BootSector): Uint8Array {
  const b = new Uint8Array(bs.bytesPerSector);
  const fat32 = bs.fatSize16 === 0;
  const ext = fat32 ? 64 : 36;
  const codeStart = ext + 26;
  b[0] = 0xeb;
  b[1] = codeStart - 2;
  b[2] = 0x90;
  putAscii(b, 3, bs.oemName, 8);
  put16(b, 11, bs.bytesPerSector);
  b[13] = bs.sectorsPerCluster;
  put16(b, 14, bs.reservedSectors);
  b[16] = bs.numFats;
  put16(b, 17, bs.rootEntries);
  put16(b, 19, bs.totalSectors16);
  b[21] = bs.media;
  put16(b, 22, bs.fatSize16);
  put16(b, 24, bs.sectorsPerTrack);
  put16(b, 26, bs.heads);
  put32(b, 28, bs.hiddenSectors);
  put32(b, 32, bs.totalSectors32);
  if (fat32) {
    put32(b, 36, bs.fatSize32);
    put16(b, 40, bs.extFlags);
    put16(b, 42, bs.fsVersion);
    put32(b, 44, bs.rootCluster);
    put16(b, 48, bs.fsInfoSector);
    put16(b, 50, bs.backupBootSector);
  }
  b[ext] = bs.driveNumber;
  b[ext + 1] = bs.flags;
  b[ext + 2] = 0x29;
  put32(b, ext + 3, bs.volumeId);
  putAscii(b, ext + 7, bs.volumeLabel, 11);
  putAscii(b, ext + 18, bs.fsTypeName, 8);
  // Boot code: "int 18h" (no bootable OS: let the BIOS try the next device), then halt.
  b.set([0xcd, 0x18, 0xf4, 0xeb, 0xfd], codeStart);
  put16(b, 510, 0xaa55);
  return b;
}
