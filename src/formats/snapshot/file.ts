/**
 * Snapshots as files. A save writes beside the target, flushes it to disk,
 * renames it over the target and flushes the directory (../target.ts), so a
 * crash leaves either the old snapshot or the new one, never half of one.
 */
import { open } from 'node:fs/promises';
import type { Volume, VolumeOptions } from '../../core/volume.js';
import type { ProgressCallback } from './progress.js';
import { readArchive, type ReadResult, type ReadOptions } from './reader.js';
import { writeArchive, type WriteResult } from './writer.js';
import { openTarget } from '../target.js';

export interface SaveOptions {
  onProgress?: ProgressCallback;
}

/**
 * Writes the volume to `path` through ../target.ts: written aside and renamed
 * over an existing file (which keeps its owner, group and mode; a new one is
 * 0600, as it holds everything the volume does), a symlink's target replaced,
 * a block device written in place, anything else refused.
 */
export async function saveSnapshot(volume: Volume, path: string, options: SaveOptions = {}): Promise<WriteResult> {
  const out = openTarget(path, 0o600);
  let position = 0;
  try {
    const result = await writeArchive(volume, (chunk) => {
      out.write(chunk, position);
      position += chunk.length;
    }, { onProgress: options.onProgress });
    out.commit(position);
    return result;
  } catch (e) {
    out.abort();
    throw e;
  }
}

export interface LoadOptions extends ReadOptions {}

export async function loadSnapshot(path: string, volumeOptions: VolumeOptions = {}, options: LoadOptions = {}): Promise<ReadResult> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    return await readArchive(
      { size, read: async (buffer, position) => (await handle.read(buffer, 0, buffer.length, position)).bytesRead },
      volumeOptions,
      options,
    );
  } finally {
    await handle.close();
  }
}
