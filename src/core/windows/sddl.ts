/**
 * Security descriptors: the self-relative binary form Windows stores (and
 * ntfs-3g exposes as `system.ntfs_acl`) and the SDDL text form people type.
 * Pure codecs, no I/O. Every malformed input is refused with an SdError that
 * says what is wrong, never silently repaired.
 *
 * Binary layout (MS-DTYP 2.4.6): revision 1, sbz1, control u16, then the
 * offsets of owner, group, SACL and DACL (u32, 0 = absent), all little-endian.
 * A SID is revision 1, count, a 48-bit big-endian authority and `count` u32
 * sub-authorities; an ACL is revision, sbz1, size u16, count u16, sbz2 and its
 * ACEs: type, flags, size u16, then a body (mask u32 + SID for the common
 * types). ACEs of types this codec does not know are kept byte for byte.
 */

export class SdError extends Error {}

export const SE_OWNER_DEFAULTED = 0x0001;
export const SE_GROUP_DEFAULTED = 0x0002;
export const SE_DACL_PRESENT = 0x0004;
export const SE_DACL_DEFAULTED = 0x0008;
export const SE_SACL_PRESENT = 0x0010;
export const SE_SACL_DEFAULTED = 0x0020;
export const SE_DACL_AUTO_INHERIT_REQ = 0x0100;
export const SE_SACL_AUTO_INHERIT_REQ = 0x0200;
export const SE_DACL_AUTO_INHERITED = 0x0400;
export const SE_SACL_AUTO_INHERITED = 0x0800;
export const SE_DACL_PROTECTED = 0x1000;
export const SE_SACL_PROTECTED = 0x2000;
export const SE_SELF_RELATIVE = 0x8000;

export const ACCESS_ALLOWED_ACE_TYPE = 0;
export const ACCESS_DENIED_ACE_TYPE = 1;
export const SYSTEM_AUDIT_ACE_TYPE = 2;
export const SYSTEM_ALARM_ACE_TYPE = 3;
export const SYSTEM_MANDATORY_LABEL_ACE_TYPE = 0x11;

/** A SID: authority and sub-authorities. */
export interface Sid {
  authority: number;
  subAuthorities: number[];
}

/** One ACE. `sid` and `mask` are set for the common types; `raw` holds the whole ACE of other types. */
export interface Ace {
  type: number;
  flags: number;
  mask: number;
  sid: Sid;
  raw?: Uint8Array;
}

export interface Acl {
  revision: number;
  aces: Ace[];
}

export interface SecurityDescriptor {
  control: number;
  owner: Sid | null;
  group: Sid | null;
  /** null: absent (no DACL present means "everyone has full access"). */
  dacl: Acl | null;
  sacl: Acl | null;
}

// ---- SIDs -----------------------------------------------------------------

export function sid(text: string): Sid {
  return parseSidString(text);
}

export function sidToString(s: Sid): string {
  const auth = s.authority >= 2 ** 32 ? '0x' + s.authority.toString(16).toUpperCase().padStart(12, '0') : String(s.authority);
  return ['S-1', auth, ...s.subAuthorities.map(String)].join('-');
}

export function sidEquals(a: Sid | null, b: Sid | null): boolean {
  if (a === null || b === null) return a === b;
  return a.authority === b.authority && a.subAuthorities.length === b.subAuthorities.length &&
    a.subAuthorities.every((v, i) => v === b.subAuthorities[i]);
}

function parseSidString(text: string): Sid {
  const m = /^S-1-(0x[0-9a-fA-F]{1,12}|\d+)((?:-\d+)*)$/i.exec(text);
  if (!m) throw new SdError(`invalid SID ${JSON.stringify(text)}`);
  const authority = Number(m[1]);
  if (!Number.isSafeInteger(authority) || authority >= 2 ** 48) throw new SdError(`SID authority out of range in ${text}`);
  const subs = m[2] === '' ? [] : m[2]!.slice(1).split('-').map(Number);
  if (subs.length > 15) throw new SdError(`SID ${text} has more than 15 sub-authorities`);
  for (const v of subs) if (!(v >= 0 && v <= 0xffffffff)) throw new SdError(`SID sub-authority out of range in ${text}`);
  return { authority, subAuthorities: subs };
}

