/**
 * The 512-byte ustar header block (POSIX.1-1988, as kept by POSIX.1-2001),
 * plus the GNU extensions a reader meets in the wild: base-256 numbers and the
 * old GNU sparse fields.
 */
export const BLOCK = 512;

/** Field offsets and lengths of the ustar header. */
const F = {
  name: [0, 100], mode: [100, 8], uid: [108, 8], gid: [116, 8], size: [124, 12], mtime: [136, 12],
  chksum: [148, 8], typeflag: [156, 1], linkname: [157, 100], magic: [257, 6], version: [263, 2],
  uname: [265, 32], gname: [297, 32], devmajor: [329, 8], devminor: [337, 8], prefix: [345, 155],
} as const;

export const TYPE = {
  file: 0x30, // '0' (and NUL in old archives)
  hardlink: 0x31,
  symlink: 0x32,
  chardev: 0x33,
  blockdev: 0x34,
  dir: 0x35,
  fifo: 0x36,
  contiguous: 0x37,
  paxLocal: 0x78, // 'x'
  paxGlobal: 0x67, // 'g'
  gnuLongName: 0x4c, // 'L'
  gnuLongLink: 0x4b, // 'K'
  gnuSparse: 0x53, // 'S'
  gnuVolume: 0x56, // 'V'
  gnuDumpDir: 0x44, // 'D'
  gnuMultiVolume: 0x4d, // 'M'
} as const;

export interface HeaderFields {
  name: Uint8Array;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  typeflag: number;
  linkname: Uint8Array;
  devmajor: number;
  devminor: number;
  prefix: Uint8Array;
}

export interface ParsedHeader extends HeaderFields {
  /** 'ustar' (POSIX), 'gnu' (old GNU magic) or 'v7' (none). */
  kind: 'ustar' | 'gnu' | 'v7';
}

/** Largest value an octal field of `len` bytes holds (len-1 digits and a terminator). */
export function octalMax(len: number): number {
  return 8 ** (len - 1) - 1;
}

function putOctal(block: Uint8Array, [off, len]: readonly [number, number], value: number): void {
  const digits = value.toString(8).padStart(len - 1, '0');
  if (digits.length > len - 1) throw new RangeError(`value ${value} does not fit a ${len}-byte field`);
  for (let i = 0; i < len - 1; i++) block[off + i] = digits.charCodeAt(i);
  block[off + len - 1] = 0;
}

function putBytes(block: Uint8Array, [off, len]: readonly [number, number], bytes: Uint8Array): void {
  block.set(bytes.subarray(0, len), off);
}

/** Builds a POSIX ustar header. Numbers must fit their fields (callers move big ones to pax records). */
export function encodeHeader(h: HeaderFields): Uint8Array {
  const block = new Uint8Array(BLOCK);
  putBytes(block, F.name, h.name);
  putOctal(block, F.mode, h.mode);
  putOctal(block, F.uid, h.uid);
  putOctal(block, F.gid, h.gid);
  putOctal(block, F.size, h.size);
  putOctal(block, F.mtime, h.mtime);
  block[F.typeflag[0]] = h.typeflag;
  putBytes(block, F.linkname, h.linkname);
  block.set([0x75, 0x73, 0x74, 0x61, 0x72, 0], F.magic[0]); // "ustar\0"
  block.set([0x30, 0x30], F.version[0]); // "00"
  putOctal(block, F.devmajor, h.devmajor);
  putOctal(block, F.devminor, h.devminor);
  putBytes(block, F.prefix, h.prefix);
  const sum = checksum(block);
  putOctal(block, [F.chksum[0], 7], sum);
  block[F.chksum[0] + 7] = 0x20;
  return block;
}

/** Sum of the header bytes with the checksum field read as spaces (unsigned, as POSIX says). */
function checksum(block: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= F.chksum[0] && i < F.chksum[0] + F.chksum[1] ? 0x20 : block[i]!;
  return sum;
}

/** The same with bytes taken as signed, as some historic tars computed it. */
function signedChecksum(block: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= F.chksum[0] && i < F.chksum[0] + F.chksum[1] ? 0x20 : block[i]!;
    sum += b >= 0x80 ? b - 256 : b;
  }
  return sum;
}

