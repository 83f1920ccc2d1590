/**
 * Long file names (VFAT): a name of up to 255 UTF-16 units stored in 32-byte
 * slots just before the short entry, last part first. Each slot carries an
 * ordinal (1..n, the last one or-ed with 0x40) and the checksum of the short
 * name it belongs to, so readers can tell stale slots from live ones.
 */

export const LFN_ATTR = 0x0f;
export const LFN_LAST = 0x40;
export const LFN_UNITS_PER_SLOT = 13;
export const LFN_MAX_UNITS = 255;
/** Byte offsets of the 13 UTF-16 units inside a slot. */
const UNIT_OFFSETS = [1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30];

/** The checksum of an 11-byte short name: rotate right by one, then add the next byte (8-bit). */
export function lfnChecksum(name11: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < 11; i++) sum = ((((sum & 1) << 7) | (sum >> 1)) + name11[i]!) & 0xff;
  return sum;
}

export function isLfnSlot(entry: Uint8Array): boolean {
  return (entry[11]! & 0x3f) === LFN_ATTR && entry[0] !== 0xe5 && entry[0] !== 0x00;
}

export interface LfnSlot {
  /** 1-based position of this slot's 13 units in the name. */
  ordinal: number;
  last: boolean;
  checksum: number;
  /** The 13 units as stored (terminator and padding included). */
  units: number[];
}

export function parseLfnSlot(entry: Uint8Array): LfnSlot {
  const units: number[] = [];
  for (const off of UNIT_OFFSETS) units.push(entry[off]! | (entry[off + 1]! << 8));
  return { ordinal: entry[0]! & 0x3f, last: (entry[0]! & LFN_LAST) !== 0, checksum: entry[13]!, units };
}

/** The name in a complete set's units: up to the first 0x0000 (0xFFFF padding follows it). */
export function unitsToName(units: number[]): string {
  let end = units.indexOf(0);
  if (end < 0) end = units.length;
  let s = '';
  for (let i = 0; i < end; i++) s += String.fromCharCode(units[i]!);
  return s;
}

/** The slots for `name` in on-disk order (highest ordinal first), each 32 bytes. */
export function buildLfnSlots(name: string, checksum: number): Uint8Array[] {
  if (name.length === 0 || name.length > LFN_MAX_UNITS) throw new Error(`long name must be 1..255 UTF-16 units: ${JSON.stringify(name)}`);
  const count = Math.ceil(name.length / LFN_UNITS_PER_SLOT);
  const slots: Uint8Array[] = [];
  for (let n = count; n >= 1; n--) {
    const slot = new Uint8Array(32);
    slot[0] = n | (n === count ? LFN_LAST : 0);
    slot[11] = LFN_ATTR;
    slot[13] = checksum;
    for (let i = 0; i < LFN_UNITS_PER_SLOT; i++) {
      const at = (n - 1) * LFN_UNITS_PER_SLOT + i;
      // After the name: one 0x0000 terminator, then 0xFFFF padding.
      const unit = at < name.length ? name.charCodeAt(at) : at === name.length ? 0x0000 : 0xffff;
      slot[UNIT_OFFSETS[i]!] = unit & 0xff;
      slot[UNIT_OFFSETS[i]! + 1] = unit >> 8;
    }
    slots.push(slot);
  }
  return slots;
}

export function lfnSlotCount(name: string): number {
  return Math.ceil(name.length / LFN_UNITS_PER_SLOT);
}
