/**
 * One copy of the File Allocation Table, 12, 16 or 32 bits per entry, on a
 * byte array of the FAT's size. Entries are numbered like clusters; 0 and 1
 * are reserved (media byte, clean-shutdown bits).
 */
export type FatType = 12 | 16 | 32;

export const FREE = 0;

export class FatTable {
  readonly type: FatType;
  readonly bytes: Uint8Array;
  /** Entries that exist in the bytes (the FAT may be larger than the cluster count needs). */
  readonly capacity: number;

  constructor(type: FatType, bytes: Uint8Array) {
    this.type = type;
    this.bytes = bytes;
    this.capacity = type === 12 ? Math.floor((bytes.length * 2) / 3) : bytes.length / (type / 8) | 0;
  }

  /** End-of-chain marker as written. */
  get eoc(): number {
    return this.type === 12 ? 0xfff : this.type === 16 ? 0xffff : 0x0fffffff;
  }

  get bad(): number {
    return this.type === 12 ? 0xff7 : this.type === 16 ? 0xfff7 : 0x0ffffff7;
  }

  isEoc(v: number): boolean {
    return v >= (this.type === 12 ? 0xff8 : this.type === 16 ? 0xfff8 : 0x0ffffff8);
  }

  isBad(v: number): boolean {
    return v === this.bad;
  }

  /** The entry's value (FAT32: the low 28 bits only). */
  get(n: number): number {
    const b = this.bytes;
    if (n < 0 || n >= this.capacity) return 0;
    switch (this.type) {
      case 12: {
        const off = n + (n >> 1);
        const v = b[off]! | (b[off + 1]! << 8);
        return n & 1 ? v >> 4 : v & 0xfff;
      }
      case 16:
        return b[2 * n]! | (b[2 * n + 1]! << 8);
      case 32: {
        const off = 4 * n;
        return (b[off]! | (b[off + 1]! << 8) | (b[off + 2]! << 16) | ((b[off + 3]! & 0x0f) << 24)) >>> 0;
      }
    }
  }

  /** Sets an entry (FAT32 keeps the reserved top nibble; FAT12 keeps the neighbour's half byte). */
  set(n: number, value: number): void {
    const b = this.bytes;
    if (n < 0 || n >= this.capacity) throw new RangeError(`FAT entry ${n} out of range`);
    switch (this.type) {
      case 12: {
        const off = n + (n >> 1);
        value &= 0xfff;
        if (n & 1) {
          b[off] = (b[off]! & 0x0f) | ((value & 0x0f) << 4);
          b[off + 1] = value >> 4;
        } else {
          b[off] = value & 0xff;
          b[off + 1] = (b[off + 1]! & 0xf0) | (value >> 8);
        }
        return;
      }
      case 16:
        b[2 * n] = value & 0xff;
        b[2 * n + 1] = (value >> 8) & 0xff;
        return;
      case 32: {
        const off = 4 * n;
        b[off] = value & 0xff;
        b[off + 1] = (value >>> 8) & 0xff;
        b[off + 2] = (value >>> 16) & 0xff;
        b[off + 3] = (b[off + 3]! & 0xf0) | ((value >>> 24) & 0x0f);
        return;
      }
    }
  }

  /** The raw FAT[1] including the FAT32 top nibble, for the clean-shutdown bits. */
  rawEntry1(): number {
    const b = this.bytes;
    if (this.type === 12) return (b[1]! >> 4) | (b[2]! << 4);
    if (this.type === 16) return b[2]! | (b[3]! << 8);
    return (b[4]! | (b[5]! << 8) | (b[6]! << 16) | (b[7]! << 24)) >>> 0;
  }
}

/** FAT[1] bits that say "unmounted cleanly" and "no I/O errors" (FAT16: 0x8000/0x4000; FAT32: 0x08000000/0x04000000). */
export function cleanBits(type: FatType): { clean: number; noErrors: number } {
  if (type === 16) return { clean: 0x8000, noErrors: 0x4000 };
  if (type === 32) return { clean: 0x08000000, noErrors: 0x04000000 };
  return { clean: 0, noErrors: 0 };
}

/** Runs of consecutive clusters in a chain, as "2-9, 14, 20-21". */
export function describeRuns(chain: readonly number[]): string {
  const parts: string[] = [];
  let i = 0;
  while (i < chain.length) {
    let j = i;
    while (j + 1 < chain.length && chain[j + 1] === chain[j]! + 1) j++;
    parts.push(i === j ? `${chain[i]}` : `${chain[i]}-${chain[j]}`);
    i = j + 1;
  }
  return parts.join(', ');
}

export function countRuns(chain: readonly number[]): number {
  let runs = chain.length > 0 ? 1 : 0;
  for (let i = 1; i < chain.length; i++) if (chain[i] !== chain[i - 1]! + 1) runs++;
  return runs;
}
