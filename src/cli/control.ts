/**
 * The shared memory between a daemon's main thread and its serving thread
 * (an Int32Array over a SharedArrayBuffer). The serving thread is deaf while
 * it waits on the device, so the main thread sets a flag and then makes any
 * request to the mount (statfs), which wakes the loop; the loop looks at the
 * flags between two requests.
 */
export const Control = {
  /** Main -> serving: save the volume now. */
  SAVE: 0,
  /** Main -> serving: the mount has been quiet; do the idle-time work. */
  IDLE: 1,
  /** Serving -> main: there is idle-time work (freed memory to collect). */
  IDLE_WORK: 2,
  /** Serving -> main: requests served so far (wrapping). */
  REQUESTS: 3,
  /** Main -> serving: how long to poll for the next request before sleeping, in microseconds (cpu-pressure.ts). */
  SPIN_US: 4,
  /** Main -> serving: 1 while other work keeps every CPU busy (cpu-pressure.ts): serve clients on their CPUs. */
  BUSY: 5,
} as const;

export const CONTROL_SLOTS = 6;
