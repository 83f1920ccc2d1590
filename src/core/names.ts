/**
 * Names. Linux names are bytes; memefs keeps them as JS strings so that case
 * folding and Windows rules can work on characters. Bytes that are not valid
 * UTF-8 are kept losslessly as lone surrogates U+DC80..U+DCFF (Python's
 * "surrogateescape"), which valid UTF-8 can never produce.
 */
import { Errno, fail } from './errno.js';
import { UPCASE_RUNS } from './upcase-table.js';

export const NAME_MAX = 255;

const utf8 = new TextDecoder('utf-8', { fatal: true });
const encoder = new TextEncoder();

export function decodeName(bytes: Uint8Array): string {
  let ascii = true;
  for (let i = 0; i < bytes.length; i++) if (bytes[i]! >= 0x80) { ascii = false; break; }
  if (ascii) return String.fromCharCode.apply(null, bytes as unknown as number[]);
  try {
    return utf8.decode(bytes);
  } catch {
    return decodeEscaped(bytes);
  }
}

/** decodeName(buf.subarray(start, end)), without the subarray for ASCII names (most names; every request with a name decodes one). */
export function decodeNameAt(buf: Buffer, start: number, end: number): string {
  for (let i = start; i < end; i++) if (buf[i]! >= 0x80) return decodeName(buf.subarray(start, end));
  return buf.toString('latin1', start, end);
}

function decodeEscaped(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    const len = b < 0x80 ? 1 : b >= 0xc2 && b < 0xe0 ? 2 : b >= 0xe0 && b < 0xf0 ? 3 : b >= 0xf0 && b < 0xf5 ? 4 : 0;
    if (len > 0 && i + len <= bytes.length) {
      try {
        const s = utf8.decode(bytes.subarray(i, i + len));
        out += s;
        i += len;
        continue;
      } catch { /* fall through: escape this byte */ }
    }
    out += String.fromCharCode(0xdc00 + b);
    i++;
  }
  return out;
}

function hasEscapes(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c >= 0xdc80 && c <= 0xdcff) return true;
  }
  return false;
}

export function encodeName(name: string): Uint8Array {
  if (!hasEscapes(name)) return encoder.encode(name);
  const parts: number[] = [];
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c >= 0xdc80 && c <= 0xdcff) {
      parts.push(c - 0xdc00);
    } else {
      const cp = name.codePointAt(i)!;
      const s = String.fromCodePoint(cp);
      for (const b of encoder.encode(s)) parts.push(b);
      if (cp > 0xffff) i++;
    }
  }
  return Uint8Array.from(parts);
}

/**
 * Writes encodeName(name) into buf at `at` if it ends by `end`, and returns its
 * length in bytes either way. Names without escaped bytes (nearly all) are
 * written without allocating: a directory listing writes thousands.
 */
export function encodeNameInto(name: string, buf: Buffer, at: number, end: number): number {
  // ASCII (most names) is copied byte by byte: for names this short, cheaper than two calls into C++.
  const n = name.length;
  for (let i = 0; i < n; i++) if (name.charCodeAt(i) >= 0x80) return encodeNonAscii(name, buf, at, end);
  if (at + n <= end) for (let i = 0; i < n; i++) buf[at + i] = name.charCodeAt(i);
  return n;
}

function encodeNonAscii(name: string, buf: Buffer, at: number, end: number): number {
  if (hasEscapes(name)) {
    const bytes = encodeName(name);
    if (at + bytes.length <= end) buf.set(bytes, at);
    return bytes.length;
  }
  const n = Buffer.byteLength(name, 'utf8');
  if (at + n <= end) buf.write(name, at, n, 'utf8');
  return n;
}

export function nameByteLength(name: string): number {
  let n = 0;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xdc80 && c <= 0xdcff) n += 1; // escaped raw byte
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < name.length) { n += 4; i++; }
    else n += 3;
  }
  return n;
}

/** Checks a single path component as Linux would. */
export function checkName(name: string): void {
  if (name.length === 0) fail(Errno.ENOENT);
  // A UTF-16 unit is at most 3 UTF-8 bytes, so only long names need counting.
  if (name.length * 3 > NAME_MAX && nameByteLength(name) > NAME_MAX) fail(Errno.ENAMETOOLONG);
  if (name.includes('/') || name.includes('\0')) fail(Errno.EINVAL);
}

/**
 * NTFS's $UpCase table (the one mkntfs and Windows write): the uppercase of
 * every UTF-16 unit, built once from the generated runs in upcase-table.ts.
 */
const UPCASE = (() => {
  const table = new Uint16Array(65536);
  for (let u = 0; u < 65536; u++) table[u] = u;
  for (let r = 0; r < UPCASE_RUNS.length; r += 4) {
    const [first, count, delta, step] = UPCASE_RUNS.slice(r, r + 4) as [number, number, number, number];
    for (let k = 0; k < count; k++) table[first + k * step] = first + k * step + delta;
  }
  return table;
})();

/** Room for folding names without allocating; longer strings get their own. */
const foldScratch = new Uint16Array(1024);

/**
 * Case folding for case-insensitive volumes, exactly as NTFS compares names:
 * each UTF-16 unit goes through the $UpCase table on its own (so "ß" stays "ß",
 * "ı" stays "ı", surrogates and so letters outside the BMP stay themselves).
 * ASCII names take a fast path.
 */
export function foldCase(name: string): string {
  const n = name.length;
  let i = 0;
  while (i < n && name.charCodeAt(i) < 0x80) i++;
  if (i === n) return name.toUpperCase();
  const units = n <= foldScratch.length ? foldScratch : new Uint16Array(n);
  for (let k = 0; k < n; k++) units[k] = UPCASE[name.charCodeAt(k)]!;
  let out = '';
  for (let at = 0; at < n; at += 4096) out += String.fromCharCode.apply(null, units.subarray(at, Math.min(n, at + 4096)) as unknown as number[]);
  return out;
}

/** Names Windows cannot hold (for the `windows-names` option). */
const WINDOWS_RESERVED = /^(CON|PRN|AUX|NUL|COM[0-9¹²³]|LPT[0-9¹²³])(\..*)?$/i;
export function isWindowsName(name: string): boolean {
  if (/[<>:"/\\|?*\x00-\x1f]/.test(name)) return false;
  if (name.endsWith('.') || name.endsWith(' ')) return name === '.' || name === '..';
  return !WINDOWS_RESERVED.test(name);
}