/** SDDL's two-letter SID aliases that do not depend on a domain. */
const SID_ALIASES: Record<string, string> = {
  AN: 'S-1-5-7', AO: 'S-1-5-32-548', AU: 'S-1-5-11', BA: 'S-1-5-32-544', BG: 'S-1-5-32-546',
  BO: 'S-1-5-32-551', BU: 'S-1-5-32-545', CG: 'S-1-3-1', CO: 'S-1-3-0', CY: 'S-1-5-32-569',
  ED: 'S-1-5-9', HI: 'S-1-16-12288', IS: 'S-1-5-32-568', IU: 'S-1-5-4', LS: 'S-1-5-19',
  LU: 'S-1-5-32-559', LW: 'S-1-16-4096', ME: 'S-1-16-8192', MU: 'S-1-5-32-558', NO: 'S-1-5-32-556',
  NS: 'S-1-5-20', NU: 'S-1-5-2', OW: 'S-1-3-4', PO: 'S-1-5-32-550', PS: 'S-1-5-10', PU: 'S-1-5-32-547',
  RC: 'S-1-5-12', RD: 'S-1-5-32-555', RE: 'S-1-5-32-552', RU: 'S-1-5-32-554', SI: 'S-1-16-16384',
  SO: 'S-1-5-32-549', SU: 'S-1-5-6', SY: 'S-1-5-18', WD: 'S-1-1-0', WR: 'S-1-5-33', AC: 'S-1-15-2-1',
  ER: 'S-1-5-32-573', HA: 'S-1-5-32-578', RA: 'S-1-5-32-575', RM: 'S-1-5-32-580', MS: 'S-1-5-32-577',
  AA: 'S-1-5-32-579', UD: 'S-1-5-84-0-0-0-0-0',
};
const ALIAS_OF_SID = new Map(Object.entries(SID_ALIASES).map(([k, v]) => [v, k]));

function parseSddlSid(text: string): Sid {
  const alias = SID_ALIASES[text.toUpperCase()];
  if (alias !== undefined) return parseSidString(alias);
  if (/^S-/i.test(text)) return parseSidString(text);
  throw new SdError(`unknown SID or alias ${JSON.stringify(text)}`);
}

function formatSddlSid(s: Sid): string {
  const text = sidToString(s);
  return ALIAS_OF_SID.get(text) ?? text;
}

// ---- access rights --------------------------------------------------------

const RIGHTS: Record<string, number> = {
  GA: 0x10000000, GR: 0x80000000, GW: 0x40000000, GX: 0x20000000,
  RC: 0x00020000, SD: 0x00010000, WD: 0x00040000, WO: 0x00080000,
  RP: 0x10, WP: 0x20, CC: 0x1, DC: 0x2, LC: 0x4, SW: 0x8, LO: 0x80, DT: 0x40, CR: 0x100,
  FA: 0x001f01ff, FR: 0x00120089, FW: 0x00120116, FX: 0x001200a0,
  KA: 0x000f003f, KR: 0x00020019, KW: 0x00020006, KX: 0x00020019,
  NR: 0x1, NW: 0x2, NX: 0x4,
};
/** Rights written as words when the mask is exactly one of them. */
const RIGHT_WORDS: [string, number][] = [['FA', 0x001f01ff], ['FR', 0x00120089], ['FW', 0x00120116], ['FX', 0x001200a0],
  ['GA', 0x10000000], ['GR', 0x80000000], ['GW', 0x40000000], ['GX', 0x20000000]];

