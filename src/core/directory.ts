/**
 * A directory's entries. Lookups go through a map keyed by the name as the
 * volume compares it (folded on case-insensitive volumes); the entry keeps the
 * name as it was created. Each entry gets a cookie from a counter, and the
 * listing order is cookie order, so a reader's position (the last cookie it
 * saw) stays valid while entries come and go.
 */
import type { Inode } from './inode.js';

export interface DirEntry {
  /** The name as stored (case preserved). */
  name: string;
  inode: Inode;
  /** Position in listings; never reused within this directory. */
  readonly cookie: number;
}

/** Cookies 1 and 2 are "." and ".." in listings. */
const FIRST_COOKIE = 3;

export class Directory {
  private readonly byKey = new Map<string, DirEntry>();
  /** Entries in cookie order; removed ones are null until compaction. */
  private readonly order: (DirEntry | null)[] = [];
  /** The cookie of each slot in `order`, kept for removed slots too (for binary search). */
  private readonly cookies: number[] = [];
  private removed = 0;
  private nextCookie = FIRST_COOKIE;

  constructor(private readonly keyOf: (name: string) => string) {}

  get size(): number {
    return this.byKey.size;
  }

  get(name: string): DirEntry | undefined {
    return this.byKey.get(this.keyOf(name));
  }

  add(name: string, inode: Inode): DirEntry {
    const entry: DirEntry = { name, inode, cookie: this.nextCookie++ };
    this.byKey.set(this.keyOf(name), entry);
    this.order.push(entry);
    this.cookies.push(entry.cookie);
    return entry;
  }

  remove(name: string): DirEntry | undefined {
    const key = this.keyOf(name);
    const entry = this.byKey.get(key);
    if (entry === undefined) return undefined;
    this.byKey.delete(key);
    const at = this.indexOf(entry.cookie);
    if (at >= 0) {
      this.order[at] = null;
      this.removed++;
      if (this.removed > 32 && this.removed * 2 > this.order.length) this.compact();
    }
    return entry;
  }

  /** Points an existing entry at another inode (rename over an existing name). */
  replace(entry: DirEntry, inode: Inode, name: string): void {
    entry.inode = inode;
    entry.name = name;
  }

  /** Entries with a cookie greater than `after`, in order. */
  *entriesAfter(after: number): IterableIterator<DirEntry> {
    let i = after < FIRST_COOKIE ? 0 : this.firstIndexAfter(after);
    for (; i < this.order.length; i++) {
      const e = this.order[i];
      if (e !== null && e !== undefined) yield e;
    }
  }

  entries(): IterableIterator<DirEntry> {
    return this.byKey.values();
  }

  /**
   * Drops the removed slots, in place: new arrays stored into the fields would give the Directory
   * objects' fields a new type, and throw away the compiled code that relied on the old one.
   */
  private compact(): void {
    const { order, cookies } = this;
    let kept = 0;
    for (let i = 0; i < order.length; i++) {
      const e = order[i]!;
      if (e === null) continue;
      order[kept] = e;
      cookies[kept] = e.cookie;
      kept++;
    }
    order.length = kept;
    cookies.length = kept;
    this.removed = 0;
  }

  private indexOf(cookie: number): number {
    const i = this.firstIndexAfter(cookie - 1);
    return this.cookies[i] === cookie ? i : -1;
  }

  /** Index of the first slot whose cookie is > cookie. */
  private firstIndexAfter(cookie: number): number {
    let lo = 0;
    let hi = this.cookies.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.cookies[mid]! <= cookie) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
