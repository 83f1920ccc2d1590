/**
 * FAT images at mtools speed and memory (issue 19): the same tree loaded from a
 * FAT32 image (`memefs --image`, against `mcopy -s` out), saved back (`memefs
 * save`, against `mcopy -s` into a fresh image) and extracted (`memefs extract`,
 * against `mcopy -s` out), alternating in the same minutes; and the daemon's
 * RSS after load and its peaks during load and save, as a multiple of the data stored.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Stats } from './run.js';

export interface FatTools {
  timeCommand(cmd: string, args: string[]): number;
  stats(values: number[], higherIsBetter: boolean): Stats;
  unmountDir(dir: string): void;
  waitExit(pid: number, ms: number): Promise<void>;
  progress(text: string): void;
  memefs: string;
}

export interface FatLine {
  name: string;
  memefs: Stats;
  mtools: Stats;
  /** memefs median / mtools median: the issue asks for at most 2. */
  ratio: number;
}

export interface FatResult {
  image: { kib: number; files: number; dataBytes: number };
  lines: FatLine[];
  /** Daemon RSS over data bytes (medians): after load, peak during load, peak during save. */
  rssAfterLoad: number;
  loadPeak: number;
  savePeak: number;
}

const MiB = 1024 * 1024;

/** A tree of `files` files of mixed sizes (most small, some large) adding up to about `bytes`, in 40 x 7 directories. */
function makeTree(dir: string, files: number, bytes: number): number {
  let seed = 19;
  const next = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const weights = Array.from({ length: files }, () => { const r = next(); return r < 0.5 ? next() * 0.01 : r < 0.85 ? next() * 0.2 : next() * 3; });
  const scale = bytes / weights.reduce((a, b) => a + b, 0);
  let total = 0;
  weights.forEach((w, i) => {
    const d = path.join(dir, `d${i % 40}`, `e${i % 7}`);
    fs.mkdirSync(d, { recursive: true });
    const size = Math.max(1, Math.round(w * scale));
    fs.writeFileSync(path.join(d, `file${i}.bin`), randomBytes(size));
    total += size;
  });
  return total;
}

function status(pid: number, field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

export async function fatWorkload(t: FatTools, tmp: string, quick: boolean, runs: number): Promise<FatResult> {
  const kib = quick ? 131072 : 614400;
  const tree = path.join(tmp, 'fat-tree');
  const files = quick ? 500 : 2200;
  t.progress(`fat: making a tree of ${files} files`);
  const dataBytes = makeTree(tree, files, quick ? 96 * MiB : 512e6);
  const top = fs.readdirSync(tree).map((n) => path.join(tree, n));
  const ref = path.join(tmp, 'fat-ref.img');
  const work = path.join(tmp, 'fat-work.img');
  const out = path.join(tmp, 'fat-out');
  const mnt = path.join(tmp, 'fat-mnt');
  const fresh = (img: string) => { fs.rmSync(img, { force: true }); t.timeCommand('mkfs.fat', ['-F', '32', '-C', img, String(kib)]); };
  fresh(ref);
  t.timeCommand('mcopy', ['-s', '-i', ref, ...top, '::']);
  const times = { load: [] as number[], save: [] as number[], extract: [] as number[], in: [] as number[], out: [] as number[] };
  const rss = { load: [] as number[], loadPeak: [] as number[], save: [] as number[] };
  for (let run = 0; run < runs; run++) {
    const steps: (() => Promise<void> | void)[] = [
      () => { fresh(work); times.in.push(t.timeCommand('mcopy', ['-s', '-i', work, ...top, '::'])); },
      () => { fs.mkdirSync(out); times.out.push(t.timeCommand('mcopy', ['-s', '-i', ref, '::/', out + '/'])); fs.rmSync(out, { recursive: true }); },
      () => { times.extract.push(t.timeCommand(process.execPath, [t.memefs, 'extract', ref, out])); fs.rmSync(out, { recursive: true }); },
      async () => {
        fs.copyFileSync(ref, work);
        fs.mkdirSync(mnt, { recursive: true }); // unmountDir removes it
        try {
          times.load.push(t.timeCommand(process.execPath, [t.memefs, '--image', work, mnt]));
          const pid = (JSON.parse(fs.readFileSync(path.join('/run/memefs', encodeURIComponent(mnt) + '.json'), 'utf8')) as { pid: number }).pid;
          rss.load.push(status(pid, 'VmRSS') / dataBytes);
          rss.loadPeak.push(status(pid, 'VmHWM') / dataBytes); // the daemon's peak so far: its load
          fs.writeFileSync(`/proc/${pid}/clear_refs`, '5'); // resets VmHWM: the peak below is the save's
          times.save.push(t.timeCommand(process.execPath, [t.memefs, 'save', mnt]));
          rss.save.push(status(pid, 'VmHWM') / dataBytes);
          t.timeCommand(process.execPath, [t.memefs, 'unmount', mnt]);
          await t.waitExit(pid, 60_000);
        } finally {
          t.unmountDir(mnt);
        }
      },
    ];
    t.progress(`fat run ${run + 1}/${runs}`);
    for (const step of run % 2 === 0 ? steps : [...steps].reverse()) await step();
  }
  const line = (name: string, memefs: number[], mtools: number[]): FatLine => {
    const m = t.stats(memefs, false);
    const o = t.stats(mtools, false);
    return { name, memefs: m, mtools: o, ratio: m.median / o.median };
  };
  fs.rmSync(tree, { recursive: true });
  for (const f of [ref, work]) fs.rmSync(f, { force: true });
  return {
    image: { kib, files, dataBytes },
    lines: [
      line('load (memefs --image) vs mcopy -s out', times.load, times.out),
      line('save (memefs save) vs mcopy -s in', times.save, times.in),
      line('memefs extract vs mcopy -s out', times.extract, times.out),
    ],
    rssAfterLoad: t.stats(rss.load, false).median,
    loadPeak: t.stats(rss.loadPeak, false).median,
    savePeak: t.stats(rss.save, false).median,
  };
}

export function fatText(r: FatResult): string {
  let text = `FAT32 image of ${r.image.kib} KiB holding ${(r.image.dataBytes / MiB).toFixed(0)} MiB in ${r.image.files} files (seconds, median; memefs/mtools, goal <= 2):\n`;
  for (const l of r.lines) text += `  ${l.name}: ${l.memefs.median.toFixed(2)} s vs ${l.mtools.median.toFixed(2)} s = ${l.ratio.toFixed(2)}x\n`;
  text += `  daemon RSS after load ${r.rssAfterLoad.toFixed(2)}x the data, peak during load ${r.loadPeak.toFixed(2)}x, during save ${r.savePeak.toFixed(2)}x (goal <= 1.3)\n`;
  return text;
}
