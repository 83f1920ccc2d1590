/**
 * Entry of the daemon process started by `memefs MOUNTPOINT`. The parent
 * passes the config in MEMEFS_CONFIG and reads fd 3, one line per event:
 *   progress PHASE DONE TOTAL | warning TEXT | ok | error TEXT
 * After "ok" the parent exits (or, with -f, waits) and this process serves.
 */
import fs from 'node:fs';
import { Worker } from 'node:worker_threads';
import { CONTROL_SLOTS } from './control.js';
import type { MountConfig } from './options.js';

const config = JSON.parse(process.env.MEMEFS_CONFIG ?? '{}') as MountConfig;
delete process.env.MEMEFS_CONFIG;
// The serving thread starts before anything else is loaded: its start-up (an isolate, the volume and
// FUSE modules, the image) then runs on another CPU while this thread loads what mounting needs.
const control = new Int32Array(new SharedArrayBuffer(CONTROL_SLOTS * 4));
const worker = new Worker(new URL('./serve-worker.js', import.meta.url), { workerData: { config, control: control.buffer } });
// What the thread says (or how it ends) before runDaemon listens is kept and replayed to it.
const early: [string, unknown][] = [];
const holders = (['message', 'error', 'exit'] as const).map((event) => {
  const hold = (value: unknown): number => early.push([event, value]);
  worker.on(event, hold);
  return () => worker.off(event, hold);
});
const [{ mountsAsRoot }, { loadLibc }, { runDaemon }] = await Promise.all([
  import('../fuse/mount.js'), import('../sys/libc.js'), import('./daemon.js'),
]);
process.chdir('/');
// `ps` shows which process serves which mount.
process.title = `memefs ${config.mountPoint}`;
// A user's mount goes through fusermount3, whose descriptor only the FFI can receive (the command checked it loads).
if (!mountsAsRoot()) await loadLibc();

let open = true;
function line(text: string): void {
  if (!open) return;
  try {
    fs.writeSync(3, text.replace(/\n/g, ' ') + '\n');
  } catch {
    open = false; // the parent is gone
  }
}

// One mount per image or snapshot (held until this process exits).
const file = config.image ?? config.snapshot;
if (file !== null && file !== undefined) {
  try {
    const { lockImage } = await import('./image-lock.js');
    const release = lockImage(file, config.mountPoint);
    process.on('exit', release);
  } catch (e) {
    line(`error ${(e as Error).message}`);
    process.exit(1);
  }
}

const running = runDaemon(config, worker, control, {
  progress: (phase, done, total) => line(`progress ${phase} ${done} ${total}`),
  warning: (text) => line(`warning ${text}`),
  result: (r) => {
    line(r.ok ? 'ok' : `error ${r.error}`);
    if (open) fs.closeSync(3);
    open = false;
  },
});
for (const release of holders) release();
for (const [event, value] of early) worker.emit(event, value);
process.exit(await running);
