/**
 * Serving a volume on an open /dev/fuse descriptor: a Session (the device)
 * plus a Bridge (requests to volume calls).
 */
import { Bridge, type BridgeOptions } from './bridge.js';
import { type Request, Session } from './session.js';
import { type UringOptions, UringSession } from './uring-session.js';
import type { Volume } from '../core/volume.js';
import { trimBlocks } from '../core/blocks.js';
import { ClientFollower } from './follow.js';
import type { ThreadPlacement } from '../sys/affinity.js';

export interface ServeOptions extends Partial<BridgeOptions> {
  /** Called once the kernel's INIT has been answered: the mount is usable. */
  onReady?: () => void;
  /**
   * A full garbage collection (globalThis.gc under --expose-gc), run when the
   * mount goes quiet after deletions: it gives back the memory of deleted
   * files' objects, and of their data when blocks are not recycled (see
   * src/core/blocks.ts). Never while requests keep coming: a full collection
   * stops serving for tens of milliseconds.
   */
  collect?: () => void;
  /**
   * Gives a buffer's pages back to the system (madvise, src/sys/memory.ts): with it, the quiet-time work
   * also empties the request buffer, whose pages one large WRITE fills (1 MiB) and nothing else frees.
   */
  discard?: (buf: Uint8Array) => boolean;
  /** Serve over io_uring when the kernel offers it (else /dev/fuse, as without this). */
  ioUring?: UringOptions;
  /** Moving the serving thread between CPUs (the FFI): with it, `follow` can keep it on its clients' CPUs. */
  placement?: ThreadPlacement;
}

/**
 * Bytes freed since the last collection that make one worthwhile once the
 * mount is quiet. A full collection takes time in proportion to the live heap
 * (~400 ms with a million files), so it must also free at least an eighth of
 * the heap the last one left: deleting many small files from a large volume
 * then collects now and then, not every time.
 */
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
  private readonly follower: ClientFollower | null;
  private following = false;

  constructor(fd: number, private readonly volume: Volume, private readonly options: ServeOptions = {}) {
    this.highWater = volume.used;
    const handle = (req: Request): void => this.handle(req);
    this.session = options.ioUring ? new UringSession(fd, handle, options.ioUring) : new Session(fd, handle);
    this.bridge = new Bridge(volume, this.session, bridgeOptions(volume, options));
    this.follower = options.placement ? new ClientFollower(options.placement) : null;
  }

  serve(pauseWhen?: () => boolean): 'closed' | 'paused' {
    return this.session.serve(pauseWhen);
  }

  /** How long the /dev/fuse session polls before sleeping in read(), in ms (see session.ts). */
  set spinMs(ms: number) {
    this.session.spinMs = ms;
  }

  /**
   * Whether to serve each client on its own CPU (follow.ts): for when every CPU is busy, as the
   * session's polling is for when one is free. Only with `placement`, and only on /dev/fuse (over
   * io_uring, kept beside its client, the serving thread was slower on most lines: docs/transport.md).
   */
  set follow(on: boolean) {
    if (on === this.following || this.follower === null || this.transport === 'io_uring') return;
    this.following = on;
    if (!on) this.follower.stop();
  }

  /** How requests reach us: 'io_uring' or '/dev/fuse' (known once the mount is ready). */
  get transport(): 'io_uring' | '/dev/fuse' {
    return this.session instanceof UringSession ? this.session.transport : '/dev/fuse';
  }

  /** Handles one request read by someone else (a reader thread). */
  deliver(buf: Buffer): void {
    this.session.deliver(buf);
  }

  private handle(req: Request): void {
    this.bridge.dispatch(req);
    if (this.following) this.follower!.note(req.pid);
    if (!this.ready && this.bridge.minor > 0) {
      this.ready = true;
      this.options.onReady?.();
    }
    if (this.volume.used > this.highWater) this.highWater = this.volume.used;
  }

  /** Work for a quiet moment: whoever watches the mount calls this (the daemon's main thread, see daemon.ts). */
  idle(): void {
    if (!this.worthCollecting()) return;
    this.volume.trim();
    trimBlocks();
    this.options.collect!();
    if (this.options.discard) this.session.discardBuffers(this.options.discard);
    this.highWater = this.volume.used;
    this.heapAfterCollect = process.memoryUsage().heapUsed;
  }

  /** Whether `idle()` would do anything now. */
  hasIdleWork(): boolean {
    return this.worthCollecting();
  }

  private worthCollecting(): boolean {
    const freed = this.highWater - this.volume.used;
    return this.options.collect !== undefined && freed > Math.max(COLLECT_IDLE, this.heapAfterCollect * HEAP_SHARE);
  }
}
