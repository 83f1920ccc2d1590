/**
 * A FUSE session over io_uring (the kernel's FUSE_OVER_IO_URING, Linux 6.14+). Same surface as
 * Session (next/serve, error/ok/data, close), so the bridge does not know which transport it talks to.
 *
 * How: INIT is read from /dev/fuse as usual, and its reply asks for io_uring (Session.initFlags2).
 * Then every queue (one per possible CPU: the kernel puts a request on the queue of the CPU its caller
 * runs on, and uses the ring only once every queue has an entry) gets `depth` entries, each a header
 * buffer and a payload buffer, registered with a URING_CMD REGISTER. The kernel fills an entry with a
 * request and completes its command; the reply goes into the same buffers and a COMMIT_AND_FETCH
 * hands it back and waits for the next request on the entry. FORGET, INTERRUPT (and everything before
 * the ring is ready) still come through read(/dev/fuse): an IORING_OP_READ on the device sits in the
 * same ring, so the one serving thread sleeps in one io_uring_enter for both. The enter that hands in
 * a reply also waits for the next request; while a CPU is free (`spinMs`) the thread first polls the
 * ring for the client's next request, as the /dev/fuse session polls the device.
 *
 * The bridge reads a request as one contiguous buffer (in_header, then the per-opcode header, then
 * the rest), as read(/dev/fuse) delivers it. The ring splits it (in_header and per-opcode header in
 * the header buffer, the rest in the payload buffer), so each entry's payload buffer sits at the end
 * of a larger one and the two small headers (at most 168 bytes) are copied in front of it: file data
 * is never copied. Protocol facts: docs/transport.md.
 */
import fs from 'node:fs';
import os from 'node:os';
import { IN_HEADER_SIZE, Init, Init2, InitIn, OUT_HEADER_SIZE, Op } from './abi.js';
import { READ_BUFFER_SIZE, type Request, Session } from './session.js';
import { IoUring, OP, SETUP, SQE, addressOf, errnoName } from '../sys/io-uring.js';

const CMD_REGISTER = 1;
const CMD_COMMIT_AND_FETCH = 2;
/** struct fuse_uring_req_header: in_out[128], op_in[128], then fuse_uring_ent_in_out. */
const HEADER_SIZE = 288;
const OP_IN = 128;
const OP_IN_MAX = 128;
const ENT_COMMIT_ID = 256 + 8;
const ENT_PAYLOAD_SZ = 256 + 16;
/** struct fuse_uring_cmd_req in the SQE's command area. */
const CMD_COMMIT_ID = SQE.cmd + 8;
const CMD_QID = SQE.cmd + 16;
/** Room in front of each payload for the in_header and the largest per-opcode header. */
const PREFIX = IN_HEADER_SIZE + OP_IN_MAX;
/** The kernel wants a payload buffer of at least max_write (and max_pages pages): 1 MiB. */
const PAYLOAD_SIZE = READ_BUFFER_SIZE;
/** user_data of the read on /dev/fuse; entries use their index. */
const DEVICE_READ = 0xffffffff;

const ERR = { EINTR: 4, EAGAIN: 11, ENOENT: 2, EBADF: 9, ENODEV: 19, ENOTCONN: 107, ECONNABORTED: 103 } as const;

/**
 * Ring setup flags: one thread submits (SINGLE_ISSUER), and the kernel's work for us (copying a
 * request into an entry) runs when that thread waits, never by interrupting it (DEFER_TASKRUN); the
 * kernel flags such work in the ring (TASKRUN_FLAG), so that polling needs no system call to see it.
 */
export const RING_FLAGS = SETUP.SQE128 | SETUP.SINGLE_ISSUER | SETUP.DEFER_TASKRUN | SETUP.TASKRUN_FLAG;

export interface UringOptions {
  /** Entries per queue. */
  depth: number;
  /** Number of queues: the kernel's num_possible_cpus(). */
  queues: number;
  /** Called once when io_uring could not be used and the session goes on over /dev/fuse. */
  onFallback?: (why: string) => void;
}

interface Entry {
  readonly index: number;
  readonly qid: number;
  readonly header: Buffer;
  /** [PREFIX bytes for the headers][payload]: a request is served from the end of the prefix on. */
  readonly region: Buffer;
  readonly payload: Buffer;
  /** The payload as 32-bit words, for copying small replies in without making a view. */
  readonly payload32: Uint32Array;
  readonly iov: Buffer;
  /** The header's in_header, and its per-opcode headers by size (views made once each, never per request). */
  readonly inHeader: Buffer;
  readonly opIns: (Buffer | undefined)[];
  /** The request views, by per-opcode header size (made once each). */
  readonly views: (Buffer | undefined)[];
}

