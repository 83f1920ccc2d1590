/**
 * Whether the serving thread may poll for the next request before sleeping (session.ts `spinMs`).
 *
 * A FUSE request is a hand-off between two threads. On a machine with a free CPU, the client and the
 * serving thread usually run on different CPUs, and each hand-off wakes a CPU that went to sleep: on a
 * VM that is an exit to the host, which took longer than serving the request (docs/transport.md).
 * Polling for a short while after each reply keeps the serving CPU awake for the client's next request.
 * It only pays while a CPU would otherwise be idle: when other work wants the CPUs (a build), polling
 * would take CPU time from it. So the daemon's main thread looks at how much CPU time everything else
 * used (/proc/stat's busy time minus this process's own) and allows polling only while that leaves
 * most of a CPU free.
 */
import fs from 'node:fs';
import os from 'node:os';

/** How long to poll after a reply: a client's next request on a quiet machine comes well within it. */
export const SPIN_US = 50;
/** CPUs (of all) that must be left free by everything but this process for polling to be allowed. */
const FREE_CPUS = 0.8;
/** Once the CPUs were found busy, checks that pass before polling again (each one interval). */
const HOLD_OFF = 4;
/** /proc/stat counts in USER_HZ ticks: 100 per second on every Linux architecture memefs runs on. */
const TICK_US = 10_000;

/** Microseconds all CPUs spent busy (everything but idle and iowait), or undefined if unreadable. */
function busyMicros(): number | undefined {
  try {
    const stat = fs.readFileSync('/proc/stat', 'latin1');
    const f = stat.slice(0, stat.indexOf('\n')).trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal (guest time is inside user and nice)
    const busy = f[0]! + f[1]! + f[2]! + f[5]! + f[6]! + f[7]!;
    return Number.isFinite(busy) ? busy * TICK_US : undefined;
  } catch {
    return undefined;
  }
}

function ownMicros(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

export interface CpuSources {
  cpus: number;
  /** Microseconds all CPUs spent busy so far, or undefined if unknown. */
  busy: () => number | undefined;
  /** Microseconds of CPU this process used so far. */
  own: () => number;
}

const machine: CpuSources = { cpus: os.availableParallelism(), busy: busyMicros, own: ownMicros };

/**
 * A check to run every `intervalMs`: it returns the polling window (microseconds) to use until the next
 * check. Never polls on a single CPU (the client could not run meanwhile).
 */
export function spinAdvisor(intervalMs: number, from: CpuSources = machine): () => number {
  const { cpus } = from;
  let busy = cpus > 1 ? from.busy() : undefined;
  let own = from.own();
  let holdOff = 0;
  return () => {
    if (busy === undefined) return 0;
    const nowBusy = from.busy();
    if (nowBusy === undefined) return 0;
    const nowOwn = from.own();
    const others = (nowBusy - busy - (nowOwn - own)) / (intervalMs * 1000);
    busy = nowBusy;
    own = nowOwn;
    if (others > cpus - FREE_CPUS) holdOff = HOLD_OFF;
    else if (holdOff > 0) holdOff--;
    return holdOff > 0 ? 0 : SPIN_US;
  };
}
