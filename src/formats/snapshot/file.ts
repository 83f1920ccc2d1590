/**
 * Snapshots as files. A save writes beside the target (`FILE.tmp-XXXXXX`),
 * flushes it to disk, renames it over the target and flushes the directory,
 * so a crash leaves either the old snapshot or the new one, never half of one.
 */
import { randomBytes } from 'node:crypto';
import { open, realpath, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Volume, VolumeOptions } from '../../core/volume.js';
import type { ProgressCallback } from './progress.js';
import { readArchive, type ReadResult, type ReadOptions } from './reader.js';
import { writeArchive, type WriteResult } from './writer.js';

export interface SaveOptions {
  onProgress?: ProgressCallback;
}

/**
 * Writes the volume to `path`. An existing snapshot keeps its permission bits
 * (a new one is 0600: it holds everything the volume does), and when `path`
 * is a symlink the file it points to is replaced, not the link.
 */
export async function saveSnapshot(volume: Volume, path: string, options: SaveOptions = {}): Promise<WriteResult> {
  const target = await realpath(path).catch(() => path);
  const mode = await stat(target).then((st) => st.mode & 0o7777, () => 0o600);
  const temp = `${target}.tmp-${randomBytes(4).toString('hex')}`;
  const handle = await open(temp, 'wx', 0o600);
  let ok = false;
  try {
    await handle.chmod(mode);
    const result = await writeArchive(volume, (chunk) => writeFully(handle, chunk), { onProgress: options.onProgress });
    await handle.sync();
    await handle.close();
    await rename(temp, target);
    ok = true;
    await syncDirectory(dirname(target));
    return result;
  } finally {
    if (!ok) {
      await handle.close().catch(() => undefined);
      await unlink(temp).catch(() => undefined);
    }
  }
}

async function writeFully(handle: FileHandle, chunk: Uint8Array): Promise<void> {
  let off = 0;
  while (off < chunk.length) {
    const { bytesWritten } = await handle.write(chunk, off, chunk.length - off);
    off += bytesWritten;
  }
}

/** Makes the rename durable; some file systems refuse fsync on a directory, which is harmless here. */
async function syncDirectory(dir: string): Promise<void> {
  try {
    const h = await open(dir, 'r');
    try {
      await h.sync();
    } finally {
      await h.close();
    }
  } catch {
    /* best effort */
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