/** Replies up to this size are copied into their entry word by word: cheaper than making views to copy with. */
const WORD_COPY_MAX = 1024;

export class UringSession extends Session {
  override readonly initFlags2 = Init2.OVER_IO_URING;
  private ring: IoUring | null = null;
  /** Set when the kernel offered io_uring in INIT: the ring starts once INIT is answered. */
  private startRing = false;
  private readonly entries: Entry[] = [];
  /** The entry the request being served came from (null for /dev/fuse), and the reply the bridge gave it. */
  private current: Entry | null = null;
  /** The reply: `replyLength` bytes of `out` (-1: none yet), or `replyParts` (Session.data's header + payload list). */
  private replyLength = -1;
  private replyParts: Uint8Array[] | null = null;
  private readonly deviceBuf = Buffer.allocUnsafeSlow(READ_BUFFER_SIZE);
  private readArmed = false;
  /** `out` (the reply the bridge wrote): its header, and its words (out comes from no pool: aligned). */
  private readonly replyHeader = this.out.subarray(0, OUT_HEADER_SIZE);
  private readonly out32 = new Uint32Array(this.out.buffer, this.out.byteOffset, this.out.length >>> 2);
  /** Whether any request came through the ring yet (until then a refusal can fall back to /dev/fuse). */
  private ringServed = false;

  constructor(fd: number, dispatch: (req: Request) => void, private readonly options: UringOptions) {
    super(fd, dispatch);
  }

  /** Which transport serves now: 'io_uring' once the ring is registered. */
  get transport(): 'io_uring' | '/dev/fuse' {
    return this.ring === null ? '/dev/fuse' : 'io_uring';
  }

  override next(): Request | null {
    this.finishReply();
    if (this.ring === null) {
      const req = super.next();
      if (req !== null && req.opcode === Op.INIT) this.noteInit(req);
      return req;
    }
    return this.fromRing(this.ring);
  }

  /** The INIT request says whether the kernel offers io_uring (enable_uring=Y): if so, start after the reply. */
  private noteInit(req: Request): void {
    const a = InitIn.read(req.buf, IN_HEADER_SIZE);
    if (a.major !== 7) return; // the bridge answers with its version and the kernel asks again
    const offered = (a.flags & Init.INIT_EXT) !== 0 && (a.flags2 & Init2.OVER_IO_URING) !== 0;
    if (offered) this.startRing = true;
    else this.options.onFallback?.('the kernel does not offer FUSE over io_uring (enable_uring is off)');
  }

  private start(): void {
    const { queues, depth } = this.options;
    let ring: IoUring;
    try {
      ring = new IoUring(queues * depth + 1, RING_FLAGS);
    } catch (e) {
      this.options.onFallback?.((e as Error).message);
      return;
    }
    this.ring = ring;
    for (let qid = 0; qid < queues; qid++) {
      for (let d = 0; d < depth; d++) {
        const region = Buffer.allocUnsafeSlow(PREFIX + PAYLOAD_SIZE);
        const header = Buffer.alloc(HEADER_SIZE);
        const entry: Entry = {
          index: this.entries.length, qid, header, region, payload: region.subarray(PREFIX),
          payload32: new Uint32Array(region.buffer, region.byteOffset + PREFIX, PAYLOAD_SIZE >>> 2),
          iov: Buffer.alloc(32), inHeader: header.subarray(0, IN_HEADER_SIZE), opIns: [], views: [],
        };
        entry.iov.writeBigUInt64LE(addressOf(entry.header), 0);
        entry.iov.writeBigUInt64LE(BigInt(HEADER_SIZE), 8);
        entry.iov.writeBigUInt64LE(addressOf(entry.payload), 16);
        entry.iov.writeBigUInt64LE(BigInt(PAYLOAD_SIZE), 24);
        this.entries.push(entry);
        this.register(entry);
      }
    }
  }

  private register(entry: Entry): void {
    const at = this.command(entry, CMD_REGISTER);
    this.ring!.set64(at + SQE.addr, addressOf(entry.iov));
    this.ring!.sqes.writeUInt32LE(2, at + SQE.len);
  }

  /** Prepares a URING_CMD for `entry`: its SQE's byte offset. */
  private command(entry: Entry, op: number): number {
    const ring = this.ring!;
    const sqes = ring.sqes;
    const at = ring.prepare();
    sqes[at + SQE.opcode] = OP.URING_CMD;
    sqes.writeInt32LE(this.fd, at + SQE.fd);
    sqes.writeUInt32LE(op, at + SQE.cmdOp);
    sqes.writeUInt32LE(entry.index, at + SQE.userData);
    sqes.writeUInt16LE(entry.qid, at + CMD_QID);
    return at;
  }