function parseRights(text: string): number {
  if (/^0x[0-9a-f]{1,8}$/i.test(text)) return Number(text) >>> 0;
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    if (n > 0xffffffff) throw new SdError(`access mask ${text} out of range`);
    return n >>> 0;
  }
  if (text.length % 2 !== 0) throw new SdError(`invalid access rights ${JSON.stringify(text)}`);
  let mask = 0;
  for (let i = 0; i < text.length; i += 2) {
    const r = RIGHTS[text.slice(i, i + 2).toUpperCase()];
    if (r === undefined) throw new SdError(`unknown access right ${JSON.stringify(text.slice(i, i + 2))}`);
    mask = (mask | r) >>> 0;
  }
  return mask;
}

function formatRights(mask: number, type: number): string {
  if (type === SYSTEM_MANDATORY_LABEL_ACE_TYPE) {
    let s = '';
    if (mask & 1) s += 'NR';
    if (mask & 2) s += 'NW';
    if (mask & 4) s += 'NX';
    if ((mask & ~7) === 0 && s !== '') return s;
  }
  for (const [w, v] of RIGHT_WORDS) if (mask === v) return w;
  return '0x' + (mask >>> 0).toString(16);
}

const ACE_TYPES: Record<string, number> = { A: 0, D: 1, AU: 2, AL: 3, ML: 0x11 };
const ACE_TYPE_NAMES = new Map(Object.entries(ACE_TYPES).map(([k, v]) => [v, k]));
const ACE_FLAGS: [string, number][] = [['OI', 0x1], ['CI', 0x2], ['NP', 0x4], ['IO', 0x8], ['ID', 0x10], ['SA', 0x40], ['FA', 0x80]];

// ---- SDDL -> structure ----------------------------------------------------

/** Parses SDDL ("O:BAG:BAD:P(A;;FA;;;SY)..."); throws SdError with the reason. */
export function parseSddl(text: string): SecurityDescriptor {
  const sd: SecurityDescriptor = { control: SE_SELF_RELATIVE, owner: null, group: null, dacl: null, sacl: null };
  const s = text.replace(/\s+/g, '');
  if (s === '') throw new SdError('empty SDDL');
  let i = 0;
  const seen = new Set<string>();
  while (i < s.length) {
    const tag = s.slice(i, i + 2).toUpperCase();
    if (tag.length < 2 || tag[1] !== ':' || !'OGDS'.includes(tag[0]!)) {
      throw new SdError(`SDDL: expected O:, G:, D: or S: at ${JSON.stringify(s.slice(i, i + 12))}`);
    }
    if (seen.has(tag)) throw new SdError(`SDDL: ${tag} given twice`);
    seen.add(tag);
    i += 2;
    // The component runs to the next "X:" that is not inside parentheses.
    let end = i;
    let depth = 0;
    while (end < s.length) {
      const c = s[end]!;
      if (c === '(') depth++;
      else if (c === ')') depth--;
      else if (depth === 0 && s[end + 1] === ':' && 'OGDSogds'.includes(c) && end > i) break;
      end++;
    }
    if (depth !== 0) throw new SdError('SDDL: unbalanced parentheses');
    const body = s.slice(i, end);
    i = end;
    switch (tag[0]) {
      case 'O': sd.owner = parseSddlSid(body); break;
      case 'G': sd.group = parseSddlSid(body); break;
      case 'D': {
        const { acl, flags } = parseAclText(body, 'D');
        sd.control |= SE_DACL_PRESENT | flags;
        sd.dacl = acl;
        break;
      }
      case 'S': {
        const { acl, flags } = parseAclText(body, 'S');
        sd.control |= SE_SACL_PRESENT | flags;
        sd.sacl = acl;
        break;
      }
    }
  }
  return sd;
}

