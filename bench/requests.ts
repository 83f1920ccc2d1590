/**
 * Requests per operation: runs fsbench's file and rdwr tests (and the parallel one) on a fresh
 * memefs mount with the request log on, cuts the log into tests at fsbench's marks
 * (FSBENCH_MARK), and prints, per test, the FUSE requests one operation costs, by opcode, with the
 * daemon's mean time per request (the log's own timing: from the handler's start to its reply
 * written, logging excluded). The log slows the daemon down, so rates are not printed: use
 * `npm run bench` for those.
 *
 * With --real TREE, the same for the real-work steps of the bench (tar -x, find, grep -r, du, tar -c,
 * cp -a, rm -rf) on a copy of TREE: requests per file of the tree, and the daemon's CPU time per
 * step (all its threads, from /proc/PID/task/* /stat; 10 ms ticks).
 *
 *   node dist/bench/requests.js [FILES | --real TREE] [-- memefs options...]
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));
const MEMEFS = path.join(ROOT, 'bin', 'memefs.js');

interface Sample { test: string; ops: number }
interface Tally { count: number; us: number }

function sh(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env, maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr.trim() || r.signal}`);
  return r.stdout;
}

/** Cuts the log at the marks: test name -> opcode -> tally. Requests after the last mark are dropped. */
function tallies(log: string): Map<string, Map<string, Tally>> {
  const out = new Map<string, Map<string, Tally>>();
  let current = new Map<string, Tally>();
  for (const line of log.split('\n')) {
    const m = / ([A-Z_0-9]+) node=\d+(.*) -> \S+ ([\d.]+)us$/.exec(line);
    if (m === null) continue;
    const mark = /name="fsbench-mark-([^"]+)"/.exec(m[2]!);
    if (m[1] === 'LOOKUP' && mark !== null) {
      out.set(mark[1]!, current);
      current = new Map();
      continue;
    }
    const t = current.get(m[1]!) ?? { count: 0, us: 0 };
    t.count++;
    t.us += Number(m[3]);
    current.set(m[1]!, t);
  }
  return out;
}

