/**
 * Entry of the daemon process started by `memefs MOUNTPOINT`. The parent
 * passes the config in MEMEFS_CONFIG and reads fd 3, one line per event:
 *   progress PHASE DONE TOTAL | warning TEXT | ok | error TEXT
 * After "ok" the parent exits (or, with -f, waits) and this process serves.
 */
import fs from 'node:fs';
import { mountsAsRoot } from '../fuse/mount.js';
import { loadLibc } from '../sys/libc.js';
import { runDaemon } from './daemon.js';
import { lockImage } from './image-lock.js';
import type { MountConfig } from './options.js';

const config = JSON.parse(process.env.MEMEFS_CONFIG ?? '{}') as MountConfig;
delete process.env.MEMEFS_CONFIG;
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
    const release = lockImage(file, config.mountPoint);
    process.on('exit', release);
  } catch (e) {
    line(`error ${(e as Error).message}`);
    process.exit(1);
  }
}

const code = await runDaemon(config, {
  progress: (phase, done, total) => line(`progress ${phase} ${done} ${total}`),
  warning: (text) => line(`warning ${text}`),
  result: (r) => {
    line(r.ok ? 'ok' : `error ${r.error}`);
    if (open) fs.closeSync(3);
    open = false;
  },
});
process.exit(code);
