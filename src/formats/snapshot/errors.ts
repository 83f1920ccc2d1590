/**
 * Errors and warnings of snapshot loading. A structural fault (truncation, a
 * corrupt header) stops the load with a SnapshotError: a partial volume that
 * is later saved back would silently destroy the rest of the snapshot. A fault
 * confined to one entry (a hostile path, an unknown link target) skips that
 * entry and leaves a warning.
 */
export class SnapshotError extends Error {
  /** Byte offset in the archive where the fault was found, when known. */
  readonly offset: number | undefined;
  constructor(message: string, offset?: number) {
    super(offset === undefined ? message : `${message} (at byte ${offset})`);
    this.name = 'SnapshotError';
    this.offset = offset;
  }
}

/** Collects warnings, keeping at most `limit` so a hostile archive cannot fill memory with them. */
export class Warnings {
  readonly list: string[] = [];
  private dropped = 0;
  private readonly seen = new Set<string>();
  constructor(private readonly limit = 1000) {}

  add(message: string): void {
    if (this.list.length < this.limit) this.list.push(message);
    else this.dropped++;
  }

  /** Adds a warning once per key (for things like unknown keywords that repeat on every entry). */
  once(key: string, message: string): void {
    if (this.seen.has(key)) return;
    if (this.seen.size < this.limit) this.seen.add(key);
    this.add(message);
  }

  result(): string[] {
    return this.dropped > 0 ? [...this.list, `... and ${this.dropped} more warnings`] : this.list;
  }
}
