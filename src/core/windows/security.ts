/**
 * The mapping between POSIX ownership and permissions (uid, gid, mode) and a
 * Windows security descriptor, after WinFsp's FspPosixMap* functions, which
 * follow Cygwin's id mapping ([IDMAP], cygwin-ug-net/ntsec.html). Pure.
 *
 * uid/gid <-> SID:
 *   65534                  S-1-0-65534      (nobody; also every SID no rule maps)
 *   0..0x1ff, 1000         S-1-5-N          (well-known NT AUTHORITY SIDs: SYSTEM = 18)
 *   0x200..999             S-1-5-32-N       (BUILTIN aliases: Administrators = 544)
 *   0x1000*X + RID         S-1-5-X-RID      (X = 1..0xff, below 0x10000)
 *   0x10000 + 0x100*X + Y  S-1-X-Y          (other well-known: Everyone = 0x10100)
 *   0x30000 + RID          S-1-5-21-D1-D2-D3-RID  (local accounts of the volume's machine domain)
 *   0x60000 + RID          S-1-16-RID       (mandatory labels)
 *   any other id N         S-1-22-1-N / S-1-22-2-N (memefs's addition: Samba's "Unix User/Group" SIDs,
 *                          so that ordinary Linux ids such as 1001 round-trip instead of becoming nobody)
 *
 * mode -> DACL (WinFsp's rule): allow owner its bits plus owner rights, deny
 * the owner what group or others have and it lacks, allow the group, deny the
 * group what others have and it lacks, allow Everyone; the DACL is protected.
 * DACL -> mode: for owner, group and others in turn, the ACEs for that SID and
 * for Everyone are applied in order (first allow or deny of a right wins);
 * read = FILE_READ_DATA, write = FILE_WRITE_DATA, execute = FILE_EXECUTE
 * (generic rights count). Set-user-ID, set-group-ID and sticky bits have no
 * DACL form and are kept from the inode.
 */
import {
  ACCESS_ALLOWED_ACE_TYPE, ACCESS_DENIED_ACE_TYPE, type Ace, SE_DACL_PRESENT, SE_DACL_PROTECTED, SE_SELF_RELATIVE,
  type SecurityDescriptor, type Sid, decodeSd, encodeSd, sidEquals,
} from './sddl.js';

/** The machine domain memefs volumes use for 0x30000 + RID (a fixed, documented one). */
export const DEFAULT_MACHINE_DOMAIN = [0, 0, 0] as const;
export const NOBODY = 65534;
export const EVERYONE: Sid = { authority: 1, subAuthorities: [0] };

const FILE_READ_DATA = 0x1;
const FILE_WRITE_DATA = 0x2;
const FILE_APPEND_DATA = 0x4;
const FILE_READ_EA = 0x8;
const FILE_WRITE_EA = 0x10;
const FILE_EXECUTE = 0x20;
const FILE_DELETE_CHILD = 0x40;
const FILE_READ_ATTRIBUTES = 0x80;
const FILE_WRITE_ATTRIBUTES = 0x100;
const DELETE = 0x10000;
const READ_CONTROL = 0x20000;
const WRITE_DAC = 0x40000;
const WRITE_OWNER = 0x80000;
const SYNCHRONIZE = 0x100000;
const GENERIC_ALL = 0x10000000;
const GENERIC_EXECUTE = 0x20000000;
const GENERIC_WRITE = 0x40000000;
const GENERIC_READ = 0x80000000;

const BASE_RIGHTS = SYNCHRONIZE | READ_CONTROL | FILE_READ_ATTRIBUTES | FILE_READ_EA;
const OWNER_RIGHTS = BASE_RIGHTS | DELETE | WRITE_DAC | WRITE_OWNER | FILE_WRITE_ATTRIBUTES | FILE_WRITE_EA;

