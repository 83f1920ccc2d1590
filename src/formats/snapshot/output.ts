/**
 * Buffered output of archive bytes to a sink, in pieces of about a MiB, so a
 * volume of any size streams out without being built in memory.
 */
import { BLOCK } from './ustar.js';

/** Receives the archive in order. It may keep the chunk only until its promise settles. */
export type Sink = (chunk: Uint8Array) => void | Promise<void>;

const BUFFER_SIZE = 1 << 20;
/** GNU tar reads in records of 20 blocks; ending on a record boundary keeps every tar quiet. */
export const RECORD_SIZE = 20 * BLOCK;

export class Output {
  /** Bytes handed to the sink or buffered. */
  position = 0;
  private buffer = new Uint8Array(BUFFER_SIZE);
  private used = 0;

  constructor(private readonly sink: Sink) {}

  async put(bytes: Uint8Array): Promise<void> {
    let off = 0;
    while (off < bytes.length) {
      const n = Math.min(bytes.length - off, BUFFER_SIZE - this.used);
      this.buffer.set(bytes.subarray(off, off + n), this.used);
      this.used += n;
      off += n;
      this.position += n;
      if (this.used === BUFFER_SIZE) await this.flush();
    }
  }

  async zeros(count: number): Promise<void> {
    while (count > 0) {
      const n = Math.min(count, BUFFER_SIZE - this.used);
      this.buffer.fill(0, this.used, this.used + n);
      this.used += n;
      this.position += n;
      count -= n;
      if (this.used === BUFFER_SIZE) await this.flush();
    }
  }

  /** Pads with zeros to a multiple of `unit`. */
  async pad(unit = BLOCK): Promise<void> {
    const rest = this.position % unit;
    if (rest !== 0) await this.zeros(unit - rest);
  }

  async flush(): Promise<void> {
    if (this.used === 0) return;
    const chunk = this.buffer.subarray(0, this.used);
    await this.sink(chunk);
    this.used = 0;
  }
}
