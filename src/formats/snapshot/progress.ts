/** Progress reports for long saves and loads, throttled so a callback that draws to a terminal stays cheap. */
export interface Progress {
  /** 'save' or 'load'. */
  phase: 'save' | 'load';
  /** Bytes handled so far and in all (archive bytes for loads, file bytes for saves). */
  bytesDone: number;
  bytesTotal: number;
  /** Entries (names) handled so far. */
  entries: number;
  /** True on the last report. */
  done: boolean;
}

export type ProgressCallback = (p: Progress) => void;

const INTERVAL_MS = 100;

export class ProgressTicker {
  bytesDone = 0;
  entries = 0;
  private last = 0;

  constructor(
    private readonly phase: 'save' | 'load',
    public bytesTotal: number,
    private readonly callback: ProgressCallback | undefined,
  ) {}

  /** Reports unless one was sent less than INTERVAL_MS ago. */
  tick(): void {
    if (this.callback === undefined) return;
    const t = Date.now();
    if (t - this.last < INTERVAL_MS) return;
    this.last = t;
    this.report(false);
  }

  finish(): void {
    if (this.callback !== undefined) this.report(true);
  }

  private report(done: boolean): void {
    const total = Math.max(this.bytesTotal, this.bytesDone);
    this.callback!({ phase: this.phase, bytesDone: this.bytesDone, bytesTotal: total, entries: this.entries, done });
  }
}
