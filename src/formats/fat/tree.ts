/**
 * The in-memory form of a FAT volume between the codec and everything else:
 * names, attributes, times and contents, with no clusters or entries.
 * Times are epoch milliseconds (see dostime.ts for the time zone rule).
 */
import type { DosStamp } from './dostime.js';

/** File contents the writer can copy from without holding a second copy (the core's FileData fits). */
export interface ContentSource {
  readonly size: number;
  readInto(pos: number, target: Uint8Array): number;
}

export interface FatTimes {
  /** Creation, to 10 ms. */
  created?: number;
  /** Last write, to 2 s. */
  modified?: number;
  /** Last access, to the day. */
  accessed?: number;
}

interface FatNodeBase extends FatTimes {
  name: string;
  /** DOS attributes kept for this node (read-only, hidden, system, archive). */
  attributes: number;
  /** The stored short name (11 characters) when read from an image, kept as a hint for writing. */
  shortName?: string;
  /** The stamps as read from an image and the times they were read as: written back as they were while the times are unchanged. */
  stamps?: StoredStamps;
}

export interface StoredStamps {
  times: FatTimes;
  created: DosStamp;
  modified: DosStamp;
  accessDate: number;
}

export interface FatFile extends FatNodeBase {
  kind: 'file';
  data: Uint8Array | ContentSource;
}

export interface FatDirectory extends FatNodeBase {
  kind: 'dir';
  children: FatNode[];
}

export type FatNode = FatFile | FatDirectory;

export interface FatTree {
  /** Volume label ('' for none). */
  label: string;
  root: FatDirectory;
  /** The volume serial number, when known. */
  volumeId?: number;
}

export function sizeOf(data: Uint8Array | ContentSource): number {
  return data instanceof Uint8Array ? data.length : data.size;
}

export function newRoot(): FatDirectory {
  return { kind: 'dir', name: '', attributes: 0, children: [] };
}
