/**
 * The place for the in-process node:fs API workload (memefs's src/node facade
 * against a Volume, compared with node:fs on tmpfs). Owned by the engineer of
 * src/node; `npm run bench` already calls it and records what it returns under
 * `nodeApi` in the results, and the chart shows its lines with the others.
 *
 * Contract: return one Line per operation measured (same shape as the FUSE
 * lines: a rate for memefs and one for tmpfs, each the median of `runs` runs),
 * or null while the workload does not exist yet.
 */
import type { Line } from './run.js';

export interface NodeApiOptions {
  quick: boolean;
  runs: number;
  /** A fresh tmpfs mount for the node:fs side, made and removed by the caller. */
  withTmpfs: <T>(fn: (dir: string) => Promise<T> | T) => Promise<T>;
}

export async function runNodeApi(_options: NodeApiOptions): Promise<Line[] | null> {
  return null;
}
