/**
 * Whole 256 KiB blocks of memory: every full chunk of file data and every slab
 * (slab.ts) is one. By default a block is a plain `new Uint8Array`, and a freed
 * one goes back to the system only when the garbage collector drops it.
 *
 * Why recycling: a daemon that waits for the collector must run full
 * collections to give memory back, and each one stops serving for tens of
 * milliseconds (`rm` of 256 files of 4 MiB took 8.9 s that way). A thread that
 * owns every view of its blocks (the FUSE daemon: replies are written before
 * the next request is read) may instead call `recycleBlocks`: freed blocks are
 * then kept for reuse, and `discard` (madvise MADV_DONTNEED, supplied from
 * outside the core) gives their pages back to the system at once; a discarded
 * block reads as zeros, so reusing it costs no clearing. Without `discard`,
 * kept blocks still hold their memory. Either way `trimBlocks` (when the mount
 * goes quiet) lets the collector have them.
 */

export const BLOCK_SIZE = 256 * 1024;

export interface BlockRecycling {
  /** The most blocks kept for reuse; more are left to the garbage collector. */
  limit: number;
  /** Gives a block's pages back to the system and leaves it reading as zeros; false if it could not. */
  discard?: (block: Uint8Array) => boolean;
}

let recycling: BlockRecycling | null = null;
/** Freed blocks: those in `clean` read as zeros (discarded), those in `dirty` must be cleared before reuse. */
const clean: Uint8Array[] = [];
const dirty: Uint8Array[] = [];

/**
 * Keeps freed blocks of this thread for reuse (null: stop, and drop those kept).
 * Only for a thread where no view of a freed chunk outlives the call that freed it.
 */
export function recycleBlocks(options: BlockRecycling | null): void {
  recycling = options;
  trimBlocks();
}

const PAGE = 4096;
/** The C library's header before a block it maps on its own (glibc on 64-bit). */
const MALLOC_HEADER = 16;

/**
 * Blocks per allocation when freed blocks are discarded. The C library writes its header into the
 * first page of every allocation it maps, so a block allocated alone costs a page more than the
 * pages written into it: a file chunk holding one written page took twice the memory it is charged
 * for. Carved 16 to an allocation, that page is shared by 16 blocks. Only with `discard`: a freed
 * block's memory then goes back at once, though its allocation lives on while a sibling is used.
 */
const ARENA_BLOCKS = 16;
let arena: { bytes: Uint8Array; used: number } | null = null;
/** The allocations blocks are views of (giveBlock takes back only those). */
const ours = new WeakSet<ArrayBufferLike>();

/**
 * A zero-filled block. A new one starts a page into its allocation, less the C library's header,
 * so that its pages are the system's pages: a page written alone then takes one page of memory,
 * not the two it would straddle. (Should the header differ, pages straddle as before: more memory
 * per lone page, nothing else.)
 */
export function takeBlock(): Uint8Array {
  const c = clean.pop();
  if (c !== undefined) return c;
  const d = dirty.pop();
  if (d !== undefined) return d.fill(0);
  const count = recycling?.discard === undefined ? 1 : ARENA_BLOCKS;
  if (arena === null) {
    const bytes = new Uint8Array(count * BLOCK_SIZE + PAGE).subarray(PAGE - MALLOC_HEADER, PAGE - MALLOC_HEADER + count * BLOCK_SIZE);
    ours.add(bytes.buffer);
    arena = { bytes, used: 0 };
  }
  const start = arena.used++ * BLOCK_SIZE;
  const block = arena.bytes.subarray(start, start + BLOCK_SIZE);
  if (arena.used * BLOCK_SIZE === arena.bytes.length) arena = null;
  return block;
}

/**
 * Which block of its allocation a view of block memory lies in: blocks share allocations, so the
 * allocation (view.buffer) and this number together name a block.
 */
export function blockIndex(view: Uint8Array): number {
  return Math.floor((view.byteOffset - (PAGE - MALLOC_HEADER)) / BLOCK_SIZE);
}

/** Hands back a block whose bytes nobody uses any more (ignored when it is not a block takeBlock made). */
export function giveBlock(block: Uint8Array): void {
  if (recycling === null || block.byteLength !== BLOCK_SIZE || !ours.has(block.buffer)) return;
  // Discarded even when not kept: the memory goes back now, and the collector takes the rest later.
  const discarded = recycling.discard?.(block) ?? false;
  if (clean.length + dirty.length >= recycling.limit) return;
  if (discarded) clean.push(block);
  else dirty.push(block);
}

/**
 * Drops every kept block, for the collector to take (an allocation of several blocks goes once none
 * of them is used). A discarded block that was allocated alone keeps the pages at its two ends,
 * which it shares with the C library's bookkeeping.
 */
export function trimBlocks(): void {
  dirty.length = 0;
  clean.length = 0;
  arena = null;
}

/** Blocks kept for reuse (for tests and figures). */
export function keptBlocks(): { clean: number; dirty: number } {
  return { clean: clean.length, dirty: dirty.length };
}
