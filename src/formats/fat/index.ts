/**
 * FAT12/16/32 images with long names: the codec (pure, on byte arrays), the
 * bridge to the volume core, the dump and check, and file-level helpers.
 */
export * from './bootsector.js';
export * from './dirent.js';
export * from './dostime.js';
export * from './layout.js';
export * from './lfn.js';
export * from './names.js';
export * from './reader.js';
export * from './shortname.js';
export * from './table.js';
export * from './tree.js';
export * from './writer.js';
export * from './check.js';
export * from './dump.js';
export * from './load.js';
export * from './save.js';
export * from './files.js';