  private armRead(ring: IoUring): void {
    const sqes = ring.sqes;
    const at = ring.prepare();
    sqes[at + SQE.opcode] = OP.READ;
    sqes.writeInt32LE(this.fd, at + SQE.fd);
    ring.set64(at + SQE.addr, addressOf(this.deviceBuf));
    sqes.writeUInt32LE(this.deviceBuf.length, at + SQE.len);
    sqes.writeUInt32LE(DEVICE_READ, at + SQE.userData);
    this.readArmed = true;
  }

  /** Waits for the next request from an entry or the device; null when the connection is gone. */
  private fromRing(ring: IoUring): Request | null {
    // The device buffer is read into only while a read is armed: never while a request in it is served.
    if (!this.readArmed) this.armRead(ring);
    for (;;) {
      if (!ring.peek()) {
        this.await(ring);
        continue;
      }
      const tag = ring.userData;
      const res = ring.res;
      ring.advance();
      if (tag === DEVICE_READ) {
        this.readArmed = false;
        if (res >= IN_HEADER_SIZE) return this.parse(this.deviceBuf, res);
        if (res === -ERR.ENODEV || res === -ERR.ECONNABORTED || res === -ERR.EBADF) return this.end();
        // ENOENT: interrupted before we read it; EINTR/EAGAIN: try again.
        if (res < 0 && res !== -ERR.ENOENT && res !== -ERR.EINTR && res !== -ERR.EAGAIN) {
          throw new Error(`reading the FUSE device failed: ${errnoName(-res)}`);
        }
        this.armRead(ring);
        continue;
      }
      const entry = this.entries[tag]!;
      if (res === 0) {
        const req = this.fromEntry(entry);
        if (req !== null) return req;
        this.finishReply();
        continue;
      }
      if (res === -ERR.ENOTCONN || res === -ERR.ENODEV) return this.end();
      if (res === -ERR.EAGAIN || res === -ERR.EINTR || res === -ERR.ENOENT) {
        // Not taken, or a commit whose request is gone: the entry must wait for work again.
        this.register(entry);
        continue;
      }
      if (!this.ringServed) {
        // Refused before any request came through the ring: serve on through /dev/fuse.
        this.fallBack(`registering with the kernel failed: ${errnoName(-res)}`);
        return this.next();
      }
      throw new Error(`FUSE over io_uring failed: ${errnoName(-res)}`);
    }
  }

  /**
   * Hands in the reply (if any) and waits for a completion. While polling is allowed (`spinMs`, see
   * session.ts) it first polls for that long: the completion queue, and the flag that says the kernel
   * queued task work (a request to copy into an entry), which a non-waiting enter then runs. A client's
   * next request then finds this thread awake instead of waking it (and its CPU) from sleep.
   */
  private await(ring: IoUring): void {
    const spin = this.spinMs;
    if (spin > 0) {
      const end = performance.now() + spin;
      ring.enter(false);
      while (!ring.ready()) {
        if (ring.taskWorkWaiting()) ring.enter(false);
        else if (performance.now() >= end) break;
      }
      if (ring.ready()) return;
    }
    const errno = ring.enter(true);
    if (errno !== 0 && errno !== ERR.EINTR) throw new Error(`waiting on the io_uring failed: ${errnoName(errno)}`);
  }

  /** The request in `entry`, as one contiguous buffer; null (answered EIO) if its sizes make no sense. */
  private fromEntry(entry: Entry): Request | null {
    const h = entry.header;
    const payloadSize = h.readUInt32LE(ENT_PAYLOAD_SZ);
    const opSize = h.readUInt32LE(0) - IN_HEADER_SIZE - payloadSize;
    this.current = entry;
    this.ringServed = true;
    if (opSize < 0 || opSize > OP_IN_MAX || payloadSize > PAYLOAD_SIZE) return null; // answered EIO
    const start = PREFIX - IN_HEADER_SIZE - opSize;
    entry.region.set(entry.inHeader, start);
    entry.region.set((entry.opIns[opSize] ??= h.subarray(OP_IN, OP_IN + opSize)), PREFIX - opSize);
    const view = (entry.views[opSize] ??= entry.region.subarray(start));
    return this.parse(view, IN_HEADER_SIZE + opSize + payloadSize);
  }

  protected override send(n: number): void {
    if (this.current === null) {
      super.send(n);
      // INIT's reply went (the only reply that can find startRing set): the kernel now takes registrations.
      if (this.startRing) {
        this.startRing = false;
        this.start();
      }
    } else {
      this.replyLength = n;
    }
  }

