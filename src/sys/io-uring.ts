/**
 * A small io_uring over the FFI: io_uring_setup (syscall 425), the rings and the SQE array mapped into
 * memory that JavaScript reads and writes directly (koffi.view, no copy and no allocation per
 * operation), and io_uring_enter (426). Just what the FUSE transport needs (src/fuse/uring-session.ts):
 * 128-byte SQEs (IORING_SETUP_SQE128, for URING_CMD), one issuing thread, and a wait that sleeps in
 * the kernel. Needs `loadLibc()` on this thread; `new IoUring()` throws an IoUringError with a readable
 * message when the FFI or the kernel says no.
 */
import os from 'node:os';
import { libc, libcProblem } from './libc.js';

export class IoUringError extends Error {
  constructor(message: string, readonly errno = 0) {
    super(message);
  }
}

const SYS_IO_URING_SETUP = 425;
const SYS_IO_URING_ENTER = 426;

export const SETUP = {
  COOP_TASKRUN: 1 << 8, TASKRUN_FLAG: 1 << 9, SQE128: 1 << 10, SINGLE_ISSUER: 1 << 12, DEFER_TASKRUN: 1 << 13,
} as const;
/** sq_flags bit the kernel sets (with SETUP.TASKRUN_FLAG) while task work for this ring waits to run. */
const SQ_TASKRUN = 1 << 2;
const FEAT_SINGLE_MMAP = 1 << 0;
const ENTER_GETEVENTS = 1 << 0;

export const OP = { READ: 22, URING_CMD: 46 } as const;

/** Byte offsets inside an SQE (struct io_uring_sqe). */
export const SQE = {
  opcode: 0, flags: 1, fd: 4, off: 8, cmdOp: 8, addr: 16, len: 24, userData: 32, cmd: 48,
} as const;
/** With IORING_SETUP_SQE128 every SQE is 128 bytes; the URING_CMD command area is its last 80. */
export const SQE_SIZE = 128;
const CQE_SIZE = 16;

/** struct io_uring_params: 40 bytes of fields, then io_sqring_offsets and io_cqring_offsets (40 each). */
const PARAMS_SIZE = 120;
const P = { sqEntries: 0, cqEntries: 4, flags: 8, features: 20, sqOff: 40, cqOff: 80 } as const;
const SQ_OFF = { head: 0, tail: 4, ringMask: 8, flags: 16, array: 24 } as const;
const CQ_OFF = { head: 0, tail: 4, ringMask: 8, cqes: 20 } as const;
const OFF_SQES = 0x10000000;
const PROT_READ_WRITE = 0x3;
const MAP_SHARED_POPULATE = 0x01 | 0x8000;

interface Calls {
  setup(nr: number, entries: number, params: Uint8Array): number;
  enter(nr: number, fd: number, toSubmit: number, minComplete: number, flags: number, sig: null, sigSize: number): number;
  mmap(addr: null, len: number, prot: number, flags: number, fd: number, off: number): unknown;
  munmap(addr: unknown, len: number): number;
  close(fd: number): number;
  view(ptr: unknown, len: number): ArrayBuffer;
  address(buf: Uint8Array): bigint;
  errno(): number;
}

let calls: Calls | undefined;

function bind(): Calls {
  if (calls) return calls;
  const c = libc();
  if (!c) throw new IoUringError(libcProblem() ?? 'the FFI was not loaded (call loadLibc() first)');
  // syscall(2) is variadic; integer arguments pass the same way as fixed ones on Linux's 64-bit ABIs,
  // and a fixed prototype is much cheaper to call through koffi than a variadic one.
  calls = {
    setup: c.lib.func('syscall', 'long', ['long', 'uint32_t', 'void *']) as Calls['setup'],
    enter: c.lib.func('syscall', 'long', ['long', 'int', 'uint32_t', 'uint32_t', 'uint32_t', 'void *', 'size_t']) as Calls['enter'],
    mmap: c.lib.func('void *mmap(void *addr, size_t len, int prot, int flags, int fd, long off)') as Calls['mmap'],
    munmap: c.lib.func('int munmap(void *addr, size_t len)') as Calls['munmap'],
    close: c.lib.func('int close(int fd)') as Calls['close'],
    view: (ptr, len) => c.koffi.view(ptr, len),
    address: (buf) => c.koffi.address(buf),
    errno: c.errno,
  };
  return calls;
}

export function errnoName(errno: number): string {
  return Object.entries(os.constants.errno).find(([, n]) => n === errno)?.[0] ?? `errno ${errno}`;
}

/** The machine address of a buffer's first byte, as the kernel wants it in an SQE or an iovec. */
export function addressOf(buf: Uint8Array): bigint {
  return bind().address(buf);
}

/**
 * One ring. Operations are prepared in place (`prepare()` returns a zeroed SQE in `sqes`), handed to
 * the kernel by the next `enter()`, and their completions read with `peek()`/`advance()`.
 */
export class IoUring {
  readonly fd: number;
  /** The SQE array; `prepare()` says at which byte offset the next one starts. */
  readonly sqes: Buffer;
  private readonly c: Calls;
  private readonly ring: Buffer;
  private readonly ringPtr: unknown;
  private readonly ringLen: number;
  private readonly sqesPtr: unknown;
  private readonly sqesLen: number;
  private readonly sqHead: number;
  private readonly sqTail: number;
  private readonly sqMask: number;
  private readonly sqFlags: number;
  private readonly cqHead: number;
  private readonly cqTail: number;
  private readonly cqMask: number;
  private readonly cqes: number;
  private tail: number;
  private closed = false;
  /** The completion `peek()` found: its user_data (low 32 bits) and result (a byte count, or -errno). */
  userData = 0;
  res = 0;

