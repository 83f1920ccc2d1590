/**
 * File contents: a sparse array of fixed-size chunks. Growing a file never
 * copies what is stored, a hole costs nothing, and shrinking or punching
 * returns chunks at once. Only chunk 0 may be smaller than CHUNK_SIZE, so that
 * small files take little memory: a slab slot of a power of two up to a page,
 * then of whole pages up to MAX_SMALL, then a full chunk.
 * Bytes past a chunk's capacity (and whole missing chunks) read as zeros.
 *
 * What is charged is what is held, page by page, as tmpfs charges: a full
 * chunk is a lazily mapped allocation (the daemon's malloc maps anything of
 * 128 KiB or more on its own), whose pages take memory only once written.
 * So a full chunk is charged for the pages written into it (its page map),
 * and a small chunk for its slot. A page of a full chunk that is not charged
 * has never been written: it is zero and takes no memory.
 */
import { Errno, fail } from './errno.js';
import { takeBlock } from './blocks.js';
import { SlabAllocator } from './slab.js';
import type { Inode } from './inode.js';

export const CHUNK_SHIFT = 18;
export const CHUNK_SIZE = 1 << CHUNK_SHIFT; // 256 KiB
export const PAGE_SIZE = 4096;
const PAGE_SHIFT = 12;
const MIN_SMALL = 64;
/** The largest small (slab) chunk 0; a file past it has a full chunk 0. */
export const MAX_SMALL = 64 * 1024;
/** Largest file size: as on tmpfs (MAX_LFS_FILESIZE). */
export const MAX_FILE_SIZE = Number.MAX_SAFE_INTEGER;

const ZEROS = new Uint8Array(CHUNK_SIZE);

/** Up to this many chunk slots, free() scans the array by index; beyond, only the slots there are. */
const DENSE_SCAN_CHUNKS = 64;

/** Small chunks come from slabs, one allocator per volume (see slab.ts). */
const allocators = new WeakMap<Space, SlabAllocator>();
function slabsFor(space: Space): SlabAllocator {
  let a = allocators.get(space);
  if (a === undefined) allocators.set(space, (a = new SlabAllocator()));
  return a;
}

/** Gives back the empty slabs the volume's small chunks keep for reuse (see slab.ts). */
export function trimSlabs(space: Space): void {
  allocators.get(space)?.trim();
}

/** Where the bytes are charged: the volume's accounting, as data of `owner` when there is one. */
export interface Space {
  /** Reserves `bytes`; throws ENOSPC when they do not fit. */
  reserve(bytes: number, owner?: Inode): void;
  release(bytes: number, owner?: Inode): void;
}

export class FileData {
  size = 0;
  /** Bytes of memory held by chunks (what is charged to the volume). */
  allocated = 0;
  private readonly chunks: (Uint8Array | undefined)[] = [];
  /** For every full chunk: which of its 64 pages are charged (bit p%32 of word p/32). */
  private readonly pageMaps: (Uint32Array | undefined)[] = [];
  private readonly slabs: SlabAllocator;

  /** `owner`: the inode whose data this is, for a space that charges each inode's data apart. */
  constructor(private readonly space: Space, private readonly owner?: Inode) {
    this.slabs = slabsFor(space);
  }

  /**
   * The bytes in [pos, pos+len) clipped to the size, as views (never copies).
   * Holes are views of a shared zero buffer: callers must not write to them.
   */
  read(pos: number, len: number): Uint8Array[] {
    const end = Math.min(this.size, pos + len);
    const out: Uint8Array[] = [];
    let p = pos;
    while (p < end) {
      const index = Math.floor(p / CHUNK_SIZE);
      const inChunk = p - index * CHUNK_SIZE;
      const n = Math.min(CHUNK_SIZE - inChunk, end - p);
      const chunk = this.chunks[index];
      if (chunk === undefined || inChunk >= chunk.length) {
        out.push(ZEROS.subarray(0, n));
      } else if (inChunk + n <= chunk.length) {
        out.push(chunk.subarray(inChunk, inChunk + n));
      } else {
        out.push(chunk.subarray(inChunk));
        out.push(ZEROS.subarray(0, inChunk + n - chunk.length));
      }
      p += n;
    }
    return out;
  }

