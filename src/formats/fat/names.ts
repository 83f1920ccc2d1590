/**
 * Which names FAT can hold, and the label field. A long name is up to 255
 * UTF-16 units without control characters or "*:<>?\|/, and Windows drops
 * trailing dots and spaces, so such names are renamed (with a warning).
 */
import { foldCase } from '../../core/names.js';
import { LFN_MAX_UNITS } from './lfn.js';
import { isShortNameChar } from './shortname.js';
import { NO_NAME } from './bootsector.js';

const LFN_INVALID = /[\x00-\x1f"*/:<>?\\|\x7f]/g;

/** The name as FAT can store it (possibly changed), or null when nothing usable is left. */
export function storableName(name: string): string | null {
  if (name === '' || name === '.' || name === '..') return null;
  let s = name.replace(LFN_INVALID, '_');
  s = s.replace(/[. ]+$/, (tail) => '_'.repeat(tail.length));
  if (s.length > LFN_MAX_UNITS) {
    // Keep the extension when cutting a long name down to size.
    const dot = s.lastIndexOf('.');
    const ext = dot > 0 && s.length - dot <= 16 ? s.slice(dot) : '';
    s = s.slice(0, LFN_MAX_UNITS - ext.length) + ext;
    if (/[\ud800-\udbff]$/.test(s.slice(0, LFN_MAX_UNITS - ext.length))) s = s.slice(0, LFN_MAX_UNITS - ext.length - 1) + ext;
  }
  if (s === '' || s === '.' || s === '..') return null;
  return s;
}

/** The key under which FAT compares names (case-insensitive, one namespace for long and short names). */
export function fatKey(name: string): string {
  return foldCase(name);
}

/** The 11-byte label field for a label: uppercase, characters short names allow, space padded. */
export function labelField(label: string): { field: string; changed: boolean } {
  const trimmed = label.trim();
  if (trimmed === '') return { field: NO_NAME, changed: label !== '' };
  let field = '';
  for (const ch of trimmed.toUpperCase()) {
    const c = ch.codePointAt(0)!;
    field += c < 0x80 && (isShortNameChar(c) || c === 0x20) && ch !== '.' ? ch : '_';
  }
  field = field.slice(0, 11).padEnd(11, ' ');
  return { field, changed: field.trimEnd() !== trimmed.toUpperCase() };
}

/** A mixed-case label as mlabel keeps it (in long-name slots before the label entry), or null when the field says it all. */
export function mixedCaseLabel(label: string): string | null {
  const trimmed = label.trim();
  const { field, changed } = labelField(label);
  return !changed && field.trimEnd() !== trimmed ? trimmed : null;
}
