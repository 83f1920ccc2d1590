/**
 * Persistence of a mounted volume: load it from a FAT image (--image) or a
 * lossless snapshot (--snapshot) before mounting, save it back at unmount,
 * on demand and on a timer. Saves write aside, flush, then replace.
 */
import fs from 'node:fs';
import { Errno, isFsError } from '../core/errno.js';
import { Volume, type VolumeOptions } from '../core/volume.js';
import type { FatType } from '../formats/fat/index.js';
import { resolveTarget, TargetError, type Target } from '../formats/target.js';
import { MountError } from '../fuse/mount.js';
import { formatSize, type MountConfig } from './options.js';
import { sddlToBinary } from '../core/windows/sddl.js';

// The FAT and snapshot formats are imported when a mount uses them: a plain RAM disk starts without them (~40 ms).
const fatFormat = () => import('../formats/fat/index.js');
const snapshotFormat = () => import('../formats/snapshot/index.js');

export type ProgressReport = (phase: string, done: number, total: number) => void;

/**
 * The largest new image made without -s, from the RAM disk's default size (half the RAM): a bigger image
 * than this is made only when asked for. With -s, FAT's own limit holds (2 TiB; see docs/fat.md).
 */
export const MAX_UNASKED_IMAGE = 4 * 1024 ** 3;

export function volumeOptions(config: MountConfig): VolumeOptions {
  return {
    caseInsensitive: config.caseInsensitive,
    sizeLimit: config.sizeLimit,
    inodeLimit: config.inodeLimit,
    rootMode: config.rootMode,
    rootUid: config.rootUid,
    rootGid: config.rootGid,
    label: config.label,
    windowsNames: config.windowsNames,
    streams: config.streams,
    sambaStreams: Boolean(config.share),
    rootSecurity: config.rootSddl ? sddlToBinary(config.rootSddl) : undefined,
  };
}

export interface Loaded {
  volume: Volume;
  warnings: string[];
}

/** The volume to serve: loaded from the image or snapshot when the file exists, else empty. */
export async function loadVolume(config: MountConfig, progress: ProgressReport): Promise<Loaded> {
  const options = volumeOptions(config);
  if (config.image !== null) {
    // Counted as FAT will spend the image (clusters, root slots): what fits in the RAM disk fits in the image.
    const target = resolveTarget(config.image);
    const { fatVolumeLimits, fatVolumeSerial, loadFatIntoVolume, newFatVolumeLimits, openImageSource } = await fatFormat();
    if (target.kind === 'new' || blankDevice(target)) {
      if (!config.noSave) Object.assign(options, newFatVolumeLimits(newImageSize(config, target), layoutOptions(config)));
      return { volume: new Volume(options), warnings: [] };
    }
    // Read in parts (boot sector, FAT, directories, then each file's clusters): memory follows the data, not the image.
    const image = openImageSource(target.path, target.size);
    try {
      // The image's capacity is the cap; -s can only lower it.
      const limits = fatVolumeLimits(image);
      Object.assign(options, { ...limits, sizeLimit: config.sizeGiven ? Math.min(config.sizeLimit, limits.sizeLimit) : limits.sizeLimit });
      const volume = new Volume({ ...options, serial: fatVolumeSerial(image) });
      let result;
      try {
        result = loadFatIntoVolume(image, volume, { codepage: config.codepage, onProgress: (done, total) => progress('load', done, total) });
      } catch (e) {
        if (!config.sizeGiven || !isFsError(e) || e.errno !== Errno.ENOSPC) throw e;
        throw new MountError(`${config.image} holds more than -s ${formatSize(config.sizeLimit)} allows (${e.message}): give a larger -s, or leave it out to use the image's capacity`);
      }
      if (config.labelGiven) volume.label = config.label;
      return { volume, warnings: result.warnings };
    } finally {
      image.close();
    }
  }
  if (config.snapshot !== null) {
    if (!fs.existsSync(config.snapshot)) return { volume: new Volume(options), warnings: [] };
    // The snapshot keeps its own label and case rule unless the command line sets them.
    if (!config.labelGiven) delete options.label;
    if (!config.caseInsensitive) delete options.caseInsensitive;
    const { loadSnapshot } = await snapshotFormat();
    const result = await loadSnapshot(config.snapshot, options, {
      onProgress: (p) => progress('load', p.bytesDone, p.bytesTotal),
    });
    return { volume: result.volume, warnings: result.warnings };
  }
  return { volume: new Volume(options), warnings: [] };
}

/** Saves the volume to its image or snapshot; returns warnings (what the format could not hold). */
export async function saveVolume(volume: Volume, config: MountConfig, progress: ProgressReport): Promise<string[]> {
  if (config.image !== null) {
    progress('save', 0, 1);
    const { openImageSource, prepareVolumeAsFat, saveImageFile } = await fatFormat();
    const target = resolveTarget(config.image);
    // The old image gives its geometry, boot code and what lies past the file system; only those parts are read.
    const like = target.kind === 'new' || blankDevice(target) ? undefined : openImageSource(target.path, target.size);
    try {
      const prepared = prepareVolumeAsFat(volume, {
        like,
        size: like ? undefined : newImageSize(config, target),
        ...layoutOptions(config),
        codepage: config.codepage,
        skipTooBig: config.skipTooBig,
      });
      saveImageFile(config.image, prepared);
      progress('save', 1, 1);
      return prepared.warnings;
    } finally {
      like?.close();
    }
  }
  if (config.snapshot !== null) {
    // Snapshots are lossless: nothing to warn about.
    const { saveSnapshot } = await snapshotFormat();
    await saveSnapshot(volume, config.snapshot, { onProgress: (p) => progress('save', p.bytesDone, p.bytesTotal) });
    return [];
  }
  return [];
}

