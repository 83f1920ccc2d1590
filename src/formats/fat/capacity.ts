/**
 * What a volume loaded from a FAT image may hold: the image's data area and
 * fixed root directory, counted the way FAT spends them. A directory entry
 * costs its 32-byte slots (long-name slots included); an inode costs nothing
 * by itself (FAT keeps a file's metadata in its entry), so thousands of
 * empty files fit as they do in the image.
 *
 * Not counted yet: the rounding of each file and directory up to whole
 * clusters (file data is charged as the volume stores it), so an image with
 * large clusters can still report room the save will not find.
 */
import type { MetadataCost, VolumeOptions } from '../../core/volume.js';
import { ENTRY_SIZE } from './dirent.js';
import { lfnSlotCount } from './lfn.js';
import { storableName } from './names.js';
import { readBootSector } from './reader.js';
import { plainShortName } from './shortname.js';

/** Bytes of directory slots a name takes: its short entry, plus long-name slots unless it fits 8.3. */
export function directorySlotBytes(name: string): number {
  const stored = storableName(name) ?? name;
  const slots = plainShortName(stored) ? 1 : 1 + lfnSlotCount(stored.slice(0, 255));
  return slots * ENTRY_SIZE;
}

export const FAT_METADATA_COST: MetadataCost = { inode: 0, entry: directorySlotBytes };

/** Size limit and metadata cost for a volume that is to be saved back into `image`. */
export function fatVolumeLimits(image: Uint8Array): Required<Pick<VolumeOptions, 'sizeLimit' | 'metadataCost'>> {
  const g = readBootSector(image).geometry;
  const rootBytes = g.fatType === 32 ? 0 : g.rootEntries * ENTRY_SIZE;
  return { sizeLimit: g.clusterCount * g.clusterBytes + rootBytes, metadataCost: FAT_METADATA_COST };
}
