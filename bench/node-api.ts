/**
 * The in-process node:fs API workload: memefs's `createFs()` against memfs's
 * `createFsFromVolume(new Volume())` (the npm package most users have today),
 * with node:fs on a fresh tmpfs as a third column for scale. `npm run bench`
 * calls it and records what it returns under `nodeApi` in the results; the
 * chart shows its lines with the others.
 *
 * Workload (the one in the notes): N files of 100 B in one directory,
 * then writeFileSync (new files), readFileSync, statSync, readdirSync of the
 * N-entry directory, existsSync of absent names, writeSync 4 KiB appends to a
 * 32 MiB file, unlinkSync. Every side runs the same code on the same paths.
 * Each side is warmed up (a full-size and a smaller round of the workload) before any
 * timing, and its warmed-up fs objects live until the end (so that V8 keeps the code it
 * compiled for their shapes); each run measures every side in turn, rotating which goes first (at
 * least 3 runs). A full garbage collection and a 25 ms pause precede each
 * timed phase, so that neither another side's garbage nor an earlier phase's
 * is collected or freed on a phase's clock (what a phase itself allocates
 * still counts), and the appends run last: the memory of their 32 MiB files
 * is freed after every other phase. Rates are ops/s, median of the runs.
 *
 * Lines: `memefs` is memefs's API, `memfs` is memfs's API, `tmpfs` is node:fs
 * on tmpfs; `ratio` is memefs/memfs (`ratioAgainst: 'memfs'`), > 1 means
 * memefs is faster.
 */
import fs from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Volume as MemfsVolume, createFsFromVolume } from 'memfs';
import { createFs } from '../src/index.js';
import type { Line, Stats } from './run.js';

export interface NodeApiOptions {
  quick: boolean;
  runs: number;
  /** A fresh tmpfs mount for the node:fs side, made and removed by the caller. */
  withTmpfs: <T>(fn: (dir: string) => Promise<T> | T) => Promise<T>;
}

/** The part of node:fs this workload calls; all three sides provide it. */
interface ApiFs {
  mkdirSync(p: string, options?: { recursive?: boolean }): unknown;
  writeFileSync(p: string, data: Uint8Array): void;
  readFileSync(p: string): Uint8Array;
  statSync(p: string): { size: number };
  readdirSync(p: string): unknown[];
  existsSync(p: string): boolean;
  openSync(p: string, flags: string): number;
  writeSync(fd: number, data: Uint8Array): number;
  closeSync(fd: number): void;
  unlinkSync(p: string): void;
  rmSync(p: string, options?: { recursive?: boolean; force?: boolean }): void;
}

type Side = 'memefs' | 'memfs' | 'tmpfs';
const SIDES: Side[] = ['memefs', 'memfs', 'tmpfs'];

interface Sizes {
  files: number;
  fileSize: number;
  lists: number;
  appendSize: number;
  appendTotal: number;
  /** Files appended to per run (each timed, then removed): the line is short, so it is repeated. */
  appendFiles: number;
}

function sizesFor(quick: boolean): Sizes {
  return quick
    ? { files: 5_000, fileSize: 100, lists: 10, appendSize: 4096, appendTotal: 32 << 20, appendFiles: 2 }
    : { files: 20_000, fileSize: 100, lists: 20, appendSize: 4096, appendTotal: 32 << 20, appendFiles: 3 };
}

function opNames(z: Sizes): string[] {
  const k = (n: number) => n.toLocaleString('en-US');
  return [
    `writeFileSync new (${k(z.files)} files of ${z.fileSize} B)`,
    'readFileSync',
    'statSync',
    `readdirSync (${k(z.files)} entries)`,
    'existsSync (missing)',
    `writeSync ${z.appendSize / 1024} KiB appends to ${z.appendTotal >> 20} MiB`,
    'unlinkSync',
  ];
}

/** A full collection, when this process can ask for one (the flag is set here, before the first use). */
const gc: () => void = (() => {
  try {
    v8.setFlagsFromString('--expose-gc');
    const f = runInNewContext('gc') as unknown;
    if (typeof f === 'function') return f as () => void;
  } catch {
    /* fall through */
  }
  return () => {};
})();

const now = () => process.hrtime.bigint();
const rateOf = (ops: number, t0: bigint) => ops / (Number(now() - t0) / 1e9);

/**
 * Before each timed phase: a full collection, then a short pause in which the collector's background
 * threads finish freeing (on 2 cores, freeing a 32 MiB file's memory otherwise lands on the next phase).
 */
async function settle(): Promise<void> {
  gc();
  await new Promise((r) => setTimeout(r, 25));
}

