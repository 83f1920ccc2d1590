/**
 * The `system.ntfs_*` extended attributes, as ntfs-3g names and formats them,
 * over a memefs inode. The Volume routes every `system.ntfs_*` name here.
 * Like ntfs-3g, these names are not listed by listxattr; they are read and
 * written by name (getfattr -n, setfattr -n).
 *
 *   system.ntfs_attrib / _be     u32 FILE_ATTRIBUTE_* (little / big endian)
 *   system.ntfs_crtime / _be     u64 NT time of creation (birth time)
 *   system.ntfs_times / _be      4 x u64 NT times: creation, last write, last access, change
 *                                (setting 8, 16, 24 or 32 bytes sets that many; 0 keeps a time)
 *   system.ntfs_acl              self-relative security descriptor
 *   system.ntfs_ea               packed FILE_FULL_EA_INFORMATION list (set replaces the whole list)
 *   system.ntfs_reparse_data     REPARSE_DATA_BUFFER
 */
import type { Caller } from '../access.js';
import { Errno, fail } from '../errno.js';
import { type Inode, S_IFBLK, S_IFCHR, S_IFDIR, S_IFIFO, S_IFLNK, S_IFMT, S_IFREG, S_IFSOCK } from '../inode.js';
import { fromNtTime, now, toNtTime, type Timespec } from '../time.js';
import { FILE_ATTRIBUTE_RECALL_ON_OPEN, effectiveAttributes, storedAttributes, u32be, u32le } from './attributes.js';
import { EA_LIST_MAX, type Ea, EaError, decodeEaList, eaListSize, encodeEaList } from './ea.js';
import {
  IO_REPARSE_TAG_MOUNT_POINT, ReparseError, decodeReparse, encodeSpecialReparse, encodeSymlinkReparse, reparseTag,
} from './reparse.js';
import { SdError, decodeSd } from './sddl.js';
import { binarySdFromMode, modeFromSd, posixOfBinarySd } from './security.js';

/** What the xattr layer needs from the volume (kept narrow so the node:fs facade can use it too). */
export interface NtfsHost {
  /** Charges `bytes` (negative: gives back) to the volume and to the inode; throws ENOSPC when they do not fit. */
  charge(inode: Inode, bytes: number): void;
  uncharge(inode: Inode, bytes: number): void;
  /** Turns a regular file or empty directory into a symlink or special file (reparse points). */
  retype(inode: Inode, mode: number, target: string | null): void;
}

export const NTFS_PREFIX = 'system.ntfs_';

function isReparse(inode: Inode): boolean {
  const t = inode.mode & S_IFMT;
  return inode.reparseData !== null || t === S_IFLNK || t === S_IFIFO || t === S_IFSOCK || t === S_IFCHR || t === S_IFBLK;
}

/** A FIFO, socket or device is a WSL reparse point, which WSL and ntfs-3g mark RECALL_ON_OPEN. */
function attributesOf(inode: Inode): number {
  const t = inode.mode & S_IFMT;
  const special = t === S_IFIFO || t === S_IFSOCK || t === S_IFCHR || t === S_IFBLK;
  return (effectiveAttributes(inode.dosAttributes, inode.isDir(), isReparse(inode)) | (special ? FILE_ATTRIBUTE_RECALL_ON_OPEN : 0)) >>> 0;
}

function u64(values: bigint[], littleEndian: boolean): Uint8Array {
  const b = new Uint8Array(8 * values.length);
  const v = new DataView(b.buffer);
  values.forEach((x, i) => v.setBigUint64(8 * i, x < 0n ? 0n : x, littleEndian));
  return b;
}

function ntTime(t: Timespec): bigint {
  return toNtTime(t);
}

/** The descriptor of an inode: the one set, while it still agrees with mode/uid/gid; otherwise derived. */
export function securityDescriptorOf(inode: Inode): Uint8Array {
  const sd = inode.securityDescriptor;
  if (sd !== null) {
    try {
      const p = posixOfBinarySd(sd);
      if (p.uid === inode.uid && p.gid === inode.gid && p.perms === (inode.mode & 0o777)) return sd;
    } catch { /* fall through */ }
  }
  return binarySdFromMode(inode.uid, inode.gid, inode.mode);
}

