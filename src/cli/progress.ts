/** A progress bar for long loads and saves, shown only on a terminal. */
import cliProgress from 'cli-progress';
import { formatSize } from './options.js';

export class Progress {
  private bar: cliProgress.SingleBar | null = null;
  private phase = '';

  constructor(private readonly stream: NodeJS.WriteStream) {}

  update(phase: string, done: number, total: number): void {
    if (!this.stream.isTTY) return;
    if (this.bar === null || phase !== this.phase) {
      this.stop();
      this.phase = phase;
      this.bar = new cliProgress.SingleBar(
        {
          stream: this.stream,
          format: `${phase.padEnd(7)} [{bar}] {percentage}% {done} of {all}`,
          hideCursor: true,
          clearOnComplete: false,
        },
        cliProgress.Presets.shades_classic,
      );
      this.bar.start(Math.max(total, 1), done, { done: formatSize(done), all: formatSize(total) });
    }
    this.bar.setTotal(Math.max(total, 1));
    this.bar.update(done, { done: formatSize(done), all: formatSize(total) });
  }

  stop(): void {
    this.bar?.stop();
    this.bar = null;
  }
}
