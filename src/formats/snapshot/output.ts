/**
 * Buffered output of archive bytes to a sink, in pieces of a MiB, so a volume
 * of any size streams out without being built in memory. Writes are
 * synchronous into the buffer (headers are many small pieces); `drain` hands
 * full buffers to the sink and must be awaited regularly (the writer does so
 * after every entry and every MiB of data), which bounds what is held.
 */
import { BLOCK } from './ustar.js';

/** Receives the archive in order. It may keep the chunk only until its promise settles. */
export type Sink = (chunk: Uint8Array) => void | Promise<void>;

const BUFFER_SIZE = 1 << 20;
/** GNU tar reads in records of 20 blocks; ending on a record boundary keeps every tar quiet. */
export const RECORD_SIZE = 20 * BLOCK;

export class Output {
  /** Bytes written so far (handed to the sink or buffered). */
  position = 0;
  private buffer: Uint8Array = new Uint8Array(BUFFER_SIZE);
  private used = 0;
  /** Full buffers waiting for the sink, and emptied ones to reuse. */
  private readonly full: Uint8Array[] = [];
  private readonly spare: Uint8Array[] = [];

  constructor(private readonly sink: Sink) {}

  write(bytes: Uint8Array): void {
    let off = 0;
    while (off < bytes.length) {
      const n = Math.min(bytes.length - off, BUFFER_SIZE - this.used);
      this.buffer.set(n === bytes.length ? bytes : bytes.subarray(off, off + n), this.used);
      this.advance(n);
      off += n;
    }
  }

  zeros(count: number): void {
    while (count > 0) {
      const n = Math.min(count, BUFFER_SIZE - this.used);
      this.buffer.fill(0, this.used, this.used + n);
      this.advance(n);
      count -= n;
    }
  }

  /** Pads with zeros to a multiple of `unit`. */
  pad(unit = BLOCK): void {
    const rest = this.position % unit;
    if (rest !== 0) this.zeros(unit - rest);
  }

  /** Hands full buffers to the sink. */
  async drain(): Promise<void> {
    while (this.full.length > 0) {
      const chunk = this.full.shift()!;
      await this.sink(chunk);
      this.spare.push(chunk);
    }
  }

  /** Hands everything written so far to the sink. */
  async flush(): Promise<void> {
    await this.drain();
    if (this.used === 0) return;
    await this.sink(this.buffer.subarray(0, this.used));
    this.used = 0;
  }

  private advance(n: number): void {
    this.used += n;
    this.position += n;
    if (this.used === BUFFER_SIZE) {
      this.full.push(this.buffer);
      this.buffer = this.spare.pop() ?? new Uint8Array(BUFFER_SIZE);
      this.used = 0;
    }
  }
}
