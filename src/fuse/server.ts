/**
 * Serving a volume on an open /dev/fuse descriptor: a Session (the device)
 * plus a Bridge (requests to volume calls).
 */
import { Bridge, type BridgeOptions } from './bridge.js';
import { type Request, Session } from './session.js';
import type { Volume } from '../core/volume.js';

export interface ServeOptions extends Partial<BridgeOptions> {
  /** Called once the kernel's INIT has been answered: the mount is usable. */
  onReady?: () => void;
  /**
   * A full garbage collection (globalThis.gc under --expose-gc). Freed chunks
   * go back to the system only when the collector drops them, so after large
   * deletions we run it rather than wait (users watch RSS come back), and
   * once more when the mount goes quiet after a deletion.
   */
  collect?: () => void;
}

/**
 * Bytes freed since the last collection that make one worthwhile: while
 * serving, and once the mount is quiet. A full collection takes time in
 * proportion to the live heap (~400 ms with a million files), so it must also
 * free at least an eighth of the heap the last one left: deleting many small
 * files from a large volume then collects now and then, not every few MiB.
 */
const COLLECT_BUSY = 4 * 1024 * 1024;
const COLLECT_IDLE = 64 * 1024;
const HEAP_SHARE = 1 / 8;

/** Cache timeouts: long, because every change reaches the volume through the kernel. */
export const LONG_TIMEOUT = 86_400;

export function bridgeOptions(volume: Volume, options: ServeOptions): BridgeOptions {
  return {
    entryTimeout: options.entryTimeout ?? (volume.caseInsensitive ? 0 : LONG_TIMEOUT),
    attrTimeout: options.attrTimeout ?? LONG_TIMEOUT,
    // On a case-insensitive volume another spelling may exist: never cache absence.
    negativeTimeout: options.negativeTimeout ?? (volume.caseInsensitive ? 0 : LONG_TIMEOUT),
    writebackCache: options.writebackCache ?? false,
    log: options.log,
    onLabel: options.onLabel,
    shared: options.shared,
  };
}

/**
 * One mounted volume's server. `serve()` blocks its thread answering the
 * kernel until the connection ends ('closed') or `pauseWhen` asks for a pause
 * between two requests ('paused'), e.g. to save the volume; serving resumes
 * with the same connection state when `serve()` is called again.
 */
export class FuseServer {
  private readonly session: Session;
  private readonly bridge: Bridge;
  private ready = false;
  private highWater: number;
  /** The live heap the last collection left. */
  private heapAfterCollect = 0;

  constructor(fd: number, private readonly volume: Volume, private readonly options: ServeOptions = {}) {
    this.highWater = volume.used;
    this.session = new Session(fd, (req) => this.handle(req), () => this.idle());
    this.bridge = new Bridge(volume, this.session, bridgeOptions(volume, options));
  }

  serve(pauseWhen?: () => boolean): 'closed' | 'paused' {
    return this.session.serve(pauseWhen);
  }

  /** Handles one request read by someone else (a reader thread). */
  deliver(buf: Buffer): void {
    this.session.deliver(buf);
  }

  private handle(req: Request): void {
    this.bridge.dispatch(req);
    if (!this.ready && this.bridge.minor > 0) {
      this.ready = true;
      this.options.onReady?.();
    }
    const used = this.volume.used;
    if (used > this.highWater) this.highWater = used;
    else if (this.highWater - used > COLLECT_BUSY) this.collectFreed(COLLECT_BUSY);
  }

  /** Work for a quiet moment: on a polled device the session calls this; otherwise whoever watches the mount. */
  idle(): void {
    this.collectFreed(COLLECT_IDLE);
  }

  /** Whether `idle()` would do anything now. */
  hasIdleWork(): boolean {
    return this.worthCollecting(COLLECT_IDLE);
  }

  private worthCollecting(least: number): boolean {
    const freed = this.highWater - this.volume.used;
    return this.options.collect !== undefined && freed > Math.max(least, this.heapAfterCollect * HEAP_SHARE);
  }

  /** Collects garbage if more than `least` bytes (and a share of the heap) were freed since the last collection. */
  private collectFreed(least: number): void {
    if (!this.worthCollecting(least)) return;
    this.options.collect!();
    this.highWater = this.volume.used;
    this.heapAfterCollect = process.memoryUsage().heapUsed;
  }
}