  /** Copies [pos, pos+target.length) into target; returns the count read. */
  readInto(pos: number, target: Uint8Array): number {
    let off = 0;
    for (const part of this.read(pos, target.length)) {
      target.set(part, off);
      off += part.length;
    }
    return off;
  }

  /**
   * Writes src at pos. When the volume fills part-way, what fit stays written
   * and the short count is returned; if nothing fit, ENOSPC is thrown.
   */
  write(pos: number, src: Uint8Array): number {
    const n = this.prepare(pos, src.length);
    this.fill(pos, n === src.length ? src : src.subarray(0, n));
    return n;
  }

  /**
   * The first half of a write: makes room for `len` bytes at pos (charging the
   * space, growing the size) and returns how many fit, as `write` does, without
   * copying anything. `fill` must follow before anything else reads the file.
   * Split so that a transport can answer a write before the copy (see the FUSE
   * bridge): all that can fail happens here.
   */
  prepare(pos: number, len: number): number {
    if (len === 0) return 0;
    if (pos + len > MAX_FILE_SIZE) fail(Errno.EFBIG);
    let done = 0;
    try {
      while (done < len) {
        const p = pos + done;
        const index = Math.floor(p / CHUNK_SIZE);
        const inChunk = p - index * CHUNK_SIZE;
        const n = Math.min(CHUNK_SIZE - inChunk, len - done);
        const chunk = this.ensure(index, inChunk + n, n === CHUNK_SIZE);
        if (chunk.length === CHUNK_SIZE) {
          const fit = this.charge(index, inChunk, inChunk + n);
          done += fit;
          if (fit < n) fail(Errno.ENOSPC);
        } else {
          done += n;
        }
      }
    } catch (e) {
      if (done === 0) throw e;
    }
    if (pos + done > this.size) this.size = pos + done;
    return done;
  }

  /** The second half of a write: copies src to pos, into room `prepare` made (never fails). */
  fill(pos: number, src: Uint8Array): void {
    let done = 0;
    while (done < src.length) {
      const p = pos + done;
      const index = Math.floor(p / CHUNK_SIZE);
      const inChunk = p - index * CHUNK_SIZE;
      const n = Math.min(CHUNK_SIZE - inChunk, src.length - done);
      this.chunks[index]!.set(n === src.length ? src : src.subarray(done, done + n), inChunk);
      done += n;
    }
  }

  /** Sets the size; shrinking frees chunks and zeroes the cut-off tail. */
  truncate(size: number): void {
    if (size > MAX_FILE_SIZE) fail(Errno.EFBIG);
    if (size < this.size) this.clear(size, this.size);
    this.size = size;
  }

  /** Makes [pos, pos+len) read as zeros, freeing whole chunks inside it. */
  punchHole(pos: number, len: number): void {
    const end = Math.min(pos + len, this.size);
    if (end > pos) this.clear(pos, end);
  }

  /** fallocate mode 0 / KEEP_SIZE: reserve memory for the range (all of it, or nothing). */
  allocate(pos: number, len: number, keepSize: boolean): void {
    const end = pos + len;
    if (end > MAX_FILE_SIZE) fail(Errno.EFBIG);
    const first = Math.floor(pos / CHUNK_SIZE);
    const last = Math.floor((end - 1) / CHUNK_SIZE);
    const small = last === 0 && roundCapacity(end) < CHUNK_SIZE;
    let need = 0;
    for (let i = first; i <= last; i++) {
      const from = i === first ? pos - i * CHUNK_SIZE : 0;
      const to = i === last ? end - i * CHUNK_SIZE : CHUNK_SIZE;
      need += small ? Math.max(0, roundCapacity(end) - (this.chunks[0]?.length ?? 0)) : this.uncharged(i, from, to);
    }
    this.space.reserve(need, this.owner);
    this.space.release(need, this.owner);
    for (let i = first; i <= last; i++) {
      const from = i === first ? pos - i * CHUNK_SIZE : 0;
      const to = i === last ? end - i * CHUNK_SIZE : CHUNK_SIZE;
      const chunk = this.ensure(i, to, !small);
      if (chunk.length === CHUNK_SIZE) this.charge(i, from, to);
    }
    if (!keepSize && end > this.size) this.size = end;
  }