function parseAclText(body: string, which: 'D' | 'S'): { acl: Acl | null; flags: number } {
  const open = body.indexOf('(');
  const flagText = (open < 0 ? body : body.slice(0, open)).toUpperCase();
  let flags = 0;
  let nullAcl = false;
  let rest = flagText;
  while (rest.length > 0) {
    if (rest.startsWith('NO_ACCESS_CONTROL')) { nullAcl = true; rest = rest.slice(17); continue; }
    if (rest.startsWith('P')) { flags |= which === 'D' ? SE_DACL_PROTECTED : SE_SACL_PROTECTED; rest = rest.slice(1); continue; }
    if (rest.startsWith('AI')) { flags |= which === 'D' ? SE_DACL_AUTO_INHERITED : SE_SACL_AUTO_INHERITED; rest = rest.slice(2); continue; }
    if (rest.startsWith('AR')) { flags |= which === 'D' ? SE_DACL_AUTO_INHERIT_REQ : SE_SACL_AUTO_INHERIT_REQ; rest = rest.slice(2); continue; }
    throw new SdError(`SDDL: unknown ACL flag in ${JSON.stringify(flagText)}`);
  }
  const aces: Ace[] = [];
  let at = open < 0 ? body.length : open;
  while (at < body.length) {
    if (body[at] !== '(') throw new SdError(`SDDL: expected ( at ${JSON.stringify(body.slice(at, at + 12))}`);
    const close = body.indexOf(')', at);
    if (close < 0) throw new SdError('SDDL: unterminated ACE');
    aces.push(parseAceText(body.slice(at + 1, close)));
    at = close + 1;
  }
  if (nullAcl && aces.length > 0) throw new SdError('SDDL: NO_ACCESS_CONTROL with ACEs');
  return { acl: nullAcl ? null : { revision: 2, aces }, flags };
}

function parseAceText(text: string): Ace {
  const f = text.split(';');
  if (f.length !== 6) throw new SdError(`SDDL: ACE (${text}) must have 6 fields (type;flags;rights;guid;guid;sid)`);
  const type = ACE_TYPES[f[0]!.toUpperCase()];
  if (type === undefined) throw new SdError(`SDDL: unsupported ACE type ${JSON.stringify(f[0])} (A, D, AU, AL, ML)`);
  let flags = 0;
  const ft = f[1]!.toUpperCase();
  for (let i = 0; i < ft.length; i += 2) {
    const flag = ACE_FLAGS.find(([k]) => k === ft.slice(i, i + 2));
    if (flag === undefined) throw new SdError(`SDDL: unknown ACE flag ${JSON.stringify(ft.slice(i, i + 2))}`);
    flags |= flag[1];
  }
  if (f[3] !== '' || f[4] !== '') throw new SdError('SDDL: object ACEs (GUID fields) are not supported');
  if (f[5] === '') throw new SdError(`SDDL: ACE (${text}) has no SID`);
  return { type, flags, mask: parseRights(f[2]!), sid: parseSddlSid(f[5]!) };
}

// ---- structure -> SDDL ----------------------------------------------------

export function formatSddl(sd: SecurityDescriptor): string {
  let out = '';
  if (sd.owner) out += 'O:' + formatSddlSid(sd.owner);
  if (sd.group) out += 'G:' + formatSddlSid(sd.group);
  if (sd.control & SE_DACL_PRESENT) out += 'D:' + formatAclText(sd.dacl, sd.control, 'D');
  if (sd.control & SE_SACL_PRESENT) out += 'S:' + formatAclText(sd.sacl, sd.control, 'S');
  return out;
}

function formatAclText(acl: Acl | null, control: number, which: 'D' | 'S'): string {
  let s = '';
  if (control & (which === 'D' ? SE_DACL_PROTECTED : SE_SACL_PROTECTED)) s += 'P';
  if (control & (which === 'D' ? SE_DACL_AUTO_INHERIT_REQ : SE_SACL_AUTO_INHERIT_REQ)) s += 'AR';
  if (control & (which === 'D' ? SE_DACL_AUTO_INHERITED : SE_SACL_AUTO_INHERITED)) s += 'AI';
  if (acl === null) return s + 'NO_ACCESS_CONTROL';
  for (const ace of acl.aces) {
    const type = ACE_TYPE_NAMES.get(ace.type);
    if (type === undefined || ace.raw) throw new SdError(`ACE type 0x${ace.type.toString(16)} has no SDDL form here`);
    const flags = ACE_FLAGS.filter(([, v]) => ace.flags & v).map(([k]) => k).join('');
    s += `(${type};${flags};${formatRights(ace.mask, ace.type)};;;${formatSddlSid(ace.sid)})`;
  }
  return s;
}

