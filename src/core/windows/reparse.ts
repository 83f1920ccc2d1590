/**
 * Reparse points (REPARSE_DATA_BUFFER): ReparseTag u32, ReparseDataLength
 * u16, Reserved u16, then the tag's data. What memefs understands:
 *   IO_REPARSE_TAG_SYMLINK     0xA000000C  substitute/print names (UTF-16LE) + flags (1 = relative)
 *   IO_REPARSE_TAG_MOUNT_POINT 0xA0000003  a junction: substitute/print names, absolute
 *   IO_REPARSE_TAG_LX_SYMLINK  0xA000001D  WSL symlink: version u32 (2) + UTF-8 target
 *   IO_REPARSE_TAG_AF_UNIX     0x80000023  WSL socket (no data)
 *   IO_REPARSE_TAG_LX_FIFO     0x80000024  WSL FIFO
 *   IO_REPARSE_TAG_LX_CHR      0x80000025  WSL character device
 *   IO_REPARSE_TAG_LX_BLK      0x80000026  WSL block device
 * Other tags are kept byte for byte and change nothing else; a tag not
 * Microsoft's (bit 31 clear) is followed by its owner's 16-byte GUID, which
 * ReparseDataLength does not count (REPARSE_GUID_DATA_BUFFER). Pure.
 */

export class ReparseError extends Error {}

export const IO_REPARSE_TAG_MOUNT_POINT = 0xa0000003;
export const IO_REPARSE_TAG_SYMLINK = 0xa000000c;
export const IO_REPARSE_TAG_LX_SYMLINK = 0xa000001d;
export const IO_REPARSE_TAG_AF_UNIX = 0x80000023;
export const IO_REPARSE_TAG_LX_FIFO = 0x80000024;
export const IO_REPARSE_TAG_LX_CHR = 0x80000025;
export const IO_REPARSE_TAG_LX_BLK = 0x80000026;
export const SYMLINK_FLAG_RELATIVE = 1;
const IO_REPARSE_TAG_IS_MICROSOFT = 0x80000000;
const GUID_SIZE = 16;
/** Windows's limit on reparse data (MAXIMUM_REPARSE_DATA_BUFFER_SIZE). */
export const REPARSE_MAX = 16 * 1024;

/** What a reparse point means on Linux. */
export type ReparseMeaning =
  | { kind: 'symlink'; target: string }
  | { kind: 'fifo' | 'socket' | 'chr' | 'blk' }
  | { kind: 'opaque' };

export function reparseTag(b: Uint8Array): number {
  return new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(0, true);
}

/** Checks the header and returns the tag; throws ReparseError for a malformed buffer. */
export function checkReparse(b: Uint8Array): number {
  if (b.length < 8) throw new ReparseError(`reparse data of ${b.length} bytes (at least 8)`);
  if (b.length > REPARSE_MAX) throw new ReparseError(`reparse data larger than ${REPARSE_MAX} bytes`);
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const tag = v.getUint32(0, true);
  if (tag === 0) throw new ReparseError('reparse tag 0 is reserved');
  const len = v.getUint16(4, true);
  const guid = (tag & IO_REPARSE_TAG_IS_MICROSOFT) !== 0 ? 0 : GUID_SIZE;
  if (8 + guid + len !== b.length) {
    throw new ReparseError(`reparse data length field ${len} does not match ${b.length - 8 - guid} bytes of data${guid ? ' after the GUID' : ''}`);
  }
  return tag;
}

function utf16(b: Uint8Array, at: number, len: number): string {
  if (len % 2 !== 0 || at + len > b.length) throw new ReparseError('reparse path runs past the data');
  return Buffer.from(b.subarray(at, at + len)).toString('utf16le');
}

/** Windows path of a link target to a Linux one: "\??\" dropped, backslashes become slashes. */
function linuxPath(p: string): string {
  let s = p.replace(/^\\\?\?\\/, '');
  s = s.replace(/\\/g, '/');
  return s;
}

