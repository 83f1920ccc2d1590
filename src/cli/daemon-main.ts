/**
 * Entry of a background daemon started by `memefs MOUNTPOINT`. The parent
 * passes the config in MEMEFS_CONFIG and waits on fd 3 for one line: "ok", or
 * the error. Then the parent exits and this process keeps serving.
 */
import fs from 'node:fs';
import { runDaemon } from './daemon.js';
import type { MountConfig } from './options.js';

const config = JSON.parse(process.env.MEMEFS_CONFIG ?? '{}') as MountConfig;
delete process.env.MEMEFS_CONFIG;
process.chdir('/');

const code = await runDaemon(config, (result) => {
  try {
    fs.writeSync(3, result.ok ? 'ok\n' : `${result.error}\n`);
    fs.closeSync(3);
  } catch {
    /* the parent is gone */
  }
});
process.exit(code);
