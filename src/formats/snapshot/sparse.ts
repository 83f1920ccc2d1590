/**
 * Sparse files in GNU tar's pax format 1.0: the member's data starts with a
 * map in decimal text ("COUNT\n" then "OFFSET\nLENGTH\n" per region), padded
 * with NULs to a block, followed by the bytes of the regions in order. A file
 * that ends in a hole gets a last empty region at its size, as GNU tar writes.
 */
import type { FileData } from '../../core/data.js';
import { BLOCK } from './ustar.js';

export interface Region {
  offset: number;
  length: number;
}

/** The data regions of a file, from SEEK_DATA/SEEK_HOLE. */
export function dataRegions(data: FileData): Region[] {
  const regions: Region[] = [];
  let pos = data.seekData(0);
  while (pos >= 0 && pos < data.size) {
    let end = data.seekHole(pos);
    if (end < 0 || end > data.size) end = data.size;
    regions.push({ offset: pos, length: end - pos });
    pos = end >= data.size ? -1 : data.seekData(end);
  }
  return regions;
}

export function storedBytes(regions: readonly Region[]): number {
  let n = 0;
  for (const r of regions) n += r.length;
  return n;
}

/** The map as GNU tar writes it (with the trailing empty region when the file ends in a hole), padded to a block. */
export function encodeSparseMap(regions: readonly Region[], size: number): Uint8Array {
  const list = [...regions];
  const last = list[list.length - 1];
  if (last === undefined || last.offset + last.length < size) list.push({ offset: size, length: 0 });
  let text = `${list.length}\n`;
  for (const r of list) text += `${r.offset}\n${r.length}\n`;
  const bytes = new TextEncoder().encode(text);
  const out = new Uint8Array(Math.ceil(bytes.length / BLOCK) * BLOCK);
  out.set(bytes);
  return out;
}

/** Most regions a map may list: bounds the memory a hostile map can take. */
export const MAX_REGIONS = 1 << 20;

/**
 * Checks a map against the file's size and the bytes stored for it: regions in
 * order, not overlapping, inside the file, adding up to what is stored.
 * Returns a reason, or null when the map is sound.
 */
export function checkSparseMap(regions: readonly Region[], realSize: number, stored: number): string | null {
  let end = 0;
  let total = 0;
  for (const r of regions) {
    if (!Number.isSafeInteger(r.offset) || !Number.isSafeInteger(r.length) || r.offset < 0 || r.length < 0) return 'bad numbers';
    if (r.offset < end) return 'regions overlap or are out of order';
    end = r.offset + r.length;
    if (end > realSize) return 'region beyond the file size';
    total += r.length;
  }
  if (total !== stored) return `regions hold ${total} bytes but ${stored} are stored`;
  return null;
}

/**
 * Incremental parser of the 1.0 map text at the start of a member's data.
 * Feed it bytes until `done`; `consumed` says how many bytes of the member the
 * map took including its padding.
 */
export class SparseMapParser {
  readonly regions: Region[] = [];
  private count = -1;
  private pendingOffset = -1;
  private digits = '';
  private read = 0;
  done = false;

  /** Returns how many bytes of `bytes` were used; throws Error when malformed. */
  feed(bytes: Uint8Array): number {
    let i = 0;
    while (i < bytes.length && !this.done) {
      const c = bytes[i++]!;
      this.read++;
      if (c >= 0x30 && c <= 0x39) {
        if (this.digits.length >= 16) throw new Error('sparse map number too long');
        this.digits += String.fromCharCode(c);
        continue;
      }
      if (c !== 0x0a || this.digits === '') throw new Error('malformed sparse map');
      const n = Number(this.digits);
      this.digits = '';
      if (!Number.isSafeInteger(n)) throw new Error('sparse map number too large');
      if (this.count < 0) {
        if (n > MAX_REGIONS) throw new Error(`sparse map lists ${n} regions (at most ${MAX_REGIONS} allowed)`);
        this.count = n;
      } else if (this.pendingOffset < 0) {
        this.pendingOffset = n;
      } else {
        this.regions.push({ offset: this.pendingOffset, length: n });
        this.pendingOffset = -1;
      }
      if (this.count >= 0 && this.regions.length === this.count && this.pendingOffset < 0) this.done = true;
    }
    return i;
  }

  /** Bytes of padding still to skip after the map text to reach a block boundary. */
  get padding(): number {
    return (BLOCK - (this.read % BLOCK)) % BLOCK;
  }

  /** Bytes of the member the map text has used so far. */
  get consumed(): number {
    return this.read;
  }
}

/** Parses GNU.sparse.map (format 0.1): "OFFSET,LENGTH,OFFSET,LENGTH...". */
export function parseSparseMap01(text: string): Region[] | null {
  if (text === '') return [];
  const parts = text.split(',');
  if (parts.length % 2 !== 0 || parts.length / 2 > MAX_REGIONS) return null;
  const out: Region[] = [];
  for (let i = 0; i < parts.length; i += 2) {
    if (!/^\d{1,16}$/.test(parts[i]!) || !/^\d{1,16}$/.test(parts[i + 1]!)) return null;
    out.push({ offset: Number(parts[i]), length: Number(parts[i + 1]) });
  }
  return out;
}