export function decodeReparse(b: Uint8Array): ReparseMeaning {
  const tag = checkReparse(b);
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  switch (tag) {
    case IO_REPARSE_TAG_SYMLINK:
    case IO_REPARSE_TAG_MOUNT_POINT: {
      const head = tag === IO_REPARSE_TAG_SYMLINK ? 20 : 16;
      if (b.length < head) throw new ReparseError('symlink reparse data too short');
      const subOff = v.getUint16(8, true);
      const subLen = v.getUint16(10, true);
      const printOff = v.getUint16(12, true);
      const printLen = v.getUint16(14, true);
      const print = utf16(b, head + printOff, printLen);
      const sub = utf16(b, head + subOff, subLen);
      const target = linuxPath(print !== '' ? print : sub);
      if (target === '') throw new ReparseError('symlink reparse data with an empty target');
      return { kind: 'symlink', target };
    }
    case IO_REPARSE_TAG_LX_SYMLINK: {
      if (b.length <= 12) throw new ReparseError('WSL symlink reparse data too short');
      if (v.getUint32(8, true) !== 2) throw new ReparseError('WSL symlink reparse data of a version other than 2');
      const target = Buffer.from(b.subarray(12)).toString('utf8');
      if (target === '') throw new ReparseError('WSL symlink with an empty target');
      return { kind: 'symlink', target };
    }
    case IO_REPARSE_TAG_AF_UNIX: return special(b, 'socket');
    case IO_REPARSE_TAG_LX_FIFO: return special(b, 'fifo');
    case IO_REPARSE_TAG_LX_CHR: return special(b, 'chr');
    case IO_REPARSE_TAG_LX_BLK: return special(b, 'blk');
    default: return { kind: 'opaque' };
  }
}

/** WSL's special files carry no data (ntfs-3g refuses them with any). */
function special(b: Uint8Array, kind: 'fifo' | 'socket' | 'chr' | 'blk'): ReparseMeaning {
  if (b.length !== 8) throw new ReparseError(`WSL ${kind} reparse data with ${b.length - 8} bytes of data`);
  return { kind };
}

function header(tag: number, dataLen: number): { b: Uint8Array; v: DataView } {
  const b = new Uint8Array(8 + dataLen);
  const v = new DataView(b.buffer);
  v.setUint32(0, tag >>> 0, true);
  v.setUint16(4, dataLen, true);
  return { b, v };
}

/**
 * The reparse data of a Linux symlink: IO_REPARSE_TAG_SYMLINK (relative unless it starts with "/"),
 * or, when the target has a backslash (a Windows link would read it as a separator), WSL's
 * IO_REPARSE_TAG_LX_SYMLINK, which keeps the target byte for byte (ntfs-3g's special_files=wsl form).
 */
export function encodeSymlinkReparse(target: string): Uint8Array {
  if (target.includes('\\')) {
    const utf8 = Buffer.from(target, 'utf8');
    const { b, v } = header(IO_REPARSE_TAG_LX_SYMLINK, 4 + utf8.length);
    v.setUint32(8, 2, true);
    b.set(utf8, 12);
    return b;
  }
  const relative = !target.startsWith('/');
  const print = Buffer.from(relative ? target.replace(/\//g, '\\') : target, 'utf16le');
  const sub = print;
  const { b, v } = header(IO_REPARSE_TAG_SYMLINK, 12 + sub.length + print.length);
  v.setUint16(8, 0, true);
  v.setUint16(10, sub.length, true);
  v.setUint16(12, sub.length, true);
  v.setUint16(14, print.length, true);
  v.setUint32(16, relative ? SYMLINK_FLAG_RELATIVE : 0, true);
  b.set(sub, 20);
  b.set(print, 20 + sub.length);
  return b;
}

export function encodeSpecialReparse(kind: 'fifo' | 'socket' | 'chr' | 'blk'): Uint8Array {
  const tag = { fifo: IO_REPARSE_TAG_LX_FIFO, socket: IO_REPARSE_TAG_AF_UNIX, chr: IO_REPARSE_TAG_LX_CHR, blk: IO_REPARSE_TAG_LX_BLK }[kind];
  return header(tag, 0).b;
}
