/**
 * Saving a volume as a FAT image. FAT keeps names, bytes, four attributes
 * and three times; everything else is reported, with counts and example
 * paths, never dropped silently: owners, permission modes other than the
 * ones loading produces (0755 directories, 0644 files, 0444 read-only
 * files), symbolic links, special files, hard links (each name gets its own
 * copy), extended attributes, named streams, security descriptors, reparse
 * points and EAs. A file of 4 GiB or more fails the save unless
 * `skipTooBig` is set.
 */
import { S_IFMT, S_IFLNK, S_IFREG, S_IFDIR, PERMISSION_BITS, type Inode } from '../../core/inode.js';
import { toMs } from '../../core/time.js';
import type { Volume } from '../../core/volume.js';
import { ATTR_KEPT, ATTR_READ_ONLY } from './dirent.js';
import { FAT_DIR_MODE, FAT_FILE_MODE, FAT_READONLY_FILE_MODE, savedName } from './load.js';
import type { FatDirectory, FatTree } from './tree.js';
import { prepareFat, writeFat, type PreparedImage, type WriteOptions, type WriteResult } from './writer.js';

export type SaveOptions = WriteOptions;

class Losses {
  private readonly kinds = new Map<string, { count: number; examples: string[] }>();
  note(what: string, path: string): void {
    let k = this.kinds.get(what);
    if (!k) this.kinds.set(what, (k = { count: 0, examples: [] }));
    k.count++;
    if (k.examples.length < 3) k.examples.push(path);
  }
  list(): string[] {
    return [...this.kinds].map(([what, k]) => `FAT cannot hold ${what}: ${k.count} (${k.examples.join(', ')}${k.count > 3 ? ', ...' : ''})`);
  }
}

/** The tree FAT can hold of the volume, and what it cannot. */
export function volumeToFatTree(volume: Volume): { tree: FatTree; losses: string[] } {
  const losses = new Losses();
  const root: FatDirectory = { kind: 'dir', name: '', attributes: 0, children: [] };
  const rootOwner = { uid: volume.root.uid, gid: volume.root.gid };
  const linked = new Set<Inode>();
  const stack: { inode: Inode; node: FatDirectory; path: string }[] = [{ inode: volume.root, node: root, path: '' }];
  while (stack.length > 0) {
    const { inode: dirInode, node: dirNode, path } = stack.pop()!;
    for (const entry of dirInode.dir!.entriesAfter(0)) {
      const inode = entry.inode;
      const { name, hints: hint } = savedName(entry.inode, entry.name);
      const p = `${path}/${name}`;
      const type = inode.mode & S_IFMT;
      if (type === S_IFLNK) { losses.note('symbolic links (left out)', p); continue; }
      if (type !== S_IFREG && type !== S_IFDIR) { losses.note('special files: devices, FIFOs, sockets (left out)', p); continue; }
      noteMetadata(inode, p, rootOwner, losses);
      let attributes = inode.dosAttributes & ATTR_KEPT;
      if (type === S_IFREG && (inode.mode & 0o222) === 0) attributes |= ATTR_READ_ONLY;
      const times = { created: toMs(inode.btime), modified: toMs(inode.mtime), accessed: toMs(inode.atime) };
      if (type === S_IFDIR) {
        const node: FatDirectory = { kind: 'dir', name, attributes, children: [], ...times, ...hint };
        dirNode.children.push(node);
        stack.push({ inode, node, path: p });
      } else {
        if (inode.nlink > 1) {
          if (linked.has(inode)) losses.note('hard links (each extra name saved as a separate copy)', p);
          linked.add(inode);
        }
        dirNode.children.push({ kind: 'file', name, attributes, data: inode.data!, ...times, ...hint });
      }
    }
  }
  return { tree: { label: volume.label, root, volumeId: volume.serial }, losses: losses.list() };
}

function noteMetadata(inode: Inode, path: string, rootOwner: { uid: number; gid: number }, losses: Losses): void {
  if (inode.uid !== rootOwner.uid || inode.gid !== rootOwner.gid) losses.note('owners (uid/gid)', path);
  const perm = inode.mode & PERMISSION_BITS;
  const expected = inode.isDir() ? [FAT_DIR_MODE] : [FAT_FILE_MODE, FAT_READONLY_FILE_MODE];
  if (!expected.includes(perm)) losses.note('permission modes', path);
  if (inode.xattrs && inode.xattrs.size > 0) losses.note('extended attributes', path);
  if (inode.streams && inode.streams.size > 0) losses.note('named streams (user.* xattrs)', path);
  if (inode.securityDescriptor) losses.note('security descriptors', path);
  if (inode.reparseData) losses.note('reparse points', path);
  if (inode.eas && inode.eas.size > 0) losses.note('EAs', path);
}

/**
 * The size of a new image for a volume: its size limit when it has one (so the
 * layout is what mkfs.fat would choose for that size), else undefined (the
 * writer then picks the smallest standard size with a fifth free).
 */
export function imageSizeFor(volume: Volume): number | undefined {
  return volume.sizeLimit >= Number.MAX_SAFE_INTEGER ? undefined : volume.sizeLimit;
}

/**
 * The volume as a FAT image, with warnings for what FAT cannot hold. Without
 * `like` or `size`, a new image gets the volume's size limit as its size.
 */
export function saveVolumeAsFat(volume: Volume, options: SaveOptions = {}): WriteResult {
  const { tree, losses, options: sized } = fatTreeToSave(volume, options);
  const written = writeFat(tree, sized);
  return { image: written.image, warnings: [...losses, ...written.warnings] };
}

/**
 * The volume laid out as a FAT image (see saveVolumeAsFat) whose `writeTo` sends
 * file data straight from the volume: the image is never held whole in memory.
 */
export function prepareVolumeAsFat(volume: Volume, options: SaveOptions = {}): PreparedImage {
  const { tree, losses, options: sized } = fatTreeToSave(volume, options);
  const prepared = prepareFat(tree, sized);
  return { ...prepared, warnings: [...losses, ...prepared.warnings] };
}

function fatTreeToSave(volume: Volume, options: SaveOptions): { tree: FatTree; losses: string[]; options: SaveOptions } {
  const { tree, losses } = volumeToFatTree(volume);
  const size = options.like || options.size !== undefined ? options.size : imageSizeFor(volume);
  return { tree, losses, options: size === undefined ? options : { ...options, size } };
}
