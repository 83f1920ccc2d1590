/**
 * 8.3 short names: how a name is stored when it fits (with the NT case bits
 * for all-lowercase parts), the alias Windows generates when it does not
 * (basis name, then numeric tails ~1..~4, then a hashed form), and how a
 * stored short name reads back. Short names are kept here as 11-character
 * strings of byte values (space padded, no dot).
 */

/** NTRes bits: the base / the extension was all lowercase. */
export const NT_LOWER_BASE = 0x08;
export const NT_LOWER_EXT = 0x10;

/** Code pages for the high bytes (0x80..0xFF) of short names: DOS's US 437, and Western European 850. */
export type CodePage = 437 | 850;

const HIGH_HALF: Record<CodePage, string> = {
  437:
    'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0',
  850:
    'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜø£Ø×ƒáíóúñÑªº¿®¬½¼¡«»░▒▓│┤ÁÂÀ©╣║╗╝¢¥┐└┴┬├─┼ãÃ╚╔╩╦╠═╬¤ðÐÊËÈıÍÎÏ┘┌█▄¦Ì▀ÓßÔÒõÕµþÞÚÛÙýÝ¯´\u00ad±‗¾¶§÷¸°¨·¹³²■\u00a0',
};

/**
 * mtools 4.0.32 reads short names as code page 850 unless told otherwise (its default_codepage); Linux vfat
 * uses 437 (CONFIG_FAT_DEFAULT_CODEPAGE). memefs follows mtools, its referee here.
 */
export const DEFAULT_CODEPAGE: CodePage = 850;
export const CODEPAGES = Object.keys(HIGH_HALF).map(Number) as CodePage[];

/** The byte code page `codepage` has for `ch` (0x80..0xFF), or -1. */
function highByte(ch: string, codepage: CodePage): number {
  const i = HIGH_HALF[codepage].indexOf(ch);
  return i < 0 ? -1 : 0x80 + i;
}

/**
 * An entry's stored short name (11 byte values) that reads back as `name` by itself — a short-only entry
 * with code-page bytes as mtools writes `été.txt` — with the NT case bits that make it so; else null.
 */
export function storedShortName(name11: string | undefined, name: string, codepage: CodePage): PlainShortName | null {
  if (name11 === undefined || name11.length !== 11) return null;
  const raw = name11Bytes(name11);
  for (const ntCase of [0, NT_LOWER_BASE, NT_LOWER_EXT, NT_LOWER_BASE | NT_LOWER_EXT]) {
    if (readShortName(raw, 0, ntCase, codepage) === name) return { name11, ntCase };
  }
  return null;
}

/** Characters a short name may not contain (besides control characters and lowercase). */
const SHORT_INVALID = new Set('"*+,./:;<=>?[\\]|');

/** Whether byte/char code `c` may appear in a stored short name. */
export function isShortNameChar(c: number): boolean {
  if (c < 0x20 || c === 0x7f) return false;
  if (c >= 0x80) return c <= 0xff;
  if (c >= 0x61 && c <= 0x7a) return false;
  return !SHORT_INVALID.has(String.fromCharCode(c));
}

export function name11Bytes(name11: string): Uint8Array {
  const b = new Uint8Array(11);
  for (let i = 0; i < 11; i++) b[i] = name11.charCodeAt(i) & 0xff;
  return b;
}

export function name11FromBytes(b: Uint8Array, off = 0): string {
  let s = '';
  for (let i = 0; i < 11; i++) s += String.fromCharCode(b[off + i]!);
  return s;
}

/** "FOO     TXT" → "FOO.TXT" (raw, for reports). */
export function displayName11(name11: string): string {
  const base = name11.slice(0, 8).trimEnd();
  const ext = name11.slice(8).trimEnd();
  return ext ? `${base}.${ext}` : base;
}

/** A stored short name as the name a user sees: 0x05 escape, code page, NT case bits. */
export function readShortName(raw: Uint8Array, off: number, ntRes: number, codepage: CodePage = DEFAULT_CODEPAGE): string {
  const high = HIGH_HALF[codepage];
  const bytes = raw.slice(off, off + 11);
  if (bytes[0] === 0x05) bytes[0] = 0xe5;
  const decode = (from: number, to: number, lower: boolean) => {
    let s = '';
    for (let i = from; i < to; i++) {
      const c = bytes[i]!;
      s += c >= 0x80 ? high[c - 0x80]! : String.fromCharCode(c);
    }
    s = s.replace(/ +$/, '');
    return lower ? s.toLowerCase() : s;
  };
  const base = decode(0, 8, (ntRes & NT_LOWER_BASE) !== 0);
  const ext = decode(8, 11, (ntRes & NT_LOWER_EXT) !== 0);
  return ext ? `${base}.${ext}` : base;
}

export interface PlainShortName {
  name11: string;
  ntCase: number;
}

