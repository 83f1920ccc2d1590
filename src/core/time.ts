/** Timestamps with nanosecond resolution, kept as whole seconds plus nanoseconds. */
export interface Timespec {
  readonly sec: number;
  readonly nsec: number;
}

const origin = performance.timeOrigin;

/** The wall clock, with the sub-millisecond part that `performance.now()` adds. */
export function now(): Timespec {
  const ms = origin + performance.now();
  const sec = Math.floor(ms / 1000);
  const nsec = Math.min(999_999_999, Math.floor((ms - sec * 1000) * 1e6));
  return { sec, nsec };
}

export function fromMs(ms: number): Timespec {
  const sec = Math.floor(ms / 1000);
  return { sec, nsec: Math.round((ms - sec * 1000) * 1e6) % 1_000_000_000 };
}

export function toMs(t: Timespec): number {
  return t.sec * 1000 + t.nsec / 1e6;
}

export function toNs(t: Timespec): bigint {
  return BigInt(t.sec) * 1_000_000_000n + BigInt(t.nsec);
}

export function fromNs(ns: bigint): Timespec {
  let sec = ns / 1_000_000_000n;
  let nsec = ns % 1_000_000_000n;
  if (nsec < 0n) { nsec += 1_000_000_000n; sec -= 1n; }
  return { sec: Number(sec), nsec: Number(nsec) };
}

/** Windows FILETIME: 100 ns ticks since 1601-01-01. */
const EPOCH_DIFF_100NS = 116_444_736_000_000_000n;
export function toNtTime(t: Timespec): bigint {
  return toNs(t) / 100n + EPOCH_DIFF_100NS;
}
export function fromNtTime(ticks: bigint): Timespec {
  return fromNs((ticks - EPOCH_DIFF_100NS) * 100n);
}

export function compare(a: Timespec, b: Timespec): number {
  return a.sec !== b.sec ? a.sec - b.sec : a.nsec - b.nsec;
}
