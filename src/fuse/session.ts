/**
 * A FUSE session: one connection to the kernel through a /dev/fuse file
 * descriptor. It reads requests, hands each to the handler table of its
 * `Bridge`, and writes exactly one reply per request (FORGET and INTERRUPT
 * get none). Replies are written with writev so that file data goes from the
 * volume's chunks to the kernel without being copied into a reply buffer.
 *
 * The loop is synchronous: the volume is in memory, so a request never waits
 * for anything but the CPU, and a synchronous read/writev loop is the fastest
 * way to talk to the device from Node (measured ~2x the async forms). Reads go
 * through device-read.ts, which reports errors without throwing.
 * Run it on a thread that does nothing else (see daemon.ts).
 *
 * Reads block: the thread sleeps in the kernel until a request comes, so a
 * request never waits for a timer and an idle mount costs no CPU. (It used to
 * poll, then nap: quick on an idle machine, but with every CPU busy a request
 * waited out the nap; measured in docs/transport.md.) When a CPU is free, the
 * session may first poll the device for `spinMs` (set by its owner, see
 * daemon.ts): a client's next request then finds the thread awake instead of
 * waking a sleeping CPU, which on a VM costs more than the request itself.
 */
import fs from 'node:fs';
import { OUT_HEADER_SIZE, OutHeader, InHeader, IN_HEADER_SIZE } from './abi.js';
import { u64 } from './struct.js';
import { MAX_WRITE } from './limits.js';
import { type DeviceReader, deviceReader } from './device-read.js';

const HEADER = InHeader.offsets;

export interface Request {
  opcode: number;
  unique: number;
  nodeid: number;
  uid: number;
  gid: number;
  pid: number;
  /** The whole request (header included) lives in buf[0, len). */
  buf: Buffer;
  len: number;
}

/** Room for the largest WRITE (1 MiB of data) plus its headers, and never under the kernel's minimum. */
export const READ_BUFFER_SIZE = MAX_WRITE + 4096;

export class Session {
  readonly fd: number;
  /** Made on the first read: a session fed by `deliver` (shared mounts) never reads the device itself. */
  private reader: DeviceReader | null = null;
  /** Replies are assembled here (headers and small payloads). */
  readonly out = Buffer.allocUnsafe(1 << 17);
  private readonly req: Request = { opcode: 0, unique: 0, nodeid: 0, uid: 0, gid: 0, pid: 0, buf: Buffer.alloc(0), len: 0 };
  private readonly parts: Uint8Array[] = [];
  /** out's reply header, as the first part of a `data` reply (made once, not per reply). */
  private readonly outHeader = this.out.subarray(0, OUT_HEADER_SIZE);
  protected closed = false;
  /** How long to poll the device before sleeping in read(), in milliseconds (0: sleep at once). */
  spinMs = 0;
  /** Whether the device is in non-blocking mode (polling). */
  private polling = false;
  /** INIT flags2 bits the transport asks for (when the kernel offers them). */
  readonly initFlags2: number = 0;

  constructor(fd: number, private readonly dispatch: (req: Request) => void) {
    this.fd = fd;
  }

  /** Serves until the kernel ends the connection (unmount or abort), or until `pauseWhen` says so after a request. */
  serve(pauseWhen?: () => boolean): 'closed' | 'paused' {
    while (!this.closed) {
      const req = this.next();
      if (req === null) break;
      this.dispatch(req);
      if (pauseWhen?.()) {
        if (this.closed) return 'closed';
        this.flush();
        return 'paused';
      }
    }
    return 'closed';
  }