/**
 * The short entry for `name` when it needs no long name: ASCII, one optional
 * dot, 1–8 + 0–3 valid characters, each part in one case.
 */
export function plainShortName(name: string): PlainShortName | null {
  if (name === '.' || name === '..' || name.length === 0 || name.length > 12) return null;
  const dot = name.indexOf('.');
  if (dot !== name.lastIndexOf('.')) return null;
  const base = dot < 0 ? name : name.slice(0, dot);
  const ext = dot < 0 ? '' : name.slice(dot + 1);
  if (base.length < 1 || base.length > 8 || ext.length > 3 || (dot >= 0 && ext.length === 0)) return null;
  let ntCase = 0;
  for (const [part, bit] of [[base, NT_LOWER_BASE], [ext, NT_LOWER_EXT]] as const) {
    for (let i = 0; i < part.length; i++) {
      const c = part.charCodeAt(i);
      if (c >= 0x80 || c === 0x20) return null;
      if (!isShortNameChar(c) && !(c >= 0x61 && c <= 0x7a)) return null;
    }
    const upper = part.toUpperCase();
    const lower = part.toLowerCase();
    if (part === upper) continue; // also covers parts without letters
    if (part === lower) ntCase |= bit;
    else return null; // mixed case needs a long name
  }
  const name11 = base.toUpperCase().padEnd(8, ' ') + ext.toUpperCase().padEnd(3, ' ');
  return { name11, ntCase };
}

/**
 * The basis name of fatgen103's algorithm, and whether making it lost information. A character the
 * code page has is kept as its byte (as Windows and mtools do: `Ärger.txt` → `ÄRGER.TXT`, 0x8E).
 */
export function basisName(longName: string, codepage: CodePage = DEFAULT_CODEPAGE): { base: string; ext: string; lossy: boolean } {
  let lossy = false;
  let converted = '';
  for (const ch of longName.toUpperCase()) {
    const c = ch.codePointAt(0)!;
    const high = c >= 0x80 ? highByte(ch, codepage) : -1;
    if (ch === '.' || ch === ' ') converted += ch;
    else if (c < 0x80 && isShortNameChar(c)) converted += ch;
    else if (high >= 0 && isShortNameChar(high)) converted += String.fromCharCode(high);
    else { converted += '_'; lossy = true; }
  }
  const noSpaces = converted.replace(/ /g, '');
  const stripped = noSpaces.replace(/^\.+/, '');
  if (stripped !== converted) lossy = true;
  const lastDot = stripped.lastIndexOf('.');
  const primary = (lastDot < 0 ? stripped : stripped.slice(0, lastDot)).replace(/\./g, '');
  const extension = lastDot < 0 ? '' : stripped.slice(lastDot + 1);
  if (primary.length > 8 || extension.length > 3) lossy = true;
  if (lastDot >= 0 && stripped.indexOf('.') !== lastDot) lossy = true;
  let base = primary.slice(0, 8);
  if (base.length === 0) { base = '_'; lossy = true; }
  return { base, ext: extension.slice(0, 3), lossy };
}

function withTail(base: string, ext: string, tail: string): string {
  return (base.slice(0, 8 - tail.length) + tail).padEnd(8, ' ') + ext.padEnd(3, ' ');
}

/** A 16-bit hash of the long name for the hashed alias form (any unique alias is legal). */
function nameHash(longName: string, round: number): number {
  let h = 0x811c9dc5 ^ round;
  for (let i = 0; i < longName.length; i++) {
    h ^= longName.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return (h ^ (h >>> 16)) & 0xffff;
}

/**
 * The short alias for a long name, unique in `taken` (11-character names).
 * As Windows: the basis name alone when nothing was lost and it is free, then
 * BASIS~1..~4, then XXhhhh~1..~9 with a hash, then longer numeric tails.
 */
export function makeAlias(longName: string, taken: { has(name11: string): boolean }, codepage: CodePage = DEFAULT_CODEPAGE): string {
  const { base, ext, lossy } = basisName(longName, codepage);
  const plain = base.padEnd(8, ' ') + ext.padEnd(3, ' ');
  if (!lossy && !taken.has(plain)) return plain;
  for (let n = 1; n <= 4; n++) {
    const candidate = withTail(base, ext, `~${n}`);
    if (!taken.has(candidate)) return candidate;
  }
  for (let round = 0; round < 8; round++) {
    const hashed = base.slice(0, 2) + nameHash(longName, round).toString(16).toUpperCase().padStart(4, '0');
    for (let n = 1; n <= 9; n++) {
      const candidate = withTail(hashed, ext, `~${n}`);
      if (!taken.has(candidate)) return candidate;
    }
  }
  for (let n = 5; n < 1_000_000; n++) {
    const candidate = withTail(base, ext, `~${n}`);
    if (!taken.has(candidate)) return candidate;
  }
  throw new Error(`no free short alias for ${JSON.stringify(longName)}`);
}
