/**
 * Small chunks (the first chunk of a small file: powers of two from 64 bytes
 * to a page, then whole pages up to 64 KiB) carved out of shared 256 KiB slabs, one set of slabs per size and
 * per volume.
 *
 * Why: allocated one by one, small chunks come from the C heap (malloc),
 * which never gives back free memory in the middle of its heap. After
 * 100,000 small files were written and deleted, the daemon kept ~120 MiB of
 * RSS for nothing. A slab is one 256 KiB allocation, which the C library
 * maps on its own (the daemon runs with MALLOC_MMAP_THRESHOLD_=128 KiB) and
 * unmaps when the slab is dropped: a slab whose last chunk is freed is
 * dropped at once, so deleting everything gives all of it back — except the
 * last slab of each size, which is kept empty until `trim` (the daemon trims
 * when the mount goes quiet, see src/fuse/server.ts). Dropping it at once cost
 * every file that outgrows its first slot (tar writes a 14 KiB header file as
 * 9 KiB, then the rest) a slab: taken, its pages faulted in, freed, discarded
 * with madvise, and so on for the next file (~14% of the daemon's CPU per file
 * of `tar -x`, bench/handlers.js).
 *
 * Chunks handed out are zero-filled, as `new Uint8Array(n)` would be.
 */

import { BLOCK_SIZE, blockIndex, giveBlock, takeBlock } from './blocks.js';

/** A slab is one block (blocks.ts), as is a full chunk. */
export const SLAB_SIZE = BLOCK_SIZE;
/** The largest slot: a quarter slab, so that a slab wastes at most a fifth of itself. */
const MAX_SLOT = SLAB_SIZE / 4;

class Slab {
  readonly bytes: Uint8Array;
  /** Slots never handed out yet start at `fresh`; freed ones wait in `free`. */
  private fresh = 0;
  private readonly free: number[] = [];
  used = 0;
  readonly slots: number;

  constructor(readonly size: number) {
    this.bytes = takeBlock();
    this.slots = Math.floor(SLAB_SIZE / size);
  }

  get full(): boolean {
    return this.used === this.slots;
  }

  take(): Uint8Array {
    let slot: number;
    let dirty = false;
    if (this.free.length > 0) {
      slot = this.free.pop()!;
      dirty = true;
    } else {
      slot = this.fresh++;
    }
    this.used++;
    const chunk = this.bytes.subarray(slot * this.size, (slot + 1) * this.size);
    if (dirty) chunk.fill(0);
    return chunk;
  }

  give(chunk: Uint8Array): void {
    this.free.push((chunk.byteOffset - this.bytes.byteOffset) / this.size);
    this.used--;
  }
}

export class SlabAllocator {
  /** Slabs with a free slot, by chunk size. */
  private readonly partial = new Map<number, Set<Slab>>();
  /** Which slab a chunk's memory belongs to: by its allocation, then by its block in it (blocks.ts). */
  private readonly owners = new Map<ArrayBufferLike, Map<number, Slab>>();
  private count = 0;

  /** A zero-filled chunk of `size` bytes (slab slots: multiples of 64 up to MAX_SLOT; a whole block). */
  alloc(size: number): Uint8Array {
    if (size === SLAB_SIZE) return takeBlock();
    if (size > MAX_SLOT || size % 64 !== 0) return new Uint8Array(size);
    let set = this.partial.get(size);
    if (set === undefined) this.partial.set(size, (set = new Set()));
    let slab: Slab | undefined = set.values().next().value;
    if (slab === undefined) {
      slab = new Slab(size);
      set.add(slab);
      let inAllocation = this.owners.get(slab.bytes.buffer);
      if (inAllocation === undefined) this.owners.set(slab.bytes.buffer, (inAllocation = new Map()));
      inAllocation.set(blockIndex(slab.bytes), slab);
      this.count++;
    }
    const chunk = slab.take();
    if (slab.full) set.delete(slab);
    return chunk;
  }

  /** Gives a chunk back; its bytes must not be used afterwards. A whole block goes back to blocks.ts. */
  release(chunk: Uint8Array): void {
    const inAllocation = this.owners.get(chunk.buffer);
    const slab = inAllocation?.get(blockIndex(chunk));
    if (slab === undefined) {
      giveBlock(chunk);
      return;
    }
    const wasFull = slab.full;
    slab.give(chunk);
    const set = this.partial.get(slab.size)!;
    // The last slab of its size with room is kept even when empty (see the top of this file).
    if (slab.used === 0 && set.size > 1) this.drop(slab, set);
    else if (wasFull) set.add(slab);
  }

  /** Drops the empty slabs kept for reuse (at most one per size): for when the volume goes quiet. */
  trim(): void {
    for (const set of this.partial.values()) for (const slab of set) if (slab.used === 0) this.drop(slab, set);
  }

  private drop(slab: Slab, set: Set<Slab>): void {
    set.delete(slab);
    const inAllocation = this.owners.get(slab.bytes.buffer)!;
    inAllocation.delete(blockIndex(slab.bytes));
    if (inAllocation.size === 0) this.owners.delete(slab.bytes.buffer);
    this.count--;
    giveBlock(slab.bytes);
  }

  /** Number of live slabs (for tests). */
  get slabCount(): number {
    return this.count;
  }
}
