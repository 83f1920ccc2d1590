/**
 * Mounting and unmounting without libfuse. As root: open /dev/fuse, then let
 * mount(8) attach that descriptor (fd=N) to the mount point. As a normal user:
 * the setuid fusermount3 opens the device, mounts it and hands the descriptor
 * back over a socket (SCM_RIGHTS), exactly as libfuse does; unmounting then
 * goes through `fusermount3 -u` too. Everything here runs outside the serving
 * thread: a process must never touch its own mount from the thread that
 * answers the kernel.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FdPassingError, receiveFd, socketPair } from '../sys/fd-passing.js';
import { MAX_WRITE } from './limits.js';

/** Whether this process mounts as root (mount(8)) or as a user (fusermount3). */
export function mountsAsRoot(): boolean {
  return (process.getuid?.() ?? 0) === 0;
}

export interface MountOptions {
  /** Shown as the source in `mount` and `df` (memefs's -F). */
  fsName: string;
  /** The type becomes fuse.<subtype>. */
  subtype: string;
  /** Mode of the root directory (for the kernel's first view of it). */
  rootMode: number;
  allowOther: boolean;
  readOnly?: boolean;
  /** Generic mount flags mount(8) passes on (nodev, nosuid, noexec, and their opposites). */
  flags?: string[];
}

/** The options both mount paths give the kernel, besides the descriptor and ids. */
function commonOptions(opts: MountOptions): string[] {
  const options = ['default_permissions'];
  if (opts.allowOther) options.push('allow_other');
  if (opts.readOnly) options.push('ro');
  options.push(...(opts.flags ?? []));
  return options;
}

export class MountError extends Error {}

export interface MountEntry {
  mountPoint: string;
  fsType: string;
  source: string;
  /** The device minor: the connection number under /sys/fs/fuse/connections. */
  minor: number;
}

/** Mounts as /proc/self/mountinfo lists them (octal escapes decoded). */
export function listMounts(): MountEntry[] {
  const text = fs.readFileSync('/proc/self/mountinfo', 'utf8');
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    const [left, right] = line.split(' - ');
    if (!left || !right) continue;
    const f = left.split(' ');
    const r = right.split(' ');
    const dev = f[2]!.split(':');
    out.push({ mountPoint: unescape(f[4]!), fsType: r[0]!, source: unescape(r[1] ?? ''), minor: Number(dev[1]) });
  }
  return out;
}

function unescape(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

export function findMount(mountPoint: string): MountEntry | undefined {
  const abs = path.resolve(mountPoint);
  const all = listMounts().filter((m) => m.mountPoint === abs);
  return all[all.length - 1];
}

/** Checks that `mountPoint` can take a new mount; returns its absolute path or throws a clear MountError. */
export function checkMountPoint(mountPoint: string): string {
  const abs = path.resolve(mountPoint);
  const existing = findMount(abs);
  if (existing) {
    const dead = isDeadMount(abs);
    throw new MountError(
      dead
        ? `${abs} holds a dead memefs mount (its server is gone); clear it with: memefs unmount ${abs}`
        : `${abs} is already a mount point (${existing.fsType} from ${existing.source}); unmount it first`,
    );
  }
  let st: fs.Stats;
  try {
    st = fs.statSync(abs);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new MountError(`mount point ${abs} does not exist (create it with: mkdir -p ${abs})`);
    if (code === 'ENOTCONN') throw new MountError(`${abs} holds a dead FUSE mount; clear it with: memefs unmount ${abs}`);
    throw new MountError(`cannot use mount point ${abs}: ${(e as Error).message}`);
  }
  if (!st.isDirectory()) throw new MountError(`mount point ${abs} is not a directory`);
  return abs;
}

/**
 * Whether the FUSE mount at `mountPoint` has lost its server (ENOTCONN), or
 * has one that does not answer ('wedged'). The look is taken by a child
 * process with a time limit, so a server that hangs cannot hang the caller.
 */
export function mountState(mountPoint: string): 'alive' | 'dead' | 'wedged' {
  // Not waited for: over io_uring a request the server took is not even killable (the kernel waits
  // for its answer), so the child may stay until the connection is aborted; it writes its outcome.
  const out = path.join(os.tmpdir(), `memefs-probe-${process.pid}-${Date.now()}`);
  const probe = 'stat -c %i -- "$1" >/dev/null 2>"$2.err"; echo $? >"$2.tmp" && mv "$2.tmp" "$2"';
  spawn('sh', ['-c', probe, 'sh', mountPoint, out], { stdio: 'ignore', detached: true }).unref();
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let i = 0; i < 60 && !fs.existsSync(out); i++) Atomics.wait(pause, 0, 0, 50);
  if (!fs.existsSync(out)) return 'wedged';
  const status = fs.readFileSync(out, 'utf8').trim();
  const stderr = fs.readFileSync(`${out}.err`, 'utf8');
  fs.rmSync(out, { force: true });
  fs.rmSync(`${out}.err`, { force: true });
  if (status === '0') return 'alive';
  return /not connected/i.test(stderr) ? 'dead' : 'alive';
}

