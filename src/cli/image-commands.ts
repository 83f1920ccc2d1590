/**
 * Commands on FAT images that need no mount: dump, mkimage, extract.
 * Every failure is one line on stderr: exit 2 when the command line asks for
 * something impossible (a size or layout no FAT image can have), 1 otherwise
 * (unreadable or non-FAT input, content that does not fit, entries not extracted).
 */
import fs from 'node:fs';
import {
  checkFat, chooseLayout, dumpBytes, MAX_IMAGE_SIZE, dumpFat, extractImage, layoutProblem, openImageFile, packDirectory, saveImageFile,
  type DumpOptions, type ExtractResult, type FatType, type LayoutOptions,
} from '../formats/fat/index.js';
import { resolveTarget, TargetError, type Target } from '../formats/target.js';
import { Progress } from './progress.js';
import { checkLabel, formatSize, parseClusterSize, parseCodePage, parseFatType, parseSize, UsageError } from './options.js';

/** A failure that is not the command line's fault: one line, exit 1. */
class ToolError extends Error {}

const KiB = 1024;
const MIN_IMAGE = 64 * KiB;

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Runs a command body; anything thrown becomes one line and an exit code, never a stack trace. */
async function oneLine(what: string, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (e) {
    if (e instanceof UsageError) throw e;
    process.stderr.write(`memefs: ${what}: ${message(e)}\n`);
    return 1;
  }
}

