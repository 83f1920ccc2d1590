/** Commands on FAT images that need no mount: dump, mkimage, extract. */
import fs from 'node:fs';
import { checkFat, dumpFat, extractImage, packDirectory, readImageFile, saveImageFile } from '../formats/fat/index.js';
import { Progress } from './progress.js';
import { checkLabel, parseClusterSize, parseFatType, parseSize, UsageError } from './options.js';

function readImage(path: string): Uint8Array {
  try {
    return readImageFile(path);
  } catch (e) {
    throw new UsageError(`cannot read ${path}: ${(e as Error).message}`);
  }
}

function warn(warnings: string[]): void {
  for (const w of warnings) process.stderr.write(`memefs: warning: ${w}\n`);
}

/** Prints the image's structures; exits 1 when the check finds problems, as fsck does. */
export async function dumpCommand(path: string): Promise<number> {
  const image = readImage(path);
  const report = dumpFat(image);
  process.stdout.write(report.endsWith('\n') ? report : report + '\n');
  return checkFat(image).length === 0 ? 0 : 1;
}

export async function mkimageCommand(dir: string, image: string, o: Record<string, string | boolean | undefined>): Promise<number> {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new UsageError(`${dir} is not a directory`);
  const progress = new Progress(process.stderr);
  const result = await packDirectory(dir, {
    size: typeof o.size === 'string' ? parseSize(o.size, '--size') : undefined,
    fatType: typeof o.fatType === 'string' ? parseFatType(o.fatType) : undefined,
    sectorsPerCluster: typeof o.clusterSize === 'string' ? parseClusterSize(o.clusterSize) / 512 : undefined,
    label: typeof o.label === 'string' ? checkLabel(o.label) : undefined,
    skipTooBig: o.skipTooBig === true,
    onProgress: (done, total) => progress.update('pack', done, total),
  });
  progress.stop();
  warn(result.warnings);
  saveImageFile(image, result.image);
  process.stdout.write(`wrote ${image} (${result.image.length} bytes)\n`);
  return 0;
}

export async function extractCommand(image: string, dir: string): Promise<number> {
  const progress = new Progress(process.stderr);
  const result = await extractImage(readImage(image), dir, { onProgress: (done, total) => progress.update('extract', done, total) });
  progress.stop();
  warn(result.warnings);
  process.stdout.write(`extracted ${result.files} files and ${result.directories} directories into ${dir}\n`);
  return 0;
}
