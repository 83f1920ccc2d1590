export * from './access.js';
export * from './data.js';
export * from './directory.js';
export * from './errno.js';
export * from './inode.js';
export * from './names.js';
export * from './time.js';
export * from './volume.js';
