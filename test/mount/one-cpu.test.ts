/**
 * A daemon that shares its one CPU with every client sleeps in read() instead
 * of polling, and still does its quiet-time work: the main thread notices the
 * quiet and wakes the serving thread. Run in a one-CPU cpuset (cgroup v1, or
 * v2 when its cpuset controller is enabled), so the daemon and the clients of
 * the test are on that CPU, as on a one-CPU machine.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { countCpuList } from '../../src/cli/cpus.js';
import { cleanupAll, daemonPid, forceUnmount, MEMEFS, mount, rssKiB, tempDir } from '../helpers/mount.js';

after(cleanupAll);

const O_NONBLOCK = 0o4000;

/** A fresh one-CPU cpuset cgroup, or why there cannot be one here. */
function makeCpuset(): { dir: string } | { skip: string } {
  const v1 = '/sys/fs/cgroup/cpuset';
  const v2 = '/sys/fs/cgroup';
  const name = `memefs-test-${process.pid}`;
  let made: string | undefined;
  try {
    if (fs.existsSync(path.join(v1, 'cpuset.cpus'))) {
      const dir = path.join(v1, name);
      fs.mkdirSync((made = dir));
      fs.writeFileSync(path.join(dir, 'cpuset.cpus'), '0');
      fs.writeFileSync(path.join(dir, 'cpuset.mems'), fs.readFileSync(path.join(v1, 'cpuset.effective_mems'), 'utf8').trim().split(/[,-]/)[0]!);
      return { dir };
    }
    if (fs.existsSync(path.join(v2, 'cgroup.subtree_control')) && fs.readFileSync(path.join(v2, 'cgroup.subtree_control'), 'utf8').split(/\s+/).includes('cpuset')) {
      const dir = path.join(v2, name);
      fs.mkdirSync((made = dir));
      fs.writeFileSync(path.join(dir, 'cpuset.cpus'), '0');
      return { dir };
    }
  } catch (e) {
    if (made !== undefined) removeCgroup(made);
    return { skip: `cannot make a cpuset cgroup: ${(e as Error).message}` };
  }
  return { skip: 'no cpuset cgroup controller here' };
}

function removeCgroup(dir: string): void {
  // The daemon leaves the group when it exits, shortly after the unmount.
  for (let i = 0; i < 100; i++) {
    try {
      fs.rmdirSync(dir);
      return;
    } catch {
      spawnSync('sleep', ['0.05']);
    }
  }
}

/** The open flags of the daemon's /dev/fuse descriptor. */
function deviceFlags(pid: number): number {
  for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
    if (fs.readlinkSync(`/proc/${pid}/fd/${fd}`) === '/dev/fuse') {
      const m = /^flags:\s+([0-7]+)$/m.exec(fs.readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8'));
      return parseInt(m![1]!, 8);
    }
  }
  throw new Error('the daemon has no /dev/fuse open');
}

const statfsCount = (log: string): number => fs.readFileSync(log, 'utf8').split('\n').filter((l) => / STATFS /.test(l)).length;

test('kernel CPU lists are counted', () => {
  assert.equal(countCpuList('0\n'), 1);
  assert.equal(countCpuList('0-3,6,8-9'), 7);
  assert.ok(Number.isNaN(countCpuList('')));
  assert.ok(Number.isNaN(countCpuList('3-1')));
});

test('on one CPU for all, the daemon sleeps in read() and still collects freed memory once quiet', async (t) => {
  const cg = makeCpuset();
  if ('skip' in cg) {
    t.skip(cg.skip);
    return;
  }
  const dir = tempDir('onecpu-');
  const log = path.join(tempDir('onecpu-log-'), 'ops.log');
  try {
    // The daemon is spawned by the command, so it starts in the cgroup the command runs in.
    const r = spawnSync('sh', ['-c', `echo $$ > ${cg.dir}/cgroup.procs && exec "$0" "$@"`, process.execPath, MEMEFS, dir, '-d', '-1', '-D', log], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 0, r.stderr);
    const pid = daemonPid(dir);
    assert.equal(countCpuList(/^Cpus_allowed_list:\s*(.*)$/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1]!), 1);
    assert.equal(deviceFlags(pid) & O_NONBLOCK, 0, 'a blocking device');

    // Written by a process in the cgroup (on the daemon's CPU), read back by this one.
    const file = path.join(dir, 'f');
    const data = Buffer.alloc(3 << 20);
    for (let i = 0; i < data.length; i += 4096) data[i] = (i >> 12) & 0xff;
    const w = spawnSync('sh', ['-c', `echo $$ > ${cg.dir}/cgroup.procs && exec "$0" "$@"`, 'dd', 'of=' + file, 'bs=1M', 'status=none'], { input: data, timeout: 30_000 });
    assert.equal(w.status, 0, String(w.stderr));
    assert.deepEqual(fs.readFileSync(file), data);
    const withFile = rssKiB(pid);

    // Less than a busy collection needs (4 MiB), so only the quiet-time one can give it back.
    const before = statfsCount(log);
    fs.unlinkSync(file);
    let rss = withFile;
    for (let i = 0; i < 40 && rss > withFile - 2048; i++) {
      await new Promise((res) => setTimeout(res, 100));
      rss = rssKiB(pid);
    }
    assert.ok(rss <= withFile - 2048, `RSS ${withFile} -> ${rss} KiB after deleting 3 MiB`);
    assert.ok(statfsCount(log) > before, 'the main thread woke the serving thread');
    // Once the work is done, the quiet mount is left alone.
    const settled = statfsCount(log);
    await new Promise((res) => setTimeout(res, 1000));
    assert.equal(statfsCount(log), settled, 'no wake-ups while there is nothing to do');
  } finally {
    forceUnmount(dir);
    removeCgroup(cg.dir);
  }
});

test('with CPUs to spare, the daemon polls', { skip: os.availableParallelism() < 2 && 'one CPU here' }, () => {
  const m = mount();
  try {
    assert.notEqual(deviceFlags(m.pid) & O_NONBLOCK, 0);
  } finally {
    m.unmount();
  }
});
