/**
 * Installing as a user would: `npm pack`, then `npm install -g` of that tarball into a temporary
 * prefix. The installed `memefs` must run from PATH and mount, with only its own dependencies
 * (no devDependencies, no tests, no sources). Packs the dist/ this run built (--ignore-scripts:
 * the build already ran); npm fetches the dependencies from its registry or cache.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { forceUnmount, ROOT_DIR, tempDir } from '../helpers/mount.js';

function npm(args: string[], cwd: string): string {
  const r = spawnSync('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd, encoding: 'utf8', timeout: 300_000 });
  assert.equal(r.status, 0, `npm ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

test('npm pack, then npm install -g gives a working memefs on PATH with its own dependencies only', () => {
  const dir = tempDir('pkg-');
  npm(['pack', '--ignore-scripts', '--pack-destination', dir], ROOT_DIR);
  const tarball = fs.readdirSync(dir).find((f) => /^memefs-.*\.tgz$/.test(f));
  assert.ok(tarball, 'npm pack made a tarball');
  const listing = spawnSync('tar', ['-tzf', path.join(dir, tarball)], { encoding: 'utf8' }).stdout.split('\n');
  for (const f of ['package/bin/memefs.js', 'package/dist/src/cli/main.js', 'package/dist/cjs/index.js', 'package/contrib/systemd/memefs@.service', 'package/README.md']) {
    assert.ok(listing.includes(f), `${f} is packed`);
  }
  assert.deepEqual(listing.filter((f) => /^package\/(src|test|bench|dist\/test|dist\/bench)\//.test(f)), [], 'no sources or tests');

  const prefix = path.join(dir, 'prefix');
  npm(['install', '-g', '--prefix', prefix, path.join(dir, tarball)], dir);
  const installed = path.join(prefix, 'lib', 'node_modules', 'memefs', 'node_modules');
  const deps = fs.readdirSync(installed);
  for (const own of ['commander', 'cli-progress', 'koffi']) assert.ok(deps.includes(own), `${own} installed`);
  for (const dev of ['typescript', 'fast-check', 'memfs', '@types']) assert.ok(!deps.includes(dev), `devDependency ${dev} not installed`);

  // From PATH, as a user types it: mount, use, unmount (mounts only under our temp directory).
  const env = { ...process.env, PATH: `${path.join(prefix, 'bin')}:${process.env.PATH}` };
  const mnt = path.join(dir, 'mnt');
  fs.mkdirSync(mnt);
  try {
    const up = spawnSync('memefs', [mnt, '-s', '16M'], { env, encoding: 'utf8', timeout: 30_000 });
    assert.equal(up.status, 0, up.stderr);
    assert.match(up.stdout, /memefs mounted at .* \(size 16\.0 MiB\)/);
    fs.writeFileSync(path.join(mnt, 'f'), 'installed');
    assert.equal(fs.readFileSync(path.join(mnt, 'f'), 'utf8'), 'installed');
    const down = spawnSync('memefs', ['unmount', mnt], { env, encoding: 'utf8', timeout: 30_000 });
    assert.equal(down.status, 0, down.stderr);
  } finally {
    forceUnmount(mnt);
  }
});
