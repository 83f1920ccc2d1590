import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { ROOT_DIR } from '../helpers/mount.js';

/** Runs a script in a child process from the repository root, where `memefs` resolves to this package through its exports map. */
function run(args: string[]): string {
  return execFileSync(process.execPath, args, { cwd: ROOT_DIR, encoding: 'utf8' });
}

const SCRIPT = `
  const fs = m.createFs({ caseInsensitive: true, sizeLimit: 1 << 20 });
  fs.writeFileSync('/Hello.txt', 'hi');
  let code = '';
  try { fs.readFileSync('/nope'); } catch (e) { code = e.code + ' ' + e.syscall; }
  console.log(JSON.stringify([fs.readFileSync('/HELLO.TXT', 'utf8'), fs.readdirSync('/'), code,
    typeof m.Volume, typeof m.fat.dumpFat, typeof m.snapshot.saveSnapshot, typeof m.mountVolume]));
`;
const EXPECTED = JSON.stringify(['hi', ['Hello.txt'], 'ENOENT open', 'function', 'function', 'function', 'function']);

test('CommonJS: require("memefs") gives the whole API', () => {
  assert.equal(run(['-e', `const m = require('memefs'); ${SCRIPT}`]).trim(), EXPECTED);
  assert.match(run(['-e', `console.log(require.resolve('memefs'))`]), /dist\/cjs\/index\.js/);
});

test('ESM: import("memefs") gives the same API', () => {
  assert.equal(run(['--input-type=module', '-e', `const m = await import('memefs'); ${SCRIPT}`]).trim(), EXPECTED);
});
