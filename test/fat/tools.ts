/** Runs the independent checkers (dosfstools, mtools) on image files, for the FAT tests. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Run {
  status: number;
  stdout: string;
  stderr: string;
}

export function run(cmd: string, args: string[], env: Record<string, string> = {}): Run {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, PATH: `${process.env.PATH ?? ''}:/usr/sbin:/sbin`, LC_ALL: 'C.UTF-8', MTOOLS_SKIP_CHECK: '1', ...env } });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export function mustRun(cmd: string, args: string[]): string {
  const r = run(cmd, args);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** What fsck.fat -n -v says beyond its version, the boot sector description and the summary: must be nothing. */
export function fsckComplaints(img: string): { status: number; complaints: string[] } {
  const r = run('fsck.fat', ['-n', '-v', img]);
  const lines = (r.stdout + r.stderr).split('\n');
  const complaints = lines.filter((l) => {
    if (l.trim() === '') return false;
    if (/^fsck\.fat \d/.test(l)) return false;
    if (/^Checking (we can access|for unused clusters|file)/.test(l)) return false;
    if (/^Boot sector contents:|^System ID|^Media byte|^\s+\d+ |^First FAT|^Root directory|^Data area|^\d+ sectors\/track|^Checking free cluster summary/.test(l)) return false;
    if (/: \d+ files, \d+\/\d+ clusters$/.test(l)) return false;
    if (/^\s*\d+ (bytes|sectors|root|hidden|FATs|data|reserved)/.test(l)) return false;
    if (/^Volume label|^Label/.test(l) && !/differ|but|no volume/i.test(l)) return false;
    return true;
  });
  return { status: r.status, complaints };
}

export function tempDir(prefix = 'memefs-fat-'): { path: string; cleanup: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}
