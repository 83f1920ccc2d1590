/**
 * What the `memefs` command line means: memefs's own flags (-m -s -l -i -d -D
 * -F) and what tmpfs users type (-o size=,nr_inodes=,mode=,uid=,gid=). Every
 * value is checked; a malformed one is an error, never a silent default.
 */
import os from 'node:os';
import { SdError, sddlToBinary } from '../core/windows/sddl.js';
import { labelProblem } from '../core/volume.js';
import type { ShareConfig, ShareUser } from './share.js';
import { CODEPAGES, DEFAULT_CODEPAGE, type CodePage } from '../formats/fat/shortname.js';

export class UsageError extends Error {}

/** Everything the daemon needs to serve one mount. Plain data: it crosses a process and a thread. */
export interface MountConfig {
  mountPoint: string;
  /** Cap on memory for data and metadata, bytes. */
  sizeLimit: number;
  /** Cap on inodes; 0 = only memory limits them. */
  inodeLimit: number;
  rootMode: number;
  rootUid: number;
  rootGid: number;
  label: string;
  fsName: string;
  caseInsensitive: boolean;
  debugFlags: number;
  /** Debug log: a path, '-' for stderr, or null. */
  logFile: string | null;
  foreground: boolean;
  /** Whether -s / -o size= and -l were given (an image's own size and label apply otherwise). */
  sizeGiven: boolean;
  labelGiven: boolean;
  /** Refuse names Windows cannot hold. */
  windowsNames: boolean;
  /**
   * Let the kernel buffer writes (FUSE's writeback cache): much faster small
   * writes, but a full volume is then reported by fsync/close, not by write().
   */
  writeback: boolean;
  /** How the daemon talks to the kernel: -o io_uring / -o no_io_uring force one; 'auto' picks. */
  transport: 'auto' | 'io_uring' | 'dev_fuse';
  /** Named streams: as user.NAME xattrs only, or also as FILE:NAME paths. */
  streams: 'xattr' | 'windows';
  /** Security descriptor of the root, as SDDL (-S); null: derived from mode/uid/gid. */
  rootSddl: string | null;
  /** FAT image or lossless snapshot to load at mount and save back. */
  image: string | null;
  snapshot: string | null;
  /** Load the image or snapshot but never write it back. */
  noSave: boolean;
  /** Seconds between automatic saves; 0 = only at unmount and on demand. */
  saveInterval: number;
  /** Layout of a new FAT image (as mkfs.fat -F and -S/-s). */
  fatType: 12 | 16 | 32 | null;
  clusterSize: number | null;
  /** Leave files of 4 GiB or more out of a FAT image (with a warning) instead of failing the save. */
  skipTooBig: boolean;
  /** How high bytes in FAT short names read and are written. */
  codepage: CodePage;
  /** Let other users in (-o allow_other); null: yes for root (as tmpfs), no for a user's mount (as FUSE). */
  allowOther: boolean | null;
  /** Mounted read-only (-o ro, as mount(8) passes it). */
  readOnly: boolean;
  /** Generic mount flags passed on to the kernel: nodev, nosuid, noexec (and dev, suid, exec). */
  mountFlags: string[];
  /** Export the mount over SMB with a private Samba (--share). */
  share: ShareConfig | null;
}

/** Generic flags mount(8) and mount.fuse3 pass to a helper; memefs hands them to the kernel. */
const GENERIC_FLAGS = new Set(['dev', 'nodev', 'suid', 'nosuid', 'exec', 'noexec']);
/** Options meant for mount(8), fstab and systemd, not for the file system: accepted and ignored. */
const FSTAB_ONLY = new Set(['defaults', 'user', 'users', 'nouser', 'owner', 'group', 'auto', 'noauto', '_netdev', 'nofail', 'default_permissions']);
/** The smallest cap: the root and a few files (and the smallest FAT image). */
export const MIN_VOLUME_SIZE = 64 * 1024;

const UNITS: Record<string, number> = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40, p: 2 ** 50, e: 2 ** 60 };

/**
 * Parses a size: bytes, or a number with k/M/G/T/P/E (powers of 1024, as tmpfs; an optional
 * trailing B or iB is accepted), or a percentage of the machine's memory ("50%").
 */
export function parseSize(text: string, what = 'size'): number {
  const s = text.trim();
  const pct = /^(\d+(?:\.\d+)?)%$/.exec(s);
  if (pct) {
    const p = Number(pct[1]);
    if (p <= 0 || p > 100) throw new UsageError(`${what} ${text}: a percentage must be between 0 and 100`);
    return Math.floor((os.totalmem() * p) / 100);
  }
  const m = /^(\d+(?:\.\d+)?)\s*([kmgtpe]?)(i?b)?$/i.exec(s);
  if (!m) throw new UsageError(`${what} ${JSON.stringify(text)} is not a size (examples: 512M, 2G, 1.5T, 50%)`);
  const n = Number(m[1]) * UNITS[m[2]!.toLowerCase()]!;
  if (!Number.isFinite(n) || n > Number.MAX_SAFE_INTEGER) throw new UsageError(`${what} ${text} is too large`);
  return Math.floor(n);
}

