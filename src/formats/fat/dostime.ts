/**
 * DOS dates and times. FAT stores local wall-clock time with no zone, so
 * memefs converts with the process's local time zone (the TZ environment
 * variable) in both directions: an image written and read under the same TZ
 * keeps its times exactly (to FAT's resolution: 10 ms for creation, 2 s for
 * modification, a day for access).
 */

export const DOS_EPOCH_YEAR = 1980;
export const DOS_LAST_YEAR = 2107;

export interface DosStamp {
  date: number;
  time: number;
  /** Creation time only: 10 ms units, 0–199 (adds up to 1.99 s to the 2 s resolution of `time`). */
  tenths: number;
}

/** Encodes epoch milliseconds as local DOS date/time, clamped to 1980-01-01 .. 2107-12-31. */
export function toDosStamp(ms: number): DosStamp {
  const min = new Date(DOS_EPOCH_YEAR, 0, 1, 0, 0, 0, 0).getTime();
  const max = new Date(DOS_LAST_YEAR, 11, 31, 23, 59, 59, 990).getTime();
  if (!Number.isFinite(ms) || ms < min) ms = min;
  if (ms > max) ms = max;
  const d = new Date(ms);
  const date = ((d.getFullYear() - DOS_EPOCH_YEAR) << 9) | ((d.getMonth() + 1) << 5) | d.getDate();
  const sec = d.getSeconds();
  const time = (d.getHours() << 11) | (d.getMinutes() << 5) | (sec >> 1);
  const tenths = (sec & 1) * 100 + Math.floor(d.getMilliseconds() / 10);
  return { date, time, tenths };
}

/** Decodes a DOS date/time as epoch ms, or null when the fields are not a real date (0 means "unset"). */
export function fromDosStamp(date: number, time = 0, tenths = 0): number | null {
  if (date === 0) return null;
  const day = date & 0x1f;
  const month = (date >> 5) & 0x0f;
  const year = (date >> 9) + DOS_EPOCH_YEAR;
  const sec2 = time & 0x1f;
  const minute = (time >> 5) & 0x3f;
  const hour = time >> 11;
  if (day < 1 || month < 1 || month > 12 || day > daysIn(year, month)) return null;
  if (hour > 23 || minute > 59 || sec2 > 29) return null;
  const extra = tenths <= 199 ? tenths * 10 : 0;
  return new Date(year, month - 1, day, hour, minute, sec2 * 2, 0).getTime() + extra;
}

function daysIn(year: number, month: number): number {
  return new Date(year, month, 0).getDate();
}

/** "YYYY-MM-DD hh:mm:ss" in local time, for reports. */
export function formatDosStamp(date: number, time: number, tenths?: number): string {
  const ms = fromDosStamp(date, time, tenths ?? 0);
  if (ms === null) return date === 0 && time === 0 ? '(unset)' : `(invalid ${date.toString(16)}/${time.toString(16)})`;
  const d = new Date(ms);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const base = `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
  return tenths === undefined ? base : `${base}.${p(Math.floor(d.getMilliseconds() / 10))}`;
}
