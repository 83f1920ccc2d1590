/**
 * The dump's view of the FAT itself: FAT[0] and FAT[1] (media byte,
 * clean-shutdown and hard-error bits), what the entries hold, bad clusters,
 * lost chains (allocated clusters no file reaches, chain by chain), and
 * chains that two owners share (cross-links), followed as the FAT links them
 * rather than as far as the reader's walk went.
 */
import { hex } from './bytes.js';
import { decodeShortEntry } from './dirent.js';
import { fatCopy, type FatScan } from './reader.js';
import { readClamped, type ImageSource } from './source.js';
import { cleanBits, describeRuns, type FatTable } from './table.js';

/** Lost chains and clusters listed one by one, at most. */
const LIST_LIMIT = 20;

export interface FatAnalysis {
  /** Lines of the "FAT" section. */
  lines: string[];
  /** For each file or directory path whose FAT chain shares clusters: the full chain and who else holds them. */
  crossLinks: Map<string, { chain: number[]; shared: string }>;
}

/** The FAT the reader uses: FAT #1, or the active one when FAT32 mirroring is off. */
function activeFat(image: ImageSource, scan: FatScan): { table: FatTable; number: number } {
  const { geometry: g, bootSector: bs } = scan;
  const active = g.fatType === 32 && (bs.extFlags & 0x80) !== 0 && (bs.extFlags & 0x0f) < g.numFats ? bs.extFlags & 0x0f : 0;
  return { table: fatCopy(image, g, active, g.clusterCount + 2), number: active + 1 };
}

/** A chain as the FAT links it, from `start`: ends at an end mark, a free, bad or out-of-range entry, or a loop. */
function followChain(fat: FatTable, start: number, last: number): { chain: number[]; end: string } {
  const chain: number[] = [];
  const seen = new Set<number>();
  let c = start;
  for (;;) {
    if (c < 2 || c > last) return { chain, end: `points outside the data area (${c})` };
    if (seen.has(c)) return { chain, end: `loops back to cluster ${c}` };
    seen.add(c);
    chain.push(c);
    const next = fat.get(c);
    if (fat.isEoc(next)) return { chain, end: 'end-of-chain mark' };
    if (next === 0) return { chain, end: 'runs into a free cluster' };
    if (fat.isBad(next)) return { chain, end: 'runs into a bad cluster' };
    c = next;
  }
}

function row(out: string[], field: string, value: string | number, meaning = ''): void {
  out.push(`  ${field.padEnd(22)} ${String(value).padEnd(14)} ${meaning}`.trimEnd());
}

export function analyzeFat(image: ImageSource, scan: FatScan): FatAnalysis {
  const { geometry: g, bootSector: bs } = scan;
  const { table: fat, number } = activeFat(image, scan);
  const out: string[] = [];
  const width = g.fatType === 12 ? 3 : g.fatType === 16 ? 4 : 8;
  const last = Math.min(g.clusterCount + 1, fat.capacity - 1);
  out.push('', `FAT (FAT #${number}, ${g.fatType}-bit entries)`);
  if (fat.capacity < 2) {
    out.push('  (the image ends before the FAT)');
    return { lines: out, crossLinks: new Map() };
  }

  const f0 = fat.get(0);
  const media = f0 & 0xff;
  row(out, 'FAT[0]', hex(f0, width), media === bs.media ? `media byte ${hex(media, 2)}, as in the boot sector` : `media byte ${hex(media, 2)}: MISMATCH, the boot sector says ${hex(bs.media, 2)}`);
  const raw1 = fat.rawEntry1();
  const { clean, noErrors } = cleanBits(g.fatType);
  if (clean === 0) row(out, 'FAT[1]', hex(raw1, width), fat.isEoc(raw1) ? 'end-of-chain mark (FAT12 has no clean-shutdown bit)' : 'not an end-of-chain mark');
  else {
    const bits = [
      raw1 & clean ? 'clean-shutdown bit set: unmounted cleanly' : 'clean-shutdown bit CLEAR: not unmounted cleanly',
      raw1 & noErrors ? 'hard-error bit set: no disk errors seen' : 'hard-error bit CLEAR: disk errors were seen',
    ];
    row(out, 'FAT[1]', hex(raw1, width), bits.join('; '));
  }

  // Who holds each cluster, following every entry's chain as the FAT links it.
  const owners: string[] = [''];
  const owner = new Int32Array(last + 1);
  const shared = new Map<number, Set<number>>();
  const chains = new Map<string, number[]>();
  const claim = (path: string, first: number) => {
    if (first < 2 || chains.has(path)) return;
    const id = owners.push(path) - 1;
    const { chain } = followChain(fat, first, last);
    chains.set(path, chain);
    for (const c of chain) {
      if (owner[c] === 0) owner[c] = id;
      else if (owner[c] !== id) {
        let set = shared.get(c);
        if (!set) shared.set(c, (set = new Set([owner[c]!])));
        set.add(id);
      }
    }
  };
  if (g.fatType === 32) claim('/', g.rootCluster);
  for (const r of scan.records) {
    if (r.kind !== 'short' || r.path === undefined) continue;
    claim(r.path, decodeShortEntry(r.raw, 0, g.fatType === 32).cluster);
  }

  let free = 0;
  let bad = 0;
  let links = 0;
  let ends = 0;
  let outside = 0;
  const badList: number[] = [];
  const lost: number[] = [];
  for (let c = 2; c <= last; c++) {
    const v = fat.get(c);
    if (v === 0) free++;
    else if (fat.isBad(v)) { bad++; badList.push(c); continue; }
    else if (fat.isEoc(v)) ends++;
    else if (v < 2 || v > last) outside++;
    else links++;
    if (v !== 0 && owner[c] === 0) lost.push(c);
  }
  row(out, 'entries', `${last - 1}`, `${free} free, ${links} linking to the next cluster, ${ends} end-of-chain, ${bad} bad${outside ? `, ${outside} pointing outside the data area` : ''}`);
  row(out, 'bad clusters', bad === 0 ? 'none' : describeRuns(badList), bad === 0 ? '' : 'marked unusable (never a file\'s)');
  describeLost(out, fat, lost, last);

  // Per owner, the shared clusters grouped by who else holds them.
  const byOwner = new Map<string, Map<string, number[]>>();
  for (const c of [...shared.keys()].sort((a, b) => a - b)) {
    const ids = shared.get(c)!;
    for (const id of ids) {
      const path = owners[id]!;
      const others = [...ids].filter((o) => o !== id).map((o) => owners[o]!).join(', ');
      let groups = byOwner.get(path);
      if (!groups) byOwner.set(path, (groups = new Map()));
      let list = groups.get(others);
      if (!list) groups.set(others, (list = []));
      list.push(c);
    }
  }
  const crossLinks = new Map<string, { chain: number[]; shared: string }>();
  for (const [path, groups] of byOwner) {
    const text = [...groups].map(([others, cs]) => `cluster${cs.length === 1 ? '' : 's'} ${describeRuns(cs)} also in ${others}`).join('; ');
    crossLinks.set(path, { chain: chains.get(path)!, shared: text });
  }
  if (shared.size > 0) row(out, 'cross-linked clusters', shared.size, `held by more than one chain: ${describeRuns([...shared.keys()].sort((a, b) => a - b))}`);
  return { lines: out, crossLinks };
}