export function parseCount(text: string, what: string): number {
  const m = /^(\d+)([kmg]?)$/i.exec(text.trim());
  if (!m) throw new UsageError(`${what} ${JSON.stringify(text)} is not a number (examples: 100000, 64k, 1m)`);
  return Number(m[1]) * UNITS[m[2]!.toLowerCase()]!;
}

export function parseOctalMode(text: string): number {
  if (!/^[0-7]{1,4}$/.test(text.trim())) throw new UsageError(`mode ${JSON.stringify(text)} is not an octal mode (examples: 1777, 755)`);
  return parseInt(text, 8);
}

export function parseId(text: string, what: string): number {
  if (!/^\d+$/.test(text.trim())) throw new UsageError(`${what} ${JSON.stringify(text)} is not a numeric id`);
  const n = Number(text);
  if (n > 0xfffffffe) throw new UsageError(`${what} ${text} is out of range`);
  return n;
}

export function parseDebugFlags(text: string): number {
  const s = text.trim();
  if (s === '-1') return -1;
  if (/^(0x[0-9a-f]+|\d+)$/i.test(s)) return Number(s);
  throw new UsageError(`debug flags ${JSON.stringify(text)} must be a number (-1 for all)`);
}

/** Applies one `-o key=value,...` list onto a config. */
export function applyMountOptions(list: string, into: Partial<MountConfig>): void {
  for (const item of list.split(',')) {
    if (item === '') continue;
    const eq = item.indexOf('=');
    const key = eq < 0 ? item : item.slice(0, eq);
    const value = eq < 0 ? '' : item.slice(eq + 1);
    const need = (): string => {
      if (eq < 0 || value === '') throw new UsageError(`-o ${key} needs a value (${key}=...)`);
      return value;
    };
    switch (key) {
      case 'size': {
        const v = need();
        into.sizeLimit = v === '0' ? 0 : parseSize(v, 'size');
        into.sizeGiven = true;
        break;
      }
      case 'nr_inodes': into.inodeLimit = parseCount(need(), 'nr_inodes'); break;
      case 'mode': into.rootMode = parseOctalMode(need()); break;
      case 'uid': into.rootUid = parseId(need(), 'uid'); break;
      case 'gid': into.rootGid = parseId(need(), 'gid'); break;
      case 'label': into.label = checkLabel(need()); into.labelGiven = true; break;
      case 'fsname': into.fsName = checkFsName(need()); break;
      case 'case_insensitive': case 'ci': into.caseInsensitive = true; break;
      case 'windows_names': into.windowsNames = true; break;
      case 'writeback': into.writeback = true; break;
      case 'nowriteback': into.writeback = false; break;
      case 'io_uring': into.transport = 'io_uring'; break;
      case 'no_io_uring': into.transport = 'dev_fuse'; break;
      case 'streams': {
        const v = need();
        if (v !== 'windows' && v !== 'xattr') throw new UsageError(`-o streams=${v}: must be windows or xattr`);
        into.streams = v;
        break;
      }
      case 'sddl': into.rootSddl = checkSddl(need()); break;
      case 'allow_other': into.allowOther = true; break;
      case 'ro': into.readOnly = true; break;
      case 'rw': into.readOnly = false; break;
      default:
        if (GENERIC_FLAGS.has(key) && eq < 0) {
          into.mountFlags = [...(into.mountFlags ?? []).filter((f) => f.replace(/^no/, '') !== key.replace(/^no/, '')), key];
          break;
        }
        if ((FSTAB_ONLY.has(key) && eq < 0) || key.startsWith('x-') || key === 'comment') break;
        throw new UsageError(`unknown mount option -o ${key} (known: size, nr_inodes, mode, uid, gid, label, fsname, case_insensitive, windows_names, writeback, io_uring, no_io_uring, streams, sddl, allow_other, ro, rw, nodev, nosuid, noexec)`);
    }
  }
}

/** Checks SDDL now, so a typo is an error at the command line rather than in the daemon. */
export function checkSddl(text: string): string {
  try {
    sddlToBinary(text);
  } catch (e) {
    if (e instanceof SdError) throw new UsageError(`invalid security descriptor ${JSON.stringify(text)}: ${e.message}`);
    throw e;
  }
  return text;
}

export function checkLabel(label: string): string {
  // Node turns invalid UTF-8 in argv into U+FFFD, which labelProblem refuses.
  const problem = labelProblem(label);
  if (problem !== null) throw new UsageError(problem);
  return label;
}