  /** First offset >= pos inside stored data, or -1 (SEEK_DATA). */
  seekData(pos: number): number {
    if (pos >= this.size) return -1;
    for (let i = Math.floor(pos / CHUNK_SIZE); i * CHUNK_SIZE < this.size; i++) {
      if (this.chunks[i] !== undefined) return Math.max(pos, i * CHUNK_SIZE);
      if (this.isSparseTail(i)) break;
    }
    return -1;
  }

  /** First offset >= pos in a hole (the size counts as one), (SEEK_HOLE). */
  seekHole(pos: number): number {
    if (pos >= this.size) return -1;
    for (let i = Math.floor(pos / CHUNK_SIZE); i * CHUNK_SIZE < this.size; i++) {
      if (this.chunks[i] === undefined) return Math.max(pos, i * CHUNK_SIZE);
    }
    return this.size;
  }

  /** Releases all memory. */
  free(): void {
    this.space.release(this.allocated, this.owner);
    this.allocated = 0;
    const chunks = this.chunks;
    if (chunks.length <= DENSE_SCAN_CHUNKS) {
      // An indexed loop: for-in over an array makes a string key per element, a cost paid by every unlink.
      for (let i = 0; i < chunks.length; i++) {
        const chunk = chunks[i];
        if (chunk !== undefined) this.slabs.release(chunk);
      }
    } else {
      // for-in visits only the chunks there are (a sparse file's array may be mostly holes).
      for (const i in chunks) this.slabs.release(chunks[i]!);
    }
    // Emptied in place, as compact() in directory.ts: new arrays would change the fields' type.
    chunks.length = 0;
    this.pageMaps.length = 0;
    this.size = 0;
  }

  /** Copies len bytes from another file's data (or this one's), chunk by chunk. */
  copyFrom(src: FileData, srcPos: number, dstPos: number, len: number): number {
    const end = Math.min(src.size, srcPos + len);
    if (end <= srcPos) return 0;
    const parts = src.read(srcPos, end - srcPos);
    // Copy first when ranges of one file overlap, so we never read what we wrote.
    const stable = src === this ? parts.map((p) => p.slice()) : parts;
    let at = dstPos;
    let total = 0;
    for (const part of stable) {
      if (part.buffer === ZEROS.buffer && this.isHoleRange(at, part.length)) {
        // A hole copied onto a hole stays a hole.
        at += part.length;
        total += part.length;
        if (at > this.size) this.size = at;
        continue;
      }
      const n = this.write(at, part);
      at += n;
      total += n;
      if (n < part.length) break;
    }
    return total;
  }

  private isHoleRange(pos: number, len: number): boolean {
    const first = Math.floor(pos / CHUNK_SIZE);
    const last = Math.floor((pos + len - 1) / CHUNK_SIZE);
    for (let i = first; i <= last; i++) if (this.chunks[i] !== undefined) return false;
    return true;
  }

  private isSparseTail(i: number): boolean {
    // Cheap exit for huge sparse files: no stored chunk at or after i.
    return i >= this.chunks.length;
  }

