/** Little-endian field access on byte arrays, bounds-checked so a short image reads as zeros, never throws. */

export function u8(b: Uint8Array, off: number): number {
  return off < b.length ? b[off]! : 0;
}

export function u16(b: Uint8Array, off: number): number {
  return u8(b, off) | (u8(b, off + 1) << 8);
}

export function u32(b: Uint8Array, off: number): number {
  return (u16(b, off) | (u16(b, off + 2) << 16)) >>> 0;
}

export function put16(b: Uint8Array, off: number, v: number): void {
  b[off] = v & 0xff;
  b[off + 1] = (v >>> 8) & 0xff;
}

export function put32(b: Uint8Array, off: number, v: number): void {
  put16(b, off, v & 0xffff);
  put16(b, off + 2, (v >>> 16) & 0xffff);
}

/** Bytes as 8-bit characters (for OEM names and signatures). */
export function latin1(b: Uint8Array, off: number, len: number): string {
  let s = '';
  for (let i = 0; i < len; i++) s += String.fromCharCode(u8(b, off + i));
  return s;
}

export function putAscii(b: Uint8Array, off: number, s: string, len: number, pad = 0x20): void {
  for (let i = 0; i < len; i++) b[off + i] = i < s.length ? s.charCodeAt(i) & 0xff : pad;
}

export function hex(n: number, width = 0): string {
  return '0x' + n.toString(16).toUpperCase().padStart(width, '0');
}