export function isZeroBlock(block: Uint8Array): boolean {
  for (let i = 0; i < BLOCK; i++) if (block[i] !== 0) return false;
  return true;
}

/** A NUL-terminated byte field (a full field has no terminator). */
export function cString(block: Uint8Array, off: number, len: number): Uint8Array {
  const field = block.subarray(off, off + len);
  const nul = field.indexOf(0);
  return (nul < 0 ? field : field.subarray(0, nul)).slice();
}

/**
 * A numeric field: octal digits (leading spaces/NULs allowed, ended by space
 * or NUL), or GNU base-256 when the top bit of the first byte is set.
 * Returns NaN when the field is malformed or beyond 2^53.
 */
export function parseNumber(block: Uint8Array, off: number, len: number): number {
  const first = block[off]!;
  if ((first & 0x80) !== 0) {
    if ((first & 0x40) !== 0) return NaN; // negative base-256: never valid for our fields
    let v = first & 0x3f;
    for (let i = 1; i < len; i++) {
      v = v * 256 + block[off + i]!;
      if (v > Number.MAX_SAFE_INTEGER) return NaN;
    }
    return v;
  }
  let i = off;
  const end = off + len;
  while (i < end && (block[i] === 0x20 || block[i] === 0)) i++;
  if (i === end) return 0;
  let v = 0;
  let digits = 0;
  for (; i < end; i++) {
    const c = block[i]!;
    if (c === 0x20 || c === 0) break;
    if (c < 0x30 || c > 0x37) return NaN;
    v = v * 8 + (c - 0x30);
    digits++;
  }
  for (; i < end; i++) if (block[i] !== 0x20 && block[i] !== 0) return NaN;
  return digits > 0 && v <= Number.MAX_SAFE_INTEGER ? v : NaN;
}

export type HeaderProblem = 'checksum' | 'number';

/** Decodes a header block; returns a problem name instead when it is not a valid header. */
export function decodeHeader(block: Uint8Array): ParsedHeader | HeaderProblem {
  const stored = parseNumber(block, F.chksum[0], F.chksum[1]);
  if (Number.isNaN(stored) || (stored !== checksum(block) && stored !== signedChecksum(block))) return 'checksum';
  const magic = String.fromCharCode(...block.subarray(F.magic[0], F.magic[0] + 8));
  const kind = magic.startsWith('ustar\0') ? 'ustar' : magic === 'ustar  \0' ? 'gnu' : 'v7';
  const num = (f: readonly [number, number]) => parseNumber(block, f[0], f[1]);
  const h: ParsedHeader = {
    kind,
    name: cString(block, ...F.name),
    mode: num(F.mode),
    uid: num(F.uid),
    gid: num(F.gid),
    size: num(F.size),
    mtime: num(F.mtime),
    typeflag: block[F.typeflag[0]]!,
    linkname: cString(block, ...F.linkname),
    devmajor: kind === 'v7' ? 0 : num(F.devmajor),
    devminor: kind === 'v7' ? 0 : num(F.devminor),
    // The GNU header keeps atime/ctime where POSIX has the prefix.
    prefix: kind === 'ustar' ? cString(block, ...F.prefix) : new Uint8Array(0),
  };
  if ([h.mode, h.uid, h.gid, h.size, h.mtime, h.devmajor, h.devminor].some(Number.isNaN)) return 'number';
  return h;
}

/** Splits a path into ustar prefix and name fields, or returns null when it does not fit. */
export function splitUstarPath(path: Uint8Array): { prefix: Uint8Array; name: Uint8Array } | null {
  if (path.length <= 100) return { prefix: new Uint8Array(0), name: path };
  // The prefix ends at a slash that is dropped; the name part must be non-empty.
  for (let i = Math.min(path.length - 2, 155); i > 0; i--) {
    if (path[i] === 0x2f && path.length - i - 1 <= 100) {
      return { prefix: path.subarray(0, i), name: path.subarray(i + 1) };
    }
  }
  return null;
}
