/**
 * Loading and exporting trees as plain objects, as memfs users know them:
 * `{ '/a.txt': 'text', '/empty': null }` (flat, keys are paths) or nested
 * objects (a value that is a plain object is a directory of its entries).
 */
import type { Inode } from '../core/inode.js';
import { posix } from 'node:path';
import type { SyncFs } from './sync.js';

/** A file's content (string = UTF-8), null for a directory, or a nested directory. */
export type JsonValue = string | Uint8Array | null | JsonTree;
export interface JsonTree {
  [path: string]: JsonValue;
}

export interface ToJsonOptions {
  /** Contents as Buffers instead of UTF-8 strings. */
  asBuffer?: boolean;
  /** Keys relative to the exported directory instead of absolute paths. */
  relative?: boolean;
}

/** Creates every entry of `tree` below `base`; parents are created as needed, files overwritten. */
export function loadJson(core: SyncFs, tree: JsonTree, base = '/'): void {
  for (const [key, value] of Object.entries(tree)) {
    const path = posix.resolve(base, key);
    if (value === null) {
      core.mkdirSync(path, { recursive: true });
    } else if (typeof value === 'string' || value instanceof Uint8Array) {
      core.mkdirSync(posix.dirname(path), { recursive: true });
      core.writeFileSync(path, value);
    } else {
      core.mkdirSync(path, { recursive: true });
      loadJson(core, value, path);
    }
  }
}

/**
 * The files below `path` as a flat object: regular files with their content,
 * empty directories as null. Symlinks and special files are left out (plain
 * objects have no way to say what they are).
 */
export function exportJson(core: SyncFs, path = '/', options: ToJsonOptions = {}): Record<string, string | Buffer | null> {
  const start = core.realpathSync(path) as string;
  const inode = core.walker.inode(start, true);
  const out: Record<string, string | Buffer | null> = {};
  if (inode === null) return out;
  const keyOf = (p: string): string => (options.relative ? posix.relative(start, p) || '.' : p);
  const visit = (p: string, node: Inode): void => {
    if (node.data !== null) {
      const bytes = Buffer.alloc(node.data.size);
      node.data.readInto(0, bytes);
      out[keyOf(p)] = options.asBuffer ? bytes : bytes.toString('utf8');
    } else if (node.dir !== null) {
      if (node.dir.size === 0 && p !== start) {
        out[keyOf(p)] = null;
        return;
      }
      const names: string[] = [];
      for (const e of node.dir.entries()) names.push(e.name);
      names.sort();
      for (const name of names) visit(posix.join(p, name), node.dir.get(name)!.inode);
    }
  };
  visit(start, inode);
  return out;
}