  /**
   * The chunk at index with capacity for `need` bytes, allocating or growing it. A small chunk is
   * charged here for its whole slot; a new full chunk only for what a small one held before it
   * (the caller charges the pages it writes: see charge).
   */
  private ensure(index: number, need: number, full: boolean): Uint8Array {
    const chunk = this.chunks[index];
    if (chunk !== undefined && chunk.length >= need) return chunk;
    const capacity = index === 0 && !full ? roundCapacity(need) : CHUNK_SIZE;
    const old = chunk?.length ?? 0;
    let grown: Uint8Array;
    if (capacity < CHUNK_SIZE) {
      this.space.reserve(capacity - old, this.owner);
      grown = this.slabs.alloc(capacity);
      this.allocated += capacity - old;
    } else {
      // The small chunk's bytes move in: charge the pages they will fill instead of its slot.
      const pages = Math.ceil(old / PAGE_SIZE);
      this.space.reserve(pages * PAGE_SIZE - old, this.owner);
      this.allocated += pages * PAGE_SIZE - old;
      const map = new Uint32Array(2);
      for (let p = 0; p < pages; p++) map[p >>> 5]! |= 1 << (p & 31);
      this.pageMaps[index] = map;
      grown = fullChunk();
    }
    if (chunk !== undefined) {
      grown.set(chunk);
      this.slabs.release(chunk);
    }
    this.chunks[index] = grown;
    return grown;
  }

  /** Bytes that charging [from, to) of chunk i would add (as a full chunk). */
  private uncharged(i: number, from: number, to: number): number {
    const chunk = this.chunks[i];
    const map = this.pageMaps[i];
    const held = map === undefined ? chunk?.length ?? 0 : 0; // a small chunk's slot, given back on growing
    const heldPages = Math.ceil(held / PAGE_SIZE);
    let n = heldPages * PAGE_SIZE - held;
    for (let p = from >>> PAGE_SHIFT; p < pageEnd(to); p++) {
      if (p >= heldPages && !(map !== undefined && isSet(map, p))) n += PAGE_SIZE;
    }
    return n;
  }

  /**
   * Charges the pages of full chunk i that [from, to) touches; returns how many bytes from `from`
   * on are charged: all of them, or up to the first page that did not fit.
   */
  private charge(i: number, from: number, to: number): number {
    const map = this.pageMaps[i]!;
    const first = from >>> PAGE_SHIFT;
    const end = pageEnd(to);
    let missing = 0;
    for (let p = first; p < end; p++) if (!isSet(map, p)) missing++;
    if (missing === 0) return to - from;
    try {
      this.space.reserve(missing * PAGE_SIZE, this.owner);
    } catch {
      // Not all of it: page by page, as far as they fit.
      let p = first;
      for (; p < end; p++) {
        if (isSet(map, p)) continue;
        try {
          this.space.reserve(PAGE_SIZE, this.owner);
        } catch {
          break;
        }
        map[p >>> 5]! |= 1 << (p & 31);
        this.allocated += PAGE_SIZE;
      }
      if (map[0] === 0 && map[1] === 0) this.drop(i);
      return Math.max(0, p * PAGE_SIZE - from);
    }
    for (let p = first; p < end; p++) map[p >>> 5]! |= 1 << (p & 31);
    this.allocated += missing * PAGE_SIZE;
    return to - from;
  }

  /** Bytes charged for chunk i. */
  private chargeOf(i: number): number {
    const map = this.pageMaps[i];
    if (map === undefined) return this.chunks[i]?.length ?? 0;
    return (popcount(map[0]!) + popcount(map[1]!)) * PAGE_SIZE;
  }

