/**
 * Mounting real memefs file systems in tests, through the `memefs` command a
 * user runs. Every mount made here is unmounted after its test, even when the
 * test fails, and `cleanupAll()` clears anything left under our temp root.
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';

export const run = promisify(execFile);
export const ROOT_DIR = path.resolve(fileURLToPath(new URL('../../..', import.meta.url)));
export const MEMEFS = path.join(ROOT_DIR, 'bin', 'memefs.js');
const TMP_ROOT = path.join(os.tmpdir(), 'memefs-tests');

/** Directories this process made: cleanupAll() touches only mounts inside them. */
const ownDirs = new Set<string>();

export function tempDir(prefix: string): string {
  fs.mkdirSync(TMP_ROOT, { recursive: true });
  const dir = fs.mkdtempSync(path.join(TMP_ROOT, prefix));
  ownDirs.add(dir);
  return dir;
}

export interface Mounted {
  dir: string;
  pid: number;
  unmount(): void;
}

/** Runs the memefs command; returns its exit code and output. */
export function memefs(args: string[], timeout = 30_000): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [MEMEFS, ...args], { encoding: 'utf8', timeout });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export function daemonPid(dir: string): number {
  const state = JSON.parse(fs.readFileSync(path.join('/run/memefs', encodeURIComponent(dir) + '.json'), 'utf8')) as { pid: number };
  return state.pid;
}

/**
 * MEMEFS_TEST_TRANSPORT=io_uring runs the mount tests over FUSE io_uring: every mount made here gets
 * -o io_uring (unless it names a transport itself). The kernel's switch must be on (.ci/run does that).
 */
const TRANSPORT_ARGS = process.env.MEMEFS_TEST_TRANSPORT === 'io_uring' ? ['-o', 'io_uring'] : [];

export function mount(args: string[] = [], dir = tempDir('mnt-')): Mounted {
  const transport = args.some((a) => a.includes('io_uring')) ? [] : TRANSPORT_ARGS;
  const r = memefs([dir, ...args, ...transport]);
  if (r.status !== 0) throw new Error(`memefs ${dir} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  const pid = daemonPid(dir);
  return {
    dir,
    pid,
    unmount: () => forceUnmount(dir),
  };
}

export function isMounted(dir: string): boolean {
  return fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((l) => l.split(' ')[4] === dir);
}

/** Unmounts whatever state the mount is in; never throws. */
export function forceUnmount(dir: string): void {
  if (!isMounted(dir)) return;
  const r = memefs(['unmount', dir]);
  if (r.status !== 0 || isMounted(dir)) spawnSync('umount', ['-l', dir], { stdio: 'ignore' });
}

/** Mounts for the duration of fn; always unmounts. */
export async function withMount<T>(args: string[], fn: (m: Mounted) => Promise<T> | T): Promise<T> {
  const m = mount(args);
  try {
    return await fn(m);
  } finally {
    m.unmount();
  }
}

/** A fresh tmpfs (mount options as given) for the duration of fn, to compare memefs with; always unmounted. */
export async function withTmpfs<T>(options: string[], fn: (dir: string) => Promise<T> | T): Promise<T> {
  const dir = tempDir('tmpfs-');
  execFileSync('mount', ['-t', 'tmpfs', ...options, 'tmpfs', dir]);
  try {
    return await fn(dir);
  } finally {
    spawnSync('umount', ['-l', dir], { stdio: 'ignore' });
  }
}

/**
 * Clears every mount left in this process's temp directories (a last line of defence). Only its
 * own: test files run in other processes at the same time, and their mounts must stay (the test
 * script's trap clears whatever the whole run left under the temp root).
 */
export function cleanupAll(): void {
  const lines = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n');
  for (const line of lines.reverse()) {
    const mp = line.split(' ')[4];
    if (mp && mp.startsWith(TMP_ROOT) && [...ownDirs].some((d) => mp === d || mp.startsWith(d + '/'))) {
      spawnSync('umount', ['-l', mp], { stdio: 'ignore' });
    }
  }
}

export function rssKiB(pid: number): number {
  const m = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

export function sh(script: string, cwd?: string): string {
  return execFileSync('bash', ['-c', script], { encoding: 'utf8', cwd, maxBuffer: 64 << 20 });
}

export const URING_SWITCH = '/sys/module/fuse/parameters/enable_uring';

/** Sets the kernel's FUSE io_uring switch ('Y' or 'N'); returns a function that puts the old value back. */
export function setUringSwitch(value: 'Y' | 'N'): () => void {
  const old = fs.readFileSync(URING_SWITCH, 'utf8').trim();
  fs.writeFileSync(URING_SWITCH, value);
  return () => fs.writeFileSync(URING_SWITCH, old);
}
