/**
 * The systemd unit (contrib/systemd/memefs@.service): it parses cleanly, and its ExecStart, run the
 * way systemd runs it, mounts and loads the snapshot; SIGTERM (what systemd sends to the main
 * process at stop and shutdown) unmounts and saves. systemd itself is not running here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { daemonPid, forceUnmount, isMounted, memefs, ROOT_DIR, tempDir } from '../helpers/mount.js';

const UNIT = path.join(ROOT_DIR, 'contrib', 'systemd', 'memefs@.service');

test('the unit file passes systemd-analyze verify with no warning', () => {
  const dir = tempDir('unit-');
  fs.copyFileSync(UNIT, path.join(dir, 'memefs@.service'));
  const r = spawnSync('systemd-analyze', ['verify', '--man=no', path.join(dir, 'memefs@mnt-ram.service')], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr.trim(), '', 'unknown keys and bad values are only warnings: there must be none');
});

/** The unit's ExecStart as systemd would run it for a mount point, with the given variables (as from /etc/memefs/I.conf). */
function execStart(mountPoint: string, env: Record<string, string>): string[] {
  const line = /^ExecStart=(.*)$/m.exec(fs.readFileSync(UNIT, 'utf8'))?.[1];
  assert.ok(line, 'the unit has an ExecStart');
  const words = line.split(/\s+/).flatMap((w) => {
    if (w === '%f') return [mountPoint];
    const v = /^\$(\w+)$/.exec(w);
    return v ? (env[v[1]!] ?? '').split(/\s+/).filter(Boolean) : [w];
  });
  assert.deepEqual(words.slice(0, 2), ['/usr/bin/env', 'memefs'], 'the unit runs memefs from PATH');
  return words.slice(2);
}

/** The daemon ran detached: once it ends, init reaps it and its /proc entry goes. */
const alive = (pid: number): boolean => fs.existsSync(`/proc/${pid}`);

test('the unit\'s command mounts and loads; SIGTERM to the daemon unmounts and saves', async () => {
  const dir = tempDir('unit-');
  const mnt = path.join(dir, 'mnt');
  const snapshot = path.join(dir, 'ram.tar');
  fs.mkdirSync(mnt);
  const args = execStart(mnt, { MEMEFS_STORE: `--snapshot ${snapshot}`, MEMEFS_OPTIONS: '-s 64M' });
  try {
    const first = memefs(args);
    assert.equal(first.status, 0, first.stderr);
    fs.writeFileSync(path.join(mnt, 'kept.txt'), 'across a reboot\n');
    const pid = daemonPid(mnt);
    process.kill(pid, 'SIGTERM');
    for (let i = 0; i < 600 && alive(pid); i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(alive(pid), false, 'the daemon ends after SIGTERM');
    assert.equal(isMounted(mnt), false);
    assert.ok(fs.existsSync(snapshot), 'the snapshot was written at stop');

    const again = memefs(args);
    assert.equal(again.status, 0, again.stderr);
    assert.equal(fs.readFileSync(path.join(mnt, 'kept.txt'), 'utf8'), 'across a reboot\n');
  } finally {
    forceUnmount(mnt);
  }
});
