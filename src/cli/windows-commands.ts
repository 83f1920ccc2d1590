/**
 * `memefs info MOUNTPOINT` and `memefs security PATH [SDDL]`.
 *
 * Node has no ioctl or getxattr API, so `info` combines statfs with the
 * daemon's note under /run/memefs (which the daemon rewrites when the label
 * changes through FS_IOC_SETFSLABEL), and `security` reads and writes
 * `system.ntfs_acl` through getfattr/setfattr (Debian package attr).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { findMount, listMounts, MountError } from '../fuse/mount.js';
import { binaryToSddl, SdError, sddlToBinary } from '../core/windows/sddl.js';
import { readState, saveResultFile, type SaveResult } from './daemon.js';
import { formatSize, UsageError } from './options.js';

export interface VolumeInfo {
  mountPoint: string;
  type: string;
  source: string;
  label: string;
  serial: string;
  size: number;
  used: number;
  free: number;
  files: number;
  freeFiles: number;
  options: Record<string, string | number | boolean>;
}

export function volumeInfo(target: string): VolumeInfo {
  // The mount itself or the one a path is inside of (the innermost).
  const abs = path.resolve(target);
  const entry = findMount(abs) ?? listMounts().filter((m) => abs.startsWith(m.mountPoint.endsWith('/') ? m.mountPoint : m.mountPoint + '/')).pop();
  if (!entry || !entry.fsType.startsWith('fuse.')) throw new MountError(`${target} is not on a memefs mount`);
  const state = readState(entry.mountPoint);
  if (!state) throw new MountError(`no running memefs daemon found for ${entry.mountPoint}`);
  let st: fs.StatsFs;
  try {
    st = fs.statfsSync(entry.mountPoint);
  } catch (e) {
    throw new MountError(`${entry.mountPoint} does not answer (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}): its server may have died; clear it with memefs unmount ${entry.mountPoint}`);
  }
  const c = state.config;
  const options: Record<string, string | number | boolean> = {
    case_insensitive: c.caseInsensitive,
    streams: c.streams ?? 'xattr',
    windows_names: c.windowsNames ?? false,
  };
  if (c.rootSddl) options.sddl = c.rootSddl;
  if (c.inodeLimit) options.nr_inodes = c.inodeLimit;
  if (c.image) options.image = c.image;
  if (c.snapshot) options.snapshot = c.snapshot;
  if (c.noSave) options.no_save = true;
  if (c.saveInterval) options.save_interval = `${c.saveInterval}s`;
  options.writeback = c.writeback ?? false;
  options.transport = state.transport ?? '/dev/fuse';
  // A failed save leaves the mount as it was: say so here too (a background daemon has no terminal).
  const lastSave = readSaveResult(entry.mountPoint);
  if (lastSave?.error) options.last_save = `failed at ${new Date(lastSave.time).toISOString()}: ${lastSave.error}`;
  return {
    mountPoint: entry.mountPoint,
    type: entry.fsType,
    source: entry.source,
    label: c.label,
    serial: state.serial === undefined ? 'unknown' : formatSerial(state.serial),
    size: st.blocks * st.bsize,
    used: (st.blocks - st.bfree) * st.bsize,
    free: st.bavail * st.bsize,
    files: st.files - st.ffree,
    freeFiles: st.ffree,
    options,
  };
}

function readSaveResult(mountPoint: string): SaveResult | null {
  try {
    return JSON.parse(fs.readFileSync(saveResultFile(mountPoint), 'utf8')) as SaveResult;
  } catch {
    return null;
  }
}

/** As Windows's `vol` shows it: XXXX-XXXX. */
export function formatSerial(serial: number): string {
  const hex = (serial >>> 0).toString(16).toUpperCase().padStart(8, '0');
  return `${hex.slice(0, 4)}-${hex.slice(4)}`;
}

export function infoCommand(target: string, json: boolean): number {
  const i = volumeInfo(target);
  if (json) {
    process.stdout.write(JSON.stringify(i, null, 2) + '\n');
    return 0;
  }
  const lines = [
    ['mount point', i.mountPoint], ['type', i.type], ['source', i.source], ['label', i.label], ['serial', i.serial],
    ['size', `${formatSize(i.size)} (${i.size} bytes)`], ['used', `${formatSize(i.used)} (${i.used} bytes)`],
    ['free', `${formatSize(i.free)} (${i.free} bytes)`], ['files', `${i.files} (${i.freeFiles} more fit)`],
    ['options', Object.entries(i.options).map(([k, v]) => `${k}=${v}`).join(',')],
  ];
  for (const [k, v] of lines) process.stdout.write(`${(k + ':').padEnd(13)}${v}\n`);
  return 0;
}

function tool(name: string, args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(name, args, { encoding: 'utf8' });
  if (r.error) throw new MountError(`${name} is needed (Debian package attr): ${r.error.message}`);
  return { status: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
}

/** Prints a file's security descriptor as SDDL, or sets it from SDDL. */
export function securityCommand(file: string, sddl: string | undefined): number {
  if (sddl !== undefined) {
    let bytes: Uint8Array;
    try {
      bytes = sddlToBinary(sddl);
    } catch (e) {
      if (e instanceof SdError) throw new UsageError(`invalid security descriptor ${JSON.stringify(sddl)}: ${e.message}`);
      throw e;
    }
    const r = tool('setfattr', ['-h', '-n', 'system.ntfs_acl', '-v', '0x' + Buffer.from(bytes).toString('hex'), '--', file]);
    if (r.status !== 0) throw new MountError(r.stderr.trim().replace(/^setfattr: /, '') || `setting the descriptor of ${file} failed`);
    return 0;
  }
  const r = tool('getfattr', ['-h', '--absolute-names', '-n', 'system.ntfs_acl', '-e', 'hex', '--', file]);
  if (r.status !== 0) throw new MountError(r.stderr.trim().replace(/^getfattr: /, '') || `reading the descriptor of ${file} failed`);
  const m = /system\.ntfs_acl=0x([0-9a-f]*)/.exec(r.stdout);
  if (!m) throw new MountError(`${file} has no security descriptor`);
  process.stdout.write(binaryToSddl(Buffer.from(m[1]!, 'hex')) + '\n');
  return 0;
}
