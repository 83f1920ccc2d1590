/**
 * A bounded fuzz of the reader: thousands of seeded mutations of valid
 * FAT12/16/32 images (bit flips, random words, truncation, entry splices),
 * each of which must load with warnings or fail with a format Error, quickly,
 * with names that are safe and no more data than the image holds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkFat, dumpFat, scanFat, writeFat, type FatDirectory, type FatType } from '../../src/formats/fat/index.js';
import { sampleTree } from './fixtures.js';

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return s / 0x100000000;
  };
}

function check(image: Uint8Array, label: string): void {
  let scan;
  try {
    scan = scanFat(image);
  } catch (e) {
    if (e instanceof Error && e.constructor === Error && /^not (a valid FAT boot sector|a FAT image)/.test(e.message)) return;
    throw new Error(`${label}: ${String(e)}`);
  }
  let bytes = 0;
  const walk = (d: FatDirectory) => {
    const seen = new Set<string>();
    for (const n of d.children) {
      assert.ok(n.name !== '' && n.name !== '.' && n.name !== '..' && !/[\x00-\x1f/]/.test(n.name), `${label}: name ${JSON.stringify(n.name)}`);
      assert.ok(!seen.has(n.name.toUpperCase()), `${label}: duplicate ${n.name}`);
      seen.add(n.name.toUpperCase());
      if (n.kind === 'dir') walk(n);
      else bytes += (n.data as Uint8Array).length;
    }
  };
  walk(scan.tree.root);
  assert.ok(bytes <= image.length, `${label}: ${bytes} bytes of data from a ${image.length}-byte image`);
}

test('fuzz: mutated images load with warnings or fail cleanly (bounded time)', () => {
  const bases: { type: FatType; image: Uint8Array; meta: number }[] = [];
  for (const [type, size, spc] of [[12, 1440 * 1024, 1], [16, 3 << 20, 1], [32, 2 << 20, 1]] as const) {
    const image = writeFat(sampleTree(512), { size, fatType: type, sectorsPerCluster: spc }).image;
    const g = scanFat(image).geometry;
    assert.deepEqual(scanFat(image).problems.filter((p) => !/fewer than 65525/.test(p)), []);
    // The structures: reserved area, FATs, root, and the first clusters (directories come first).
    const meta = (g.firstDataSector + 48 * g.sectorsPerCluster) * g.bytesPerSector;
    bases.push({ type, image, meta });
  }
  const started = Date.now();
  const budgetMs = 15_000;
  let runs = 0;
  const random = rng(0x5eed);
  const int = (n: number) => Math.floor(random() * n);
  while (runs < 3000 && Date.now() - started < budgetMs) {
    const base = bases[runs % bases.length]!;
    let image = base.image.slice();
    const mutations = 1 + int(8);
    for (let m = 0; m < mutations; m++) {
      const kind = int(10);
      const at = int(base.meta);
      if (kind < 4) image[at] ^= 1 << int(8);
      else if (kind < 7) { const v = int(0x100000000); for (let k = 0; k < 4; k++) image[(at & ~3) + k] = (v >>> (8 * k)) & 0xff; }
      else if (kind < 8) image[at] = [0x00, 0xe5, 0x05, 0x0f, 0x2e, 0xff][int(6)]!;
      else if (kind < 9) { const from = (int(base.meta) >> 5) << 5; image.copyWithin((at >> 5) << 5, from, from + 32); }
      else image = image.subarray(0, int(image.length));
    }
    const t0 = Date.now();
    check(image, `run ${runs} (FAT${base.type})`);
    if (runs % 10 === 0) {
      // The dump and the check must survive the same damage.
      try { dumpFat(image); checkFat(image); } catch (e) {
        if (!(e instanceof Error && e.constructor === Error && /^not (a valid FAT boot sector|a FAT image)/.test(e.message))) throw e;
      }
    }
    assert.ok(Date.now() - t0 < 2000, `run ${runs} took ${Date.now() - t0} ms`);
    runs++;
  }
  assert.ok(runs >= 500, `only ${runs} runs in the time budget`);
});