  /** Reads one request; null when the connection is gone. */
  next(): Request | null {
    const reader = (this.reader ??= deviceReader(this.fd, READ_BUFFER_SIZE));
    const spin = this.spinMs;
    if (spin > 0 !== this.polling) this.polling = reader.setBlocking(spin === 0) ? spin > 0 : this.polling;
    let since = -1;
    for (;;) {
      let n = reader.read();
      if (n === 'EAGAIN' && this.polling) {
        // Nothing yet: poll on until the window ends, then sleep in a blocking read.
        const now = performance.now();
        if (since < 0) since = now;
        if (now - since < spin) continue;
        reader.setBlocking(true);
        n = reader.read();
        reader.setBlocking(false);
        since = -1;
      }
      if (typeof n === 'string') {
        // ENOENT: the request was interrupted before we read it. EINTR/EAGAIN: try again.
        if (n === 'ENOENT' || n === 'EINTR' || n === 'EAGAIN') continue;
        if (n === 'ENODEV' || n === 'ECONNABORTED' || n === 'EBADF') {
          this.closed = true;
          return null;
        }
        throw new Error(`reading the FUSE device failed: ${n}`);
      }
      if (n < IN_HEADER_SIZE) continue;
      return this.parse(reader.buf, n);
    }
  }

  /** Empties the request buffer's memory (between requests only: the last one's bytes are gone). */
  discardBuffers(discard: (buf: Uint8Array) => boolean): void {
    if (this.reader !== null) discard(this.reader.buf);
  }

  /** Handles a request read elsewhere (by a reader thread, see shared-mount.ts). */
  deliver(buf: Buffer): void {
    if (buf.length >= IN_HEADER_SIZE) this.dispatch(this.parse(buf, buf.length));
  }

  /** Hands every reply made so far to the kernel before the thread turns to other work (see uring-session.ts). */
  protected flush(): void {}

  /** Fills the one reusable Request from the in_header (every request passes here: no allocation). */
  protected parse(buf: Buffer, n: number): Request {
    const req = this.req;
    req.opcode = buf.readUInt32LE(HEADER.opcode!);
    req.unique = u64(buf, HEADER.unique!);
    req.nodeid = u64(buf, HEADER.nodeid!);
    req.uid = buf.readUInt32LE(HEADER.uid!);
    req.gid = buf.readUInt32LE(HEADER.gid!);
    req.pid = buf.readUInt32LE(HEADER.pid!);
    req.buf = buf;
    req.len = n;
    return req;
  }

  close(): void {
    this.closed = true;
  }

  /** Replies with an error (errno > 0). */
  error(unique: number, errno: number): void {
    OutHeader.write(this.out, 0, { len: OUT_HEADER_SIZE, error: -errno, unique });
    this.send(OUT_HEADER_SIZE);
  }

  /** Replies with `size` bytes already placed at out[OUT_HEADER_SIZE...]. */
  ok(unique: number, size = 0): void {
    OutHeader.write(this.out, 0, { len: OUT_HEADER_SIZE + size, error: 0, unique });
    this.send(OUT_HEADER_SIZE + size);
  }

  /** Replies with a list of buffers as the payload (no copying). */
  data(unique: number, payload: readonly Uint8Array[]): void {
    let size = 0;
    for (const p of payload) size += p.length;
    OutHeader.write(this.out, 0, { len: OUT_HEADER_SIZE + size, error: 0, unique });
    const parts = this.parts;
    parts.length = 0;
    parts.push(this.outHeader);
    for (const p of payload) if (p.length > 0) parts.push(p);
    this.sendv(parts);
  }

  /** Writes out[0, n) (no subarray: a reply allocates nothing). */
  protected send(n: number): void {
    try {
      fs.writeSync(this.fd, this.out, 0, n);
    } catch (e) {
      this.writeFailed(e);
    }
  }

  protected sendv(bufs: Uint8Array[]): void {
    try {
      // writevSync accepts at most IOV_MAX (1024) buffers; replies never come near that (1 MiB / 64 KiB chunks).
      fs.writevSync(this.fd, bufs as NodeJS.ArrayBufferView[]);
    } catch (e) {
      this.writeFailed(e);
    }
  }

  private writeFailed(e: unknown): void {
    const code = (e as NodeJS.ErrnoException).code;
    // ENOENT: the kernel dropped the request (interrupted). ENODEV: unmounted meanwhile.
    if (code === 'ENOENT') return;
    if (code === 'ENODEV' || code === 'ECONNABORTED' || code === 'EBADF') {
      this.closed = true;
      return;
    }
    throw e;
  }
}