// ---- binary ---------------------------------------------------------------

function sidSize(s: Sid): number {
  return 8 + 4 * s.subAuthorities.length;
}

function writeSid(buf: DataView, at: number, s: Sid): number {
  buf.setUint8(at, 1);
  buf.setUint8(at + 1, s.subAuthorities.length);
  buf.setUint16(at + 2, Math.floor(s.authority / 2 ** 32));
  buf.setUint32(at + 4, s.authority % 2 ** 32);
  s.subAuthorities.forEach((v, i) => buf.setUint32(at + 8 + 4 * i, v, true));
  return at + sidSize(s);
}

function aceSize(a: Ace): number {
  return a.raw ? a.raw.length : 8 + sidSize(a.sid);
}

function aclSize(acl: Acl): number {
  return 8 + acl.aces.reduce((n, a) => n + aceSize(a), 0);
}

function writeAcl(buf: DataView, bytes: Uint8Array, at: number, acl: Acl): number {
  const size = aclSize(acl);
  if (size > 0xffff) throw new SdError('ACL larger than 64 KiB');
  buf.setUint8(at, acl.revision);
  buf.setUint8(at + 1, 0);
  buf.setUint16(at + 2, size, true);
  buf.setUint16(at + 4, acl.aces.length, true);
  buf.setUint16(at + 6, 0, true);
  let p = at + 8;
  for (const a of acl.aces) {
    if (a.raw) {
      bytes.set(a.raw, p);
      p += a.raw.length;
      continue;
    }
    buf.setUint8(p, a.type);
    buf.setUint8(p + 1, a.flags);
    buf.setUint16(p + 2, aceSize(a), true);
    buf.setUint32(p + 4, a.mask >>> 0, true);
    p = writeSid(buf, p + 8, a.sid);
  }
  return p;
}

/** The self-relative binary form: header, SACL, DACL, owner, group (the order Windows uses). */
export function encodeSd(sd: SecurityDescriptor): Uint8Array {
  let size = 20;
  const hasSacl = (sd.control & SE_SACL_PRESENT) !== 0 && sd.sacl !== null;
  const hasDacl = (sd.control & SE_DACL_PRESENT) !== 0 && sd.dacl !== null;
  if (hasSacl) size += aclSize(sd.sacl!);
  if (hasDacl) size += aclSize(sd.dacl!);
  if (sd.owner) size += sidSize(sd.owner);
  if (sd.group) size += sidSize(sd.group);
  const bytes = new Uint8Array(size);
  const buf = new DataView(bytes.buffer);
  buf.setUint8(0, 1);
  buf.setUint16(2, (sd.control | SE_SELF_RELATIVE) & 0xffff, true);
  let p = 20;
  if (hasSacl) { buf.setUint32(12, p, true); p = writeAcl(buf, bytes, p, sd.sacl!); }
  if (hasDacl) { buf.setUint32(16, p, true); p = writeAcl(buf, bytes, p, sd.dacl!); }
  if (sd.owner) { buf.setUint32(4, p, true); p = writeSid(buf, p, sd.owner); }
  if (sd.group) { buf.setUint32(8, p, true); p = writeSid(buf, p, sd.group); }
  return bytes;
}

function readSid(b: Uint8Array, at: number, what: string): Sid {
  if (at + 8 > b.length) throw new SdError(`${what} SID runs past the end`);
  if (b[at] !== 1) throw new SdError(`${what} SID has revision ${b[at]} (must be 1)`);
  const count = b[at + 1]!;
  if (count > 15) throw new SdError(`${what} SID has ${count} sub-authorities (at most 15)`);
  if (at + 8 + 4 * count > b.length) throw new SdError(`${what} SID runs past the end`);
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const authority = v.getUint16(at + 2) * 2 ** 32 + v.getUint32(at + 4);
  const subs: number[] = [];
  for (let i = 0; i < count; i++) subs.push(v.getUint32(at + 8 + 4 * i, true));
  return { authority, subAuthorities: subs };
}

