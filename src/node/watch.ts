/**
 * fs.watch and fs.watchFile. Changes are reported by the fs layer itself (it
 * knows the directory and name of every change), so watchers are exact and
 * cost nothing while none exist: the hub's `active` count is checked first.
 * Events are delivered asynchronously, as inotify's are.
 */
import { EventEmitter } from 'node:events';
import type { Inode } from '../core/inode.js';

export type WatchEvent = 'rename' | 'change';

interface Listener {
  readonly recursive: boolean;
  /** The basename a watcher of a single file reports. */
  readonly ownName: string;
  deliver(event: WatchEvent, filename: string): void;
}

export class WatchHub {
  /** Count of live watchers; zero means notify() is never called. */
  active = 0;
  private readonly byInode = new Map<Inode, Set<Listener>>();
  private recursiveCount = 0;

  add(inode: Inode, listener: Listener): void {
    let set = this.byInode.get(inode);
    if (set === undefined) this.byInode.set(inode, (set = new Set()));
    set.add(listener);
    this.active++;
    if (listener.recursive) this.recursiveCount++;
  }

  remove(inode: Inode, listener: Listener): void {
    const set = this.byInode.get(inode);
    if (set === undefined || !set.delete(listener)) return;
    if (set.size === 0) this.byInode.delete(inode);
    this.active--;
    if (listener.recursive) this.recursiveCount--;
  }

  /** `name` in `dir` (if known) changed; `inode` is what it names (if known). */
  notify(dir: Inode | null, name: string, inode: Inode | null, event: WatchEvent): void {
    if (inode !== null) {
      const own = this.byInode.get(inode);
      if (own) for (const l of own) l.deliver(event, l.ownName);
    }
    if (dir === null) return;
    const direct = this.byInode.get(dir);
    if (direct) for (const l of direct) l.deliver(event, name);
    if (this.recursiveCount === 0) return;
    // Recursive watchers above: report the path relative to the watched directory.
    let rel = name;
    for (let d = dir; d.parent !== null && d.parent !== d; d = d.parent) {
      const parent: Inode = d.parent;
      let dname = '';
      for (const e of parent.dir!.entries()) if (e.inode === d) { dname = e.name; break; }
      rel = dname + '/' + rel;
      const set = this.byInode.get(parent);
      if (set) for (const l of set) if (l.recursive) l.deliver(event, rel);
    }
  }
}

export interface WatchOptions {
  persistent?: boolean;
  recursive?: boolean;
  encoding?: BufferEncoding | 'buffer';
  signal?: AbortSignal;
}

/** What fs.watch returns. */
export class FSWatcher extends EventEmitter implements Listener {
  readonly recursive: boolean;
  readonly ownName: string;
  private closed = false;
  private keepAlive: ReturnType<typeof setInterval> | null = null;
  private readonly encoding: BufferEncoding | 'buffer';

  constructor(private readonly hub: WatchHub, private readonly inode: Inode, ownName: string, options: WatchOptions) {
    super();
    this.recursive = options.recursive === true;
    this.ownName = ownName;
    this.encoding = options.encoding ?? 'utf8';
    hub.add(inode, this);
    // A persistent watcher keeps the process alive, as a real one does.
    if (options.persistent !== false) this.keepAlive = setInterval(() => {}, 0x7fffffff);
    if (options.signal) {
      if (options.signal.aborted) process.nextTick(() => this.close());
      else options.signal.addEventListener('abort', () => this.close(), { once: true });
    }
  }

  deliver(event: WatchEvent, filename: string): void {
    const name: string | Buffer = this.encoding === 'buffer' ? Buffer.from(filename) : this.encoding === 'utf8' ? filename : Buffer.from(filename).toString(this.encoding);
    process.nextTick(() => {
      if (!this.closed) this.emit('change', event, name);
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.hub.remove(this.inode, this);
    if (this.keepAlive) clearInterval(this.keepAlive);
    this.keepAlive = null;
    process.nextTick(() => this.emit('close'));
  }

  ref(): this {
    this.keepAlive?.ref();
    return this;
  }

  unref(): this {
    this.keepAlive?.unref();
    return this;
  }
}

/** What fs.watchFile returns: polls stat() and reports (current, previous) when they differ. */
/** The zeroed stats watchFile reports for a missing file. */
function isMissing(s: { ino: number | bigint; nlink: number | bigint; mode: number | bigint }): boolean {
  return Number(s.ino) === 0 && Number(s.nlink) === 0 && Number(s.mode) === 0;
}

export class StatWatcher<S extends { mtimeMs: number | bigint; ctimeMs: number | bigint; size: number | bigint; ino: number | bigint; nlink: number | bigint; mode: number | bigint }> extends EventEmitter {
  private timer: ReturnType<typeof setInterval> | null;
  private previous: S;

  /** A file missing at the start is reported once, on the first poll, with zeroed stats (libuv's fs_poll and Node do). */
  private reportMissing: boolean;

  constructor(private readonly poll: () => S, interval: number, persistent: boolean) {
    super();
    this.previous = poll();
    this.reportMissing = isMissing(this.previous);
    this.timer = setInterval(() => this.check(), interval);
    if (!persistent) this.timer.unref();
  }

  private check(): void {
    const current = this.poll();
    const p = this.previous;
    if (this.reportMissing && isMissing(current)) {
      this.reportMissing = false;
      this.emit('change', current, p);
      return;
    }
    this.reportMissing = false;
    if (current.mtimeMs !== p.mtimeMs || current.ctimeMs !== p.ctimeMs || current.size !== p.size || current.ino !== p.ino || current.nlink !== p.nlink || current.mode !== p.mode) {
      this.previous = current;
      this.emit('change', current, p);
    }
  }

  stop(): void {
    // Stopping a stopped watcher does nothing (no second 'stop').
    if (this.timer === null) return;
    clearInterval(this.timer);
    this.timer = null;
    process.nextTick(() => this.emit('stop')); // as Node's: on the next tick, not inside stop()
  }

  ref(): this {
    this.timer?.ref();
    return this;
  }

  unref(): this {
    this.timer?.unref();
    return this;
  }
}
