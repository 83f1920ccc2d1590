/**
 * The benchmark's chart, written as plain SVG: one bar per line showing
 * memefs/tmpfs (log scale; 1 = as fast as tmpfs), grouped by workload, with
 * the measured medians beside each bar, then the memory figures and the
 * targets met or missed.
 */
import type { Line, MemoryResult, Target } from './run.js';

const W = 1100;
const ROW = 22;
const LABEL_W = 330;
const PLOT_X = LABEL_W + 10;
const PLOT_W = 400;
const MIN_R = 0.01;
const MAX_R = 10;

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function xOf(ratio: number): number {
  const r = Math.min(MAX_R, Math.max(MIN_R, ratio));
  return PLOT_X + ((Math.log10(r) - Math.log10(MIN_R)) / (Math.log10(MAX_R) - Math.log10(MIN_R))) * PLOT_W;
}

function num(v: number): string {
  if (v >= 100) return Math.round(v).toLocaleString('en-US');
  if (v >= 1) return v.toFixed(2);
  return v.toFixed(3);
}

export function renderSvg(
  env: {
    date: string; cpu: string; cores: number; kernel: string; node: string; memefs: { version: string; commit: string; dirty: boolean };
    loadAverageAtStart: number[]; loadAverageAtEnd: number[];
  },
  lines: Line[], targets: Target[], memory: MemoryResult | null, geomean: number | null, mode: string,
): string {
  const out: string[] = [];
  let y = 30;
  const text = (x: number, yy: number, s: string, attrs = '') => out.push(`<text x="${x}" y="${yy}" ${attrs}>${esc(s)}</text>`);
  text(10, y, `memefs vs tmpfs — ${mode} run, ${env.date}`, 'font-size="18" font-weight="bold"');
  y += 20;
  text(10, y, `${env.cpu}, ${env.cores} cores; ${env.kernel}; Node ${env.node}; memefs ${env.memefs.version} ${env.memefs.commit}${env.memefs.dirty ? '+changes' : ''}`, 'font-size="12" fill="#444"');
  y += 18;
  const load = (l: number[]) => l.map((x) => x.toFixed(1)).join(' ');
  text(10, y, `Load average at start ${load(env.loadAverageAtStart)}, at end ${load(env.loadAverageAtEnd)} (other work on the machine makes rates vary run to run)`, 'font-size="12" fill="#444"');
  y += 18;
  text(10, y, 'Bars: median memefs / median tmpfs (times: tmpfs / memefs), log scale; 1 = as fast as tmpfs. Green: meets its target.', 'font-size="12" fill="#444"');
  if (lines.some((l) => l.ratioAgainst === 'memfs')) {
    y += 16;
    text(10, y, 'node:fs API lines (in process): bars are memefs API / memfs API instead; 1 = as fast as memfs (target); node:fs on tmpfs shown for scale.', 'font-size="12" fill="#444"');
  }
  y += 30;
  const plotTop = y - 14;
  // Axis ticks.
  const ticks = [0.01, 0.03, 0.1, 0.3, 0.5, 0.8, 1, 3, 10];
  let groups = '';
  const rows: string[] = [];
  for (const l of lines) {
    if (l.group !== groups) {
      groups = l.group;
      y += 6;
      rows.push(`<text x="10" y="${y + 4}" font-weight="bold" font-size="13">${esc(l.group)}</text>`);
      y += ROW;
    }
    const cached = ['file_attr', 'file_list_single', 'file_list_none', 'rdwr_cc_read_page', 'rdwr_cc_read_large', 'mmap_write', 'mmap_read'].includes(l.name);
    const vsMemfs = l.ratioAgainst === 'memfs';
    const goal = vsMemfs ? 1 : cached ? 0.8 : 0.5;
    const color = l.ratio >= goal ? '#3a9a4a' : l.ratio >= goal / 2 ? '#e0a030' : '#d0483a';
    const x1 = xOf(MIN_R);
    const x2 = xOf(l.ratio);
    rows.push(`<text x="${LABEL_W}" y="${y + 4}" text-anchor="end" font-size="12">${esc(l.name)}</text>`);
    rows.push(`<rect x="${x1}" y="${y - 8}" width="${Math.max(1, x2 - x1).toFixed(1)}" height="14" fill="${color}"/>`);
    const figures = vsMemfs
      ? `memefs ${num(l.memefs.median)} · memfs ${l.memfs ? num(l.memfs.median) : '-'} · node:fs on tmpfs ${num(l.tmpfs.median)} ${l.unit}`
      : `memefs ${num(l.memefs.median)} · tmpfs ${num(l.tmpfs.median)} ${l.unit}`;
    rows.push(`<text x="${PLOT_X + PLOT_W + 8}" y="${y + 4}" font-size="11">${esc(`${l.ratio.toFixed(2)}   ${figures}`)}</text>`);
    y += ROW;
  }
  const plotBottom = y - 10;
  for (const t of lines.length > 0 ? ticks : []) {
    const x = xOf(t).toFixed(1);
    const strong = t === 1 || t === 0.5 || t === 0.8;
    out.push(`<line x1="${x}" y1="${plotTop}" x2="${x}" y2="${plotBottom}" stroke="${t === 1 ? '#222' : strong ? '#888' : '#ddd'}" stroke-dasharray="${strong && t !== 1 ? '4 3' : ''}"/>`);
    out.push(`<text x="${x}" y="${plotTop - 4}" font-size="10" text-anchor="middle" fill="#444">${t}</text>`);
  }
  out.push(...rows);
  y += 10;
  if (geomean !== null) {
    text(10, y, `Geometric mean of memefs/tmpfs over the fsbench lines: ${geomean.toFixed(3)} (target ≥ 0.5)`, 'font-size="13" font-weight="bold"');
    y += 24;
  }
  if (memory) {
    text(10, y, 'Memory (RSS of the memefs daemon)', 'font-size="13" font-weight="bold"');
    y += 18;
    const mib = (b: number) => `${(b / 1048576).toFixed(1)} MiB`;
    for (const s of [
      `empty volume: ${mib(memory.emptyRss)}`,
      `one ${mib(memory.large.bytes)} file: ${mib(memory.large.rss)} → ${memory.large.rssPerByte.toFixed(3)} bytes of RSS per stored byte (target ≤ 1.05)`,
      `${memory.emptyFiles.files.toLocaleString('en-US')} empty files: ${Math.round(memory.emptyFiles.bytesPerFile)} bytes per file (target ≤ 1024)`,
      `${memory.smallFiles.files.toLocaleString('en-US')} files of ${memory.smallFiles.size} bytes: ${Math.round(memory.smallFiles.bytesPerFile)} bytes per file`,
      `after deleting everything: ${mib(memory.afterDelete.rss)} = ${memory.afterDelete.ratioToEmpty.toFixed(3)} × the fresh empty volume (target ≤ 1.10), ` +
        `${memory.afterDelete.ratioToWarmEmpty.toFixed(3)} × the empty volume after a warm-up (${mib(memory.warmEmptyRss)})`,
    ]) {
      text(20, y, s, 'font-size="12"');
      y += 16;
    }
    y += 8;
  }
  text(10, y, 'Targets', 'font-size="13" font-weight="bold"');
  y += 18;
  for (const t of targets) {
    text(20, y, `${t.met ? '✔' : '✘'} ${t.what}: ${t.value} (goal ${t.goal})`, `font-size="12" fill="${t.met ? '#2a7a3a' : '#b0302a'}"`);
    y += 16;
  }
  y += 10;
  // The node:fs API lines carry three figures: a wider canvas for them.
  const width = lines.some((l) => l.ratioAgainst === 'memfs') ? W + 120 : W;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y}" viewBox="0 0 ${width} ${y}" font-family="DejaVu Sans, Arial, sans-serif">\n` +
    `<rect width="100%" height="100%" fill="white"/>\n${out.join('\n')}\n</svg>\n`;
}
