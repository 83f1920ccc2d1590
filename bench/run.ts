/**
 * `npm run bench`: memefs against tmpfs on this machine.
 *
 * Every workload runs on a fresh memefs mount and on a fresh tmpfs mount, in
 * the same run, several times (alternating which goes first); each line shows
 * the best and the median rate of each file system and the ratio of medians
 * (memefs/tmpfs). The file-system work is done by a compiled C program
 * (bench/fsbench.c, built here with cc) or by the real tools (tar, find, grep,
 * du, cp, rm), never by this driver, so the client's own speed is not measured.
 * Memory figures are the RSS of the memefs daemon. The round-trip line also
 * runs on bench/fuse-floor.c, a C FUSE daemon that does nothing but answer: the
 * floor for any FUSE file system on this machine. The "loaded" and "realloaded"
 * groups run the fsbench and the real-work lines again with as many CPU-bound
 * processes as CPUs, on both.
 *
 *   node dist/bench/run.js [--quick] [--runs N] [--only fsbench,loaded,roundtrip,real,realloaded,memory,node,mount,fat] [--out DIR]
 *
 * Results: bench/results/bench-<time>.json and .svg, and latest.json/latest.svg.
 * Every mount made here is unmounted in a finally block and on SIGINT/SIGTERM.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runNodeApi } from './node-api.js';
import { fatText, fatWorkload } from './fat.js';
import { renderSvg } from './svg.js';

const ROOT = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));
const MEMEFS = path.join(ROOT, 'bin', 'memefs.js');
const MiB = 1024 * 1024;

// ---- options ----------------------------------------------------------------

interface Options {
  quick: boolean;
  runs: number;
  only: Set<string>;
  out: string;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { quick: false, runs: 0, only: new Set(['fsbench', 'loaded', 'roundtrip', 'real', 'realloaded', 'memory', 'node', 'mount', 'fat']), out: path.join(ROOT, 'bench', 'results') };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--quick') o.quick = true;
    else if (a === '--runs') o.runs = Number(argv[++i]);
    else if (a === '--only') o.only = new Set(argv[++i]!.split(','));
    else if (a === '--out') o.out = path.resolve(argv[++i]!);
    else if (a === '--help' || a === '-h') {
      process.stdout.write('usage: npm run bench -- [--quick] [--runs N] [--only fsbench,loaded,roundtrip,real,realloaded,memory,node,mount,fat] [--out DIR]\n');
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  if (o.runs === 0) o.runs = o.quick ? 2 : 5;
  if (!Number.isInteger(o.runs) || o.runs < 1) throw new Error('--runs wants a positive integer');
  return o;
}

/** Sizes of the workloads: the full run and the quick smoke run. */
function sizes(quick: boolean) {
  return quick
    ? { files: 2000, opens: 2, lists: 3, rdwrSize: 4 * MiB, passes: 5, seqSize: 256 * MiB, parProcs: 4, parFiles: 300, parSize: 4096,
        tree: '/usr/include/linux', memLarge: 256 * MiB, memFiles: 10_000, realRuns: 1 }
    : { files: 10_000, opens: 10, lists: 10, rdwrSize: 16 * MiB, passes: 20, seqSize: 1024 * MiB, parProcs: 4, parFiles: 2000, parSize: 4096,
        tree: '/usr/include', memLarge: 1024 * MiB, memFiles: 100_000, realRuns: 3 };
}

// ---- results ----------------------------------------------------------------

export type Fs = 'memefs' | 'tmpfs';
export interface Line {
  group: string;
  name: string;
  /** What the rate counts: "ops/s", "MiB/s", "s" (time, lower is better). */
  unit: string;
  higherIsBetter: boolean;
  memefs: Stats;
  /** tmpfs; on the node:fs API lines (bench/node-api.ts), node:fs in this process on a tmpfs, for scale. */
  tmpfs: Stats;
  /** The node:fs API lines only: the same calls on memfs (the npm package) in process. */
  memfs?: Stats;
  /**
   * What `ratio` compares memefs with: tmpfs when absent; 'memfs' on the node:fs API lines.
   * memefs median / other median for rates; other / memefs for times (so > 1 always means memefs is faster).
   */
  ratioAgainst?: 'tmpfs' | 'memfs';
  ratio: number;
  /** Reference rates of other user-space file systems on this machine kind, when known. */
  references?: Record<string, number>;
}
export interface Stats {
  runs: number[];
  best: number;
  median: number;
}

function stats(values: number[], higherIsBetter: boolean): Stats {
  const sorted = [...values].sort((a, b) => a - b);
  const median = sorted.length % 2 ? sorted[(sorted.length - 1) / 2]! : (sorted[sorted.length / 2 - 1]! + sorted[sorted.length / 2]!) / 2;
  return { runs: values, best: higherIsBetter ? sorted[sorted.length - 1]! : sorted[0]!, median };
}