  constructor(entries: number, flags: number) {
    const c = (this.c = bind());
    const params = Buffer.alloc(PARAMS_SIZE);
    params.writeUInt32LE(flags, P.flags);
    const fd = c.setup(SYS_IO_URING_SETUP, entries, params);
    if (fd < 0) {
      const errno = c.errno();
      throw new IoUringError(`io_uring_setup failed: ${errnoName(errno)}`, errno);
    }
    this.fd = fd;
    const sqEntries = params.readUInt32LE(P.sqEntries);
    const cqEntries = params.readUInt32LE(P.cqEntries);
    if ((params.readUInt32LE(P.features) & FEAT_SINGLE_MMAP) === 0) {
      c.close(fd);
      throw new IoUringError('io_uring without IORING_FEAT_SINGLE_MMAP (kernel older than 5.4)');
    }
    const sq = (field: number): number => params.readUInt32LE(P.sqOff + field);
    const cq = (field: number): number => params.readUInt32LE(P.cqOff + field);
    this.ringLen = Math.max(sq(SQ_OFF.array) + sqEntries * 4, cq(CQ_OFF.cqes) + cqEntries * CQE_SIZE);
    this.sqesLen = sqEntries * SQE_SIZE;
    this.ringPtr = this.map(this.ringLen, 0);
    this.sqesPtr = this.map(this.sqesLen, OFF_SQES);
    this.ring = Buffer.from(c.view(this.ringPtr, this.ringLen));
    this.sqes = Buffer.from(c.view(this.sqesPtr, this.sqesLen));
    this.sqHead = sq(SQ_OFF.head);
    this.sqTail = sq(SQ_OFF.tail);
    this.sqMask = this.ring.readUInt32LE(sq(SQ_OFF.ringMask));
    this.sqFlags = sq(SQ_OFF.flags);
    this.cqHead = cq(CQ_OFF.head);
    this.cqTail = cq(CQ_OFF.tail);
    this.cqMask = this.ring.readUInt32LE(cq(CQ_OFF.ringMask));
    this.cqes = cq(CQ_OFF.cqes);
    this.tail = this.ring.readUInt32LE(this.sqTail);
    // SQEs are used in ring order, so the indirection array is the identity, written once.
    for (let i = 0; i < sqEntries; i++) this.ring.writeUInt32LE(i, sq(SQ_OFF.array) + i * 4);
  }

  private map(len: number, offset: number): unknown {
    const ptr = this.c.mmap(null, len, PROT_READ_WRITE, MAP_SHARED_POPULATE, this.fd, offset);
    if (this.c.address(ptr as Uint8Array) === 0xffffffffffffffffn) {
      const errno = this.c.errno();
      this.c.close(this.fd);
      throw new IoUringError(`mapping the io_uring failed: ${errnoName(errno)}`, errno);
    }
    return ptr;
  }

  /** A zeroed SQE for the next `enter()`: its byte offset in `sqes`. The caller fills it in. */
  prepare(): number {
    const at = (this.tail & this.sqMask) * SQE_SIZE;
    this.sqes.fill(0, at, at + SQE_SIZE);
    this.tail = (this.tail + 1) >>> 0;
    return at;
  }

  /** Writes a 64-bit field of an SQE from a bigint (addresses). */
  set64(at: number, value: bigint): void {
    this.sqes.writeBigUInt64LE(value, at);
  }

  /**
   * Submits what was prepared, runs the task work waiting for this thread (with DEFER_TASKRUN that is
   * where completions are posted) and, when `wait` is set, sleeps in the kernel until at least one
   * completion is there. Returns 0, or the errno (EINTR: a signal; call again).
   */
  enter(wait: boolean): number {
    const pending = (this.tail - this.ring.readUInt32LE(this.sqHead)) >>> 0;
    // The SQEs are written before the tail is published (the kernel reads the tail with acquire semantics).
    this.ring.writeUInt32LE(this.tail, this.sqTail);
    const n = this.c.enter(SYS_IO_URING_ENTER, this.fd, pending, wait ? 1 : 0, ENTER_GETEVENTS, null, 0);
    return n < 0 ? this.c.errno() : 0;
  }

  /** Whether the kernel queued task work that an `enter()` would run (rings made with SETUP.TASKRUN_FLAG). */
  taskWorkWaiting(): boolean {
    return (this.ring.readUInt32LE(this.sqFlags) & SQ_TASKRUN) !== 0;
  }

  /** Whether a completion is waiting, without reading it. */
  ready(): boolean {
    return this.ring.readUInt32LE(this.cqHead) !== this.ring.readUInt32LE(this.cqTail);
  }

  /** Whether a completion is waiting; if so it is in `userData`/`res` until `advance()`. */
  peek(): boolean {
    const head = this.ring.readUInt32LE(this.cqHead);
    if (head === this.ring.readUInt32LE(this.cqTail)) return false;
    const at = this.cqes + (head & this.cqMask) * CQE_SIZE;
    this.userData = this.ring.readUInt32LE(at);
    this.res = this.ring.readInt32LE(at + 8);
    return true;
  }

  /** Hands the completion `peek()` found back to the kernel. */
  advance(): void {
    this.ring.writeUInt32LE((this.ring.readUInt32LE(this.cqHead) + 1) >>> 0, this.cqHead);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.c.munmap(this.sqesPtr, this.sqesLen);
    this.c.munmap(this.ringPtr, this.ringLen);
    this.c.close(this.fd);
  }
}