  /** Zeroes [from, to) inside the current size: frees whole chunks, zero-fills edges. */
  private clear(from: number, to: number): void {
    const first = Math.floor(from / CHUNK_SIZE);
    const last = Math.min(Math.floor((to - 1) / CHUNK_SIZE), this.chunks.length - 1);
    const truncating = to >= this.size;
    for (let i = first; i <= last; i++) {
      const chunk = this.chunks[i];
      if (chunk === undefined) continue;
      const start = i === first ? from - i * CHUNK_SIZE : 0;
      // Past the size a chunk holds only zeros: when truncating, the last chunk counts as cleared to its end.
      const stop = i === last && !truncating ? to - i * CHUNK_SIZE : CHUNK_SIZE;
      if (start === 0 && stop >= chunk.length) {
        this.drop(i);
      } else if (start < chunk.length) {
        const smaller = i === 0 && truncating ? roundCapacity(start) : chunk.length;
        const before = this.chargeOf(i);
        if (chunk.length < CHUNK_SIZE ? smaller * 4 <= chunk.length : smaller < before) {
          // The file is small now, and the slot of a small chunk holds less: give the memory back.
          const kept = this.slabs.alloc(smaller);
          kept.set(chunk.subarray(0, start));
          this.chunks[i] = kept;
          this.pageMaps[i] = undefined;
          this.slabs.release(chunk);
          this.allocated -= before - smaller;
          this.space.release(before - smaller, this.owner);
        } else if (chunk.length < CHUNK_SIZE) {
          chunk.fill(0, start, Math.min(stop, chunk.length));
        } else {
          this.shed(i, start, stop);
        }
      }
    }
    let n = this.chunks.length;
    while (n > 0 && this.chunks[n - 1] === undefined) n--;
    this.chunks.length = n;
  }

  /**
   * Zeroes [start, stop) of full chunk i. Pages wholly inside are uncharged and their memory given
   * back: the pages that stay are copied into a fresh chunk (whose other pages take no memory).
   */
  private shed(i: number, start: number, stop: number): void {
    const chunk = this.chunks[i]!;
    const map = this.pageMaps[i]!;
    const firstWhole = pageEnd(start);
    const endWhole = stop >>> PAGE_SHIFT;
    // Edges in pages that stay: zeroed in place (a page never charged is zero already).
    const head = start >>> PAGE_SHIFT;
    if (head < firstWhole && isSet(map, head)) chunk.fill(0, start, Math.min(stop, firstWhole * PAGE_SIZE));
    const tail = endWhole;
    if (tail >= firstWhole && stop % PAGE_SIZE !== 0 && isSet(map, tail)) chunk.fill(0, Math.max(start, tail * PAGE_SIZE), stop);
    let whole = 0;
    for (let p = firstWhole; p < endWhole; p++) if (isSet(map, p)) whole++;
    if (whole === 0) return;
    if (whole * PAGE_SIZE === this.chargeOf(i)) return this.drop(i);
    const fresh = fullChunk();
    for (let p = 0; p < CHUNK_SIZE / PAGE_SIZE; p++) {
      if (!isSet(map, p)) continue;
      if (p >= firstWhole && p < endWhole) map[p >>> 5]! &= ~(1 << (p & 31));
      else fresh.set(chunk.subarray(p * PAGE_SIZE, (p + 1) * PAGE_SIZE), p * PAGE_SIZE);
    }
    this.chunks[i] = fresh;
    this.allocated -= whole * PAGE_SIZE;
    this.space.release(whole * PAGE_SIZE, this.owner);
  }

  private drop(i: number): void {
    const chunk = this.chunks[i];
    if (chunk === undefined) return;
    const charged = this.chargeOf(i);
    delete this.chunks[i];
    delete this.pageMaps[i];
    this.slabs.release(chunk);
    this.allocated -= charged;
    this.space.release(charged, this.owner);
  }
}

/** A zeroed full chunk: a block (blocks.ts), whose pages take memory only once written. */
function fullChunk(): Uint8Array {
  return takeBlock();
}

/** The slot for a small chunk 0 of n bytes: never more than tmpfs's whole pages; CHUNK_SIZE past MAX_SMALL. */
function roundCapacity(n: number): number {
  if (n > MAX_SMALL) return CHUNK_SIZE;
  if (n > PAGE_SIZE) return pageEnd(n) * PAGE_SIZE;
  let c = MIN_SMALL;
  while (c < n) c *= 2;
  return c;
}

/** The number of the page after the one holding byte `end - 1`. */
function pageEnd(end: number): number {
  return (end + PAGE_SIZE - 1) >>> PAGE_SHIFT;
}

function isSet(map: Uint32Array, p: number): boolean {
  return (map[p >>> 5]! & (1 << (p & 31))) !== 0;
}

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

