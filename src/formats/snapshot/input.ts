/**
 * Buffered, bounded reading of an archive from a random-access source (a
 * file). Memory held is one buffer whatever the archive declares; running out
 * of bytes where the archive promised more is a SnapshotError.
 */
import { SnapshotError } from './errors.js';
import { BLOCK } from './ustar.js';

export interface ArchiveSource {
  /** Total bytes, when known (lets skips over huge declared sizes fail at once). */
  size?: number;
  /** Reads up to buffer.length bytes at `position`; returns the count (0 at the end). */
  read(buffer: Uint8Array, position: number): Promise<number>;
}

const BUFFER_SIZE = 1 << 20;

export class Input {
  private readonly buffer = new Uint8Array(BUFFER_SIZE);
  /** Archive offset of buffer[0], and the valid range within the buffer. */
  private base = 0;
  private start = 0;
  private end = 0;
  private eof = false;

  constructor(private readonly source: ArchiveSource) {}

  /** Archive offset of the next unread byte. */
  get position(): number {
    return this.base + this.start;
  }

  /** Ensures at least `want` (≤ buffer size) unread bytes are buffered unless the source ends first. */
  private async fill(want: number): Promise<void> {
    while (this.end - this.start < want && !this.eof) {
      if (this.start > 0) {
        this.buffer.copyWithin(0, this.start, this.end);
        this.base += this.start;
        this.end -= this.start;
        this.start = 0;
      }
      const n = await this.source.read(this.buffer.subarray(this.end), this.base + this.end);
      if (n <= 0) this.eof = true;
      else this.end += n;
    }
  }

  /** The next 512-byte block (a view valid until the next call), or null at a clean end. */
  async block(): Promise<Uint8Array | null> {
    await this.fill(BLOCK);
    const avail = this.end - this.start;
    if (avail === 0) return null;
    if (avail < BLOCK) throw new SnapshotError('archive truncated inside a header', this.position);
    const view = this.buffer.subarray(this.start, this.start + BLOCK);
    this.start += BLOCK;
    return view;
  }

  /** A view of the next 1..max unread bytes without consuming them (valid until the next call). */
  async peek(max: number): Promise<Uint8Array> {
    await this.fill(1);
    const avail = this.end - this.start;
    if (avail === 0) throw new SnapshotError('archive truncated inside an entry', this.position);
    return this.buffer.subarray(this.start, this.start + Math.min(avail, max));
  }

  /** Consumes `n` bytes of what peek returned. */
  consume(n: number): void {
    this.start += n;
  }

  /** Throws when the source is known to hold fewer than `count` more bytes. */
  expect(count: number): void {
    this.checkAvailable(count);
  }

  /** Streams the next `count` bytes to `each` in pieces (views valid during the call). */
  async pieces(count: number, each: (piece: Uint8Array) => void): Promise<void> {
    this.checkAvailable(count);
    let left = count;
    while (left > 0) {
      await this.fill(1);
      const avail = this.end - this.start;
      if (avail === 0) throw new SnapshotError(`archive truncated: ${left} bytes of data missing`, this.position);
      const n = Math.min(avail, left);
      const piece = this.buffer.subarray(this.start, this.start + n);
      this.start += n;
      left -= n;
      each(piece);
    }
  }

  /** Skips `count` bytes without reading what lies beyond the buffer. */
  async skip(count: number): Promise<void> {
    this.checkAvailable(count);
    const buffered = this.end - this.start;
    if (count <= buffered) {
      this.start += count;
      return;
    }
    if (this.source.size === undefined) {
      await this.pieces(count, () => undefined);
      return;
    }
    this.base = this.position + count;
    this.start = this.end = 0;
  }

  /** Skips the padding after `size` bytes of member data. */
  async skipPadding(size: number): Promise<void> {
    const rest = size % BLOCK;
    if (rest !== 0) await this.skip(BLOCK - rest);
  }

  private checkAvailable(count: number): void {
    if (this.source.size !== undefined && this.position + count > this.source.size) {
      throw new SnapshotError(`archive truncated: an entry declares ${count} bytes but only ${this.source.size - this.position} remain`, this.position);
    }
  }
}
