/** Shared helpers of the snapshot tests: a volume holding every kind of thing, and a comparable description of a volume. */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CHUNK_SIZE, type FileData, ROOT, S_IFBLK, S_IFCHR, S_IFIFO, S_IFSOCK, Volume, decodeName, type Inode, type VolumeOptions,
} from '../../src/core/index.js';

export const MiB = 1 << 20;
export const GiB = 1 << 30;

export function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'memefs-snapshot-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A name that is not UTF-8: "bad" + 0xff + 0xfe. */
export const RAW_NAME = decodeName(Buffer.from([0x62, 0x61, 0x64, 0xff, 0xfe]));

/** Deterministic bytes. */
export function pattern(length: number, seed = 1): Buffer {
  const b = Buffer.alloc(length);
  let x = seed;
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

/** A volume with every kind of inode and attribute memefs keeps. */
export function richVolume(options: VolumeOptions = {}): Volume {
  const v = new Volume({ label: 'RICH', ...options });
  const docs = v.mkdir(ROOT, v.root, 'docs', 0o2775);
  const file = v.mknod(ROOT, docs, 'readme.txt', 0o644);
  v.write(file, 0, Buffer.from('hello, snapshot\n'));
  v.link(ROOT, file, v.root, 'readme-link');
  v.link(ROOT, file, docs, 'again');
  v.symlink(ROOT, docs, 'up', '../readme-link');
  v.symlink(ROOT, v.root, 'long-target', 'x/'.repeat(700) + 'end');
  v.mknod(ROOT, v.root, 'pipe', S_IFIFO | 0o620);
  v.mknod(ROOT, v.root, 'socket', S_IFSOCK | 0o755);
  v.mknod(ROOT, v.root, 'null', S_IFCHR | 0o666, (1 << 8) | 3);
  v.mknod(ROOT, v.root, 'bigdev', S_IFBLK | 0o660, makedev(4000, 300000));
  const exe = v.mknod(ROOT, v.root, 'setuid-tool', 0o4755);
  v.write(exe, 0, pattern(200_000, 7));
  v.setattr(ROOT, exe, { uid: 3_000_000, gid: 4_000_000, mode: 0o4755 });
  const sparse = v.mknod(ROOT, v.root, 'sparse.img', 0o600);
  v.write(sparse, 0, Buffer.from('start'));
  v.write(sparse, 300 * MiB + 17, pattern(100_000, 3));
  v.setattr(ROOT, sparse, { size: GiB });
  const holeOnly = v.mknod(ROOT, v.root, 'all-hole', 0o600);
  v.setattr(ROOT, holeOnly, { size: 10 * MiB });
  v.mknod(ROOT, v.root, 'empty', 0o600);
  // xattrs: small and large user.* (named streams), and other namespaces.
  v.setxattr(file, 'user.comment', Buffer.from('a comment'));
  v.setxattr(file, 'user.with=equals', Buffer.from('value'));
  v.setxattr(file, 'trusted.binary', Buffer.from([0, 1, 2, 0x0a, 0xff]));
  v.setxattr(file, 'security.selinux', Buffer.from('system_u:object_r:tmp_t:s0\0'));
  v.setxattr(docs, 'user.dir-note', Buffer.alloc(0));
  v.setxattr(exe, 'user.big', Buffer.alloc(0));
  v.stream(exe, 'big')!.data.write(0, pattern(3 * MiB, 9));
  // Windows metadata.
  file.dosAttributes = 0x21; // read-only | archive
  file.securityDescriptor = Uint8Array.from([1, 0, 4, 0x80, 20, 0, 0, 0, 0, 0, 0, 0]);
  file.reparseData = Uint8Array.from([0x0c, 0, 0, 0xa0, 4, 0, 0, 0, 1, 2, 3, 4]);
  file.eas = new Map([['EA.ONE', { name: 'Ea.One', value: Uint8Array.from([9, 8, 7]), flags: 0x80 }]]);
  // Names: non-UTF-8 bytes, Unicode, long, deep.
  const raw = v.mknod(ROOT, v.root, RAW_NAME, 0o644);
  v.write(raw, 0, Buffer.from('raw bytes name'));
  v.mknod(ROOT, docs, 'Grüße – 日本語 🎉.txt', 0o644);
  let deep = v.root;
  for (let i = 0; i < 30; i++) deep = v.mkdir(ROOT, deep, `level-${i}-${'d'.repeat(20)}`, 0o755);
  const leaf = v.mknod(ROOT, deep, 'n'.repeat(250), 0o644);
  v.write(leaf, 0, Buffer.from('deep'));
  // Times: nanoseconds, before 1970, far future; set last (names touch their directories).
  file.mtime = { sec: 1_600_000_000, nsec: 123_456_789 };
  file.atime = { sec: 1_600_000_001, nsec: 1 };
  file.ctime = { sec: 1_600_000_002, nsec: 999_999_999 };
  file.btime = { sec: 1_500_000_000, nsec: 500 };
  exe.mtime = { sec: -1_000, nsec: 250_000_000 };
  exe.btime = { sec: 10_000_000_000, nsec: 7 };
  docs.mtime = { sec: 1_234_567_890, nsec: 42 };
  v.root.mtime = { sec: 1_111_111_111, nsec: 111 };
  return v;
}

/** glibc's makedev (dev_t values must stay below 2^53 to be exact as numbers). */
export function makedev(major: number, minor: number): number {
  const ma = BigInt(major);
  const mi = BigInt(minor);
  return Number(((ma & 0xfffn) << 8n) | ((ma >> 12n) << 44n) | (mi & 0xffn) | ((mi >> 8n) << 20n));
}

export interface Described {
  type: number;
  mode: number;
  uid: number;
  gid: number;
  nlink: number;
  size: number;
  times: string;
  rdev?: number;
  target?: string;
  sha?: string;
  linkGroup?: string;
  xattrs?: Record<string, string>;
  windows?: string;
}

/**
 * Everything a volume holds, keyed by path, in a form deepEqual can compare.
 * Hard links show as the same linkGroup (the first path of the inode).
 */
export function describe(volume: Volume): Map<string, Described> {
  const out = new Map<string, Described>();
  const firstPath = new Map<Inode, string>();
  const visit = (inode: Inode, path: string) => {
    const d: Described = {
      type: inode.type, mode: inode.mode, uid: inode.uid, gid: inode.gid, nlink: inode.nlink, size: inode.size,
      times: [inode.atime, inode.mtime, inode.ctime, inode.btime].map((t) => `${t.sec}.${t.nsec}`).join(' '),
    };
    if (inode.rdev !== 0) d.rdev = inode.rdev;
    if (inode.target !== null) d.target = inode.target;
    if (inode.data) d.sha = contentHash(inode.data);
    if (!inode.isDir() && inode.nlink > 1) {
      if (!firstPath.has(inode)) firstPath.set(inode, path);
      d.linkGroup = firstPath.get(inode)!;
    }
    const names = volume.listxattr(inode).sort();
    if (names.length > 0) {
      d.xattrs = {};
      for (const n of names) d.xattrs[n] = createHash('sha256').update(volume.getxattr(inode, n)).digest('hex');
    }
    if (inode.dosAttributes || inode.securityDescriptor || inode.reparseData || inode.eas) {
      d.windows = JSON.stringify({
        dos: inode.dosAttributes,
        sd: inode.securityDescriptor && Buffer.from(inode.securityDescriptor).toString('hex'),
        rp: inode.reparseData && Buffer.from(inode.reparseData).toString('hex'),
        eas: inode.eas && [...inode.eas].map(([k, e]) => [k, e.name, e.flags, Buffer.from(e.value).toString('hex')]),
      });
    }
    out.set(path, d);
    if (inode.dir) for (const e of inode.dir.entriesAfter(0)) visit(e.inode, path === '/' ? `/${e.name}` : `${path}/${e.name}`);
  };
  visit(volume.root, '/');
  return out;
}

/**
 * SHA-256 of a file's contents that does not depend on where holes are: only
 * non-zero 64 KiB pieces (with their offsets) are hashed, found via SEEK_DATA.
 */
export function contentHash(data: FileData): string {
  const h = createHash('sha256');
  h.update(`size ${data.size}\n`);
  let pos = data.seekData(0);
  while (pos >= 0 && pos < data.size) {
    const end = data.seekHole(pos);
    for (let p = pos; p < end; p += CHUNK_SIZE) {
      const piece = Buffer.concat(data.read(p, Math.min(CHUNK_SIZE, end - p)));
      if (piece.some((b) => b !== 0)) h.update(`${p}\n`).update(piece);
    }
    pos = end >= data.size ? -1 : data.seekData(end);
  }
  return h.digest('hex');
}
