/**
 * memefs as a library.
 *
 * - The volume core: `Volume` and its pieces (inodes, errno vocabulary, names).
 * - A node:fs-compatible object over a volume: `createFs(volume)` / `createFs(options)`,
 *   `memefs(tree)` for `{ fs, vol }` in one call.
 * - `mountVolume(volume, dir)`: mount a volume this process also uses directly (needs root).
 * - Formats: `fat` (FAT12/16/32 images) and `snapshot` (lossless pax tar snapshots).
 */
export * from './core/index.js';
export {
  createFs, createVolume, memefs, constants, Stats, BigIntStats, Dirent, Dir, StatFs, ReadStream, WriteStream,
  FileHandle, FSWatcher, StatWatcher,
} from './node/index.js';
export type {
  FsOptions, MemefsOptions, MemefsFs, MemefsExtras, JsonTree, ToJsonOptions, WatchOptions, ReadStreamOptions,
  WriteStreamOptions,
} from './node/index.js';
export { mountVolume, type SharedMount, type SharedMountOptions } from './fuse/shared-mount.js';
export * as fat from './formats/fat/index.js';
export * as snapshot from './formats/snapshot/index.js';
