/**
 * Windows extended attributes as FILE_FULL_EA_INFORMATION lists (the packed
 * form ntfs-3g exposes as `system.ntfs_ea`). Each entry: NextEntryOffset u32,
 * Flags u8, EaNameLength u8, EaValueLength u16, the name, a NUL, the value;
 * entries start on 4-byte boundaries. Two forms of the last entry exist:
 * Windows's API gives it NextEntryOffset 0 and no padding; ntfs-3g (and the
 * $EA attribute on disk) give every entry, the last included, its padded
 * length as the offset, and ntfs-3g refuses the other form. Both are read;
 * ntfs-3g's is written, so values copy between memefs and ntfs-3g. Pure.
 */

export interface Ea {
  name: string;
  value: Uint8Array;
  flags: number;
}

export class EaError extends Error {}

/** Windows's EA size cap for one file (the packed list). */
export const EA_LIST_MAX = 65535;
export const FILE_NEED_EA = 0x80;

/** EA names: 1..255 ASCII characters without controls or the characters Windows refuses. */
export function checkEaName(name: string): void {
  if (name.length === 0 || name.length > 255) throw new EaError(`EA name of ${name.length} characters (1 to 255)`);
  if (!/^[\x20-\x7e]+$/.test(name) || /["*+,/:;<=>?[\\\]|]/.test(name)) throw new EaError(`EA name ${JSON.stringify(name)} has characters Windows refuses`);
}

export function decodeEaList(b: Uint8Array): Ea[] {
  const out: Ea[] = [];
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let at = 0;
  if (b.length === 0) return out;
  for (;;) {
    if (at + 8 > b.length) throw new EaError(`EA entry at ${at} runs past the end`);
    const next = v.getUint32(at, true);
    const flags = b[at + 4]!;
    const nameLen = b[at + 5]!;
    const valueLen = v.getUint16(at + 6, true);
    const end = at + 8 + nameLen + 1 + valueLen;
    if (end > b.length) throw new EaError(`EA entry at ${at} runs past the end`);
    if (b[at + 8 + nameLen] !== 0) throw new EaError(`EA name at ${at} is not NUL-terminated`);
    const name = String.fromCharCode(...b.subarray(at + 8, at + 8 + nameLen));
    checkEaName(name);
    out.push({ name, flags, value: Uint8Array.prototype.slice.call(b, at + 9 + nameLen, end) });
    if (next === 0) { // Windows's last entry
      if (b.length - end > 3) throw new EaError(`${b.length - end} bytes after the last EA entry`);
      break;
    }
    if (next % 4 !== 0 || at + next < end || at + next - end > 3) throw new EaError(`EA entry at ${at} has a bad next offset ${next}`);
    if (at + next === b.length) break; // ntfs-3g's last entry: padded, offset to the end
    if (at + next > b.length) throw new EaError(`EA entry at ${at} has a next offset ${next} past the end`);
    at += next;
  }
  return out;
}

/** ntfs-3g's form: every entry padded to 4 bytes and pointing past itself. */
export function encodeEaList(eas: readonly Ea[]): Uint8Array {
  const sizes = eas.map(entrySize);
  const b = new Uint8Array(sizes.reduce((a, n) => a + n, 0));
  const v = new DataView(b.buffer);
  let at = 0;
  eas.forEach((e, i) => {
    v.setUint32(at, sizes[i]!, true);
    b[at + 4] = e.flags;
    b[at + 5] = e.name.length;
    v.setUint16(at + 6, e.value.length, true);
    for (let k = 0; k < e.name.length; k++) b[at + 8 + k] = e.name.charCodeAt(k);
    b.set(e.value, at + 9 + e.name.length);
    at += sizes[i]!;
  });
  return b;
}

/** The packed size Windows counts against EA_LIST_MAX. */
export function eaListSize(eas: Iterable<Ea>): number {
  let n = 0;
  for (const e of eas) n += entrySize(e);
  return n;
}

function entrySize(e: Ea): number {
  return (8 + e.name.length + 1 + e.value.length + 3) & ~3;
}
