/**
 * Lossless snapshots of a volume as POSIX pax tar archives (see writer.ts for
 * what is kept and how, reader.ts for what loads).
 */
export { saveSnapshot, loadSnapshot, type SaveOptions, type LoadOptions } from './file.js';
export { writeArchive, type WriteOptions, type WriteResult } from './writer.js';
export { readArchive, type ReadOptions, type ReadResult } from './reader.js';
export type { ArchiveSource } from './input.js';
export type { Sink } from './output.js';
export type { Progress, ProgressCallback } from './progress.js';
export { SnapshotError } from './errors.js';
