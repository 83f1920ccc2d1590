/**
 * The pax keywords memefs writes and reads, and their value formats.
 *
 * Standard (POSIX.1-2001): path, linkpath, size, uid, gid, mtime, atime,
 * ctime, hdrcharset. Widely read extensions: SCHILY.xattr.NAME (GNU tar,
 * bsdtar, star), LIBARCHIVE.xattr.NAME (bsdtar; name %-encoded, value base64),
 * LIBARCHIVE.creationtime (bsdtar's birth time), GNU.sparse.* (GNU tar's
 * sparse formats), SCHILY.devmajor/devminor (star, bsdtar) for device
 * numbers beyond the ustar fields. memefs's own facts go under MEMEFS.*: other tools ignore
 * them (GNU tar says "Ignoring unknown extended header keyword"; silence it
 * with --warning=no-unknown-keyword).
 */
import { Buffer } from 'node:buffer';
import type { Timespec } from '../../core/time.js';

export const K = {
  path: 'path',
  linkpath: 'linkpath',
  size: 'size',
  uid: 'uid',
  gid: 'gid',
  uname: 'uname',
  gname: 'gname',
  mtime: 'mtime',
  atime: 'atime',
  ctime: 'ctime',
  hdrcharset: 'hdrcharset',
  comment: 'comment',
  charset: 'charset',
  schilyXattr: 'SCHILY.xattr.',
  libarchiveXattr: 'LIBARCHIVE.xattr.',
  birthtime: 'LIBARCHIVE.creationtime',
  sparseMajor: 'GNU.sparse.major',
  sparseMinor: 'GNU.sparse.minor',
  sparseName: 'GNU.sparse.name',
  sparseRealsize: 'GNU.sparse.realsize',
  sparseSize: 'GNU.sparse.size', // 0.x spelling of realsize
  sparseMap: 'GNU.sparse.map', // 0.1
  sparseNumblocks: 'GNU.sparse.numblocks', // 0.0/0.1
  sparseOffset: 'GNU.sparse.offset', // 0.0, repeated
  sparseNumbytes: 'GNU.sparse.numbytes', // 0.0, repeated
  /** "socket": tar has no socket type; the entry is an empty regular file to other tools. */
  filetype: 'MEMEFS.filetype',
  /** Device numbers too big for the ustar fields (star's keywords, read by libarchive too). */
  devMajor: 'SCHILY.devmajor',
  devMinor: 'SCHILY.devminor',
  /** RHEL's GNU tar writes the SELinux label here (with --selinux). */
  rhtSelinux: 'RHT.security.selinux',
  /** FILE_ATTRIBUTE_* bits, decimal. */
  dosAttributes: 'MEMEFS.dosattrib',
  /** chattr flags (FS_IMMUTABLE_FL, FS_APPEND_FL, FS_NODUMP_FL, FS_NOATIME_FL), decimal. */
  fileFlags: 'MEMEFS.fileflags',
  /** Self-relative security descriptor, base64. */
  securityDescriptor: 'MEMEFS.secdesc',
  /** Reparse point data, base64. */
  reparseData: 'MEMEFS.reparse',
  /** Windows EAs: one line per EA, "FLAGS BASE64(NAME) BASE64(VALUE)". */
  eas: 'MEMEFS.eas',
  /** Global header: format version, volume label, case sensitivity, serial number. */
  version: 'MEMEFS.version',
  label: 'MEMEFS.volume.label',
  caseInsensitive: 'MEMEFS.volume.caseinsensitive',
  serial: 'MEMEFS.volume.serial',
} as const;

export const FORMAT_VERSION = '1';

/** "SECS[.NNNNNNNNN]", negative times as "-S.N" of the whole value, as GNU tar writes them. */
export function formatTime(t: Timespec): string {
  let ns = BigInt(t.sec) * 1_000_000_000n + BigInt(t.nsec);
  const sign = ns < 0n ? '-' : '';
  if (ns < 0n) ns = -ns;
  const sec = ns / 1_000_000_000n;
  const frac = ns % 1_000_000_000n;
  return frac === 0n ? `${sign}${sec}` : `${sign}${sec}.${frac.toString().padStart(9, '0')}`;
}

/** Parses a pax time; null when malformed or absurd (beyond ±2^53 s). */
export function parseTime(text: string): Timespec | null {
  const m = /^(-?)(\d{1,16})(?:\.(\d*))?$/.exec(text);
  if (m === null) return null;
  const frac = (m[3] ?? '').slice(0, 9).padEnd(9, '0');
  let ns = BigInt(m[2]!) * 1_000_000_000n + BigInt(frac);
  if (m[1] === '-') ns = -ns;
  let sec = ns / 1_000_000_000n;
  let nsec = ns % 1_000_000_000n;
  if (nsec < 0n) { nsec += 1_000_000_000n; sec -= 1n; }
  const s = Number(sec);
  if (!Number.isSafeInteger(s)) return null;
  return { sec: s, nsec: Number(nsec) };
}

/** A non-negative decimal integer within 2^53; null otherwise. */
export function parseDecimal(text: string): number | null {
  if (!/^\d{1,16}$/.test(text)) return null;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : null;
}

export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** Strict base64; null when the text is not base64. */
export function fromBase64(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) return null;
  return new Uint8Array(Buffer.from(text, 'base64'));
}

export interface Ea {
  name: string;
  value: Uint8Array;
  flags: number;
}

export function formatEas(eas: Iterable<Ea>): string {
  const lines: string[] = [];
  for (const ea of eas) lines.push(`${ea.flags} ${toBase64(Buffer.from(ea.name, 'utf8'))} ${toBase64(ea.value)}`);
  return lines.join('\n');
}

export function parseEas(text: string): Ea[] | null {
  if (text === '') return [];
  const out: Ea[] = [];
  for (const line of text.split('\n')) {
    const parts = line.split(' ');
    if (parts.length !== 3) return null;
    const flags = parseDecimal(parts[0]!);
    const name = fromBase64(parts[1]!);
    const value = fromBase64(parts[2]!);
    if (flags === null || flags > 0xff || name === null || value === null || name.length === 0) return null;
    out.push({ flags, name: Buffer.from(name).toString('utf8'), value });
  }
  return out;
}

/** %-encoding of xattr names for LIBARCHIVE.xattr (bytes outside a safe set, plus '=' and '%'). */
export function percentEncode(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) {
    out += b > 0x20 && b < 0x7f && b !== 0x25 && b !== 0x3d ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

export function percentDecode(text: string): Uint8Array | null {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x25) {
      const hex = text.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return null;
      out.push(parseInt(hex, 16));
      i += 2;
    } else {
      if (c > 0xff) return null;
      out.push(c);
    }
  }
  return Uint8Array.from(out);
}

/** Linux's dev_t layout (glibc makedev): 12 bits of major and 20 of minor in the low 32 bits, the rest above. */
export function devMajor(rdev: number): number {
  const r = BigInt(rdev);
  return Number(((r >> 8n) & 0xfffn) | ((r >> 32n) & ~0xfffn));
}
export function devMinor(rdev: number): number {
  const r = BigInt(rdev);
  return Number((r & 0xffn) | ((r >> 12n) & ~0xffn & 0xffffffffn));
}
export function makeDev(major: number, minor: number): number {
  const ma = BigInt(major);
  const mi = BigInt(minor);
  return Number(((ma & 0xfffn) << 8n) | ((ma & ~0xfffn) << 32n) | (mi & 0xffn) | ((mi & ~0xffn) << 12n));
}