export function getNtfsXattr(inode: Inode, name: string): Uint8Array {
  switch (name) {
    case 'system.ntfs_attrib': return u32le(attributesOf(inode));
    case 'system.ntfs_attrib_be': return u32be(attributesOf(inode));
    case 'system.ntfs_crtime': return u64([ntTime(inode.btime)], true);
    case 'system.ntfs_crtime_be': return u64([ntTime(inode.btime)], false);
    case 'system.ntfs_times': return u64([inode.btime, inode.mtime, inode.atime, inode.ctime].map(ntTime), true);
    case 'system.ntfs_times_be': return u64([inode.btime, inode.mtime, inode.atime, inode.ctime].map(ntTime), false);
    case 'system.ntfs_acl': return securityDescriptorOf(inode);
    case 'system.ntfs_ea': {
      if (inode.eas === null || inode.eas.size === 0) fail(Errno.ENODATA);
      return encodeEaList([...inode.eas.values()]);
    }
    case 'system.ntfs_reparse_data': {
      if (inode.reparseData !== null) return inode.reparseData;
      switch (inode.mode & S_IFMT) {
        case S_IFLNK: return encodeSymlinkReparse(inode.target ?? '');
        case S_IFIFO: return encodeSpecialReparse('fifo');
        case S_IFSOCK: return encodeSpecialReparse('socket');
        case S_IFCHR: return encodeSpecialReparse('chr');
        case S_IFBLK: return encodeSpecialReparse('blk');
      }
      return fail(Errno.ENODATA);
    }
    default: return fail(Errno.EOPNOTSUPP);
  }
}

export function isKnownNtfsXattr(name: string): boolean {
  return KNOWN.has(name);
}
const KNOWN = new Set(['system.ntfs_attrib', 'system.ntfs_attrib_be', 'system.ntfs_crtime', 'system.ntfs_crtime_be',
  'system.ntfs_times', 'system.ntfs_times_be', 'system.ntfs_acl', 'system.ntfs_ea', 'system.ntfs_reparse_data']);

function requireOwner(caller: Caller | undefined, inode: Inode): void {
  if (caller !== undefined && caller.uid !== 0 && caller.uid !== inode.uid) fail(Errno.EPERM);
}

function readU32(value: Uint8Array, le: boolean): number {
  if (value.length !== 4) fail(Errno.EINVAL, 'expected 4 bytes');
  return new DataView(value.buffer, value.byteOffset, 4).getUint32(0, le);
}

function readTimes(value: Uint8Array, le: boolean, max: number): (Timespec | null)[] {
  if (value.length < 8) fail(Errno.ERANGE, 'expected NT times of 8 bytes each'); // ntfs-3g's errno for a short value
  if (value.length % 8 !== 0 || value.length > 8 * max) fail(Errno.EINVAL, 'expected NT times of 8 bytes each');
  const v = new DataView(value.buffer, value.byteOffset, value.byteLength);
  const out: (Timespec | null)[] = [];
  for (let i = 0; i < value.length; i += 8) {
    const t = v.getBigUint64(i, le);
    out.push(t === 0n ? null : fromNtTime(t));
  }
  return out;
}

export function setNtfsXattr(host: NtfsHost, inode: Inode, name: string, value: Uint8Array, caller?: Caller): void {
  switch (name) {
    case 'system.ntfs_attrib':
    case 'system.ntfs_attrib_be': {
      requireOwner(caller, inode);
      const stored = storedAttributes(readU32(value, name === 'system.ntfs_attrib'));
      if (stored === null) fail(Errno.EINVAL, 'unknown FILE_ATTRIBUTE_* bits');
      inode.dosAttributes = stored;
      break;
    }
    case 'system.ntfs_crtime':
    case 'system.ntfs_crtime_be':
    case 'system.ntfs_times':
    case 'system.ntfs_times_be': {
      requireOwner(caller, inode);
      const times = readTimes(value, !name.endsWith('_be'), name.startsWith('system.ntfs_crtime') ? 1 : 4);
      const [b, m, a, c] = times;
      if (b) inode.btime = b;
      if (m) inode.mtime = m;
      if (a) inode.atime = a;
      if (c) { inode.ctime = c; return; }
      break;
    }
    case 'system.ntfs_acl': setSecurity(host, inode, value, caller); break;
    case 'system.ntfs_ea': setEas(host, inode, value, caller); break;
    case 'system.ntfs_reparse_data': setReparse(host, inode, value, caller); break;
    default: fail(Errno.EOPNOTSUPP);
  }
  inode.ctime = now();
}

export function removeNtfsXattr(host: NtfsHost, inode: Inode, name: string, caller?: Caller): void {
  switch (name) {
    case 'system.ntfs_ea': {
      if (inode.eas === null || inode.eas.size === 0) fail(Errno.ENODATA);
      requireOwner(caller, inode);
      host.uncharge(inode, eaListSize(inode.eas.values()));
      inode.eas = null;
      break;
    }
    case 'system.ntfs_acl': {
      requireOwner(caller, inode);
      if (inode.securityDescriptor === null) fail(Errno.ENODATA);
      host.uncharge(inode, inode.securityDescriptor.length);
      inode.securityDescriptor = null;
      break;
    }
    case 'system.ntfs_reparse_data': {
      requireOwner(caller, inode);
      if (!isReparse(inode)) fail(Errno.ENODATA);
      if (inode.reparseData !== null) host.uncharge(inode, inode.reparseData.length);
      inode.reparseData = null;
      // As ntfs-3g: without its reparse point a symlink or special file is an empty file again.
      const type = inode.mode & S_IFMT;
      if (type !== S_IFREG && type !== S_IFDIR) host.retype(inode, S_IFREG | (inode.mode & 0o7777), null);
      break;
    }
    default:
      fail(isKnownNtfsXattr(name) ? Errno.EPERM : Errno.EOPNOTSUPP);
  }
  inode.ctime = now();
}

