/**
 * DOS/NTFS file attributes (FILE_ATTRIBUTE_*) as `system.ntfs_attrib` shows
 * them, and the rules NTFS applies to them. Pure.
 *
 * Stored per inode: the bits a caller may set (read-only, hidden, system,
 * archive, temporary, offline, not-content-indexed, no-scrub-data, pinned,
 * unpinned...). Derived when read: DIRECTORY for directories, REPARSE_POINT
 * when the inode has reparse data or is a symlink or special file (those are
 * reparse points on NTFS/WSL), and NORMAL when nothing else is set.
 */
export const FILE_ATTRIBUTE_READONLY = 0x1;
export const FILE_ATTRIBUTE_HIDDEN = 0x2;
export const FILE_ATTRIBUTE_SYSTEM = 0x4;
export const FILE_ATTRIBUTE_DIRECTORY = 0x10;
export const FILE_ATTRIBUTE_ARCHIVE = 0x20;
export const FILE_ATTRIBUTE_DEVICE = 0x40;
export const FILE_ATTRIBUTE_NORMAL = 0x80;
export const FILE_ATTRIBUTE_TEMPORARY = 0x100;
export const FILE_ATTRIBUTE_SPARSE_FILE = 0x200;
export const FILE_ATTRIBUTE_REPARSE_POINT = 0x400;
export const FILE_ATTRIBUTE_COMPRESSED = 0x800;
export const FILE_ATTRIBUTE_OFFLINE = 0x1000;
export const FILE_ATTRIBUTE_NOT_CONTENT_INDEXED = 0x2000;
export const FILE_ATTRIBUTE_ENCRYPTED = 0x4000;
export const FILE_ATTRIBUTE_INTEGRITY_STREAM = 0x8000;
export const FILE_ATTRIBUTE_NO_SCRUB_DATA = 0x20000;
export const FILE_ATTRIBUTE_RECALL_ON_OPEN = 0x40000;
export const FILE_ATTRIBUTE_PINNED = 0x80000;
export const FILE_ATTRIBUTE_UNPINNED = 0x100000;

/** Bits a caller may set and memefs keeps (as SetFileAttributes accepts them on NTFS). */
export const SETTABLE_ATTRIBUTES = FILE_ATTRIBUTE_READONLY | FILE_ATTRIBUTE_HIDDEN | FILE_ATTRIBUTE_SYSTEM |
  FILE_ATTRIBUTE_ARCHIVE | FILE_ATTRIBUTE_TEMPORARY | FILE_ATTRIBUTE_OFFLINE | FILE_ATTRIBUTE_NOT_CONTENT_INDEXED |
  FILE_ATTRIBUTE_NO_SCRUB_DATA | FILE_ATTRIBUTE_PINNED | FILE_ATTRIBUTE_UNPINNED | FILE_ATTRIBUTE_INTEGRITY_STREAM;

/** Bits the file system decides; setting them is ignored, as NTFS does. */
export const DERIVED_ATTRIBUTES = FILE_ATTRIBUTE_DIRECTORY | FILE_ATTRIBUTE_REPARSE_POINT | FILE_ATTRIBUTE_NORMAL |
  FILE_ATTRIBUTE_SPARSE_FILE | FILE_ATTRIBUTE_COMPRESSED | FILE_ATTRIBUTE_ENCRYPTED | FILE_ATTRIBUTE_DEVICE |
  FILE_ATTRIBUTE_RECALL_ON_OPEN;

/** The attributes as read: stored bits plus the derived ones. */
export function effectiveAttributes(stored: number, isDir: boolean, isReparse: boolean): number {
  let a = stored & SETTABLE_ATTRIBUTES;
  if (isDir) a |= FILE_ATTRIBUTE_DIRECTORY;
  if (isReparse) a |= FILE_ATTRIBUTE_REPARSE_POINT;
  return a === 0 ? FILE_ATTRIBUTE_NORMAL : a;
}

/** What to store when a caller sets `value`: unknown bits are refused (EINVAL), derived ones ignored. */
export function storedAttributes(value: number): number | null {
  const v = value >>> 0;
  if ((v & ~(SETTABLE_ATTRIBUTES | DERIVED_ATTRIBUTES)) !== 0) return null;
  return v & SETTABLE_ATTRIBUTES;
}

const NAMES: [number, string][] = [
  [FILE_ATTRIBUTE_READONLY, 'READONLY'], [FILE_ATTRIBUTE_HIDDEN, 'HIDDEN'], [FILE_ATTRIBUTE_SYSTEM, 'SYSTEM'],
  [FILE_ATTRIBUTE_DIRECTORY, 'DIRECTORY'], [FILE_ATTRIBUTE_ARCHIVE, 'ARCHIVE'], [FILE_ATTRIBUTE_NORMAL, 'NORMAL'],
  [FILE_ATTRIBUTE_TEMPORARY, 'TEMPORARY'], [FILE_ATTRIBUTE_SPARSE_FILE, 'SPARSE_FILE'],
  [FILE_ATTRIBUTE_REPARSE_POINT, 'REPARSE_POINT'], [FILE_ATTRIBUTE_OFFLINE, 'OFFLINE'],
  [FILE_ATTRIBUTE_NOT_CONTENT_INDEXED, 'NOT_CONTENT_INDEXED'], [FILE_ATTRIBUTE_INTEGRITY_STREAM, 'INTEGRITY_STREAM'],
  [FILE_ATTRIBUTE_NO_SCRUB_DATA, 'NO_SCRUB_DATA'], [FILE_ATTRIBUTE_RECALL_ON_OPEN, 'RECALL_ON_OPEN'], [FILE_ATTRIBUTE_PINNED, 'PINNED'], [FILE_ATTRIBUTE_UNPINNED, 'UNPINNED'],
];

export function describeAttributes(a: number): string {
  return NAMES.filter(([bit]) => a & bit).map(([, n]) => n).join('|') || '0';
}

export function u32le(v: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v >>> 0, true);
  return b;
}

export function u32be(v: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v >>> 0, false);
  return b;
}
