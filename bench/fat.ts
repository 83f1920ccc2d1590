/**
 * FAT images: memefs against mtools on the same image, in the same run (`npm run bench -- --only fat`).
 *
 * A tree of files of mixed sizes (full: 2,200 files, 512 MiB; quick: 600 files, 64 MiB) is put into a
 * FAT32 image made by mkfs.fat with `mcopy -s`. Each run then times, alternating:
 *   - load: `memefs DIR --image IMG` until the command returns (the volume is loaded and mounted),
 *     against `mcopy -s` of the whole image out to a directory on the local disk;
 *   - save: `memefs save DIR` (the image rewritten and flushed), against `mcopy -s` of the tree into a
 *     fresh image (mtools does not flush);
 * and reads the daemon's RSS after the load and after the save (once settled), and its peak, against the data stored.
 * Issue 19's goals: load and save at most 2x mtools's time, RSS after either at most 1.3x the data.
 */
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface FatBenchLine {
  name: string;
  memefs: number;
  mtools: number;
  /** memefs / mtools (seconds: lower is better). */
  ratio: number;
}

export interface FatBenchResult {
  files: number;
  bytes: number;
  runs: number;
  lines: FatBenchLine[];
  /** Daemon RSS (bytes) over the data stored: medians, and the worst peak. */
  rssAfterLoad: number;
  rssAfterSave: number;
  peakRss: number;
}

const median = (v: number[]): number => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

function timed(cmd: string, args: string[]): number {
  const t = process.hrtime.bigint();
  execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  return Number(process.hrtime.bigint() - t) / 1e9;
}

function statusKiB(pid: number, field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

/**
 * RSS once the daemon's memory stopped moving (a collection frees big buffers on a background thread
 * a little after the command returns): readings 200 ms apart within 1%, at most 3 s.
 */
async function settledRss(pid: number): Promise<number> {
  let last = statusKiB(pid, 'VmRSS');
  for (let i = 0; i < 15; i++) {
    await new Promise((r) => setTimeout(r, 200));
    const now = statusKiB(pid, 'VmRSS');
    if (Math.abs(now - last) <= last / 100) return now;
    last = now;
  }
  return last;
}

/** Writes the tree: `files` files whose sizes add up to `bytes`, 60% small (under 64 KiB), in 40 folders. */
function makeTree(dir: string, files: number, bytes: number): void {
  const blob = crypto.randomBytes(4 << 20);
  let seed = 1;
  const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const sizes = Array.from({ length: files }, () => (random() < 0.6 ? 100 + random() * 65_436 : 65_536 + random() * 958_464));
  const scale = bytes / sizes.reduce((a, b) => a + b, 0);
  for (let i = 0; i < files; i++) {
    const size = Math.min(Math.floor(sizes[i]! * scale), blob.length);
    const sub = path.join(dir, `d${String(i % 40).padStart(2, '0')}`);
    fs.mkdirSync(sub, { recursive: true });
    const at = Math.floor(random() * (blob.length - size));
    fs.writeFileSync(path.join(sub, `file${String(i).padStart(5, '0')}.bin`), blob.subarray(at, at + size));
  }
}

export async function runFatBench(opts: { quick: boolean; runs: number; tmp: string; memefs: string; progress: (s: string) => void }): Promise<FatBenchResult> {
  const files = opts.quick ? 600 : 2200;
  const bytes = opts.quick ? 64 << 20 : 512 << 20;
  const imageKiB = Math.ceil((bytes * 1.17) / 1024 / 1024) * 1024;
  const work = path.join(opts.tmp, 'fat');
  const tree = path.join(work, 'tree');
  const image = path.join(work, 'img');
  const mnt = path.join(work, 'mnt');
  const out = path.join(work, 'out');
  fs.mkdirSync(tree, { recursive: true });
  fs.mkdirSync(mnt);
  opts.progress(`fat: writing ${files} files of ${bytes >> 20} MiB in all`);
  makeTree(tree, files, bytes);
  const entries = fs.readdirSync(tree).map((e) => path.join(tree, e));
  const fresh = (file: string): void => {
    fs.rmSync(file, { force: true });
    execFileSync('mkfs.fat', ['-F', '32', '-C', file, String(imageKiB)], { stdio: 'ignore' });
  };
  fresh(image);
  execFileSync('mcopy', ['-s', '-i', image, ...entries, '::/']);
  const t = { load: [] as number[], save: [] as number[], out: [] as number[], in: [] as number[] };
  const rss = { load: [] as number[], save: [] as number[], peak: 0 };
  try {
    for (let run = 0; run < opts.runs; run++) {
      opts.progress(`fat run ${run + 1}/${opts.runs}`);
      fs.rmSync(out, { recursive: true, force: true });
      fs.mkdirSync(out);
      t.out.push(timed('mcopy', ['-s', '-i', image, '::/', out]));
      const copy = path.join(work, 'img-in');
      fresh(copy);
      t.in.push(timed('mcopy', ['-s', '-i', copy, ...entries, '::/']));
      const mine = path.join(work, 'img-memefs');
      fs.copyFileSync(image, mine);
      execFileSync('sync'); // an image that is not still being written back, as a user's usually is
      t.load.push(timed(process.execPath, [opts.memefs, mnt, '--image', mine]));
      try {
        const state = JSON.parse(fs.readFileSync(path.join('/run/memefs', encodeURIComponent(mnt) + '.json'), 'utf8')) as { pid: number };
        rss.load.push(await settledRss(state.pid));
        t.save.push(timed(process.execPath, [opts.memefs, 'save', mnt]));
        rss.save.push(await settledRss(state.pid));
        rss.peak = Math.max(rss.peak, statusKiB(state.pid, 'VmHWM'));
      } finally {
        execFileSync(process.execPath, [opts.memefs, 'unmount', mnt], { stdio: 'ignore' });
      }
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  const line = (name: string, memefs: number[], mtools: number[]): FatBenchLine => ({ name, memefs: median(memefs), mtools: median(mtools), ratio: median(memefs) / median(mtools) });
  return {
    files, bytes, runs: opts.runs,
    lines: [line('load: memefs --image / mcopy -s out (s)', t.load, t.out), line('save: memefs save / mcopy -s in (s)', t.save, t.in)],
    rssAfterLoad: median(rss.load) / bytes, rssAfterSave: median(rss.save) / bytes, peakRss: rss.peak / bytes,
  };
}

export function fatTable(r: FatBenchResult): string {
  let text = `FAT32 image, ${r.files} files, ${(r.bytes / 2 ** 20).toFixed(0)} MiB of data, medians of ${r.runs} runs:\n`;
  for (const l of r.lines) text += `  ${l.name.padEnd(42)} ${l.memefs.toFixed(2).padStart(7)} ${l.mtools.toFixed(2).padStart(7)}  memefs/mtools ${l.ratio.toFixed(2)} (goal <= 2)\n`;
  text += `  daemon RSS / data: after load ${r.rssAfterLoad.toFixed(2)}, after save ${r.rssAfterSave.toFixed(2)} (goal <= 1.3); peak ${r.peakRss.toFixed(2)}\n`;
  return text;
}