/** One pass of the workload on `f` under directory `root` (which must not exist); ops/s per line, in opNames order. */
async function workload(f: ApiFs, root: string, z: Sizes): Promise<number[]> {
  const dir = root + '/d';
  f.mkdirSync(dir, { recursive: true });
  const names: string[] = new Array(z.files);
  const missing: string[] = new Array(z.files);
  for (let i = 0; i < z.files; i++) {
    names[i] = `${dir}/file${i}`;
    missing[i] = `${dir}/nope${i}`;
  }
  const data = Buffer.alloc(z.fileSize, 'x');
  const out: number[] = new Array(7).fill(0);
  let sink = 0;

  await settle();
  let t0 = now();
  for (let i = 0; i < z.files; i++) f.writeFileSync(names[i]!, data);
  out[0] = rateOf(z.files, t0);

  await settle();
  t0 = now();
  for (let i = 0; i < z.files; i++) sink += f.readFileSync(names[i]!).length;
  out[1] = rateOf(z.files, t0);

  await settle();
  t0 = now();
  for (let i = 0; i < z.files; i++) sink += f.statSync(names[i]!).size;
  out[2] = rateOf(z.files, t0);

  await settle();
  t0 = now();
  for (let i = 0; i < z.lists; i++) sink += f.readdirSync(dir).length;
  out[3] = rateOf(z.lists, t0);

  await settle();
  t0 = now();
  for (let i = 0; i < z.files; i++) if (f.existsSync(missing[i]!)) sink++;
  out[4] = rateOf(z.files, t0);

  await settle();
  t0 = now();
  for (let i = 0; i < z.files; i++) f.unlinkSync(names[i]!);
  out[6] = rateOf(z.files, t0);
  if (f.readdirSync(dir).length !== 0) throw new Error('node API workload: files left after unlink');

  // The appends last (listed before unlink): freeing their large files costs memory work that must not
  // land on another phase's clock.
  const big = root + '/big';
  const block = Buffer.alloc(z.appendSize, 'y');
  const appends = z.appendTotal / z.appendSize;
  let ns = 0n;
  for (let k = 0; k < z.appendFiles; k++) {
    const fd = f.openSync(big, 'a');
    await settle();
    t0 = now();
    for (let i = 0; i < appends; i++) sink += f.writeSync(fd, block);
    ns += now() - t0;
    f.closeSync(fd);
    if (f.statSync(big).size !== z.appendTotal) throw new Error(`appends: ${big} has the wrong size`);
    f.unlinkSync(big);
  }
  out[5] = (appends * z.appendFiles) / (Number(ns) / 1e9);

  if (sink !== z.files * (2 * z.fileSize + z.lists) + z.appendTotal * z.appendFiles) throw new Error('node API workload: unexpected results');
  return out;
}

/** A fresh fs for `side` and the directory to work under. */
function fresh(side: Side, tmpfsDir: string, tag: string): { f: ApiFs; root: string } {
  if (side === 'memefs') return { f: createFs() as unknown as ApiFs, root: `/${tag}` };
  if (side === 'memfs') return { f: createFsFromVolume(new MemfsVolume()) as unknown as ApiFs, root: `/${tag}` };
  return { f: fs as unknown as ApiFs, root: path.join(tmpfsDir, tag) };
}

function stats(values: number[]): Stats {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  const median = n % 2 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
  return { runs: values, best: sorted[n - 1]!, median };
}

function progress(text: string): void {
  process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${text}\n`);
}

export async function runNodeApi(options: NodeApiOptions): Promise<Line[] | null> {
  const z = sizesFor(options.quick);
  // At least three runs (each is short), so that the median is a real median even in a quick run.
  const runs = Math.max(options.runs, 3);
  const names = opNames(z);
  const rates: Record<Side, number[][]> = { memefs: names.map(() => []), memfs: names.map(() => []), tmpfs: names.map(() => []) };
  await options.withTmpfs(async (tmpfsDir) => {
    // Warm-up, results discarded: the whole workload per side, then a smaller round, so that every
    // side's hot functions are compiled by the optimizing tier before any timing. The warmed-up fs
    // objects are kept until the end: V8 drops optimized code once the object shapes (maps) it was
    // compiled for have no live object left, so if every fs of a side were garbage between runs, each
    // run's phases would be timed while recompiling (a long-lived process keeps its fs, and its shapes).
    const warm: Sizes = { ...z, files: Math.min(z.files, 2_000), lists: 2, appendTotal: 4 << 20, appendFiles: 1 };
    const warmed: ApiFs[] = [];
    for (const side of SIDES) {
      for (const [i, size] of [z, warm].entries()) {
        const { f, root } = fresh(side, tmpfsDir, `warm${i}`);
        await workload(f, root, size);
        if (side === 'tmpfs') f.rmSync(root, { recursive: true, force: true });
        else warmed.push(f);
      }
    }
    for (let run = 0; run < runs; run++) {
      const order = SIDES.map((_, i) => SIDES[(i + run) % SIDES.length]!);
      progress(`node API run ${run + 1}/${runs}: ${order.join(', ')}`);
      for (const side of order) {
        const { f, root } = fresh(side, tmpfsDir, `run${run}`);
        const r = await workload(f, root, z);
        r.forEach((v, i) => rates[side][i]!.push(v));
        if (side === 'tmpfs') f.rmSync(root, { recursive: true, force: true });
      }
    }
    warmed.length = 0;
  });
  return names.map((name, i) => {
    const memefs = stats(rates.memefs[i]!);
    const memfs = stats(rates.memfs[i]!);
    return {
      group: 'node:fs API in process: memefs API vs memfs',
      name,
      unit: 'ops/s',
      higherIsBetter: true,
      memefs,
      memfs,
      tmpfs: stats(rates.tmpfs[i]!),
      ratio: memefs.median / memfs.median,
      ratioAgainst: 'memfs',
    } satisfies Line;
  });
}
