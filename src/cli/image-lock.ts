/**
 * One mount per image: two daemons saving the same file would each overwrite
 * the other's changes. A daemon takes a lock file named after the image's real
 * path (symlinks followed, so every path to it finds the same lock) and holds
 * it while it runs; a lock whose daemon has died is taken over.
 */
import fs from 'node:fs';
import path from 'node:path';
import { resolveTarget } from '../formats/target.js';
import { MountError } from '../fuse/mount.js';
import { daemonAlive, stateDir } from './daemon.js';


/** Locks `file` for this process and mount point; returns the release function. */
export function lockImage(file: string, mountPoint: string): () => void {
  const dir = path.join(stateDir(), 'locks');
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const lock = path.join(dir, encodeURIComponent(resolveTarget(file).path) + '.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(lock, JSON.stringify({ pid: process.pid, mountPoint }), { flag: 'wx', mode: 0o600 });
      return () => fs.rmSync(lock, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    let holder: { pid: number; mountPoint: string } | null = null;
    try {
      holder = JSON.parse(fs.readFileSync(lock, 'utf8')) as { pid: number; mountPoint: string };
    } catch {
      /* half-written or gone: treat as stale */
    }
    if (holder && daemonAlive(holder.pid)) {
      throw new MountError(`${file} is already in use by the memefs mount at ${holder.mountPoint} (pid ${holder.pid}): unmount it first`);
    }
    fs.rmSync(lock, { force: true });
  }
  throw new MountError(`${file}: could not take its lock (another mount is starting with it)`);
}