  protected override sendv(bufs: Uint8Array[]): void {
    if (this.current === null) super.sendv(bufs);
    else this.replyParts = bufs;
  }

  /**
   * Puts the reply to the request from `current` into its entry and prepares the commit. Only once the
   * bridge is done with the request: the reply overwrites the request's payload, and the bridge may
   * still read it after replying (WRITE copies its data after the answer). A request left without a
   * reply would hold its entry forever: it gets EIO.
   */
  private finishReply(): void {
    const entry = this.current;
    if (entry === null) return;
    const length = this.replyLength;
    const parts = this.replyParts;
    this.current = null;
    this.replyLength = -1;
    this.replyParts = null;
    // Copied from `out` and the parts as they are: no views made per reply.
    if (parts !== null) {
      // Session.data: the header (out[0, OUT_HEADER_SIZE)), then the payload parts.
      let size = 0;
      for (let i = 1; i < parts.length; i++) size += parts[i]!.length;
      if (size > PAYLOAD_SIZE) return this.commitError(entry);
      entry.header.set(this.replyHeader);
      let at = 0;
      for (let i = 1; i < parts.length; i++) {
        entry.payload.set(parts[i]!, at);
        at += parts[i]!.length;
      }
      return this.commit(entry, size);
    }
    if (length < 0) return this.commitError(entry);
    const size = length - OUT_HEADER_SIZE;
    if (size > PAYLOAD_SIZE) return this.commitError(entry);
    entry.header.set(this.replyHeader);
    if (length <= WORD_COPY_MAX) {
      // Whole words: up to 3 bytes past the reply are copied too, and the kernel takes only `size`.
      const out32 = this.out32;
      const payload32 = entry.payload32;
      for (let i = OUT_HEADER_SIZE >>> 2, j = 0, end = (length + 3) >>> 2; i < end; i++, j++) payload32[j] = out32[i]!;
    } else {
      this.out.copy(entry.payload, 0, OUT_HEADER_SIZE, length);
    }
    this.commit(entry, size);
  }

  /** EIO for a request without a reply, or with one too big for the entry (the bridge makes neither). */
  private commitError(entry: Entry): void {
    entry.header.writeUInt32LE(OUT_HEADER_SIZE, 0);
    entry.header.writeInt32LE(-5 /* EIO */, 4);
    entry.header.copy(entry.header, 8, ENT_COMMIT_ID, ENT_COMMIT_ID + 8); // unique
    this.commit(entry, 0);
  }

  /** Hands the reply in `entry` back with its next `enter()`, which also fetches the entry's next request. */
  private commit(entry: Entry, payloadSize: number): void {
    entry.header.writeUInt32LE(payloadSize, ENT_PAYLOAD_SZ);
    const at = this.command(entry, CMD_COMMIT_AND_FETCH);
    const sqes = this.ring!.sqes;
    const h = entry.header;
    sqes.writeUInt32LE(h.readUInt32LE(ENT_COMMIT_ID), at + CMD_COMMIT_ID);
    sqes.writeUInt32LE(h.readUInt32LE(ENT_COMMIT_ID + 4), at + CMD_COMMIT_ID + 4);
  }

  /** Replies wait for the next enter; before the thread turns to other work (a save), they go now. */
  protected override flush(): void {
    this.finishReply();
    this.ring?.enter(false);
  }

  private fallBack(why: string): void {
    this.options.onFallback?.(why);
    this.ring?.close();
    this.ring = null;
    this.readArmed = false;
  }

  /** The connection is gone: so is the ring. */
  private end(): null {
    this.closed = true;
    this.ring?.close();
    this.ring = null;
    return null;
  }

}

export const ENABLE_URING = '/sys/module/fuse/parameters/enable_uring';
/** The line that switches FUSE over io_uring on (root; until the next boot or fuse module load). */
export const ENABLE_URING_HINT = `echo Y > ${ENABLE_URING}`;

/** Whether this kernel has FUSE over io_uring, and whether it is switched on. */
export function kernelIoUring(): 'on' | 'off' | 'absent' {
  try {
    return fs.readFileSync(ENABLE_URING, 'utf8').trim() === 'Y' ? 'on' : 'off';
  } catch {
    return 'absent';
  }
}

/** The kernel's num_possible_cpus(): the number of queues it expects ("0-3,8-11" style list). */
export function possibleCpus(): number {
  try {
    let n = 0;
    for (const part of fs.readFileSync('/sys/devices/system/cpu/possible', 'utf8').trim().split(',')) {
      const [a, b] = part.split('-').map(Number);
      n += b === undefined ? 1 : b - a! + 1;
    }
    if (n > 0) return n;
  } catch {
    /* below */
  }
  return os.cpus().length;
}

