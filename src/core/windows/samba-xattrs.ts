/**
 * Samba's name for DOS attributes and creation time, `user.DOSATTRIB`, answered
 * from memefs's own metadata, so a file shared with `memefs --share` has one set
 * of attributes: what Windows clients set through Samba is what
 * `system.ntfs_attrib` and statx show on Linux, and the other way round. Nothing
 * is stored under this name; like `system.ntfs_*` it is not listed.
 *
 * The value is Samba's xattr_DosAttrib NDR blob, version 5 (what Samba 4.x
 * writes): an empty hex string, the version twice, then valid flags, the
 * attributes and the creation time as an NT time, all little-endian:
 *   00 00 | 05 00 | 05 00 00 00 | flags u32 | attrib u32 | create_time u64
 * Older versions (Samba 3's hex string, versions 1 to 4) are refused with EINVAL.
 */
import type { Caller } from '../access.js';
import { Errno, fail } from '../errno.js';
import type { Inode } from '../inode.js';
import { u32le } from './attributes.js';
import { type NtfsHost, getNtfsXattr, setNtfsXattr } from './ntfs-xattrs.js';

export const SAMBA_DOSATTRIB = 'user.DOSATTRIB';

const VERSION = 5;
const SIZE = 24;
const ATTRIB_VALID = 0x1;
const CREATE_TIME_VALID = 0x10;

export function getDosAttrib(inode: Inode): Uint8Array {
  const b = new Uint8Array(SIZE);
  const v = new DataView(b.buffer);
  v.setUint16(2, VERSION, true);
  v.setUint32(4, VERSION, true);
  v.setUint32(8, ATTRIB_VALID | CREATE_TIME_VALID, true);
  b.set(getNtfsXattr(inode, 'system.ntfs_attrib'), 12);
  b.set(getNtfsXattr(inode, 'system.ntfs_crtime'), 16);
  return b;
}

export function setDosAttrib(host: NtfsHost, inode: Inode, value: Uint8Array, caller?: Caller): void {
  const v = new DataView(value.buffer, value.byteOffset, value.byteLength);
  if (value.length !== SIZE || v.getUint16(0, true) !== 0 || v.getUint16(2, true) !== VERSION || v.getUint32(4, true) !== VERSION) {
    fail(Errno.EINVAL, 'user.DOSATTRIB: only Samba\'s version 5 blob is understood');
  }
  const flags = v.getUint32(8, true);
  // Samba keeps FILE_ATTRIBUTE_DIRECTORY in the blob; memefs derives it from the file type.
  if (flags & ATTRIB_VALID) setNtfsXattr(host, inode, 'system.ntfs_attrib', u32le(v.getUint32(12, true) & ~0x10), caller);
  if (flags & CREATE_TIME_VALID && v.getBigUint64(16, true) !== 0n) setNtfsXattr(host, inode, 'system.ntfs_crtime', value.slice(16, 24), caller);
}

/** vfs_streams_xattr's default names: stream NAME is `user.DosStream.NAME:$DATA`. */
const STREAM_PREFIX = 'user.DosStream.';
const STREAM_SUFFIX = ':$DATA';

export function sambaStreamXattr(stream: string): string {
  return STREAM_PREFIX + stream + STREAM_SUFFIX;
}

/** The stream a Samba stream xattr name stands for, or null. */
export function sambaStreamName(xattr: string): string | null {
  if (!xattr.startsWith(STREAM_PREFIX) || !xattr.endsWith(STREAM_SUFFIX)) return null;
  const name = xattr.slice(STREAM_PREFIX.length, -STREAM_SUFFIX.length);
  return name === '' || name.includes(':') ? null : name;
}