/**
 * Checks at mount what would make a save fail later, so it is refused before
 * anything is mounted (a save that fails at unmount would otherwise hold the
 * only copy of the data). Returns warnings for options that do not apply.
 */
export async function checkPersistence(config: MountConfig): Promise<string[]> {
  const file = config.image ?? config.snapshot;
  if (file === null) return [];
  const option = config.image !== null ? '--image' : '--snapshot';
  let target: Target;
  try {
    target = resolveTarget(file);
  } catch (e) {
    if (!(e instanceof TargetError)) throw e;
    if (fs.existsSync(file) && fs.statSync(file).isDirectory()) throw new MountError(`${option} ${file} is a directory: give a file`);
    throw new MountError(e.message);
  }
  if (target.kind === 'new' && config.noSave) return [];
  if (config.snapshot !== null) return [];
  if (blankDevice(target)) {
    if (config.sizeGiven && config.sizeLimit > target.size) {
      throw new MountError(`-s ${formatSize(config.sizeLimit)} is more than the device ${file} holds (${formatSize(target.size)})`);
    }
    // The device's size is chosen as -s would be.
    return checkNewImage(await fatFormat(), { ...config, sizeGiven: true, sizeLimit: config.sizeGiven ? config.sizeLimit : target.size }, file);
  }
  const fat = await fatFormat();
  return target.kind === 'new' ? checkNewImage(fat, config, file) : checkImage(fat, config, file, target);
}

/** The size of the image a save makes where there is none yet: -s, else the blank device's. */
function newImageSize(config: MountConfig, target: Target): number {
  return target.kind === 'block' && !config.sizeGiven ? target.size : config.sizeLimit;
}

function layoutOptions(config: MountConfig): { fatType?: FatType; sectorsPerCluster?: number } {
  return {
    fatType: (config.fatType ?? undefined) as FatType | undefined,
    sectorsPerCluster: config.clusterSize !== null ? config.clusterSize / 512 : undefined,
  };
}

/** A block device whose first sector is all zeros has no file system yet: it gets a new image. */
function blankDevice(target: Target): boolean {
  if (target.kind !== 'block') return false;
  const head = firstSector(target.path);
  return head.every((b) => b === 0);
}

function firstSector(file: string): Uint8Array {
  const head = new Uint8Array(512);
  const fd = fs.openSync(file, 'r');
  try {
    fs.readSync(fd, head, 0, 512, 0);
  } finally {
    fs.closeSync(fd);
  }
  return head;
}

type FatFormat = Awaited<ReturnType<typeof fatFormat>>;

function checkNewImage({ chooseLayout, layoutProblem }: FatFormat, config: MountConfig, file: string): string[] {
  const size = config.sizeLimit;
  if (!config.sizeGiven && size > MAX_UNASKED_IMAGE) {
    throw new MountError(`${file} does not exist: give the size of the new FAT image with -s (without -s it would be the RAM disk's default, ${formatSize(size)})`);
  }
  let problem: string | null;
  try {
    problem = layoutProblem(chooseLayout(size, layoutOptions(config)));
  } catch (e) {
    throw new MountError(`cannot make ${file} of ${formatSize(size)}: ${(e as Error).message}`);
  }
  // What the check pass (dump) calls a problem is not made, as mkfs.fat and mkimage refuse it.
  if (problem !== null) throw new MountError(`cannot make ${file} of ${formatSize(size)}: ${problem}; give a larger -s or another --fat-type`);
  return [];
}

function checkImage({ geometryOf, parseBootSector }: FatFormat, config: MountConfig, file: string, target: Target): string[] {
  const warnings: string[] = [];
  if (target.size < 512) throw new MountError(`${file}: Not a FAT image: only ${target.size} bytes (a boot sector alone is 512)`);
  const head = firstSector(target.path);
  let described: number;
  try {
    const g = geometryOf(parseBootSector(head));
    described = g.totalSectors * g.bytesPerSector;
  } catch (e) {
    throw new MountError(`${file}: Not a FAT image: ${(e as Error).message}`);
  }
  if (described > target.size) {
    throw new MountError(`${file} is truncated: its boot sector describes ${described} bytes, the ${target.kind === 'block' ? 'device' : 'file'} has ${target.size}`);
  }
  if (config.sizeGiven && config.sizeLimit > target.size) {
    throw new MountError(`-s ${formatSize(config.sizeLimit)} is more than ${file} can hold (${formatSize(target.size)}): an existing image keeps its size; leave out -s to use it whole`);
  }
  if (config.fatType !== null || config.clusterSize !== null) {
    warnings.push(`${file} exists: --fat-type and --cluster-size only shape a new image, and are ignored`);
  }
  return warnings;
}