function readAcl(b: Uint8Array, at: number, what: string): Acl {
  if (at + 8 > b.length) throw new SdError(`${what} runs past the end`);
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const revision = b[at]!;
  if (revision !== 2 && revision !== 4) throw new SdError(`${what} has revision ${revision} (must be 2 or 4)`);
  const size = v.getUint16(at + 2, true);
  const count = v.getUint16(at + 4, true);
  if (size < 8 || at + size > b.length) throw new SdError(`${what} size ${size} does not fit the descriptor`);
  const aces: Ace[] = [];
  let p = at + 8;
  for (let i = 0; i < count; i++) {
    if (p + 4 > at + size) throw new SdError(`${what}: ACE ${i} runs past the ACL`);
    const type = b[p]!;
    const flags = b[p + 1]!;
    const aceLen = v.getUint16(p + 2, true);
    if (aceLen < 4 || aceLen % 4 !== 0 || p + aceLen > at + size) throw new SdError(`${what}: ACE ${i} has a bad size ${aceLen}`);
    if (type === 0 || type === 1 || type === 2 || type === 3 || type === 0x11) {
      if (aceLen < 16) throw new SdError(`${what}: ACE ${i} is too short`);
      const sid = readSid(b.subarray(0, p + aceLen), p + 8, `${what} ACE ${i}`);
      if (8 + sidSize(sid) > aceLen) throw new SdError(`${what}: ACE ${i} SID runs past the ACE`);
      const ace: Ace = { type, flags, mask: v.getUint32(p + 4, true), sid };
      if (8 + sidSize(sid) !== aceLen) ace.raw = Uint8Array.prototype.slice.call(b, p, p + aceLen); // trailing bytes: keep them
      aces.push(ace);
    } else {
      aces.push({ type, flags, mask: aceLen >= 8 ? v.getUint32(p + 4, true) : 0, sid: { authority: 0, subAuthorities: [] }, raw: Uint8Array.prototype.slice.call(b, p, p + aceLen) });
    }
    p += aceLen;
  }
  return { revision, aces };
}

/** Parses and checks a self-relative descriptor; throws SdError naming the defect. */
export function decodeSd(b: Uint8Array): SecurityDescriptor {
  if (b.length < 20) throw new SdError(`security descriptor of ${b.length} bytes (at least 20)`);
  if (b[0] !== 1) throw new SdError(`security descriptor revision ${b[0]} (must be 1)`);
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const control = v.getUint16(2, true);
  if ((control & SE_SELF_RELATIVE) === 0) throw new SdError('security descriptor is not self-relative');
  const offOwner = v.getUint32(4, true);
  const offGroup = v.getUint32(8, true);
  const offSacl = v.getUint32(12, true);
  const offDacl = v.getUint32(16, true);
  for (const [name, off] of [['owner', offOwner], ['group', offGroup], ['SACL', offSacl], ['DACL', offDacl]] as const) {
    if (off !== 0 && (off < 20 || off >= b.length)) throw new SdError(`${name} offset ${off} outside the descriptor`);
  }
  return {
    control,
    owner: offOwner ? readSid(b, offOwner, 'owner') : null,
    group: offGroup ? readSid(b, offGroup, 'group') : null,
    dacl: (control & SE_DACL_PRESENT) && offDacl ? readAcl(b, offDacl, 'DACL') : null,
    sacl: (control & SE_SACL_PRESENT) && offSacl ? readAcl(b, offSacl, 'SACL') : null,
  };
}

export function sddlToBinary(text: string): Uint8Array {
  return encodeSd(parseSddl(text));
}

export function binaryToSddl(b: Uint8Array): string {
  return formatSddl(decodeSd(b));
}