export function isDeadMount(mountPoint: string): boolean {
  return mountState(mountPoint) === 'dead';
}

/**
 * Detaches a mount without looking at it (no stat, no path resolution through
 * it): safe to call from the process that serves it, and for a dead or
 * wedged mount.
 */
export function detachMount(mountPoint: string): void {
  if (!mountsAsRoot()) {
    fusermountUnmount(mountPoint, true);
    return;
  }
  spawnSync('umount', ['-l', '--no-canonicalize', mountPoint], { stdio: 'ignore', timeout: 10_000 });
}

/** Opens the FUSE device (reads block until the kernel has a request), with a clear message for the usual failures. */
export function openDevice(): number {
  try {
    return fs.openSync('/dev/fuse', fs.constants.O_RDWR);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new MountError('/dev/fuse does not exist: load the fuse kernel module (modprobe fuse)');
    if (code === 'EACCES' || code === 'EPERM') {
      throw new MountError('no permission to open /dev/fuse: mounting needs root (run with sudo), or run inside `unshare -Urm` for a mount only that namespace sees');
    }
    throw new MountError(`cannot open /dev/fuse: ${(e as Error).message}`);
  }
}

/** Attaches the open device `fd` at `mountPoint` by running mount(8) with the descriptor inherited at the same number. */
export function mountDevice(fd: number, mountPoint: string, opts: MountOptions): void {
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  const options = [
    `fd=${fd}`, `rootmode=${(0o40000 | (opts.rootMode & 0o7777)).toString(8)}`,
    `user_id=${uid}`, `group_id=${gid}`, ...commonOptions(opts),
  ];
  const stdio: (number | 'ignore' | 'pipe')[] = ['ignore', 'pipe', 'pipe'];
  while (stdio.length < fd) stdio.push('ignore');
  stdio[fd] = fd;
  const res = spawnSync('mount', ['-i', '-n', '-t', `fuse.${opts.subtype}`, '-o', options.join(','), opts.fsName, mountPoint], {
    stdio, encoding: 'utf8', timeout: 10_000,
  });
  if (res.error) throw new MountError(`cannot run mount(8): ${res.error.message}`);
  if (res.status !== 0) {
    const msg = (res.stderr || res.stdout || '').trim();
    if (/permission denied|must be superuser|only root/i.test(msg)) {
      throw new MountError(`no permission to mount at ${mountPoint}: mounting needs root (run with sudo), or run inside \`unshare -Urm\``);
    }
    throw new MountError(`mount failed: ${msg || `exit ${res.status}`}`);
  }
}

/**
 * Mounts as a normal user through the setuid fusermount3, the way libfuse's
 * fuse_mount_fusermount does: it gets one end of a socket pair as
 * _FUSE_COMMFD, opens /dev/fuse, mounts it (adding fd=, rootmode=, user_id=,
 * group_id= itself) and sends the descriptor back; returns that descriptor.
 * Needs the FFI loaded (loadLibc) for the socket and SCM_RIGHTS.
 */
export function mountWithFusermount(mountPoint: string, opts: MountOptions): number {
  if (opts.allowOther && !userAllowOther()) {
    throw new MountError('allow_other needs the line user_allow_other in /etc/fuse.conf (as root, add it there), or mount as root');
  }
  let ours: number;
  let theirs: number;
  try {
    [ours, theirs] = socketPair();
  } catch (e) {
    throw new MountError(`cannot mount without root: ${(e as Error).message}`);
  }
  try {
    const options = [`fsname=${opts.fsName}`, `subtype=${opts.subtype}`, ...commonOptions(opts)];
    // The child gets our socket end as fd 3 (inherited across exec: spawn dup2s it), as _FUSE_COMMFD says.
    const res = spawnSync('fusermount3', ['-o', options.join(','), '--', mountPoint], {
      stdio: ['ignore', 'pipe', 'pipe', theirs], encoding: 'utf8', timeout: 10_000,
      env: { ...process.env, _FUSE_COMMFD: '3' },
    });
    if (res.error) {
      const missing = (res.error as NodeJS.ErrnoException).code === 'ENOENT';
      throw new MountError(missing ? 'fusermount3 is not installed (Debian: apt-get install fuse3); without it only root can mount' : `cannot run fusermount3: ${res.error.message}`);
    }
    if (res.status !== 0) {
      const msg = (res.stderr || res.stdout || '').trim().replace(/^fusermount3?: /, '');
      // fusermount3 opens the device as the user: distributions make it 0666 for that (udev); some machines keep 0600.
      const hint = /open \/dev\/fuse: Permission denied/.test(msg) ? ' (/dev/fuse must be mode 0666 for users to mount, as distributions ship it: as root, chmod 0666 /dev/fuse)' : '';
      throw new MountError(`fusermount3 refused to mount: ${msg || `exit ${res.status}`}${hint}`);
    }
    return receiveFd(ours);
  } catch (e) {
    if (e instanceof FdPassingError) {
      fusermountUnmount(mountPoint, true); // a mount nobody serves must not stay
      throw new MountError(`fusermount3 mounted ${mountPoint} but its descriptor did not arrive: ${e.message}`);
    }
    throw e;
  } finally {
    fs.closeSync(ours);
    fs.closeSync(theirs);
  }
}