/** Reference points from the issue (same machine kind, 10,000 files): tmpfs / libfuse memfs_ll / fuse-native JS memfs. */
const REFERENCES: Record<string, Record<string, number>> = {
  file_create: { 'tmpfs (issue)': 123_000, 'libfuse memfs_ll': 7_900, 'fuse-native memfs': 3_800 },
  file_open: { 'tmpfs (issue)': 300_000, 'libfuse memfs_ll': 15_700, 'fuse-native memfs': 4_400 },
  file_attr: { 'tmpfs (issue)': 654_000, 'libfuse memfs_ll': 24_000, 'fuse-native memfs': 118_000 },
  file_list_none: { 'tmpfs (issue)': 481_000, 'libfuse memfs_ll': 12_800, 'fuse-native memfs': 18_800 },
  file_delete: { 'tmpfs (issue)': 237_000, 'libfuse memfs_ll': 25_000, 'fuse-native memfs': 7_800 },
  rdwr_cc_write_page: { 'tmpfs (issue)': 3_133, 'libfuse memfs_ll': 230, 'fuse-native memfs': 62 },
  rdwr_cc_write_large: { 'tmpfs (issue)': 3_669, 'libfuse memfs_ll': 1_985, 'fuse-native memfs': 55 },
  rdwr_cc_read_page: { 'tmpfs (issue)': 3_951, 'libfuse memfs_ll': 310, 'fuse-native memfs': 5_453 },
};
/** fsbench lines the kernel can answer from its caches (target: >= 0.8 of tmpfs). */
const CACHED = new Set(['file_attr', 'file_list_single', 'file_list_none', 'rdwr_cc_read_page', 'rdwr_cc_read_large', 'mmap_write', 'mmap_read']);

// ---- mounts -----------------------------------------------------------------

const active = new Set<string>();

function sh(cmd: string, args: string[], opts: { cwd?: string; quiet?: boolean } = {}): string {
  const r = spawnSync(cmd, args, { cwd: opts.cwd, encoding: 'utf8', maxBuffer: 256 * MiB, stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr.trim()}`);
  return r.stdout;
}

function isMounted(dir: string): boolean {
  return fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((l) => l.split(' ')[4] === dir);
}

interface Mount {
  fs: Fs;
  dir: string;
  /** The memefs daemon's pid (0 for tmpfs). */
  pid: number;
}

const SIZE = '8G';

function mountFs(kind: Fs, base: string): Mount {
  const dir = fs.mkdtempSync(path.join(base, `${kind}-`));
  if (kind === 'tmpfs') {
    sh('mount', ['-t', 'tmpfs', '-o', `size=${SIZE}`, 'tmpfs', dir]);
    active.add(dir);
    return { fs: kind, dir, pid: 0 };
  }
  sh(process.execPath, [MEMEFS, dir, '-s', SIZE]);
  active.add(dir);
  const state = JSON.parse(fs.readFileSync(path.join('/run/memefs', encodeURIComponent(dir) + '.json'), 'utf8')) as { pid: number };
  return { fs: kind, dir, pid: state.pid };
}

function unmountDir(dir: string): void {
  try {
    if (isMounted(dir)) {
      const memefs = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((l) => l.split(' ')[4] === dir && l.includes(' - fuse.memefs '));
      const r = memefs
        ? spawnSync(process.execPath, [MEMEFS, 'unmount', dir], { stdio: 'ignore', timeout: 120_000 })
        : spawnSync('umount', [dir], { stdio: 'ignore', timeout: 60_000 });
      if (r.status !== 0 && isMounted(dir)) spawnSync('umount', ['-l', dir], { stdio: 'ignore' });
    }
    // A memefs daemon ends by itself once its mount is gone.
    fs.rmdirSync(dir);
  } catch {
    /* best effort: a leftover empty directory in the temp dir is harmless */
  }
  active.delete(dir);
}

async function withMount<T>(kind: Fs, base: string, fn: (m: Mount) => Promise<T> | T): Promise<T> {
  const m = mountFs(kind, base);
  try {
    return await fn(m);
  } finally {
    unmountDir(m.dir);
    if (m.pid) await waitExit(m.pid, 30_000);
  }
}

function cleanupAll(): void {
  stopBurners();
  try {
    setUring(false);
  } catch {
    /* best effort */
  }
  for (const dir of [...active].reverse()) unmountDir(dir);
}

async function waitExit(pid: number, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await sleep(20);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+)\s+kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no RSS for ${pid}`);
  return Number(m[1]) * 1024;
}

// ---- the C program ----------------------------------------------------------

interface Sample {
  test: string;
  ops: number;
  bytes: number;
  seconds: number;
}

/** Compiles bench/NAME.c into the temporary directory. */
function buildC(tmp: string, name: string): string {
  const exe = path.join(tmp, name);
  sh('cc', ['-O2', '-Wall', '-o', exe, path.join(ROOT, 'bench', `${name}.c`)]);
  return exe;
}

function fsbench(exe: string, args: (string | number)[]): Sample[] {
  return sh(exe, args.map(String))
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Sample);
}

/** fsbench on a reference file system: the samples it printed, even if it failed part-way (said on stderr). */
function fsbenchPartial(name: string, exe: string, args: (string | number)[]): Sample[] {
  const r = spawnSync(exe, args.map(String), { encoding: 'utf8', maxBuffer: 256 * MiB, stdio: ['ignore', 'pipe', 'pipe'] });
  const samples = r.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Sample);
  if (r.status !== 0) progress(`${name}: fsbench ${args[0]} stopped after ${samples.length} tests (${r.signal ?? r.stderr.trim()})`);
  return samples;
}

/** Rate of a sample in its natural unit: MiB/s when it moves bytes, else ops/s. */
function rate(s: Sample): number {
  return s.bytes > 0 ? s.bytes / MiB / s.seconds : s.ops / s.seconds;
}

// ---- collecting runs ----------------------------------------------------------

type Collected = Map<string, { unit: string; higherIsBetter: boolean; memefs: number[]; tmpfs: number[] }>;

function record(into: Collected, fsKind: Fs, name: string, unit: string, value: number, higherIsBetter = true): void {
  let e = into.get(name);
  if (!e) into.set(name, (e = { unit, higherIsBetter, memefs: [], tmpfs: [] }));
  e[fsKind].push(value);
}

