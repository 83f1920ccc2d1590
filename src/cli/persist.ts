/**
 * Persistence of a mounted volume: load it from a FAT image (--image) or a
 * lossless snapshot (--snapshot) before mounting, save it back at unmount,
 * on demand and on a timer. Saves write aside, flush, then replace.
 */
import fs from 'node:fs';
import { Volume, type VolumeOptions } from '../core/volume.js';
import { loadFatIntoVolume, readImageFile, saveImageFile, saveVolumeAsFat, type FatType } from '../formats/fat/index.js';
import { loadSnapshot, saveSnapshot } from '../formats/snapshot/index.js';
import type { MountConfig } from './options.js';
import { sddlToBinary } from '../core/windows/sddl.js';

export type ProgressReport = (phase: string, done: number, total: number) => void;

/** FAT images are built in memory: the largest one memefs makes. */
export const MAX_NEW_IMAGE = 4 * 1024 ** 3;

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

/** Reads a whole file in pieces, reporting progress. */
function readWithProgress(path: string, phase: string, progress: ProgressReport): Uint8Array {
  const size = fs.statSync(path).size;
  const out = new Uint8Array(size);
  const fd = fs.openSync(path, 'r');
  try {
    let pos = 0;
    while (pos < size) {
      const n = fs.readSync(fd, out, pos, Math.min(8 << 20, size - pos), pos);
      if (n <= 0) throw new Error(`${path}: unexpected end of file at byte ${pos}`);
      pos += n;
      progress(phase, pos, size);
    }
  } finally {
    fs.closeSync(fd);
  }
  return out;
}

export interface Loaded {
  volume: Volume;
  warnings: string[];
}

/** The volume to serve: loaded from the image or snapshot when the file exists, else empty. */
export async function loadVolume(config: MountConfig, progress: ProgressReport): Promise<Loaded> {
  const options = volumeOptions(config);
  if (config.image !== null) {
    if (!fs.existsSync(config.image)) {
      if (config.sizeLimit > MAX_NEW_IMAGE) {
        throw new Error(`${config.image} does not exist, and a new FAT image is built in memory, so it can be at most 4 GiB: give its size with -s (e.g. -s 1G)`);
      }
      return { volume: new Volume(options), warnings: [] };
    }
    const image = readWithProgress(config.image, 'load', progress);
    // Without -s, the image's own size is the cap: what fits in the RAM disk fits in the image.
    if (!config.sizeGiven) options.sizeLimit = image.length;
    const volume = new Volume(options);
    const result = loadFatIntoVolume(image, volume);
    if (config.labelGiven) volume.label = config.label;
    return { volume, warnings: result.warnings };
  }
  if (config.snapshot !== null) {
    if (!fs.existsSync(config.snapshot)) return { volume: new Volume(options), warnings: [] };
    // The snapshot keeps its own label and case rule unless the command line sets them.
    if (!config.labelGiven) delete options.label;
    if (!config.caseInsensitive) delete options.caseInsensitive;
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
    const like = fs.existsSync(config.image) ? readImageFile(config.image) : undefined;
    const result = saveVolumeAsFat(volume, {
      like,
      size: like ? undefined : volume.sizeLimit,
      fatType: (config.fatType ?? undefined) as FatType | undefined,
      sectorsPerCluster: config.clusterSize !== null ? config.clusterSize / 512 : undefined,
      skipTooBig: config.skipTooBig,
    });
    saveImageFile(config.image, result.image);
    progress('save', 1, 1);
    return result.warnings;
  }
  if (config.snapshot !== null) {
    // Snapshots are lossless: nothing to warn about.
    await saveSnapshot(volume, config.snapshot, { onProgress: (p) => progress('save', p.bytesDone, p.bytesTotal) });
    return [];
  }
  return [];
}
