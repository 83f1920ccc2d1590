/**
 * Real directory trees for the GNU tar tests: a description of a tree on disk
 * and of a volume in the same shape, so the two can be compared directly.
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { S_IFBLK, S_IFCHR, S_IFDIR, S_IFIFO, S_IFLNK, S_IFMT, S_IFREG, S_IFSOCK, decodeName, type Inode, type Volume } from '../../src/core/index.js';

/** Files larger than this are compared by size and spot checks, not hashed. */
const HASH_LIMIT = 64 << 20;

export interface Seen {
  type: string;
  mode: number;
  uid: number;
  gid: number;
  size?: number;
  mtime?: string;
  target?: string;
  sha?: string;
  rdev?: number;
  link?: string;
  xattrs?: Record<string, string>;
}

function typeName(mode: number): string {
  switch (mode & S_IFMT) {
    case S_IFREG: return 'file';
    case S_IFDIR: return 'dir';
    case S_IFLNK: return 'symlink';
    case S_IFIFO: return 'fifo';
    case S_IFCHR: return 'char';
    case S_IFBLK: return 'block';
    case S_IFSOCK: return 'socket';
    default: return 'unknown';
  }
}

export interface CompareOptions {
  /** Compare symlink mtimes too. */
  symlinkTimes?: boolean;
  /** Compare mtimes in whole seconds (ustar and GNU headers have no more). */
  seconds?: boolean;
  /** xattr names not to compare (say, ones a host file system cannot hold). */
  skipXattrs?: (name: string) => boolean;
}

/** xattrs of a path on disk, via getfattr (hex values). */
export function diskXattrs(path: string): Record<string, string> | undefined {
  const text = execFileSync('getfattr', ['--absolute-names', '-h', '-d', '-m', '-', '-e', 'hex', '--', path], { encoding: 'utf8' });
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([^#=][^=]*)=(0x[0-9a-f]*)?$/.exec(line);
    if (m) out[m[1]!] = (m[2] ?? '0x').slice(2);
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

export function describeDisk(root: string, options: CompareOptions = {}): Map<string, Seen> {
  const out = new Map<string, Seen>();
  const firstPath = new Map<bigint, string>();
  const visit = (abs: Buffer, path: string) => {
    const st = lstatSync(abs, { bigint: true });
    const mode = Number(st.mode);
    const seen: Seen = { type: typeName(mode), mode: mode & 0o7777, uid: Number(st.uid), gid: Number(st.gid) };
    if (seen.type !== 'symlink' || options.symlinkTimes) seen.mtime = showTime(st.mtimeNs, options);
    if (seen.type === 'file' || seen.type === 'symlink') seen.size = Number(st.size);
    if (seen.type === 'symlink') seen.target = decodeName(readlinkSync(abs, { encoding: 'buffer' }));
    if (seen.type === 'file' && st.size <= HASH_LIMIT) seen.sha = createHash('sha256').update(readFileSync(abs)).digest('hex');
    if (seen.type === 'char' || seen.type === 'block') seen.rdev = Number(st.rdev);
    if (seen.type !== 'dir' && st.nlink > 1n) {
      if (!firstPath.has(st.ino)) firstPath.set(st.ino, path);
      seen.link = firstPath.get(st.ino)!;
    }
    const text = abs.toString('utf8');
    if (Buffer.from(text, 'utf8').equals(abs) && seen.type !== 'symlink') {
      const x = diskXattrs(text);
      const kept = x && filter(x, options);
      if (kept) seen.xattrs = kept;
    }
    out.set(path, seen);
    if (seen.type === 'dir') {
      const names = readdirSync(abs, { encoding: 'buffer' }).sort(Buffer.compare);
      for (const name of names) visit(Buffer.concat([abs, Buffer.from('/'), name]), path === '/' ? `/${decodeName(name)}` : `${path}/${decodeName(name)}`);
    }
  };
  visit(Buffer.from(root), '/');
  return out;
}

export function describeVolume(volume: Volume, options: CompareOptions = {}): Map<string, Seen> {
  const out = new Map<string, Seen>();
  const firstPath = new Map<Inode, string>();
  const visit = (inode: Inode, path: string) => {
    const seen: Seen = { type: typeName(inode.mode), mode: inode.mode & 0o7777, uid: inode.uid, gid: inode.gid };
    if (seen.type !== 'symlink' || options.symlinkTimes) seen.mtime = showTime(BigInt(inode.mtime.sec) * 1_000_000_000n + BigInt(inode.mtime.nsec), options);
    if (seen.type === 'file' || seen.type === 'symlink') seen.size = inode.size;
    if (inode.target !== null) seen.target = inode.target;
    if (inode.data && inode.data.size <= HASH_LIMIT) seen.sha = createHash('sha256').update(Buffer.concat(inode.data.read(0, inode.data.size))).digest('hex');
    if (seen.type === 'char' || seen.type === 'block') seen.rdev = inode.rdev;
    if (!inode.isDir() && inode.nlink > 1) {
      if (!firstPath.has(inode)) firstPath.set(inode, path);
      seen.link = firstPath.get(inode)!;
    }
    const names = volume.listxattr(inode);
    if (names.length > 0 && seen.type !== 'symlink') {
      const x: Record<string, string> = {};
      for (const n of names) x[n] = Buffer.from(volume.getxattr(inode, n)).toString('hex');
      const kept = filter(x, options);
      if (kept) seen.xattrs = kept;
    }
    out.set(path, seen);
    if (inode.dir) {
      const entries = [...inode.dir.entriesAfter(0)].sort((a, b) => Buffer.compare(encode(a.name), encode(b.name)));
      for (const e of entries) visit(e.inode, path === '/' ? `/${e.name}` : `${path}/${e.name}`);
    }
  };
  visit(volume.root, '/');
  return out;
}

function showTime(ns: bigint, options: CompareOptions): string {
  if (!options.seconds) return ns.toString();
  const s = ns / 1_000_000_000n - (ns < 0n && ns % 1_000_000_000n !== 0n ? 1n : 0n);
  return `${s}s`;
}

function encode(name: string): Buffer {
  // Sorting as the disk side does: by the raw bytes of the name.
  const parts: number[] = [];
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c >= 0xdc80 && c <= 0xdcff) parts.push(c - 0xdc00);
    else {
      const cp = name.codePointAt(i)!;
      parts.push(...Buffer.from(String.fromCodePoint(cp), 'utf8'));
      if (cp > 0xffff) i++;
    }
  }
  return Buffer.from(parts);
}

function filter(x: Record<string, string>, options: CompareOptions): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const k of Object.keys(x).sort()) if (!options.skipXattrs?.(k)) out[k] = x[k]!;
  return Object.keys(out).length > 0 ? out : undefined;
}

export function tarAvailable(): boolean {
  try {
    execFileSync('tar', ['--version'], { stdio: 'ignore' });
    execFileSync('getfattr', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export function du(path: string): number {
  return Number(execFileSync('du', ['-k', '--', path], { encoding: 'utf8' }).split('\t')[0]) * 1024;
}

export { join };