export function uidToSid(id: number, kind: 'user' | 'group' = 'user', domain: readonly number[] = DEFAULT_MACHINE_DOMAIN): Sid {
  const s = (authority: number, ...subs: number[]): Sid => ({ authority, subAuthorities: subs });
  if (id === NOBODY) return s(0, NOBODY);
  if (id < 0x200 || id === 1000) return s(5, id);
  if (id < 1000) return s(5, 32, id);
  if (id >= 0x10000 && id < 0x11000) return s((id - 0x10000) >> 8, (id - 0x10000) & 0xff);
  if (id >= 0x30000 && id < 0x40000) return s(5, 21, domain[0]!, domain[1]!, domain[2]!, id - 0x30000);
  if (id >= 0x60000 && id < 0x70000) return s(16, id - 0x60000);
  if (id >= 0x1000 && id < 0x10000 && (id >> 12) !== 5) return s(5, id >> 12, id & 0xfff);
  return s(22, kind === 'user' ? 1 : 2, id >>> 0);
}

/** The id of a SID; SIDs no rule maps become nobody (65534). */
export function sidToUid(sid: Sid, domain: readonly number[] = DEFAULT_MACHINE_DOMAIN): number {
  const a = sid.authority;
  const sub = sid.subAuthorities;
  const n = sub.length;
  if (n === 0) return NOBODY;
  const rid = sub[n - 1]!;
  if (a === 0 && n === 1 && rid === NOBODY) return NOBODY;
  if (a === 5) {
    if (n === 1) return rid;
    if (n === 2 && sub[0] === 32) return rid;
    if (n === 5 && sub[0] === 21 && sub[1] === domain[0] && sub[2] === domain[1] && sub[3] === domain[2] && rid < 0x10000) return 0x30000 + rid;
    if (n === 2 && sub[0]! > 0 && sub[0]! < 16 && sub[0] !== 5 && rid < 0x1000) return 0x1000 * sub[0]! + rid;
    return NOBODY;
  }
  if (a === 16 && n === 1 && rid < 0x10000) return 0x60000 + rid;
  if (a === 22 && n === 2 && (sub[0] === 1 || sub[0] === 2)) return rid;
  if (a < 16 && n === 1 && rid < 0x100) return 0x10000 + 0x100 * a + rid;
  return NOBODY;
}

function permissionMask(mode: number, perm: number, isDir: boolean): number {
  const deleteChild = isDir && (mode & 0o1000) === 0 ? FILE_DELETE_CHILD : 0;
  return ((perm & 4) ? FILE_READ_DATA : 0) |
    ((perm & 2) ? FILE_WRITE_ATTRIBUTES | FILE_WRITE_DATA | FILE_APPEND_DATA | deleteChild : 0) |
    ((perm & 1) ? FILE_EXECUTE : 0);
}

/** The descriptor that mode/uid/gid mean (the one every file has until one is set). */
export function sdFromMode(uid: number, gid: number, mode: number, domain: readonly number[] = DEFAULT_MACHINE_DOMAIN): SecurityDescriptor {
  const owner = uidToSid(uid, 'user', domain);
  const group = uidToSid(gid, 'group', domain);
  const isDir = (mode & 0o170000) === 0o040000;
  const o = (mode >> 6) & 7;
  const g = (mode >> 3) & 7;
  const w = mode & 7;
  const ownerDeny = ((o ^ g) & g) | ((o ^ w) & w);
  const groupDeny = (g ^ w) & w;
  const aces: Ace[] = [];
  const ace = (type: number, mask: number, sid: Sid): void => { aces.push({ type, flags: 0, mask: mask >>> 0, sid }); };
  ace(ACCESS_ALLOWED_ACE_TYPE, OWNER_RIGHTS | permissionMask(mode & ~0o1000, o, isDir), owner);
  if (ownerDeny) ace(ACCESS_DENIED_ACE_TYPE, permissionMask(mode & ~0o1000, ownerDeny, isDir), owner);
  ace(ACCESS_ALLOWED_ACE_TYPE, BASE_RIGHTS | permissionMask(mode, g, isDir), group);
  if (groupDeny) ace(ACCESS_DENIED_ACE_TYPE, permissionMask(mode, groupDeny, isDir), group);
  ace(ACCESS_ALLOWED_ACE_TYPE, BASE_RIGHTS | permissionMask(mode, w, isDir), EVERYONE);
  return {
    control: SE_SELF_RELATIVE | SE_DACL_PRESENT | SE_DACL_PROTECTED,
    owner, group, dacl: { revision: 2, aces }, sacl: null,
  };
}

