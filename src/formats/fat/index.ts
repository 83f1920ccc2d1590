/**
 * FAT12/16/32 images with long names.
 *
 * - Codec (pure, on Uint8Array): `scanFat`/`readFat` (image → tree + problems,
 *   bounded work on hostile input), `writeFat` (tree → image, mkfs.fat 4.2
 *   layouts via `chooseLayout`, or the geometry of an existing image via `like`),
 *   `prepareFat` (the same laid out, its file data written straight to a sink).
 * - Volume bridge: `loadFatIntoVolume`, `saveVolumeAsFat`/`prepareVolumeAsFat` (warnings with counts
 *   for what FAT cannot hold; EFBIG for files of 4 GiB or more unless skipped).
 * - Reports: `checkFat` (problems, like fsck.fat -n), `dumpFat` (memefs dump).
 * - Images are read as an `ImageSource` (source.ts): bytes in memory, or a file read in parts
 *   (`openImageSource`, `openImageFile`), so loading and extracting never hold the whole image.
 * - Host files: `readImageFile`, `openImageSource`, `openImageFile`, `saveImageFile` (write aside, fsync, rename),
 *   `packDirectory`, `extractImage` (never writes outside its target).
 *
 * Times: FAT stores local time; memefs converts with the process's time zone
 * (TZ) both ways. Mapping to the core: read-only/hidden/system/archive ↔
 * inode.dosAttributes; read-only files load as 0444, others 0644, directories
 * 0755; creation ↔ btime, modification ↔ mtime, access date ↔ atime; the
 * label ↔ volume.label.
 */
export * from './bootsector.js';
export * from './dirent.js';
export * from './dostime.js';
export * from './layout.js';
export * from './lfn.js';
export * from './names.js';
export * from './reader.js';
export * from './shortname.js';
export * from './source.js';
export * from './table.js';
export * from './tree.js';
export * from './writer.js';
export * from './capacity.js';
export * from './check.js';
export * from './dump.js';
export * from './load.js';
export * from './save.js';
export * from './files.js';
