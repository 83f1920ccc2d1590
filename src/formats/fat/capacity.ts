/**
 * What a volume that will be saved into a FAT image may hold, counted the way
 * the writer spends the image (writer.ts: plan, allocate), so that the volume
 * reports ENOSPC exactly when the save would not fit:
 * - a file takes its size rounded up to whole clusters, for each of its names
 *   (a hard link is saved as a copy); an inode itself takes nothing;
 * - a name takes its 32-byte slots (long-name slots included), and a
 *   directory its slots rounded up to whole clusters, at least one:
 *   a subdirectory's include `.` and `..`; FAT32's root is a cluster chain,
 *   the FAT12/16 root a fixed number of slots outside the data area;
 * - the label takes a slot in the root (and a long-name slot if mixed case).
 * The cap is the data area: df shows free clusters × the cluster size.
 */
import { Errno, fail } from '../../core/errno.js';
import { NAME_MAX, nameByteLength } from '../../core/names.js';
import type { MetadataCost, VolumeOptions } from '../../core/volume.js';
import { NO_NAME } from './bootsector.js';
import { ENTRY_SIZE } from './dirent.js';
import { chooseLayout, type LayoutOptions } from './layout.js';
import { lfnSlotCount, LFN_MAX_UNITS } from './lfn.js';
import { labelField, mixedCaseLabel, storableName } from './names.js';
import { readBootSector } from './reader.js';
import { plainShortName } from './shortname.js';
import type { ImageSource } from './source.js';
import { MAX_DIR_ENTRIES } from './writer.js';

/** The most slots one name takes: 255 units of long name, and the short entry. */
const MAX_NAME_SLOTS = 1 + Math.ceil(LFN_MAX_UNITS / 13);

/** Bytes of directory slots a name takes: its short entry, plus long-name slots unless it fits 8.3. */
export function directorySlotBytes(name: string): number {
  const stored = storableName(name);
  let slots: number;
  if (stored === null) slots = 1; // left out by the save
  else if (stored !== name) slots = 1 + lfnSlotCount(`${stored}~99999`.slice(0, LFN_MAX_UNITS)); // may get a "~N" tail
  // A loaded FAT name over 255 bytes of UTF-8 is reachable as a shorter "…~N" name and saved back whole.
  else if (nameByteLength(name) > NAME_MAX - 32 && /~\d/.test(name)) slots = MAX_NAME_SLOTS;
  else slots = plainShortName(stored) ? 1 : 1 + lfnSlotCount(stored);
  return slots * ENTRY_SIZE;
}

/** Bytes the label takes in the root: its entry, and the long-name slots mlabel keeps for a mixed-case label. */
function labelSlotBytes(label: string): number {
  if (labelField(label).field === NO_NAME) return 0;
  const mixed = mixedCaseLabel(label);
  return (1 + (mixed === null ? 0 : lfnSlotCount(mixed))) * ENTRY_SIZE;
}

export interface FatShape {
  fatType: 12 | 16 | 32;
  clusterBytes: number;
  clusterCount: number;
  /** Slots of the FAT12/16 root. */
  rootEntries: number;
}

/** Size limit and costs for a volume to be saved into a FAT file system of this shape. */
export function fatLimits(shape: FatShape): Required<Pick<VolumeOptions, 'sizeLimit' | 'metadataCost'>> {
  const { clusterBytes } = shape;
  const clusters = (bytes: number) => Math.ceil(bytes / clusterBytes) * clusterBytes;
  const cost: MetadataCost = {
    inode: 0,
    entry: directorySlotBytes,
    data: clusters,
    directory: (entries, root) => {
      if (root && shape.fatType !== 32) {
        if (entries > shape.rootEntries * ENTRY_SIZE) fail(Errno.ENOSPC, `the FAT${shape.fatType} root directory holds ${shape.rootEntries} entries`);
        return 0;
      }
      const bytes = root ? entries : entries + 2 * ENTRY_SIZE; // "." and ".."
      if (bytes > MAX_DIR_ENTRIES * ENTRY_SIZE) fail(Errno.ENOSPC, `a FAT directory holds ${MAX_DIR_ENTRIES} entries`);
      return Math.max(clusterBytes, clusters(bytes));
    },
    label: labelSlotBytes,
    blockSize: clusterBytes,
  };
  return { sizeLimit: shape.clusterCount * clusterBytes, metadataCost: cost };
}

/** Limits for a volume that is to be saved back into `image` (only its boot sector is read). */
export function fatVolumeLimits(image: Uint8Array | ImageSource): ReturnType<typeof fatLimits> {
  return fatLimits(readBootSector(image).geometry);
}

/** Limits for a volume that will be saved as a new image of `size` bytes (the layout the save will choose). */
export function newFatVolumeLimits(size: number, options: LayoutOptions = {}): ReturnType<typeof fatLimits> {
  const l = chooseLayout(size, options);
  return fatLimits({ ...l, clusterBytes: l.bytesPerSector * l.sectorsPerCluster });
}
