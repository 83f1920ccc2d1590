/** A progress bar for long loads and saves, shown only on a terminal. */
import { createRequire } from 'node:module';
import type CliProgress from 'cli-progress';
import { formatSize } from './options.js';

/** cli-progress is loaded at the first bar: most commands never draw one, and loading it costs ~15 ms of every start. */
let cliProgress: typeof CliProgress | null = null;
const loadCliProgress = (): typeof CliProgress => (cliProgress ??= createRequire(import.meta.url)('cli-progress') as typeof CliProgress);

export class Progress {
  private bar: CliProgress.SingleBar | null = null;
  private phase = '';

  constructor(private readonly stream: NodeJS.WriteStream) {}

  update(phase: string, done: number, total: number): void {
    if (!this.stream.isTTY) return;
    if (this.bar === null || phase !== this.phase) {
      this.stop();
      this.phase = phase;
      const { SingleBar, Presets } = loadCliProgress();
      this.bar = new SingleBar(
        {
          stream: this.stream,
          format: `${phase.padEnd(7)} [{bar}] {percentage}% {done} of {all}`,
          hideCursor: true,
          clearOnComplete: false,
        },
        Presets.shades_classic,
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