function toLines(group: string, c: Collected): Line[] {
  const out: Line[] = [];
  for (const [name, e] of c) {
    if (e.memefs.length === 0 || e.tmpfs.length === 0) continue;
    const m = stats(e.memefs, e.higherIsBetter);
    const t = stats(e.tmpfs, e.higherIsBetter);
    const line: Line = {
      group, name, unit: e.unit, higherIsBetter: e.higherIsBetter, memefs: m, tmpfs: t,
      ratio: e.higherIsBetter ? m.median / t.median : t.median / m.median,
    };
    if (REFERENCES[name]) line.references = REFERENCES[name];
    out.push(line);
  }
  return out;
}

/** Alternates which file system goes first in each run, so neither always gets the warmer machine. */
function order(run: number): Fs[] {
  return run % 2 === 0 ? ['memefs', 'tmpfs'] : ['tmpfs', 'memefs'];
}

function progress(text: string): void {
  process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${text}\n`);
}

async function fsbenchWorkload(o: Options, exe: string, base: string, group = 'fsbench'): Promise<Line[]> {
  const z = sizes(o.quick);
  const c: Collected = new Map();
  const refs = new Map<string, Map<string, number[]>>(); // reference -> line -> rates
  const measure = (root: string, run = fsbench): Sample[] => {
    const dir = path.join(root, 'fsbench');
    fs.mkdirSync(dir);
    return [...run(exe, ['files', dir, z.files, z.opens, z.lists]), ...run(exe, ['rdwr', dir, z.rdwrSize, z.passes])];
  };
  for (let run = 0; run < o.runs; run++) {
    for (const kind of order(run)) {
      progress(`${group} run ${run + 1}/${o.runs} on ${kind}`);
      await withMount(kind, base, (m) => {
        for (const s of measure(m.dir)) record(c, kind, s.test, s.bytes > 0 ? 'MiB/s' : 'ops/s', rate(s));
      });
    }
    for (const ref of REFERENCES_RUN) {
      progress(`${group} run ${run + 1}/${o.runs} on ${ref.name}`);
      const samples = withReference(ref, base, (dir) => measure(dir, (e, args) => fsbenchPartial(ref.name, e, args)));
      if (!refs.has(ref.name)) refs.set(ref.name, new Map());
      for (const s of samples) {
        const rates = refs.get(ref.name)!;
        rates.set(s.test, [...(rates.get(s.test) ?? []), rate(s)]);
      }
    }
  }
  const lines = toLines(group, c);
  addReferences(lines, refs);
  return lines;
}

/** The references' medians (reference -> line -> values) as extra columns of the lines. */
function addReferences(lines: Line[], refs: Map<string, Map<string, number[]>>): void {
  for (const l of lines) {
    for (const [name, values] of refs) {
      const v = values.get(l.name);
      if (v) l.references = { ...l.references, [`${name} (this run)`]: stats(v, l.higherIsBetter).median };
    }
  }
}

// ---- libfuse's memfs_ll, for reference ---------------------------------------

/**
 * libfuse's example/memfs_ll, built outside this repository (docs/transport.md says how):
 * MEMEFS_BENCH_MEMFS_LL names the binary. Its fsbench and real-work lines run beside memefs's, plain and over
 * io_uring; without it they are skipped with a message.
 */
const URING_SWITCH = '/sys/module/fuse/parameters/enable_uring';
const memfsLl = process.env.MEMEFS_BENCH_MEMFS_LL && fs.existsSync(process.env.MEMEFS_BENCH_MEMFS_LL) ? process.env.MEMEFS_BENCH_MEMFS_LL : undefined;
const MEMFS_LL_KINDS: Reference[] = memfsLl === undefined ? [] : [
  { name: 'memfs_ll', command: [memfsLl], uring: false },
  { name: 'memfs_ll io_uring', command: [memfsLl, '-o', 'io_uring'], uring: true },
];

/** A file system run beside memefs's default as an extra column: its mount command (the directory is added last). */
interface Reference {
  name: string;
  command: string[];
  uring: boolean;
}
/** memefs over FUSE io_uring, when the kernel has it (the bench switches it on for the run and puts it back). */
const MEMEFS_URING: Reference[] = fs.existsSync(URING_SWITCH)
  ? [{ name: 'memefs io_uring', command: [process.execPath, MEMEFS, '-s', SIZE, '-o', 'io_uring'], uring: true }]
  : [];
const REFERENCES_RUN = [...MEMEFS_URING, ...MEMFS_LL_KINDS];
/** The switch's value before the bench set it, to put back (cleanupAll too). */
let uringBefore: string | undefined;

function setUring(on: boolean): void {
  if (on) {
    uringBefore ??= fs.readFileSync(URING_SWITCH, 'utf8').trim();
    fs.writeFileSync(URING_SWITCH, 'Y');
  } else if (uringBefore !== undefined) {
    fs.writeFileSync(URING_SWITCH, uringBefore);
    uringBefore = undefined;
  }
}

function withReference<T>(ref: Reference, base: string, fn: (dir: string) => T): T {
  const dir = fs.mkdtempSync(path.join(base, `${ref.name.replace(/\W+/g, '-')}-`));
  try {
    if (ref.uring) setUring(true);
    sh(ref.command[0]!, [...ref.command.slice(1), dir]); // returns once mounted, the daemon in the background
    active.add(dir);
    return fn(dir);
  } finally {
    unmountDir(dir);
    if (ref.uring) setUring(false);
  }
}

/** CPU-bound processes of the loaded variants (killed in cleanupAll too). */
const burners = new Set<ChildProcess>();

/**
 * Runs a workload while N CPU-bound processes run (N = CPUs, `yes > /dev/null` each): what a RAM
 * disk does for builds and tests on a busy machine. tmpfs runs under the same load.
 */
async function underLoad<T>(workload: () => Promise<T>): Promise<T> {
  const n = os.availableParallelism();
  progress(`starting ${n} CPU-bound processes`);
  for (let i = 0; i < n; i++) burners.add(spawn('yes', [], { stdio: 'ignore' }));
  try {
    return await workload();
  } finally {
    stopBurners();
  }
}

function stopBurners(): void {
  for (const b of burners) b.kill('SIGKILL');
  burners.clear();
}

const FLOOR = 'minimal C FUSE daemon (bench/fuse-floor.c)';

/**
 * One FUSE round trip: getxattr of an absent attribute, which the kernel passes
 * to the file system every time. On memefs and tmpfs as everywhere, and on
 * bench/fuse-floor.c (a reference, like the user-space file systems of the
 * issue): the rate no FUSE file system can beat on this machine.
 */
async function roundTripWorkload(o: Options, exe: string, base: string, tmp: string): Promise<Line[]> {
  const calls = o.quick ? 20_000 : 100_000;
  const floorExe = buildC(tmp, 'fuse-floor');
  const name = 'getxattr of an absent attribute (one round trip)';
  const c: Collected = new Map();
  const floor: number[] = [];
  const measure = (dir: string): number => rate(fsbench(exe, ['xattr', dir, calls])[0]!);
  for (let run = 0; run < o.runs; run++) {
    progress(`round trip run ${run + 1}/${o.runs}`);
    for (const kind of order(run)) await withMount(kind, base, (m) => record(c, kind, name, 'ops/s', measure(m.dir)));
    const dir = fs.mkdtempSync(path.join(base, 'floor-'));
    sh(floorExe, [dir]);
    active.add(dir);
    try {
      floor.push(measure(dir));
    } finally {
      unmountDir(dir);
    }
  }
  const lines = toLines('round trip', c);
  for (const l of lines) l.references = { [FLOOR]: stats(floor, true).median };
  return lines;
}

/** Times one command (spawned directly, output discarded); exit status 0 (or 1 for grep: no match) expected. */
function timeCommand(cmd: string, args: string[], cwd?: string, okStatus = [0]): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.error) throw r.error;
  if (!okStatus.includes(r.status ?? -1)) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return seconds;
}

/**
 * Mounting and unmounting an empty volume with the commands a user types (`memefs DIR`, `memefs
 * unmount DIR`), against `mount -t tmpfs` and `umount`: seconds until each command returns.
 */
async function mountWorkload(o: Options, base: string): Promise<Line[]> {
  const c: Collected = new Map();
  const runs = Math.max(o.runs, 3);
  for (let run = 0; run < runs; run++) {
    for (const kind of order(run)) {
      progress(`mount and unmount run ${run + 1}/${runs} on ${kind}`);
      const dir = fs.mkdtempSync(path.join(base, `${kind}-`));
      active.add(dir);
      try {
        const memefs = kind === 'memefs';
        record(c, kind, 'mount (until the command returns)', 's', memefs
          ? timeCommand(process.execPath, [MEMEFS, dir, '-s', SIZE])
          : timeCommand('mount', ['-t', 'tmpfs', '-o', `size=${SIZE}`, 'tmpfs', dir]), false);
        const pid = memefs ? (JSON.parse(fs.readFileSync(path.join('/run/memefs', encodeURIComponent(dir) + '.json'), 'utf8')) as { pid: number }).pid : 0;
        record(c, kind, 'unmount (until the command returns)', 's', memefs ? timeCommand(process.execPath, [MEMEFS, 'unmount', dir]) : timeCommand('umount', [dir]), false);
        if (pid) await waitExit(pid, 30_000);
      } finally {
        unmountDir(dir);
      }
    }
  }
  return toLines('mount', c);
}

interface RealResult {
  lines: Line[];
  tree: { source: string; files: number; bytes: number };
}

/**
 * Real work on a source tree (z.tree) with the real tools, then the sequential and the parallel
 * small-file lines of fsbench.
 */
async function realWorkload(o: Options, exe: string, base: string, tmp: string, group = 'real work'): Promise<RealResult> {
  const z = sizes(o.quick);
  // The source tree, packed once on the local disk (and read once, so the archive itself comes from the page cache).
  const tarball = path.join(tmp, 'tree.tar');
  const parent = path.dirname(z.tree);
  const leaf = path.basename(z.tree);
  sh('tar', ['-cf', tarball, '-C', parent, leaf]);
  fs.readFileSync(tarball);
  const files = Number(sh('bash', ['-c', `tar -tvf ${tarball} | grep -c '^-'`]).trim());
  const bytes = fs.statSync(tarball).size;
  const c: Collected = new Map();
  const refs = new Map<string, Map<string, number[]>>(); // reference -> line -> values
  /** The steps on one mounted file system; `rec` takes each line's value. */
  const steps = (dir: string, rec: (name: string, unit: string, value: number, higherIsBetter?: boolean) => void, reference?: string) => {
    const tree = path.join(dir, leaf);
    const t = (name: string, cmd: string, args: string[], ok?: number[]) => {
      try {
        rec(name, 's', timeCommand(cmd, args, dir, ok), false);
      } catch (e) {
        if (reference === undefined) throw e;
        progress(`${reference}: ${name} failed, left out: ${(e as Error).message.split('\n')[0]}`);
      }
    };
    t('tar -x (unpack tree)', 'tar', ['-xf', tarball, '-C', dir]);
    t('find -type f', 'find', [tree, '-type', 'f']);
    t('grep -r', 'grep', ['-r', '-c', 'include', tree], [0, 1]);
    t('du -s', 'du', ['-s', tree]);
    t('tar -c (pack tree)', 'tar', ['-cf', path.join(dir, 'back.tar'), '-C', dir, leaf]);
    t('cp -a (copy tree within the disk)', 'cp', ['-a', tree, path.join(dir, 'copy')]);
    t('rm -rf (tree, its copy, the tar)', 'rm', ['-rf', tree, path.join(dir, 'copy'), path.join(dir, 'back.tar')]);
    const run = reference === undefined ? fsbench : (e: string, a: (string | number)[]) => fsbenchPartial(reference, e, a);
    for (const s of run(exe, ['seq', dir, z.seqSize, MiB])) {
      const label = s.test === 'seq_write' ? `sequential write ${z.seqSize / MiB} MiB (1 MiB blocks, fsync)`
        : s.test === 'seq_read' ? `sequential read ${z.seqSize / MiB} MiB (1 MiB blocks)`
        : `sequential read ${z.seqSize / MiB} MiB, page cache dropped first`;
      rec(label, 'MiB/s', rate(s));
    }
    for (const s of run(exe, ['par', dir, z.parProcs, z.parFiles, z.parSize])) {
      rec(`${z.parProcs} processes: ${s.test === 'par_small_write' ? 'write' : 'read'} ${z.parFiles} files of ${z.parSize / 1024} KiB each`, 'files/s', s.ops / s.seconds);
    }
  };
  const runs = Math.max(z.realRuns, Math.min(o.runs, 3));
  for (let run = 0; run < runs; run++) {
    for (const kind of order(run)) {
      progress(`${group} run ${run + 1}/${runs} on ${kind}`);
      await withMount(kind, base, (m) => steps(m.dir, (name, unit, value, hib) => record(c, kind, name, unit, value, hib)));
    }
    for (const ref of REFERENCES_RUN) {
      progress(`${group} run ${run + 1}/${runs} on ${ref.name}`);
      if (!refs.has(ref.name)) refs.set(ref.name, new Map());
      const values = refs.get(ref.name)!;
      withReference(ref, base, (dir) => steps(dir, (name, _unit, value) => values.set(name, [...(values.get(name) ?? []), value]), ref.name));
    }
  }
  const lines = toLines(group, c);
  addReferences(lines, refs);
  return { lines, tree: { source: z.tree, files, bytes } };
}

export interface MemoryResult {
  emptyRss: number;
  large: { bytes: number; rss: number; rssPerByte: number };
  emptyFiles: { files: number; rss: number; bytesPerFile: number };
  smallFiles: { files: number; size: number; rss: number; bytesPerFile: number };
  afterDelete: { rss: number; ratioToEmpty: number; ratioToWarmEmpty: number };
  /** RSS of the empty volume after a warm-up (2,000 small files written and deleted): code compiled, heap grown once. */
  warmEmptyRss: number;
}

/** RSS of the daemon once it has settled (it collects freed memory right after large deletions). */
async function settledRss(pid: number): Promise<number> {
  let last = rssBytes(pid);
  for (let i = 0; i < 20; i++) {
    await sleep(150);
    const now = rssBytes(pid);
    if (Math.abs(now - last) < 256 * 1024) return now;
    last = now;
  }
  return last;
}

async function memoryWorkload(o: Options, exe: string, base: string): Promise<MemoryResult> {
  const z = sizes(o.quick);
  progress('memory on memefs');
  return withMount('memefs', base, async (m) => {
    fs.statSync(m.dir);
    const emptyRss = await settledRss(m.pid);
    const sync = () => sh('sync', ['-f', m.dir]);

    const bigDir = path.join(m.dir, 'large');
    fs.mkdirSync(bigDir);
    fsbench(exe, ['make', bigDir, 1, z.memLarge]);
    sync();
    const largeRss = await settledRss(m.pid);
    fs.rmSync(bigDir, { recursive: true });
    const afterLarge = await settledRss(m.pid);

    // Warm-up: the daemon compiles its handlers and grows its heap once; that is not memory kept for data.
    const warmDir = path.join(m.dir, 'warm');
    fs.mkdirSync(warmDir);
    fsbench(exe, ['make', warmDir, 2000, 1024]);
    sh('rm', ['-rf', warmDir]);
    const warmEmptyRss = await settledRss(m.pid);

    const emptyDir = path.join(m.dir, 'empty');
    fs.mkdirSync(emptyDir);
    fsbench(exe, ['make', emptyDir, z.memFiles, 0]);
    sync();
    const emptyFilesRss = await settledRss(m.pid);
    sh('rm', ['-rf', emptyDir]);

    const smallDir = path.join(m.dir, 'small');
    const smallSize = 1024;
    fs.mkdirSync(smallDir);
    const beforeSmall = await settledRss(m.pid);
    fsbench(exe, ['make', smallDir, z.memFiles, smallSize]);
    sync();
    const smallRss = await settledRss(m.pid);
    sh('rm', ['-rf', smallDir]);
    await sleep(500);
    const afterAll = await settledRss(m.pid);
    progress(`memory: empty ${mb(emptyRss)}, after large delete ${mb(afterLarge)}, warmed-up empty ${mb(warmEmptyRss)}, after all ${mb(afterAll)}`);
    return {
      emptyRss,
      large: { bytes: z.memLarge, rss: largeRss, rssPerByte: (largeRss - emptyRss) / z.memLarge },
      emptyFiles: { files: z.memFiles, rss: emptyFilesRss, bytesPerFile: (emptyFilesRss - emptyRss) / z.memFiles },
      smallFiles: { files: z.memFiles, size: smallSize, rss: smallRss, bytesPerFile: (smallRss - beforeSmall) / z.memFiles },
      afterDelete: { rss: afterAll, ratioToEmpty: afterAll / emptyRss, ratioToWarmEmpty: afterAll / warmEmptyRss },
      warmEmptyRss,
    };
  });
}

const mb = (b: number) => `${(b / MiB).toFixed(1)} MiB`;

// ---- environment --------------------------------------------------------------

function firstLine(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\n')[0]!.trim();
  } catch {
    return 'unknown';
  }
}

function memfsVersion(): string {
  try {
    return (JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', 'memfs', 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

function environment() {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
  const read = (f: string) => { try { return fs.readFileSync(f, 'utf8').trim(); } catch { return 'unknown'; } };
  return {
    date: new Date().toISOString(),
    host: os.hostname(),
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    memoryBytes: os.totalmem(),
    kernel: `${os.type()} ${os.release()} ${os.machine()}`,
    loadAverageAtStart: os.loadavg(),
    node: process.version,
    memefs: { version: pkg.version, commit: firstLine('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD']),
      dirty: firstLine('git', ['-C', ROOT, 'status', '--porcelain', '--untracked-files=no', 'src']) !== '' },
    cc: firstLine('cc', ['--version']),
    tar: firstLine('tar', ['--version']),
    grep: firstLine('grep', ['--version']),
    fuseMaxPagesLimit: read('/proc/sys/fs/fuse/max_pages_limit'),
    dirtyRatio: read('/proc/sys/vm/dirty_ratio'),
  };
}

// ---- report -----------------------------------------------------------------

function fmt(v: number): string {
  if (v >= 100) return Math.round(v).toLocaleString('en-US');
  if (v >= 1) return v.toFixed(2);
  return v.toFixed(4);
}

function geomean(xs: number[]): number {
  return Math.exp(xs.reduce((s, x) => s + Math.log(x), 0) / xs.length);
}

export interface Target {
  what: string;
  value: string;
  goal: string;
  met: boolean;
}

/** Issue 13's goals for the real-work lines, quiet and loaded: memefs/tmpfs of each line. */
function realTarget(l: Line, loaded: boolean): Target | null {
  if (!likeForLike(l)) return null;
  const goal = l.name.startsWith('sequential write') ? 0.6 : l.name.startsWith('sequential read') ? 0.5 : 0.4;
  return { what: `${l.name} memefs/tmpfs${loaded ? ', CPUs busy' : ''}`, value: l.ratio.toFixed(3), goal: `>= ${goal}`, met: l.ratio >= goal };
}

function targets(fsb: Line[], loaded: Line[], real: Line[], realLoaded: Line[], mem: MemoryResult | null, api: Line[]): Target[] {
  const t: Target[] = [];
  for (const l of fsb) {
    if (!l.references) continue;
    const refs = Object.entries(l.references).filter(([k]) => !k.startsWith('tmpfs') && !k.startsWith('memefs'));
    const best = Math.max(...refs.map(([, v]) => v));
    t.push({ what: `${l.name} faster than the user-space references`, value: `${fmt(l.memefs.median)} ${l.unit}`, goal: `> ${fmt(best)}`, met: l.memefs.median > best });
  }
  if (fsb.length) {
    const g = geomean(fsb.map((l) => l.ratio));
    t.push({ what: 'geometric mean memefs/tmpfs over the fsbench lines', value: g.toFixed(3), goal: '>= 0.5', met: g >= 0.5 });
  }
  if (loaded.length) {
    const g = geomean(loaded.map((l) => l.ratio));
    t.push({ what: 'geometric mean memefs/tmpfs over the fsbench lines, CPUs busy', value: g.toFixed(3), goal: '>= 0.5', met: g >= 0.5 });
  }
  for (const l of fsb) if (CACHED.has(l.name)) t.push({ what: `${l.name} (kernel cache) memefs/tmpfs`, value: l.ratio.toFixed(3), goal: '>= 0.8', met: l.ratio >= 0.8 });
  for (const [lines, busy] of [[real, false], [realLoaded, true]] as const) {
    for (const l of lines) {
      const g = realTarget(l, busy);
      if (g) t.push(g);
    }
  }
  if (mem) {
    t.push({ what: 'RSS per stored byte, large file', value: mem.large.rssPerByte.toFixed(3), goal: '<= 1.05', met: mem.large.rssPerByte <= 1.05 });
    t.push({ what: `RSS per empty file at ${mem.emptyFiles.files.toLocaleString('en-US')} files`, value: `${Math.round(mem.emptyFiles.bytesPerFile)} B`, goal: '<= 1024 B', met: mem.emptyFiles.bytesPerFile <= 1024 });
    t.push({ what: 'RSS after deleting everything / empty volume', value: mem.afterDelete.ratioToEmpty.toFixed(3), goal: '<= 1.10', met: mem.afterDelete.ratioToEmpty <= 1.1 });
  }
  for (const l of api) t.push({ what: `node:fs API ${l.name}: memefs/memfs`, value: l.ratio.toFixed(3), goal: '>= 1', met: l.ratio >= 1 });
  return t;
}

/** Whether a line compares like with like (tmpfs has no page cache to drop). */
function likeForLike(l: Line): boolean {
  return !l.name.includes('dropped');
}

/** Each reference measured in this run: its geometric mean against tmpfs over the lines it completed. */
function referenceMeans(lines: Line[]): string {
  const names = [...new Set(lines.flatMap((l) => Object.keys(l.references ?? {}).filter((k) => k.endsWith('(this run)'))))];
  return names.map((n) => {
    const ratios = lines.filter(likeForLike).flatMap((l) => {
      const v = l.references?.[n];
      if (v === undefined) return [];
      return [l.higherIsBetter ? v / l.tmpfs.median : l.tmpfs.median / v];
    });
    return `; ${n.replace(' (this run)', '')} ${geomean(ratios).toFixed(3)} (${ratios.length} lines)`;
  }).join('');
}

function table(lines: Line[]): string {
  // References measured in this run (libfuse's memfs_ll), as extra columns.
  const refNames = [...new Set(lines.flatMap((l) => Object.keys(l.references ?? {}).filter((k) => k.endsWith('(this run)'))))];
  const rows = [['line', 'unit', 'memefs median', 'memefs best', 'tmpfs median', 'tmpfs best', 'memefs/tmpfs', ...refNames.map((n) => `${n.replace(' (this run)', '')} median`)]];
  for (const l of lines) {
    rows.push([l.name, l.unit, fmt(l.memefs.median), fmt(l.memefs.best), fmt(l.tmpfs.median), fmt(l.tmpfs.best), l.ratio.toFixed(3),
      ...refNames.map((n) => (l.references?.[n] === undefined ? '-' : fmt(l.references[n]!)))]);
  }
  const w = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i < 2 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  ')).join('\n');
}

/** The node:fs API lines: memefs against memfs, with node:fs on tmpfs for scale. */
function apiTable(lines: Line[]): string {
  const rows = [['call', 'unit', 'memefs median', 'memefs best', 'memfs median', 'memfs best', 'node:fs on tmpfs', 'memefs/memfs']];
  for (const l of lines) {
    rows.push([l.name, l.unit, fmt(l.memefs.median), fmt(l.memefs.best), l.memfs ? fmt(l.memfs.median) : '-', l.memfs ? fmt(l.memfs.best) : '-', fmt(l.tmpfs.median), l.ratio.toFixed(3)]);
  }
  const w = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i < 2 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  ')).join('\n');
}

// ---- main -------------------------------------------------------------------

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  if (process.getuid?.() !== 0) throw new Error('the benchmark mounts tmpfs and memefs: run it as root');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'memefs-bench-'));
  const base = path.join(tmp, 'mnt');
  fs.mkdirSync(base);
  const onSignal = (sig: NodeJS.Signals) => {
    cleanupAll();
    fs.rmSync(tmp, { recursive: true, force: true });
    process.kill(process.pid, sig);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const started = Date.now();
  const env = environment();
  try {
    const exe = buildC(tmp, 'fsbench');
    if (memfsLl === undefined && (['fsbench', 'loaded', 'real', 'realloaded'].some((g) => o.only.has(g)))) {
      progress(`libfuse memfs_ll skipped: set MEMEFS_BENCH_MEMFS_LL to its binary (docs/transport.md says how to build it)`);
    }
    const fsb = o.only.has('fsbench') ? await fsbenchWorkload(o, exe, base) : [];
    const loaded = o.only.has('loaded') ? await underLoad(() => fsbenchWorkload(o, exe, base, 'fsbench, loaded')) : [];
    const roundTrip = o.only.has('roundtrip') ? await roundTripWorkload(o, exe, base, tmp) : [];
    const realResult = o.only.has('real') ? await realWorkload(o, exe, base, tmp) : null;
    const real = realResult?.lines ?? [];
    const realLoadedResult = o.only.has('realloaded') ? await underLoad(() => realWorkload(o, exe, base, tmp, 'real work, loaded')) : null;
    const realLoaded = realLoadedResult?.lines ?? [];
    const memory = o.only.has('memory') ? await memoryWorkload(o, exe, base) : null;
    const mounting = o.only.has('mount') ? await mountWorkload(o, base) : [];
    const fat = o.only.has('fat')
      ? await fatWorkload({ timeCommand, stats, unmountDir, waitExit, progress, memefs: MEMEFS }, tmp, o.quick, Math.max(o.runs, 3))
      : null;
    const nodeApi = o.only.has('node')
      ? await runNodeApi({ quick: o.quick, runs: o.runs, withTmpfs: (fn) => withMount('tmpfs', base, (m) => fn(m.dir)) })
      : null;
    const all = [...fsb, ...loaded, ...roundTrip, ...real, ...realLoaded, ...mounting, ...(nodeApi ?? [])];
    const goals = targets(fsb, loaded, real, realLoaded, memory, nodeApi ?? []);
    const result = {
      command: `npm run bench${process.argv.length > 2 ? ' -- ' + process.argv.slice(2).join(' ') : ''}`,
      mode: o.quick ? 'quick' : 'full',
      runs: o.runs,
      sizes: sizes(o.quick),
      environment: { ...env, loadAverageAtEnd: os.loadavg(), seconds: (Date.now() - started) / 1000 },
      fsbench: fsb,
      fsbenchGeomeanRatio: fsb.length ? geomean(fsb.map((l) => l.ratio)) : null,
      /** The same lines with as many CPU-bound processes as CPUs running, on both file systems. */
      fsbenchLoaded: loaded,
      fsbenchLoadedGeomeanRatio: loaded.length ? geomean(loaded.map((l) => l.ratio)) : null,
      /** One FUSE round trip on memefs and tmpfs; references: the same on a C daemon that only answers. */
      roundTrip,
      realWork: real,
      /** The real-work lines with as many CPU-bound processes as CPUs running, on both file systems. */
      realWorkLoaded: realLoaded,
      /** Seconds for `memefs DIR` and `memefs unmount DIR` to return, against mount -t tmpfs and umount. */
      mount: mounting,
      tree: (realResult ?? realLoadedResult)?.tree ?? null,
      memory,
      /** The in-process node:fs API against memfs (bench/node-api.ts): ratio is memefs/memfs; tmpfs is node:fs on tmpfs. */
      nodeApi,
      memfsVersion: nodeApi ? memfsVersion() : null,
      /** FAT image load, save and extract against mtools, and the daemon's RSS over the data (bench/fat.ts). */
      fat,
      targets: goals,
    };
    fs.mkdirSync(o.out, { recursive: true });
    const stamp = env.date.replace(/[:.]/g, '-');
    const json = JSON.stringify(result, null, 2) + '\n';
    const svg = renderSvg(result.environment, all, goals, memory, result.fsbenchGeomeanRatio, result.mode);
    for (const name of [`bench-${stamp}`, 'latest']) {
      fs.writeFileSync(path.join(o.out, `${name}.json`), json);
      fs.writeFileSync(path.join(o.out, `${name}.svg`), svg);
    }
    let text = `memefs vs tmpfs (${result.mode}, ${o.runs} runs; rates: higher is better; "s": seconds, lower is better; ratio > 1: memefs faster)\n`;
    text += `${env.cpu}, ${env.cores} cores, ${os.release()}, Node ${process.version}, memefs ${env.memefs.version} ${env.memefs.commit}${env.memefs.dirty ? '+changes' : ''}\n`;
    text += `load average at start ${env.loadAverageAtStart.map((x) => x.toFixed(2)).join(' ')}, at end ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}\n\n`;
    if (fsb.length) text += table(fsb) + `\n\ngeometric mean of memefs/tmpfs over the fsbench lines: ${result.fsbenchGeomeanRatio!.toFixed(3)}${referenceMeans(fsb)}\n\n`;
    if (loaded.length) {
      text += `with ${os.availableParallelism()} CPU-bound processes running (yes > /dev/null each), on both:\n` + table(loaded) +
        `\n\ngeometric mean of memefs/tmpfs over the loaded fsbench lines: ${result.fsbenchLoadedGeomeanRatio!.toFixed(3)}${referenceMeans(loaded)}\n\n`;
    }
    for (const l of roundTrip) {
      const us = (rate: number) => (1e6 / rate).toFixed(1);
      const floorRate = l.references![FLOOR]!;
      text += `round trip (${l.name}): memefs ${us(l.memefs.median)} us, ${FLOOR} ${us(floorRate)} us, tmpfs ${us(l.tmpfs.median)} us per call ` +
        `(memefs/floor rate ${(l.memefs.median / floorRate).toFixed(3)})\n\n`;
    }
    const tree = result.tree ? `(tree: ${result.tree.source}, ${result.tree.files} files, ${mb(result.tree.bytes)} as tar)` : '';
    const realMean = (lines: Line[]) => `geometric mean of memefs/tmpfs over the real-work lines: ${geomean(lines.filter(likeForLike).map((l) => l.ratio)).toFixed(3)}${referenceMeans(lines)}`;
    if (real.length) text += table(real) + `\n${tree}\n${realMean(real)}\n\n`;
    if (realLoaded.length) text += `real work with ${os.availableParallelism()} CPU-bound processes running, on both:\n` + table(realLoaded) + `\n${tree}\n${realMean(realLoaded)}\n\n`;
    if (mounting.length) text += table(mounting) + '\n\n';
    if (nodeApi?.length) {
      text += `node:fs API, in process: memefs API vs memfs ${memfsVersion()} (ops/s, median of ${nodeApi[0]!.memefs.runs.length} runs; node:fs on tmpfs for scale; ratio > 1: memefs faster)\n`;
      text += apiTable(nodeApi) + '\n\n';
    }
    if (fat) text += fatText(fat) + '\n';
    if (memory) {
      text += `memory (RSS of the memefs daemon): empty volume ${mb(memory.emptyRss)}; ` +
        `${mb(memory.large.bytes)} file: ${mb(memory.large.rss)} = ${memory.large.rssPerByte.toFixed(3)} B of RSS per stored byte; ` +
        `${memory.emptyFiles.files} empty files: ${Math.round(memory.emptyFiles.bytesPerFile)} B per file; ` +
        `${memory.smallFiles.files} files of ${memory.smallFiles.size} B: ${Math.round(memory.smallFiles.bytesPerFile)} B per file; ` +
        `after deleting everything: ${mb(memory.afterDelete.rss)} (${memory.afterDelete.ratioToEmpty.toFixed(3)} x the fresh empty volume, ` +
        `${memory.afterDelete.ratioToWarmEmpty.toFixed(3)} x the empty volume after a 2,000-file warm-up, ${mb(memory.warmEmptyRss)})\n\n`;
    }
    text += 'targets:\n' + goals.map((g) => `  ${g.met ? 'met ' : 'MISS'}  ${g.what}: ${g.value} (goal ${g.goal})`).join('\n') + '\n';
    text += `\nresults: ${path.join(o.out, `bench-${stamp}.json`)} and .svg (also latest.json, latest.svg); ${((Date.now() - started) / 1000).toFixed(0)} s\n`;
    process.stdout.write(text);
  } finally {
    cleanupAll();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  main().catch((e) => {
    cleanupAll();
    process.stderr.write(`bench: ${(e as Error).stack ?? e}\n`);
    process.exit(1);
  });
}