/** Opens or reads an image, failing with one line that says why. */
function readImage<T>(path: string, read: (path: string) => T): T {
  try {
    return read(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ToolError(code === 'ENOENT' ? `${path} does not exist` : code === 'EISDIR' ? `${path} is a directory, not an image` : `cannot read ${path}: ${message(e)}`);
  }
}

function warn(warnings: string[]): void {
  for (const w of warnings) process.stderr.write(`memefs: warning: ${w}\n`);
}

export interface DumpFlags {
  raw?: boolean;
  sector?: string;
  cluster?: string;
  count?: string;
  codepage?: string;
}

function parseNumber(text: string, what: string): number {
  if (!/^(\d+|0x[0-9a-f]+)$/i.test(text.trim())) throw new UsageError(`${what} ${JSON.stringify(text)} is not a number`);
  return Number(text.trim());
}

/**
 * Prints the image's structures; exits 1 when the check finds problems, as
 * fsck does. With --sector or --cluster, a hexdump of just those bytes.
 */
export async function dumpCommand(path: string, flags: DumpFlags = {}): Promise<number> {
  if (flags.sector !== undefined && flags.cluster !== undefined) throw new UsageError('give --sector or --cluster, not both');
  const count = flags.count !== undefined ? parseNumber(flags.count, '--count') : undefined;
  const sector = flags.sector !== undefined ? parseNumber(flags.sector, '--sector') : undefined;
  const cluster = flags.cluster !== undefined ? parseNumber(flags.cluster, '--cluster') : undefined;
  if (count !== undefined && (count < 1 || (sector === undefined && cluster === undefined))) throw new UsageError('--count is 1 or more, with --sector or --cluster');
  const codepage = flags.codepage !== undefined ? parseCodePage(flags.codepage) : undefined;
  return oneLine('dump', async () => {
    // Read in parts: the image is never held whole.
    const image = readImage(path, openImageFile);
    try {
      if (sector !== undefined || cluster !== undefined) {
        process.stdout.write(dumpBytes(image, { sector, cluster, count }));
        return 0;
      }
      const options: DumpOptions = { hex: flags.raw === true, codepage };
      const report = dumpFat(image, options);
      process.stdout.write(report.endsWith('\n') ? report : report + '\n');
      return checkFat(image).length === 0 ? 0 : 1;
    } finally {
      image.close();
    }
  });
}

/** A layout exists for this size, and the check pass would find nothing wrong with it. */
function layoutFits(size: number, options: LayoutOptions): boolean {
  try {
    return layoutProblem(chooseLayout(size, options)) === null;
  } catch {
    return false;
  }
}

/**
 * The sizes (whole KiB, between 64 KiB and FAT's 2 TiB - 1 KiB) for which a layout with
 * these options exists, as [smallest, largest]; null when none does. The
 * sizes that work form one range for a given type and cluster size.
 */
export function workingSizes(options: LayoutOptions): [number, number] | null {
  const samples: number[] = [];
  for (let s = MIN_IMAGE; s < MAX_IMAGE_SIZE; s *= 2) samples.push(s, Math.min(s * 1.5, MAX_IMAGE_SIZE));
  if (samples[samples.length - 1] !== MAX_IMAGE_SIZE) samples.push(MAX_IMAGE_SIZE);
  const first = samples.findIndex((s) => layoutFits(s, options));
  if (first < 0) return null;
  let last = first;
  while (last + 1 < samples.length && layoutFits(samples[last + 1]!, options)) last++;
  // Bisect in KiB: `ok` fits, `bad` does not.
  const edge = (ok: number, bad: number) => {
    while (Math.abs(bad - ok) > KiB) {
      const mid = Math.floor((ok + bad) / 2 / KiB) * KiB;
      if (mid === ok || mid === bad) break;
      if (layoutFits(mid, options)) ok = mid;
      else bad = mid;
    }
    return ok;
  };
  const low = first === 0 ? samples[0]! : edge(samples[first]!, samples[first - 1]!);
  const high = last === samples.length - 1 ? samples[last]! : edge(samples[last]!, samples[last + 1]!);
  return [low, high];
}

/** The layout options of mkimage, checked before anything is read: an impossible layout is a usage error naming sizes that work. */
function checkLayout(size: number | undefined, options: LayoutOptions): void {
  if (size === undefined) {
    if (options.fatType === undefined && options.sectorsPerCluster === undefined) return;
    // Without -s the size follows the content; only say no when no size at all works.
    if (workingSizes(options) === null) throw new UsageError(`no FAT${options.fatType ?? ''} layout${clusterWords(options)} fits any size up to 2 TiB`);
    return;
  }
  if (size < MIN_IMAGE) throw new UsageError(`-s ${formatSize(size)}: a FAT image needs at least 64 KiB`);
  if (size > MAX_IMAGE_SIZE) throw new UsageError(`-s ${formatSize(size)}: a FAT image holds at most 2 TiB - 1 KiB (2^32 - 1 sectors of 512 bytes)`);
  if (layoutFits(size, options)) return;
  const range = workingSizes(options);
  throw new UsageError(`no FAT${options.fatType ?? ''} layout${clusterWords(options)} fits ${formatSize(size)}; ` +
    (range ? `-s ${sizeArgument(range[0], 'up')} to -s ${sizeArgument(range[1], 'down')} work` : 'no size up to 2 TiB works'));
}

/** A size as the user would type it (12.5M), rounded inwards so that it is inside the range it bounds. */
function sizeArgument(bytes: number, round: 'up' | 'down'): string {
  const [unit, letter] = bytes >= 1024 ** 3 ? [1024 ** 3, 'G'] : bytes >= 1024 ** 2 ? [1024 ** 2, 'M'] : [KiB, 'K'];
  const tenths = (round === 'up' ? Math.ceil : Math.floor)((bytes / unit) * 10);
  return `${tenths / 10}${letter}`;
}

function clusterWords(options: LayoutOptions): string {
  return options.sectorsPerCluster !== undefined ? ` with ${options.sectorsPerCluster * 512}-byte clusters` : '';
}

/**
 * Where the image goes (as every save: ../formats/target.ts): a symlink is followed, a block device
 * is written in place, anything else but a regular file is refused, and an existing image is
 * replaced only when asked.
 */
function outputPath(path: string, force: boolean): string {
  let target: Target;
  try {
    target = resolveTarget(path);
  } catch (e) {
    throw new ToolError(e instanceof TargetError ? e.message.replace(/^cannot save to /, 'cannot write ') : String(e));
  }
  if (target.kind !== 'new' && !force) throw new ToolError(`${path} already exists; --force replaces it`);
  return target.path;
}

export async function mkimageCommand(dir: string, image: string, o: Record<string, string | boolean | undefined>): Promise<number> {
  const size = typeof o.size === 'string' ? parseSize(o.size, '--size') : undefined;
  const layout: LayoutOptions = {
    fatType: typeof o.fatType === 'string' ? parseFatType(o.fatType) as FatType : undefined,
    sectorsPerCluster: typeof o.clusterSize === 'string' ? parseClusterSize(o.clusterSize) / 512 : undefined,
    label: typeof o.label === 'string' ? checkLabel(o.label) : undefined,
  };
  const codepage = typeof o.codepage === 'string' ? parseCodePage(o.codepage) : undefined;
  checkLayout(size, layout);
  return oneLine('mkimage', async () => {
    let st: fs.Stats | null = null;
    try { st = fs.statSync(dir); } catch { /* reported below */ }
    if (!st?.isDirectory()) throw new ToolError(`${dir} is not a directory`);
    const target = outputPath(image, o.force === true);
    const progress = new Progress(process.stderr);
    try {
      const result = await packDirectory(dir, {
        ...layout,
        size,
        codepage,
        skipTooBig: o.skipTooBig === true,
        onProgress: (done, total) => progress.update('pack', done, total),
      });
      warn(result.warnings);
      saveImageFile(target, result);
      progress.stop();
      process.stdout.write(`wrote ${image} (${result.length} bytes)\n`);
      return 0;
    } finally {
      progress.stop();
    }
  });
}

export async function extractCommand(image: string, dir: string, o: { force?: boolean; codepage?: string } = {}): Promise<number> {
  const codepage = o.codepage !== undefined ? parseCodePage(o.codepage) : undefined;
  return oneLine('extract', async () => {
    // Read in parts: the image is never held whole.
    const source = readImage(image, openImageFile);
    const progress = new Progress(process.stderr);
    let result: ExtractResult;
    try {
      result = await extractImage(source, dir, { force: o.force === true, codepage, onProgress: (done, total) => progress.update('extract', done, total) });
    } catch (e) {
      // The reader's one refusal: something that is not FAT at all.
      throw /^not a (valid )?FAT/.test(message(e)) ? new ToolError(`${image}: ${message(e)}`) : e;
    } finally {
      progress.stop();
      source.close();
    }
    warn(result.warnings);
    process.stdout.write(`extracted ${result.files} files and ${result.directories} directories into ${dir}\n`);
    if (result.failed > 0) {
      process.stderr.write(`memefs: extract: ${result.failed} entr${result.failed === 1 ? 'y was' : 'ies were'} not extracted (see the warnings above)\n`);
      return 1;
    }
    return 0;
  });
}
