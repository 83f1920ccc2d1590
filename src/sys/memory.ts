/**
 * Giving memory back to the system without the garbage collector:
 * madvise(MADV_DONTNEED) on the pages of a buffer nobody uses any more. The
 * buffer stays valid (its object lives on) and reads as zeros afterwards; the
 * kernel supplies fresh zeroed pages when it is written again. Used for the
 * volume's freed 256 KiB blocks (src/core/blocks.ts).
 */
import { libc } from './libc.js';

const MADV_DONTNEED = 4;

/**
 * A function that empties a buffer's memory (true when done), or undefined
 * when libc is not loaded on this thread (see loadLibc).
 */
export function pageDiscarder(): ((buf: Uint8Array) => boolean) | undefined {
  const c = libc();
  if (c === undefined) return undefined;
  const page = (c.lib.func('int getpagesize()') as () => number)();
  const madvise = c.lib.func('int madvise(void *addr, size_t len, int advice)') as (addr: Uint8Array, len: number, advice: number) => number;
  return (buf) => {
    // Only whole pages can be dropped: those inside the buffer; the partial pages at its ends are cleared by hand.
    const start = Number(c.koffi.address(buf) % BigInt(page));
    const head = start === 0 ? 0 : page - start;
    const len = Math.floor((buf.length - head) / page) * page;
    if (len <= 0 || madvise(buf.subarray(head, head + len), len, MADV_DONTNEED) !== 0) return false;
    buf.fill(0, 0, head);
    buf.fill(0, head + len);
    return true;
  };
}