/** Whether /etc/fuse.conf lets users ask for allow_other (a line `user_allow_other`, as fusermount3 reads it). */
export function userAllowOther(): boolean {
  try {
    return fs.readFileSync('/etc/fuse.conf', 'utf8').split('\n').some((l) => l.trim() === 'user_allow_other');
  } catch {
    return false;
  }
}

/** Runs `fusermount3 -u [-z]`: how a user takes away a mount fusermount3 made (root uses umount). */
function fusermountUnmount(mountPoint: string, lazy: boolean): ReturnType<typeof spawnSync> & { stderr: string } {
  return spawnSync('fusermount3', ['-u', ...(lazy ? ['-z'] : []), '--', mountPoint], { encoding: 'utf8', timeout: 30_000 });
}

const READ_AHEAD_KB = MAX_WRITE / 1024;

/**
 * Tunes the mount's backing device, once the kernel's INIT has been answered
 * (the INIT reply resets read-ahead). Best effort: needs root and sysfs.
 * - max_ratio 100: lets the page cache hold as much dirty data as a local
 *   disk's may. The kernel caps every FUSE mount at 1% of the system's
 *   dirty-page budget (~48 MB here) and throttles writers well before that;
 *   writers then crawl (1 GiB written: ~200 MB/s instead of ~600 MB/s here).
 *   The kernel's strict per-mount accounting and vm.dirty_ratio still hold.
 * - read_ahead_kb 1024: read-ahead as large as one request may be (MAX_WRITE;
 *   the kernel's default is 128 KiB), so uncached sequential reads take a
 *   round trip per MiB instead of eight (1 GiB read after dropping caches,
 *   alternating runs: 2.8-3.8 GB/s against 0.8-3.7 GB/s).
 */
export function tuneBdi(mountPoint: string): void {
  const entry = findMount(mountPoint);
  if (!entry) return;
  const bdi = `/sys/class/bdi/0:${entry.minor}`;
  for (const [name, value] of [['max_ratio', '100'], ['read_ahead_kb', String(READ_AHEAD_KB)]]) {
    try {
      fs.writeFileSync(`${bdi}/${name}`, value);
    } catch {
      /* not root, an older kernel or no sysfs: keep the kernel's default */
    }
  }
}

/**
 * Unmounts. A live mount is unmounted normally (EBUSY if files are open,
 * unless `lazy`); a dead one (server gone) is detached lazily, which always works.
 * `state` saves a second look when the caller has just taken one (mountState).
 */
export function unmount(mountPoint: string, lazy = false, state = mountState(path.resolve(mountPoint))): void {
  const abs = path.resolve(mountPoint);
  if (state === 'wedged') {
    // A server that takes requests but never answers: abort the connection (users get ENOTCONN), then detach.
    const entry = findMount(abs);
    if (entry) abortConnection(entry.minor);
  }
  const detach = state !== 'alive' || lazy;
  if (state === 'wedged' && mountsAsRoot()) {
    detachWedged(abs);
    return;
  }
  const res = mountsAsRoot()
    ? spawnSync('umount', detach ? ['-l', '--no-canonicalize', abs] : [abs], { encoding: 'utf8', timeout: 30_000 })
    : fusermountUnmount(abs, detach);
  if (res.error) throw new MountError(`cannot run ${mountsAsRoot() ? 'umount(8)' : 'fusermount3'}: ${res.error.message}`);
  if (res.status !== 0) {
    const msg = (res.stderr || '').trim().replace(/^fusermount3?: /, '');
    if (/busy/i.test(msg)) throw new MountError(`${abs} is busy (files are open there); close them, or use --lazy to detach it now`);
    throw new MountError(msg || `umount ${abs} failed (exit ${res.status})`);
  }
}

/**
 * Detaches a wedged mount without waiting for the kernel to finish with it. Over io_uring the kernel
 * tears the connection down only once the daemon's thread runs again (requests are copied to it in
 * its own context), so umount(8) of a stopped daemon's mount blocks until the daemon goes on or dies;
 * the mount leaves the namespace at once all the same. umount runs on in the background.
 */
function detachWedged(mountPoint: string): void {
  spawn('umount', ['-l', '--no-canonicalize', mountPoint], { stdio: 'ignore', detached: true }).unref();
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let i = 0; i < 200 && findMount(mountPoint) !== undefined; i++) Atomics.wait(pause, 0, 0, 50);
  if (findMount(mountPoint) !== undefined) throw new MountError(`${mountPoint} could not be detached`);
}

/** Aborts a wedged connection through fusectl: users then get ENOTCONN at once. */
export function abortConnection(minor: number): boolean {
  const base = '/sys/fs/fuse/connections';
  try {
    if (!fs.existsSync(path.join(base, String(minor)))) {
      spawnSync('mount', ['-t', 'fusectl', 'fusectl', base], { stdio: 'ignore', timeout: 5000 });
    }
    fs.writeFileSync(path.join(base, String(minor), 'abort'), '1');
    return true;
  } catch {
    return false;
  }
}
