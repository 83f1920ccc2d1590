/**
 * POSIX ACLs (system.posix_acl_access and system.posix_acl_default), in
 * Linux's xattr form: a 4-byte version (2), then 8-byte entries of tag, perm
 * and id, sorted by tag and id. The rules are Linux's (fs/posix_acl.c): what
 * an ACL means for the mode, chmod's effect on it, what a new file inherits
 * from its directory's default ACL, and the permission check.
 */
import { type Caller, inGroup } from './access.js';
import { Errno, fail } from './errno.js';

export const ACL_ACCESS = 'system.posix_acl_access';
export const ACL_DEFAULT = 'system.posix_acl_default';

const VERSION = 2;
const USER_OBJ = 0x01;
const USER = 0x02;
const GROUP_OBJ = 0x04;
const GROUP = 0x08;
const MASK = 0x10;
const OTHER = 0x20;
const NO_ID = 0xffffffff;

export interface AclEntry {
  tag: number;
  perm: number;
  id: number;
}

export function isAclName(name: string): boolean {
  return name === ACL_ACCESS || name === ACL_DEFAULT;
}

/** Decodes and checks an ACL as posix_acl_valid does: EINVAL when it is malformed. */
export function parseAcl(bytes: Uint8Array): AclEntry[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 4 || (bytes.length - 4) % 8 !== 0 || view.getUint32(0, true) !== VERSION) fail(Errno.EINVAL);
  const entries: AclEntry[] = [];
  for (let at = 4; at < bytes.length; at += 8) {
    entries.push({ tag: view.getUint16(at, true), perm: view.getUint16(at + 2, true), id: view.getUint32(at + 4, true) });
  }
  let state = 0;
  let named = false;
  let lastId = -1;
  for (const e of entries) {
    if ((e.perm & ~7) !== 0 || ![USER_OBJ, USER, GROUP_OBJ, GROUP, MASK, OTHER].includes(e.tag) || e.tag < state) fail(Errno.EINVAL);
    const isNamed = e.tag === USER || e.tag === GROUP;
    if (e.tag !== state) lastId = -1;
    else if (!isNamed || e.id <= lastId) fail(Errno.EINVAL); // a second entry of a kind, or ids out of order
    if (isNamed) { named = true; lastId = e.id; }
    state = e.tag;
  }
  const has = (tag: number): boolean => entries.some((e) => e.tag === tag);
  if (!has(USER_OBJ) || !has(GROUP_OBJ) || !has(OTHER) || (named && !has(MASK))) fail(Errno.EINVAL);
  return entries;
}

export function encodeAcl(entries: AclEntry[]): Uint8Array {
  const bytes = new Uint8Array(4 + 8 * entries.length);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, VERSION, true);
  entries.forEach((e, i) => {
    view.setUint16(4 + 8 * i, e.tag, true);
    view.setUint16(6 + 8 * i, e.perm, true);
    view.setUint32(8 + 8 * i, e.tag === USER || e.tag === GROUP ? e.id : NO_ID, true);
  });
  return bytes;
}

/** The permission bits an access ACL sets (the group bits are the mask's, when there is one). */
export function aclMode(entries: AclEntry[]): number {
  const perm = (tag: number): number => entries.find((e) => e.tag === tag)?.perm ?? 0;
  const group = entries.some((e) => e.tag === MASK) ? perm(MASK) : perm(GROUP_OBJ);
  return (perm(USER_OBJ) << 6) | (group << 3) | perm(OTHER);
}

/** True when the mode alone says all the ACL says (no named entries): it need not be kept. */
export function isEquivalentToMode(entries: AclEntry[]): boolean {
  return !entries.some((e) => e.tag === USER || e.tag === GROUP);
}

/** chmod on a file with an access ACL: the owner, mask (or group) and other entries take the new bits. */
export function chmodAcl(entries: AclEntry[], mode: number): AclEntry[] {
  const hasMask = entries.some((e) => e.tag === MASK);
  return entries.map((e) => {
    if (e.tag === USER_OBJ) return { ...e, perm: (mode >> 6) & 7 };
    if (e.tag === (hasMask ? MASK : GROUP_OBJ)) return { ...e, perm: (mode >> 3) & 7 };
    if (e.tag === OTHER) return { ...e, perm: mode & 7 };
    return e;
  });
}

/**
 * A new file in a directory with a default ACL (posix_acl_create_masq): the ACL is masked by the
 * requested mode and the mode by the ACL. Returns the new permission bits, and the access ACL to keep
 * (null when the mode says it all).
 */
export function inheritAcl(defaults: AclEntry[], mode: number): { mode: number; access: AclEntry[] | null } {
  const acl = defaults.map((e) => ({ ...e }));
  let bits = mode & 0o777;
  const find = (tag: number): AclEntry | undefined => acl.find((e) => e.tag === tag);
  const owner = find(USER_OBJ)!;
  owner.perm &= bits >> 6;
  bits &= (owner.perm << 6) | ~0o700;
  const other = find(OTHER)!;
  other.perm &= bits & 7;
  bits &= other.perm | ~7;
  const group = find(MASK) ?? find(GROUP_OBJ)!;
  group.perm &= (bits >> 3) & 7;
  bits &= (group.perm << 3) | ~0o70;
  const keep = !isEquivalentToMode(acl) || find(MASK) !== undefined;
  return { mode: (mode & ~0o777) | (bits & 0o777), access: keep ? acl : null };
}

/** posix_acl_permission: whether `caller` (not root) may access a file with `mask` under this ACL. */
export function aclPermits(entries: AclEntry[], caller: Caller, uid: number, gid: number, mask: number): boolean {
  const maskPerm = entries.find((e) => e.tag === MASK)?.perm ?? 7;
  for (const e of entries) {
    if (e.tag === USER_OBJ && caller.uid === uid) return (e.perm & mask) === mask;
    if (e.tag === USER && caller.uid === e.id) return (e.perm & maskPerm & mask) === mask;
  }
  let inSomeGroup = false;
  for (const e of entries) {
    const member = (e.tag === GROUP_OBJ && inGroup(caller, gid)) || (e.tag === GROUP && inGroup(caller, e.id));
    if (!member) continue;
    inSomeGroup = true;
    if ((e.perm & maskPerm & mask) === mask) return true;
  }
  if (inSomeGroup) return false;
  return ((entries.find((e) => e.tag === OTHER)?.perm ?? 0) & mask) === mask;
}
