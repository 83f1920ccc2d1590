/** The 32-byte short directory entry. */
import { put16, put32, u16, u32 } from './bytes.js';

export const ATTR_READ_ONLY = 0x01;
export const ATTR_HIDDEN = 0x02;
export const ATTR_SYSTEM = 0x04;
export const ATTR_VOLUME_ID = 0x08;
export const ATTR_DIRECTORY = 0x10;
export const ATTR_ARCHIVE = 0x20;
/** The attributes a file or directory may carry in the core (FILE_ATTRIBUTE_* has the same values). */
export const ATTR_KEPT = ATTR_READ_ONLY | ATTR_HIDDEN | ATTR_SYSTEM | ATTR_ARCHIVE;

export const ENTRY_SIZE = 32;
/** Name[0] of a deleted entry, and of the last entry in use (the rest is free). */
export const DELETED = 0xe5;
export const END = 0x00;
/** Name[0] standing for a real 0xE5 (a valid lead byte in some code pages). */
export const E5_ESCAPE = 0x05;

export interface ShortEntry {
  /** The 11 name bytes as stored (0x05 escape not undone). */
  name: Uint8Array;
  attr: number;
  ntRes: number;
  createTenths: number;
  createTime: number;
  createDate: number;
  accessDate: number;
  writeTime: number;
  writeDate: number;
  cluster: number;
  size: number;
}

/** Decodes the entry at `off`; `fat32` says whether the high cluster word counts. */
export function decodeShortEntry(b: Uint8Array, off: number, fat32: boolean): ShortEntry {
  return {
    name: b.slice(off, off + 11),
    attr: b[off + 11]!,
    ntRes: b[off + 12]!,
    createTenths: b[off + 13]!,
    createTime: u16(b, off + 14),
    createDate: u16(b, off + 16),
    accessDate: u16(b, off + 18),
    writeTime: u16(b, off + 22),
    writeDate: u16(b, off + 24),
    cluster: ((fat32 ? u16(b, off + 20) * 0x10000 : 0) + u16(b, off + 26)) >>> 0,
    size: u32(b, off + 28),
  };
}

export function encodeShortEntry(e: ShortEntry): Uint8Array {
  const b = new Uint8Array(ENTRY_SIZE);
  b.set(e.name.subarray(0, 11), 0);
  if (b[0] === DELETED) b[0] = E5_ESCAPE;
  b[11] = e.attr;
  b[12] = e.ntRes;
  b[13] = e.createTenths;
  put16(b, 14, e.createTime);
  put16(b, 16, e.createDate);
  put16(b, 18, e.accessDate);
  put16(b, 20, e.cluster >>> 16);
  put16(b, 22, e.writeTime);
  put16(b, 24, e.writeDate);
  put16(b, 26, e.cluster & 0xffff);
  put32(b, 28, e.size);
  return b;
}

export function attributeLetters(attr: number): string {
  return [
    attr & ATTR_READ_ONLY ? 'R' : '-',
    attr & ATTR_HIDDEN ? 'H' : '-',
    attr & ATTR_SYSTEM ? 'S' : '-',
    attr & ATTR_VOLUME_ID ? 'V' : '-',
    attr & ATTR_DIRECTORY ? 'D' : '-',
    attr & ATTR_ARCHIVE ? 'A' : '-',
  ].join('');
}
