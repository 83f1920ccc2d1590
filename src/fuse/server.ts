/**
 * Serving a volume on an open /dev/fuse descriptor: a Session (the device)
 * plus a Bridge (requests to volume calls). `serveSync` blocks its thread
 * until the kernel ends the connection.
 */
import { Bridge, type BridgeOptions } from './bridge.js';
import { Session } from './session.js';
import type { Volume } from '../core/volume.js';

export interface ServeOptions extends Partial<BridgeOptions> {
  /** Called once the kernel's INIT has been answered: the mount is usable. */
  onReady?: () => void;
  /**
   * A full garbage collection (globalThis.gc under --expose-gc). Freed chunks
   * go back to the system only when the collector drops them, so after large
   * deletions we run it rather than wait: users watch RSS come back.
   */
  collect?: () => void;
}

/** Bytes freed since the last collection that make one worthwhile. */
const COLLECT_AFTER = 4 * 1024 * 1024;

/** Cache timeouts: long, because every change reaches the volume through the kernel. */
export const LONG_TIMEOUT = 86_400;

export function bridgeOptions(volume: Volume, options: ServeOptions): BridgeOptions {
  return {
    entryTimeout: options.entryTimeout ?? (volume.caseInsensitive ? 0 : LONG_TIMEOUT),
    attrTimeout: options.attrTimeout ?? LONG_TIMEOUT,
    // On a case-insensitive volume another spelling may exist: never cache absence.
    negativeTimeout: options.negativeTimeout ?? (volume.caseInsensitive ? 0 : LONG_TIMEOUT),
    writebackCache: options.writebackCache ?? true,
    log: options.log,
  };
}

export function serveSync(fd: number, volume: Volume, options: ServeOptions = {}): void {
  let bridge: Bridge | null = null;
  let ready = false;
  let highWater = volume.used;
  const collect = options.collect;
  const session = new Session(fd, (req) => {
    bridge!.dispatch(req);
    if (!ready && bridge!.minor > 0) {
      ready = true;
      options.onReady?.();
    }
    if (collect) {
      if (volume.used > highWater) highWater = volume.used;
      else if (highWater - volume.used > COLLECT_AFTER) {
        collect();
        highWater = volume.used;
      }
    }
  });
  bridge = new Bridge(volume, session, bridgeOptions(volume, options));
  session.serve();
}
