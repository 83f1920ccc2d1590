/**
 * Who is asking, and the POSIX permission rules. The FUSE transport mounts
 * with `default_permissions`, so the kernel has already applied these rules
 * (including supplementary groups) and passes callers with
 * `checkPermissions: false`; the in-process node:fs facade relies on them.
 */
import { ACL_ACCESS, aclPermits, parseAcl } from './acl.js';
import { Errno, fail } from './errno.js';
import { S_ISVTX, type Inode } from './inode.js';

export interface Caller {
  readonly uid: number;
  readonly gid: number;
  /** Supplementary groups. */
  readonly groups: readonly number[];
  /** False when the kernel has checked already. */
  readonly checkPermissions: boolean;
}

export const R_OK = 4;
export const W_OK = 2;
export const X_OK = 1;

export const ROOT: Caller = Object.freeze({ uid: 0, gid: 0, groups: [], checkPermissions: false });

export function inGroup(caller: Caller, gid: number): boolean {
  return caller.gid === gid || caller.groups.includes(gid);
}

/** Whether `caller` may access `inode` with `mask` (R_OK|W_OK|X_OK), first-match as POSIX says. */
export function permits(caller: Caller, inode: Inode, mask: number): boolean {
  if (!caller.checkPermissions || mask === 0) return true;
  const mode = inode.mode;
  if (caller.uid === 0) {
    // root may read and write anything; it may execute only if someone may.
    return (mask & X_OK) === 0 || inode.isDir() || (mode & 0o111) !== 0;
  }
  const acl = inode.xattrs?.get(ACL_ACCESS);
  if (acl !== undefined) return aclPermits(parseAcl(acl), caller, inode.uid, inode.gid, mask);
  let bits: number;
  if (caller.uid === inode.uid) bits = (mode >> 6) & 7;
  else if (inGroup(caller, inode.gid)) bits = (mode >> 3) & 7;
  else bits = mode & 7;
  return (bits & mask) === mask;
}

export function checkAccess(caller: Caller, inode: Inode, mask: number): void {
  if (!permits(caller, inode, mask)) fail(Errno.EACCES);
}

export function isOwner(caller: Caller, inode: Inode): boolean {
  return !caller.checkPermissions || caller.uid === 0 || caller.uid === inode.uid;
}

/** The sticky-directory rule for removing or replacing `victim` in `dir`. */
export function checkSticky(caller: Caller, dir: Inode, victim: Inode): void {
  if (!caller.checkPermissions || caller.uid === 0) return;
  if ((dir.mode & S_ISVTX) !== 0 && caller.uid !== dir.uid && caller.uid !== victim.uid) fail(Errno.EPERM);
}
