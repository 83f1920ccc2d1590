/**
 * The C programs of the stress and full-disk tests (test/stress/*.c), compiled
 * once per test process with the machine's cc, and run against a directory.
 */
import { execFileSync, spawn } from 'node:child_process';
import path from 'node:path';
import { ROOT_DIR, tempDir } from './mount.js';

const built = new Map<string, string>();

/** Path of the compiled tool `name` (test/stress/NAME.c). */
export function tool(name: 'fsx' | 'fsstress' | 'concurrency' | 'fullcheck'): string {
  let bin = built.get(name);
  if (bin === undefined) {
    bin = path.join(tempDir(`${name}-bin-`), name);
    const source = path.join(ROOT_DIR, 'test', 'stress', `${name}.c`);
    execFileSync('cc', ['-O2', '-Wall', '-pthread', '-o', bin, source], { stdio: 'pipe' });
    built.set(name, bin);
  }
  return bin;
}

export interface ToolResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a tool asynchronously (so that a test's own timers keep working) with a
 * time limit; the process group is killed when the limit passes.
 */
export function runTool(name: Parameters<typeof tool>[0], args: string[], timeoutMs: number): Promise<ToolResult> {
  const child = spawn(tool(name), args, { cwd: '/', detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  const timer = setTimeout(() => {
    stderr += `\n(killed after ${timeoutMs} ms)`;
    try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* already gone */ }
  }, timeoutMs);
  return new Promise((resolve) => {
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout, stderr });
    });
  });
}

/** Seconds for long stress runs: MEMEFS_STRESS_SECONDS, else the default. */
export function stressSeconds(fallback: number): number {
  const v = Number(process.env.MEMEFS_STRESS_SECONDS);
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

/** fio jobs that write and then verify with crc32c; each group runs after the previous one. */
export function fioJob(dir: string, size: string, jobs: number): string {
  return `[global]
directory=${dir}
ioengine=psync
size=${size}
numjobs=${jobs}
verify=crc32c
verify_fatal=1
do_verify=1
group_reporting=1

[seq-buffered]
rw=write
bs=64k

[rand-buffered]
stonewall
rw=randwrite
bsrange=4k-128k

[seq-direct]
stonewall
rw=write
bs=128k
direct=1

[rand-direct]
stonewall
rw=randwrite
bs=4k
direct=1

[rand-libaio-direct]
stonewall
ioengine=libaio
iodepth=8
rw=randwrite
bs=16k
direct=1

[rand-mmap]
stonewall
ioengine=mmap
rw=randwrite
bs=8k
`;
}
