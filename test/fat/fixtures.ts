/** Trees and host directories used by several FAT tests. */
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FatDirectory, FatFile, FatNode, FatTree } from '../../src/formats/fat/index.js';

/** Deterministic bytes (no two files alike). */
export function pattern(length: number, seed: number): Uint8Array {
  const b = new Uint8Array(length);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    b[i] = x & 0xff;
  }
  return b;
}

const T0 = new Date(2021, 2, 14, 15, 9, 26).getTime();

export function file(name: string, data: Uint8Array, attributes = 0x20, offset = 0): FatFile {
  return { kind: 'file', name, attributes, data, created: T0 + offset * 1000 + 370, modified: T0 + offset * 2000, accessed: T0 };
}

export function dir(name: string, children: FatNode[], attributes = 0): FatDirectory {
  return { kind: 'dir', name, attributes, children, created: T0 + 10, modified: T0, accessed: T0 };
}

/** A tree with every kind of name: 8.3 in both cases, long, Unicode (BMP), colliding aliases, deep, empty, one cluster. */
export function sampleTree(clusterBytes = 512): FatTree {
  const deep: FatDirectory = dir('level 8', [file('bottom.txt', pattern(10, 99))]);
  let d = deep;
  for (let i = 7; i >= 1; i--) d = dir(`level ${i}`, [d]);
  return {
    label: 'SAMPLE',
    root: dir('', [
      file('README.TXT', pattern(100, 1)),
      file('lower.txt', pattern(1, 2)),
      file('UPPER.txt', pattern(2, 3)),
      file('Mixed Case Long Name.Markdown', pattern(3000, 4), 0x20, 1),
      file('Ünïcödé ñame — ✓ 名前.txt', pattern(77, 5)),
      file('empty', new Uint8Array(0)),
      file('one cluster.bin', pattern(clusterBytes, 6)),
      file('one cluster plus one.bin', pattern(clusterBytes + 1, 7)),
      file('readonly hidden.txt', pattern(5, 8), 0x01 | 0x02),
      file('SYSTEM.SYS', pattern(5, 9), 0x04 | 0x20),
      file('exactly13char', pattern(13, 10)),
      file('name.with.many.dots.tar.gz', pattern(40, 11)),
      ...Array.from({ length: 9 }, (_, i) => file(`collision name ${i}.txt`, pattern(i + 1, 20 + i))),
      dir('Sub Directory', [file('inner.dat', pattern(5000, 30)), dir('empty dir', [])]),
      dir('big', Array.from({ length: 40 }, (_, i) => file(`entry number ${i} with a fairly long name.txt`, pattern(i, 40 + i)))),
      d,
    ]),
  };
}

/** Writes a tree into a host directory (for mcopy), with modification times. */
export function materialize(root: FatDirectory, path: string): void {
  for (const n of root.children) {
    const p = join(path, n.name);
    if (n.kind === 'dir') {
      mkdirSync(p);
      materialize(n, p);
    } else {
      writeFileSync(p, n.data as Uint8Array);
    }
    if (n.modified !== undefined) utimesSync(p, (n.accessed ?? n.modified) / 1000, n.modified / 1000);
  }
}

/** path → node, for comparisons. */
export function flatten(root: FatDirectory, prefix = ''): Map<string, FatNode> {
  const out = new Map<string, FatNode>();
  for (const n of root.children) {
    const p = `${prefix}/${n.name}`;
    out.set(p, n);
    if (n.kind === 'dir') for (const [k, v] of flatten(n, p)) out.set(k, v);
  }
  return out;
}
