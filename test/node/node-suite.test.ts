/**
 * Node's own fs tests (test/parallel/test-fs-*.js of Node 20, from Debian's
 * nodejs source package, fetched at test time by scripts/fetch-node-tests.sh,
 * never kept in the repository) run on real node:fs and then with `fs` swapped
 * for memefs (node-suite/preload.ts). Every file that passes on node:fs must
 * pass on memefs, except those in KNOWN, each with its reason; a KNOWN file
 * that passes is reported (a diagnostic), so the list can be kept true. Files the harness
 * cannot judge are left out by rule (LEFT_OUT). Without the source (offline),
 * the test skips and says why.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const repo = join(here, '..', '..', '..');
const preload = join(here, 'node-suite', 'preload.js');

/** Why a file is not run: what it tests lies outside the fs object the harness swaps. */
const LEFT_OUT: [RegExp, string][] = [
  [/\/\/ Flags:.*--expose-internals/, 'tests fs internals (--expose-internals)'],
  [/require\(['"](node:)?(child_process|worker_threads)['"]\)|common\/(child_process|fork)/, 'runs other processes or threads, which see the real disk'],
];

/** Files that pass on node:fs and not on memefs, and why (each stops at its first failure; see docs/node-fs.md). */
const KNOWN: Record<string, string> = {
  'test-fs-filehandle-use-after-close.js': 'harness: reads a real file outside the volume (process.execPath, /proc)',
  'test-fs-promises-file-handle-readFile.js': 'harness: reads a real file outside the volume (process.execPath, /proc)',
  'test-fs-read-file-sync-hostname.js': 'harness: reads a real file outside the volume (process.execPath, /proc)',
  'test-fs-stat.js': 'harness: uses descriptor 0 (stdin), which is not memefs\'s',
  'test-fs-readdir-recursive.js': 'harness: makes its socket with net.listen, which binds on the real disk',
};

interface Outcome {
  ok: boolean;
  skipped: boolean;
  output: string;
}

function run(root: string, file: string, serial: number, onMemefs: boolean): Promise<Outcome> {
  const source = readFileSync(join(root, 'test', 'parallel', file), 'utf8');
  const flags = /^\/\/ Flags: (.*)$/m.exec(source)?.[1]?.trim().split(/\s+/) ?? [];
  const args = [...(onMemefs ? ['--import', preload] : []), ...flags, join('test', 'parallel', file)];
  const env: Record<string, string | undefined> = { ...process.env, TEST_SERIAL_ID: String(serial), MEMEFS_NODE_TEST_ROOT: join(root, 'test') };
  // The tests' own runner must not think it runs under ours (it would answer in its binary protocol).
  delete env.NODE_TEST_CONTEXT;
  delete env.NODE_TEST_DIR;
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd: root, env, timeout: 120_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const output = `${stdout}\n${stderr}`;
      resolve({ ok: err === null, skipped: /^1\.\.0 # Skipped/m.test(stdout), output });
    });
  });
}

test("Node 20's own fs tests pass on memefs wherever they pass on node:fs", async (t) => {
  let root: string;
  try {
    root = execFileSync('bash', [join(repo, 'scripts', 'fetch-node-tests.sh'), join(tmpdir(), 'memefs-node-tests')], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }).trim();
  } catch (e) {
    const why = String((e as { stderr?: string }).stderr ?? e).trim().split('\n').pop();
    t.skip(`Node's test sources could not be had: ${why}`);
    return;
  }
  const only = process.env.MEMEFS_NODE_TESTS_ONLY;
  const files = readdirSync(join(root, 'test', 'parallel'))
    .filter((f) => /^test-fs-.*\.js$/.test(f) && (!only || f.includes(only)))
    .sort();
  const leftOut: string[] = [];
  const queue: string[] = [];
  for (const file of files) {
    const source = readFileSync(join(root, 'test', 'parallel', file), 'utf8');
    if (LEFT_OUT.some(([pattern]) => pattern.test(source))) leftOut.push(file);
    else queue.push(file);
  }
  const required: string[] = [];
  const failed = new Map<string, string>();
  const passed: string[] = [];
  // Two at a time, each with its own tmpdir (TEST_SERIAL_ID) on the real side.
  const worker = async (serial: number): Promise<void> => {
    for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
      const real = await run(root, file, serial, false);
      if (!real.ok || real.skipped) continue;
      required.push(file);
      const mine = await run(root, file, serial, true);
      if (mine.ok) passed.push(file);
      else failed.set(file, mine.output.trim().split('\n').slice(-12).join('\n'));
    }
  };
  await Promise.all([worker(1), worker(2)]);
  t.diagnostic(`${files.length} files, ${leftOut.length} left out by rule, ${required.length} pass on node:fs, ${passed.length} of them on memefs`);
  const unexpected = [...failed.keys()].filter((f) => !(f in KNOWN)).sort();
  const nowPassing = passed.filter((f) => f in KNOWN).sort();
  if (process.env.MEMEFS_NODE_TESTS_VERBOSE) for (const f of unexpected) t.diagnostic(`${f}\n${failed.get(f)}`);
  assert.deepEqual(unexpected, [], `fail on memefs only:\n${unexpected.map((f) => `${f}: ${failed.get(f)!.split('\n').slice(-3).join(' | ')}`).join('\n')}`);
  // Some of these depend on timing (watchers, streams), so a pass is reported, not failed on.
  if (nowPassing.length > 0) t.diagnostic(`pass now, take them off KNOWN: ${nowPassing.join(', ')}`);
});
