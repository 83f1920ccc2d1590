/**
 * Which CPU a thread runs on: the CPU another thread last ran on (/proc/TID/stat), and moving the
 * calling thread to one CPU or back to the CPUs it was allowed at first (sched_setaffinity through
 * the FFI). Used by the FUSE transport to serve a client on the client's own CPU (src/fuse/follow.ts).
 */
import fs from 'node:fs';
import { libc } from './libc.js';

/** cpu_set_t: 1024 bits, as glibc sizes it. */
const CPU_SET_BYTES = 128;

/** The CPU thread `tid` last ran on, or -1 when it cannot be read (the thread is gone). */
export function lastCpuOf(tid: number): number {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${tid}/stat`, 'latin1');
  } catch {
    return -1;
  }
  // pid (comm) state ppid ...: comm may hold spaces and parentheses, so count from the last ')'.
  // After it come the fields from the 3rd on; the CPU is the 39th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpu = Number(fields[39 - 3]);
  return Number.isInteger(cpu) ? cpu : -1;
}

export interface ThreadPlacement {
  /** Keeps the calling thread on `cpu` only; false when the system refuses (not among the allowed CPUs). */
  pin(cpu: number): boolean;
  /** Lets the calling thread run on the CPUs it was allowed when this was made. */
  release(): void;
}

/**
 * Placement of the calling thread, or undefined when libc is not loaded on this thread (see loadLibc)
 * or its CPUs cannot be read.
 */
export function threadPlacement(): ThreadPlacement | undefined {
  const c = libc();
  if (c === undefined) return undefined;
  const getaffinity = c.lib.func('int sched_getaffinity(int pid, size_t size, void *mask)') as (pid: number, size: number, mask: Buffer) => number;
  const setaffinity = c.lib.func('int sched_setaffinity(int pid, size_t size, void *mask)') as (pid: number, size: number, mask: Buffer) => number;
  const allowed = Buffer.alloc(CPU_SET_BYTES);
  if (getaffinity(0, CPU_SET_BYTES, allowed) !== 0) return undefined;
  const one = Buffer.alloc(CPU_SET_BYTES);
  return {
    pin(cpu) {
      if (cpu < 0 || cpu >= CPU_SET_BYTES * 8 || (allowed[cpu >> 3]! & (1 << (cpu & 7))) === 0) return false;
      one.fill(0);
      one[cpu >> 3] = 1 << (cpu & 7);
      return setaffinity(0, CPU_SET_BYTES, one) === 0;
    },
    release() {
      setaffinity(0, CPU_SET_BYTES, allowed);
    },
  };
}