/** Milliseconds of CPU the process has used, over all its threads. */
function cpuMs(pid: number): number {
  let ticks = 0;
  for (const t of fs.readdirSync(`/proc/${pid}/task`)) {
    const stat = fs.readFileSync(`/proc/${pid}/task/${t}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from the 3rd on
    ticks += Number(f[11]) + Number(f[12]); // utime, stime (fields 14 and 15)
  }
  return ticks * 10;
}

/** One line per step: requests per file of the tree by opcode, and the daemon's CPU for the step. */
function printPerFile(byTest: Map<string, Map<string, Tally>>, steps: string[], files: number, cpu: Map<string, number>): void {
  for (const step of steps) {
    const t = byTest.get(step);
    if (t === undefined) continue;
    let n = 0;
    for (const v of t.values()) n += v.count;
    const parts = [...t].sort((a, b) => b[1].count - a[1].count).map(([op, v]) => `${op} ${(v.count / files).toFixed(2)}`);
    process.stdout.write(`${step.padEnd(8)} ${(n / files).toFixed(2).padStart(6)} req/file  daemon ${String(cpu.get(step)).padStart(5)} ms  ${parts.join(', ')}\n`);
  }
}

/** The real-work steps of bench/run.ts on a copy of `tree`, each followed by a mark. */
function realSteps(tree: string, files: number, extra: string[]): void {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'memefs-requests-'));
  const tarball = path.join(tmp, 'tree.tar');
  sh('tar', ['-cf', tarball, '-C', path.dirname(tree), path.basename(tree)]);
  const mnt = path.join(tmp, 'mnt');
  const log = path.join(tmp, 'requests.log');
  fs.mkdirSync(mnt);
  sh(process.execPath, [MEMEFS, mnt, '-D', log, ...extra]);
  const pid = (JSON.parse(fs.readFileSync(path.join('/run/memefs', encodeURIComponent(mnt) + '.json'), 'utf8')) as { pid: number }).pid;
  const copy = path.join(mnt, path.basename(tree));
  const steps: [string, string, string[]][] = [
    ['tar-x', 'tar', ['-xf', tarball, '-C', mnt]],
    ['find', 'find', [copy, '-type', 'f']],
    ['grep', 'bash', ['-c', `grep -r -c include ${copy} || true`]],
    ['du', 'du', ['-s', copy]],
    ['tar-c', 'tar', ['-cf', path.join(mnt, 'back.tar'), '-C', mnt, path.basename(tree)]],
    ['cp-a', 'cp', ['-a', copy, path.join(mnt, 'copy')]],
    ['rm-rf', 'rm', ['-rf', copy, path.join(mnt, 'copy'), path.join(mnt, 'back.tar')]],
  ];
  const cpu = new Map<string, number>();
  try {
    for (const [name, cmd, args] of steps) {
      const before = cpuMs(pid);
      sh(cmd, args);
      cpu.set(name, cpuMs(pid) - before);
      fs.existsSync(path.join(mnt, `fsbench-mark-${name}`)); // the mark: a LOOKUP of an absent name
    }
  } finally {
    spawnSync(process.execPath, [MEMEFS, 'unmount', mnt], { stdio: 'inherit' });
  }
  printPerFile(tallies(fs.readFileSync(log, 'utf8')), steps.map((s) => s[0]), files, cpu);
  fs.rmSync(tmp, { recursive: true, force: true });
}

function main(): void {
  const argv = process.argv.slice(2);
  const dash = argv.indexOf('--');
  const extra = dash < 0 ? [] : argv.slice(dash + 1);
  if (argv[0] === '--real') {
    const tree = argv[1] ?? '/usr/include/linux';
    realSteps(tree, Number(sh('bash', ['-c', `find ${tree} -type f | wc -l`]).trim()), extra);
    return;
  }
  const files = Number(argv[0] !== undefined && argv[0] !== '--' ? argv[0] : 2000);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'memefs-requests-'));
  const exe = path.join(tmp, 'fsbench');
  sh('cc', ['-O2', '-Wall', '-o', exe, path.join(ROOT, 'bench', 'fsbench.c')]);
  const mnt = path.join(tmp, 'mnt');
  const log = path.join(tmp, 'requests.log');
  fs.mkdirSync(mnt);
  sh(process.execPath, [MEMEFS, mnt, '-D', log, ...extra]);
  const samples: Sample[] = [];
  try {
    const env = { ...process.env, FSBENCH_MARK: '1' };
    const dir = path.join(mnt, 'fsbench');
    fs.mkdirSync(dir);
    const runs = [['files', dir, files, 1, 1], ['rdwr', dir, 4 << 20, 1], ['par', dir, 4, files / 4, 4096]];
    for (const args of runs) {
      for (const l of sh(exe, args.map(String), env).trim().split('\n')) samples.push(JSON.parse(l) as Sample);
    }
  } finally {
    spawnSync(process.execPath, [MEMEFS, 'unmount', mnt], { stdio: 'inherit' });
  }
  const byTest = tallies(fs.readFileSync(log, 'utf8'));
  for (const s of samples) {
    const t = byTest.get(s.test);
    if (t === undefined) continue;
    let n = 0;
    let us = 0;
    for (const v of t.values()) { n += v.count; us += v.us; }
    const parts = [...t].sort((a, b) => b[1].count - a[1].count)
      .map(([op, v]) => `${op} ${(v.count / s.ops).toFixed(2)} (${(v.us / v.count).toFixed(1)}us)`);
    process.stdout.write(`${s.test.padEnd(22)} ${(n / s.ops).toFixed(2).padStart(6)} req/op ${(us / s.ops).toFixed(1).padStart(7)} us/op  ${parts.join(', ')}\n`);
  }
  fs.rmSync(tmp, { recursive: true, force: true });
}

main();
