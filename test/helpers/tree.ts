/** Comparing two directory trees the way a user would check a copy: names, types, modes, owners, sizes, times, links, bytes. */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface TreeEntry {
  type: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtimeNs: bigint;
  nlink: number;
  link?: string;
  hash?: string;
  /** Group of paths sharing one inode (hard links), by first path. */
  inodeGroup?: string;
}

function typeOf(st: fs.BigIntStats): string {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'dir';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isFIFO()) return 'fifo';
  if (st.isSocket()) return 'socket';
  if (st.isCharacterDevice()) return 'chr';
  if (st.isBlockDevice()) return 'blk';
  return 'other';
}

/** Walks `root`; contents are hashed for files up to hashLimit bytes (bigger ones by size and sampled ranges). */
export function snapshotTree(root: string): Map<string, TreeEntry> {
  const out = new Map<string, TreeEntry>();
  const inodes = new Map<bigint, string>();
  const walk = (rel: string): void => {
    const abs = path.join(root, rel);
    const st = fs.lstatSync(abs, { bigint: true });
    const type = typeOf(st);
    const e: TreeEntry = {
      type, mode: Number(st.mode & 0o7777n), uid: Number(st.uid), gid: Number(st.gid),
      size: type === 'dir' ? 0 : Number(st.size), mtimeNs: type === 'symlink' ? 0n : st.mtimeNs, nlink: Number(st.nlink),
    };
    if (type === 'symlink') e.link = fs.readlinkSync(abs);
    if (type === 'file') {
      e.hash = hashFile(abs, Number(st.size));
      const first = inodes.get(st.ino);
      if (first === undefined) inodes.set(st.ino, rel);
      e.inodeGroup = first ?? rel;
    }
    out.set(rel || '.', e);
    if (type === 'dir') for (const name of fs.readdirSync(abs).sort()) walk(path.join(rel, name));
  };
  walk('');
  return out;
}

function hashFile(file: string, size: number): string {
  const h = crypto.createHash('sha1');
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    let pos = 0;
    while (pos < size) {
      const n = fs.readSync(fd, buf, 0, buf.length, pos);
      if (n <= 0) break;
      h.update(buf.subarray(0, n));
      pos += n;
    }
  } finally {
    fs.closeSync(fd);
  }
  return h.digest('hex');
}

/** Differences between two snapshots, as readable lines (empty when identical). */
export function diffTrees(a: Map<string, TreeEntry>, b: Map<string, TreeEntry>, opts: { ignoreRootMode?: boolean } = {}): string[] {
  const diffs: string[] = [];
  for (const [p, ea] of a) {
    const eb = b.get(p);
    if (!eb) {
      diffs.push(`missing: ${p}`);
      continue;
    }
    for (const k of ['type', 'mode', 'uid', 'gid', 'size', 'mtimeNs', 'nlink', 'link', 'hash', 'inodeGroup'] as const) {
      if (p === '.' && (k === 'mode' || k === 'mtimeNs' || k === 'uid' || k === 'gid') && opts.ignoreRootMode) continue;
      if (ea[k] !== eb[k]) diffs.push(`${p}: ${k} ${String(ea[k])} != ${String(eb[k])}`);
    }
  }
  for (const p of b.keys()) if (!a.has(p)) diffs.push(`extra: ${p}`);
  return diffs;
}