function expand(mask: number): number {
  let m = mask;
  if (mask & GENERIC_ALL) m |= FILE_READ_DATA | FILE_WRITE_DATA | FILE_EXECUTE;
  if (mask & GENERIC_READ) m |= FILE_READ_DATA;
  if (mask & GENERIC_WRITE) m |= FILE_WRITE_DATA;
  if (mask & GENERIC_EXECUTE) m |= FILE_EXECUTE;
  return m;
}

function rwx(mask: number): number {
  return ((mask & FILE_READ_DATA) ? 4 : 0) | ((mask & FILE_WRITE_DATA) ? 2 : 0) | ((mask & FILE_EXECUTE) ? 1 : 0);
}

/**
 * What a descriptor means for POSIX: owner, group and the rwx bits (0o777 part only).
 * When owner and group are one SID (root:root and 1000:1000 map to a single SID), the ACEs
 * for it are told apart by order, as sdFromMode writes them and ntfs-3g reads them: those
 * before its second ALLOW ACE are the owner's, that one and the later ones the group's.
 */
export function modeFromSd(sd: SecurityDescriptor, domain: readonly number[] = DEFAULT_MACHINE_DOMAIN): { uid: number; gid: number; perms: number } {
  const uid = sd.owner ? sidToUid(sd.owner, domain) : NOBODY;
  const gid = sd.group ? sidToUid(sd.group, domain) : NOBODY;
  if ((sd.control & SE_DACL_PRESENT) === 0 || sd.dacl === null) return { uid, gid, perms: 0o777 }; // no DACL: full access
  const aces = sd.dacl.aces.filter((a) => !a.raw && (a.flags & 0x8) === 0); // unknown types and inherit-only ACEs do not apply to this object
  const shared = sd.owner !== null && sd.group !== null && sidEquals(sd.owner, sd.group);
  let split = aces.length; // index of the shared SID's second ALLOW ACE
  if (shared) {
    const allows = aces.flatMap((a, i) => (a.type === ACCESS_ALLOWED_ACE_TYPE && sidEquals(a.sid, sd.owner!) ? [i] : []));
    if (allows.length > 1) split = allows[1]!;
  }
  const effective = (who: Sid | null, part: 'owner' | 'group' | 'others'): number => {
    let allowed = 0;
    let denied = 0;
    aces.forEach((a, i) => {
      const mine = who !== null && sidEquals(a.sid, who) && !(shared && split < aces.length && (part === 'owner' ? i >= split : i < split));
      if (!sidEquals(a.sid, EVERYONE) && !mine) return;
      const m = expand(a.mask);
      if (a.type === ACCESS_ALLOWED_ACE_TYPE) allowed |= m & ~denied;
      else if (a.type === ACCESS_DENIED_ACE_TYPE) denied |= m & ~allowed;
    });
    return rwx(allowed);
  };
  return { uid, gid, perms: (effective(sd.owner, 'owner') << 6) | (effective(sd.group, 'group') << 3) | effective(null, 'others') };
}

/** Parses a binary descriptor and derives its POSIX meaning (throws SdError when malformed). */
export function posixOfBinarySd(bytes: Uint8Array, domain: readonly number[] = DEFAULT_MACHINE_DOMAIN): { uid: number; gid: number; perms: number } {
  return modeFromSd(decodeSd(bytes), domain);
}

export function binarySdFromMode(uid: number, gid: number, mode: number, domain: readonly number[] = DEFAULT_MACHINE_DOMAIN): Uint8Array {
  return encodeSd(sdFromMode(uid, gid, mode, domain));
}
