/**
 * File contents: a sparse array of fixed-size chunks. Growing a file never
 * copies what is stored, a hole costs nothing, and shrinking or punching
 * returns chunks at once. Only chunk 0 may be smaller than CHUNK_SIZE, so that
 * small files take little memory; it grows by doubling up to a full chunk.
 * Bytes past a chunk's capacity (and whole missing chunks) read as zeros.
 */
import { Errno, fail } from './errno.js';
import { SlabAllocator } from './slab.js';

export const CHUNK_SHIFT = 18;
export const CHUNK_SIZE = 1 << CHUNK_SHIFT; // 256 KiB
const MIN_SMALL = 64;
/** Largest file size: as on tmpfs (MAX_LFS_FILESIZE). */
export const MAX_FILE_SIZE = Number.MAX_SAFE_INTEGER;

const ZEROS = new Uint8Array(CHUNK_SIZE);

/** Small chunks come from slabs, one allocator per volume (see slab.ts). */
const allocators = new WeakMap<Space, SlabAllocator>();
function slabsFor(space: Space): SlabAllocator {
  let a = allocators.get(space);
  if (a === undefined) allocators.set(space, (a = new SlabAllocator()));
  return a;
}

/** Where the bytes are charged: the volume's accounting. */
export interface Space {
  /** Reserves `bytes`; throws ENOSPC when they do not fit. */
  reserve(bytes: number): void;
  release(bytes: number): void;
}

export class FileData {
  size = 0;
  /** Bytes of memory held by chunks (what is charged to the volume). */
  allocated = 0;
  private chunks: (Uint8Array | undefined)[] = [];
  private readonly slabs: SlabAllocator;

  constructor(private readonly space: Space) {
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
        this.ensure(index, inChunk + n, n === CHUNK_SIZE);
        done += n;
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

  /** fallocate mode 0 / KEEP_SIZE: reserve memory for the range. */
  allocate(pos: number, len: number, keepSize: boolean): void {
    const end = pos + len;
    if (end > MAX_FILE_SIZE) fail(Errno.EFBIG);
    const first = Math.floor(pos / CHUNK_SIZE);
    const last = Math.floor((end - 1) / CHUNK_SIZE);
    let need = 0;
    for (let i = first; i <= last; i++) {
      const c = this.chunks[i];
      const want = i === 0 && last === 0 ? roundCapacity(end) : CHUNK_SIZE;
      need += Math.max(0, want - (c?.length ?? 0));
    }
    this.space.reserve(need);
    this.space.release(need);
    for (let i = first; i <= last; i++) {
      this.ensure(i, i === last ? end - i * CHUNK_SIZE : CHUNK_SIZE, false);
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
    this.space.release(this.allocated);
    this.allocated = 0;
    // for-in visits only the chunks there are (a sparse file's array may be mostly holes).
    for (const i in this.chunks) this.slabs.release(this.chunks[i]!);
    this.chunks = [];
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

  /** The chunk at index with capacity for `need` bytes, allocating or growing it. */
  private ensure(index: number, need: number, full: boolean): Uint8Array {
    const chunk = this.chunks[index];
    if (chunk !== undefined && chunk.length >= need) return chunk;
    const capacity = index === 0 && !full ? roundCapacity(need) : CHUNK_SIZE;
    const old = chunk?.length ?? 0;
    this.space.reserve(capacity - old);
    const grown = this.slabs.alloc(capacity);
    if (chunk !== undefined) {
      grown.set(chunk);
      this.slabs.release(chunk);
    }
    this.chunks[index] = grown;
    this.allocated += capacity - old;
    return grown;
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
        if (smaller * 4 <= chunk.length) {
          // A small file shrank a lot: give the memory back.
          const kept = this.slabs.alloc(smaller);
          kept.set(chunk.subarray(0, start));
          this.chunks[i] = kept;
          this.slabs.release(chunk);
          this.allocated -= chunk.length - smaller;
          this.space.release(chunk.length - smaller);
        } else {
          chunk.fill(0, start, Math.min(stop, chunk.length));
        }
      }
    }
    let n = this.chunks.length;
    while (n > 0 && this.chunks[n - 1] === undefined) n--;
    this.chunks.length = n;
  }

  private drop(i: number): void {
    const chunk = this.chunks[i];
    if (chunk === undefined) return;
    delete this.chunks[i];
    this.slabs.release(chunk);
    this.allocated -= chunk.length;
    this.space.release(chunk.length);
  }
}

function roundCapacity(n: number): number {
  let c = MIN_SMALL;
  while (c < n) c *= 2;
  return Math.min(c, CHUNK_SIZE);
}