/** Lost chains: allocated clusters no entry reaches, grouped into chains from their heads. */
function describeLost(out: string[], fat: FatTable, lost: number[], last: number): void {
  if (lost.length === 0) {
    row(out, 'lost chains', 'none', 'every allocated cluster belongs to a file or directory');
    return;
  }
  const isLost = new Uint8Array(last + 1);
  for (const c of lost) isLost[c] = 1;
  const pointedTo = new Uint8Array(last + 1);
  for (const c of lost) {
    const v = fat.get(c);
    if (v >= 2 && v <= last && isLost[v]) pointedTo[v] = 1;
  }
  const done = new Uint8Array(last + 1);
  const found: string[] = [];
  let chainsCount = 0;
  const walk = (head: number, why: string) => {
    const chain: number[] = [];
    let c = head;
    let end = '';
    for (;;) {
      chain.push(c);
      done[c] = 1;
      const v = fat.get(c);
      if (fat.isEoc(v)) { end = 'ends with an end-of-chain mark'; break; }
      if (v >= 2 && v <= last && isLost[v] && !done[v]) { c = v; continue; }
      end = v >= 2 && v <= last && isLost[v] ? `loops back to ${v}` : v >= 2 && v <= last ? `runs into cluster ${v}, which a file holds` : `points to ${hex(v)}`;
      break;
    }
    chainsCount++;
    if (found.length < LIST_LIMIT) found.push(`    starts at ${head}${why}: ${chain.length} cluster${chain.length === 1 ? '' : 's'} (${describeRuns(chain)}), ${end}`);
  };
  for (const c of lost) if (!pointedTo[c] && !done[c]) walk(c, '');
  for (const c of lost) if (!done[c]) walk(c, ' (a loop with no head)');
  row(out, 'lost chains', chainsCount, `${lost.length} allocated clusters no file or directory reaches (fsck.fat would reclaim them)`);
  out.push(...found);
  if (chainsCount > found.length) out.push(`    ... and ${chainsCount - found.length} more`);
}

/** A classic hexdump (offset, 16 bytes, the printable ones) of `length` bytes at `offset` (fewer where the image ends). */
export function hexView(image: ImageSource, offset: number, length: number): string {
  const lines: string[] = [];
  const all = readClamped(image, offset, length);
  for (let i = 0; i < all.length; i += 16) {
    const at = offset + i;
    const bytes = all.subarray(i, i + 16);
    const hexes = Array.from(bytes, (b) => b.toString(16).padStart(2, '0'));
    const text = Array.from(bytes, (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    lines.push(`${at.toString(16).padStart(8, '0')}  ${hexes.slice(0, 8).join(' ').padEnd(23)}  ${hexes.slice(8).join(' ').padEnd(23)}  |${text}|`);
  }
  return lines.join('\n') + '\n';
}