function setSecurity(host: NtfsHost, inode: Inode, value: Uint8Array, caller?: Caller): void {
  let sd;
  try {
    sd = decodeSd(value);
  } catch (e) {
    if (e instanceof SdError) fail(Errno.EINVAL, `malformed security descriptor: ${e.message}`);
    throw e;
  }
  // As ntfs-3g: a file's descriptor names its owner and group (there is no "keep the current one" here).
  if (sd.owner === null || sd.group === null) fail(Errno.EINVAL, 'security descriptor without an owner or a group');
  const posix = modeFromSd(sd);
  if (caller !== undefined && caller.uid !== 0) {
    if (caller.uid !== inode.uid || posix.uid !== inode.uid || posix.gid !== inode.gid) fail(Errno.EPERM);
  }
  const old = inode.securityDescriptor?.length ?? 0;
  host.charge(inode, value.length - old);
  inode.securityDescriptor = new Uint8Array(value); // a copy (Buffer.slice would share the request buffer)
  inode.uid = posix.uid;
  inode.gid = posix.gid;
  inode.mode = (inode.mode & ~0o777) | posix.perms;
}

/** As ntfs-3g: the value is the whole list (get gives back what was set); names are unique regardless of case, as on NTFS. */
function setEas(host: NtfsHost, inode: Inode, value: Uint8Array, caller?: Caller): void {
  requireOwner(caller, inode);
  let list;
  try {
    if (value.length === 0) throw new EaError('an empty EA list (remove the attribute instead)');
    list = decodeEaList(value);
  } catch (e) {
    if (e instanceof EaError) fail(Errno.EINVAL, e.message);
    throw e;
  }
  const next = new Map<string, Ea>();
  for (const ea of list) {
    const key = ea.name.toUpperCase();
    if (next.has(key)) fail(Errno.EINVAL, `EA ${ea.name} twice`);
    next.set(key, ea);
  }
  const size = eaListSize(next.values());
  if (size > EA_LIST_MAX) fail(Errno.E2BIG, 'EAs larger than 64 KiB');
  const old = inode.eas ? eaListSize(inode.eas.values()) : 0;
  host.charge(inode, size - old);
  inode.eas = next;
}

function setReparse(host: NtfsHost, inode: Inode, value: Uint8Array, caller?: Caller): void {
  requireOwner(caller, inode);
  let meaning;
  try {
    meaning = decodeReparse(value);
  } catch (e) {
    if (e instanceof ReparseError) fail(Errno.EINVAL, e.message);
    throw e;
  }
  const type = inode.mode & S_IFMT;
  // As ntfs-3g (and Windows): a junction is a directory's (or replaces one, whose directory is a link now).
  const junction = (b: Uint8Array | null): boolean => b !== null && reparseTag(b) === IO_REPARSE_TAG_MOUNT_POINT;
  if (junction(value) && type !== S_IFDIR && !junction(inode.reparseData)) fail(Errno.EINVAL, 'a junction on something other than a directory');
  const wanted = meaning.kind === 'symlink' ? S_IFLNK : meaning.kind === 'fifo' ? S_IFIFO : meaning.kind === 'socket' ? S_IFSOCK
    : meaning.kind === 'chr' ? S_IFCHR : meaning.kind === 'blk' ? S_IFBLK : type;
  if (wanted !== type) {
    // As on Windows, only an empty file or directory becomes a link or special file.
    if (type === S_IFDIR ? (inode.dir?.size ?? 0) > 0 : (inode.data?.size ?? 0) > 0 || type !== 0o100000) fail(Errno.ENOTEMPTY);
  }
  const old = inode.reparseData?.length ?? 0;
  host.charge(inode, value.length - old);
  if (wanted !== type || meaning.kind === 'symlink') {
    try {
      // A symlink's mode is 0777 (as symlink(2) makes them and ntfs-3g shows them).
      const perms = meaning.kind === 'symlink' ? 0o777 : inode.mode & 0o7777;
      host.retype(inode, wanted | perms, meaning.kind === 'symlink' ? meaning.target : null);
    } catch (e) {
      host.uncharge(inode, value.length - old);
      throw e;
    }
  }
  inode.reparseData = new Uint8Array(value);
}
