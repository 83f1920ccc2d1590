/**
 * Receiving a file descriptor from another process (SCM_RIGHTS over a UNIX socket), which Node
 * cannot do: fusermount3 opens /dev/fuse as root and hands the descriptor back this way, so a
 * normal user can mount. Needs `loadLibc()` to have succeeded on this thread; every function
 * throws an FdPassingError with a readable message otherwise or when the system says no.
 */
import fs from 'node:fs';
import os from 'node:os';
import type * as Koffi from 'koffi';
import { libc, libcProblem } from './libc.js';

export class FdPassingError extends Error {}

const AF_UNIX = 1;
const SOCK_STREAM = 1;
const SOCK_CLOEXEC = 0o2000000;
const SOL_SOCKET = 1;
const SCM_RIGHTS = 1;
const MSG_DONTWAIT = 0x40;
const MSG_CMSG_CLOEXEC = 0x40000000;
/** struct cmsghdr on 64-bit Linux: size_t len, int level, int type, then data aligned to 8. */
const CMSG_HEADER = 16;
const CONTROL_BYTES = 64;

interface Calls {
  socketpair(domain: number, type: number, protocol: number, sv: number[]): number;
  recvmsg(fd: number, msg: Record<string, unknown>, flags: number): number | bigint;
  errno(): number;
}

let calls: Calls | undefined;

function bind(): Calls {
  if (calls) return calls;
  const c = libc();
  if (!c) throw new FdPassingError(libcProblem() ?? 'the FFI was not loaded (call loadLibc() first)');
  const k: typeof Koffi = c.koffi;
  const iovec = k.struct('memefs_iovec', { base: 'void *', len: 'size_t' });
  k.struct('memefs_msghdr', {
    name: 'void *', namelen: 'uint32_t', iov: k.pointer(iovec), iovlen: 'size_t',
    control: 'void *', controllen: 'size_t', flags: 'int',
  });
  calls = {
    socketpair: c.lib.func('int socketpair(int, int, int, _Out_ int *sv)') as Calls['socketpair'],
    recvmsg: c.lib.func('long recvmsg(int, _Inout_ memefs_msghdr *msg, int)') as Calls['recvmsg'],
    errno: c.errno,
  };
  return calls;
}

function fail(what: string, errno: number): never {
  const name = Object.entries(os.constants.errno).find(([, n]) => n === errno)?.[0] ?? `errno ${errno}`;
  throw new FdPassingError(`${what} failed: ${name}`);
}

/** A connected pair of UNIX stream sockets, both close-on-exec (a child gets one only by being handed it). */
export function socketPair(): [number, number] {
  const c = bind();
  const sv = [-1, -1];
  if (c.socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) !== 0) fail('socketpair', c.errno());
  return [sv[0]!, sv[1]!];
}

/**
 * Takes one descriptor sent over `socket` with SCM_RIGHTS (close-on-exec in this process).
 * Never waits: the sender must already have sent it (fusermount3 has exited by then).
 * Any further descriptors in the same message are closed, so none leak.
 */
export function receiveFd(socket: number): number {
  const c = bind();
  const data = Buffer.alloc(1);
  const control = Buffer.alloc(CONTROL_BYTES);
  const msg = { name: null, namelen: 0, iov: [{ base: data, len: 1 }], iovlen: 1, control, controllen: CONTROL_BYTES, flags: 0 };
  const n = Number(c.recvmsg(socket, msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC));
  if (n < 0) fail('recvmsg', c.errno());
  if (n === 0) throw new FdPassingError('the other end closed the socket without sending a descriptor');
  const fds = parseRights(control.subarray(0, Number(msg.controllen)));
  if (fds.length === 0) throw new FdPassingError('a message came without a descriptor');
  for (const extra of fds.slice(1)) closeQuietly(extra);
  return fds[0]!;
}

/** The descriptors in every SCM_RIGHTS message of a control buffer (CMSG_FIRSTHDR/CMSG_NXTHDR by hand). */
export function parseRights(control: Buffer): number[] {
  const fds: number[] = [];
  let at = 0;
  while (at + CMSG_HEADER <= control.length) {
    const len = Number(control.readBigUInt64LE(at));
    if (len < CMSG_HEADER || at + len > control.length) break;
    if (control.readInt32LE(at + 8) === SOL_SOCKET && control.readInt32LE(at + 12) === SCM_RIGHTS) {
      for (let p = at + CMSG_HEADER; p + 4 <= at + len; p += 4) fds.push(control.readInt32LE(p));
    }
    at += (len + 7) & ~7;
  }
  return fds;
}

function closeQuietly(fd: number): void {
  try {
    fs.closeSync(fd); // node:fs closes any descriptor number, whoever opened it
  } catch {
    /* already closed */
  }
}
