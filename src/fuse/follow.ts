/**
 * Serving a client on its own CPU while every CPU is busy.
 *
 * A request is a hand-off: the client blocks, the serving thread wakes, answers, and wakes the
 * client. When both run on one CPU each hand-off is a switch between them there. When they sit on
 * different CPUs and other work keeps both CPUs busy (a build), each wake-up has to displace that
 * work on the other CPU, and the kernel tends to keep such a pair apart once it is apart (a woken
 * thread goes back to the CPU it last ran on). fsbench with two CPU-bound processes running on this
 * 2-CPU machine came out in one of two states, at random, per run and even per line: creates at
 * ~3,000/s apart and ~12,000/s together (docs/transport.md). So while the CPUs are busy the serving
 * thread looks up, at most every CHECK_MS, on which CPU the client of the current request last ran
 * (/proc), and moves there, as long as that client is the only one. When the machine is quiet it
 * polls instead (session.ts) and may run anywhere.
 */
import { lastCpuOf, type ThreadPlacement } from '../sys/affinity.js';

/** Looking up a client's CPU reads /proc (~10 us): at most once per this many milliseconds. */
const CHECK_MS = 5;

export class ClientFollower {
  private next = 0;
  /** The CPU the thread is kept on, or -1 when it may run anywhere. */
  private cpu = -1;
  /** The client of the last request, and whether another one sent requests since the last look. */
  private client = 0;
  private mixed = false;

  constructor(private readonly placement: ThreadPlacement) {}

  /**
   * After a request from thread `tid` (0: the kernel's own): when it is time to look, moves to the
   * client's CPU if it was the only client since the last look. Several clients at once (a parallel
   * build) would pull the thread back and forth: it is then let go to run anywhere.
   */
  note(tid: number): void {
    if (tid === 0) return;
    if (tid !== this.client) {
      if (this.client !== 0) this.mixed = true;
      this.client = tid;
    }
    const now = performance.now();
    if (now < this.next) return;
    this.next = now + CHECK_MS;
    if (this.mixed) {
      this.mixed = false;
      this.stop();
      return;
    }
    const cpu = lastCpuOf(tid);
    if (cpu >= 0 && cpu !== this.cpu && this.placement.pin(cpu)) this.cpu = cpu;
  }

  /** Lets the thread run on any of its CPUs again. */
  stop(): void {
    if (this.cpu < 0) return;
    this.placement.release();
    this.cpu = -1;
  }
}