export function checkFsName(name: string): string {
  if (name.length === 0 || name.length > 15) throw new UsageError(`file system name ${JSON.stringify(name)} must be 1 to 15 characters`);
  if (/[\s,\x00-\x1f]/.test(name)) throw new UsageError('file system name must not contain spaces, commas or control characters');
  return name;
}

/** The defaults, as a Linux user expects from tmpfs: half the RAM, /tmp-like root owned by the mounting user. */
export function defaultConfig(mountPoint: string): MountConfig {
  return {
    mountPoint,
    sizeLimit: Math.floor(os.totalmem() / 2),
    inodeLimit: 0,
    rootMode: 0o1777,
    rootUid: process.getuid?.() ?? 0,
    rootGid: process.getgid?.() ?? 0,
    label: 'MEMEFS',
    fsName: 'memefs',
    caseInsensitive: false,
    debugFlags: 0,
    logFile: null,
    foreground: false,
    sizeGiven: false,
    labelGiven: false,
    windowsNames: false,
    writeback: false,
    transport: 'auto',
    streams: 'xattr',
    rootSddl: null,
    image: null,
    snapshot: null,
    noSave: false,
    saveInterval: 0,
    fatType: null,
    clusterSize: null,
    skipTooBig: false,
    codepage: DEFAULT_CODEPAGE,
    allowOther: null,
    readOnly: false,
    mountFlags: [],
    share: null,
  };
}

/** Seconds from "90", "90s", "15m", "2h". */
export function parseDuration(text: string, what: string): number {
  const m = /^(\d+)\s*([smh]?)$/i.exec(text.trim());
  if (!m || Number(m[1]) === 0) throw new UsageError(`${what} ${JSON.stringify(text)} is not a duration (examples: 30s, 5m, 1h)`);
  return Number(m[1]) * ({ '': 1, s: 1, m: 60, h: 3600 } as Record<string, number>)[m[2]!.toLowerCase()]!;
}

export function parseFatType(text: string): 12 | 16 | 32 {
  if (text === '12' || text === '16' || text === '32') return Number(text) as 12 | 16 | 32;
  throw new UsageError(`FAT type ${JSON.stringify(text)} must be 12, 16 or 32`);
}

export function parseCodePage(text: string): CodePage {
  const n = Number(text);
  if (/^\d+$/.test(text) && (CODEPAGES as number[]).includes(n)) return n as CodePage;
  throw new UsageError(`code page ${JSON.stringify(text)} must be ${CODEPAGES.join(' or ')}`);
}

export function parseClusterSize(text: string): number {
  const n = parseSize(text, 'cluster size');
  if (n < 512 || n > 65536 || (n & (n - 1)) !== 0) throw new UsageError(`cluster size ${text} must be a power of two from 512 to 64K`);
  return n;
}

export function formatSize(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(v < 10 ? 2 : 1)} ${units[i]}`;
}

/** A share name Samba and Windows accept: up to 80 characters, none of the reserved ones. */
export function checkShareName(name: string): string {
  if (name.length === 0 || name.length > 80 || /[\x00-\x1f"/\\[\]:|<>+=;,*?%]/.test(name)) {
    throw new UsageError(`share name ${JSON.stringify(name)} must be 1 to 80 characters, without control characters or " / \\ [ ] : | < > + = ; , * ? %`);
  }
  if (['global', 'homes', 'printers', 'ipc$'].includes(name.toLowerCase())) throw new UsageError(`share name ${JSON.stringify(name)} is reserved by Samba`);
  return name;
}

export function parsePort(text: string, what: string): number {
  const n = /^\d+$/.test(text.trim()) ? Number(text) : NaN;
  if (!(n >= 1 && n <= 65535)) throw new UsageError(`${what} ${JSON.stringify(text)} is not a port number (1 to 65535)`);
  return n;
}

/** "alice:secret,bob:pw": users are split at commas, each name from its password at the first colon. */
export function parseShareUsers(text: string): ShareUser[] {
  const users: ShareUser[] = [];
  for (const item of text.split(',')) {
    const colon = item.indexOf(':');
    const name = colon < 0 ? item : item.slice(0, colon);
    const password = colon < 0 ? '' : item.slice(colon + 1);
    if (!/^[a-z_][a-z0-9_.-]{0,31}$/i.test(name)) throw new UsageError(`--share-users: ${JSON.stringify(name)} is not a user name (letters, digits, _ . -; up to 32)`);
    if (password === '') throw new UsageError(`--share-users: user ${name} needs a password (${name}:PASSWORD)`);
    if (/[\n\r]/.test(password)) throw new UsageError(`--share-users: the password of ${name} has a line break`);
    if (users.some((u) => u.name.toLowerCase() === name.toLowerCase())) throw new UsageError(`--share-users: user ${name} is given twice`);
    users.push({ name, password });
  }
  return users;
}
