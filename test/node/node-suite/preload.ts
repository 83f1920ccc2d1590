/**
 * Loaded with `--import` before one of Node's own test-fs-*.js files (see
 * ../node-suite.test.ts): `require('fs')`, `fs/promises` and their `node:`
 * names, asked for by the test or by the test's helpers (common/tmpdir...),
 * give memefs's createFs over a fresh volume instead. The volume gets a copy of
 * the test file and of the fixtures it uses at their real paths; process.cwd and
 * process.chdir become the fs object's, so relative paths and path.resolve
 * agree with the volume. common/index.js keeps the real fs: it reads the
 * test's own "// Flags:" line and /proc, which are outside the test's subject.
 */
import Module from 'node:module';
import * as realFs from 'node:fs';
import { join } from 'node:path';
import { createFs } from '../../../src/node/index.js';

const testRoot = process.env.MEMEFS_NODE_TEST_ROOT;
if (!testRoot) throw new Error('MEMEFS_NODE_TEST_ROOT is not set');
const fs = createFs();

/** Copies a real tree into the volume at the same path (files under 1 MiB; symlinks as they are). */
function mirror(path: string): void {
  const st = realFs.lstatSync(path);
  if (st.isSymbolicLink()) fs.symlinkSync(realFs.readlinkSync(path), path);
  else if (st.isDirectory()) {
    fs.mkdirSync(path, { recursive: true, mode: st.mode & 0o7777 });
    for (const name of realFs.readdirSync(path)) mirror(join(path, name));
  } else if (st.isFile() && st.size < 1 << 20) fs.writeFileSync(path, realFs.readFileSync(path), { mode: st.mode & 0o7777 });
}

// The fixtures the fs tests name: the top-level files and two small trees (the whole folder is 47 MB).
const fixtures = join(testRoot, 'fixtures');
fs.mkdirSync(join(testRoot, 'parallel'), { recursive: true });
fs.mkdirSync(fixtures);
for (const entry of realFs.readdirSync(fixtures, { withFileTypes: true })) {
  if (!entry.isDirectory() || entry.name === 'cycles' || entry.name === 'nested-index') mirror(join(fixtures, entry.name));
}
if (process.argv[1]) mirror(process.argv[1]);
fs.mkdirSync(process.cwd(), { recursive: true });
fs.chdir(process.cwd());
process.cwd = () => fs.cwd();
process.chdir = (dir: string) => fs.chdir(dir);

const commonIndex = join(testRoot, 'common', 'index.js');
const loader = Module as unknown as { _load(request: string, parent: { filename?: string } | null, isMain: boolean): unknown };
const load = loader._load;
loader._load = function (request, parent, isMain) {
  const from = parent?.filename ?? '';
  if (from.startsWith(testRoot) && from !== commonIndex) {
    if (request === 'fs' || request === 'node:fs') return fs;
    if (request === 'fs/promises' || request === 'node:fs/promises') return fs.promises;
  }
  return load.call(this, request, parent, isMain);
};
