/**
 * Turning archive paths into names inside the volume. Nothing an archive says
 * may reach outside the volume: absolute paths lose their leading slashes (as
 * GNU tar does), paths with ".." or NUL are refused. Bytes become names with
 * decodeName, so non-UTF-8 bytes survive as escapes.
 */
import { decodeName } from '../../core/names.js';

export type PathResult = { parts: string[]; strippedSlash: boolean } | { problem: string };

export function archivePathParts(bytes: Uint8Array): PathResult {
  if (bytes.includes(0)) return { problem: 'contains a NUL byte' };
  let start = 0;
  while (start < bytes.length && bytes[start] === 0x2f) start++;
  const parts: string[] = [];
  let from = start;
  for (let i = start; i <= bytes.length; i++) {
    if (i < bytes.length && bytes[i] !== 0x2f) continue;
    const len = i - from;
    const part = bytes.subarray(from, i);
    from = i + 1;
    if (len === 0 || (len === 1 && part[0] === 0x2e)) continue;
    if (len === 2 && part[0] === 0x2e && part[1] === 0x2e) return { problem: 'contains ".."' };
    parts.push(decodeName(part));
  }
  return { parts, strippedSlash: start > 0 };
}

/** For messages: the path as text, non-UTF-8 bytes shown as \xNN. */
export function showPath(bytes: Uint8Array): string {
  let out = '';
  for (const ch of decodeName(bytes)) {
    const c = ch.charCodeAt(0);
    out += c >= 0xdc80 && c <= 0xdcff ? `\\x${(c - 0xdc00).toString(16)}` : c < 0x20 ? `\\x${c.toString(16).padStart(2, '0')}` : ch;
  }
  return out.length > 300 ? out.slice(0, 300) + '...' : out;
}
