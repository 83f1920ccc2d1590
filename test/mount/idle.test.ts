/**
 * The serving thread sleeps in read() between requests (no naps; it polls for
 * 50 us after a reply only while a CPU is free): an idle mount costs no CPU, deleted data gives its memory back at once
 * (madvise through the FFI) or, without the FFI, once the mount is quiet (the
 * main thread notices the quiet and wakes the serving thread for a collection).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { cleanupAll, daemonPid, forceUnmount, MEMEFS, mount, rssKiB, tempDir } from '../helpers/mount.js';
import { SPIN_US, spinAdvisor } from '../../src/cli/cpu-pressure.js';

after(cleanupAll);

const O_NONBLOCK = 0o4000;
const sleep = (ms: number): Promise<void> => new Promise((res) => setTimeout(res, ms));

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

/** CPU time of a process, all threads, in clock ticks (user + system). */
function cpuTicks(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

const count = (log: string, op: RegExp): number => fs.readFileSync(log, 'utf8').split('\n').filter((l) => op.test(l)).length;
const statfsCount = (log: string): number => count(log, / STATFS /);
const forgetCount = (log: string): number => count(log, / (BATCH_)?FORGET /);

/** Writes `mib` MiB to a new file and returns the daemon's RSS with it. */
function writeFile(file: string, mib: number, pid: number): number {
  const w = spawnSync('dd', ['if=/dev/urandom', `of=${file}`, 'bs=1M', `count=${mib}`, 'status=none'], { timeout: 60_000 });
  assert.equal(w.status, 0, String(w.stderr));
  return rssKiB(pid);
}

test('the daemon sleeps in read(), and an idle mount uses next to no CPU', async () => {
  const m = mount();
  try {
    assert.equal(deviceFlags(m.pid) & O_NONBLOCK, 0, 'a blocking device');
    fs.writeFileSync(path.join(m.dir, 'f'), 'x'.repeat(100_000));
    fs.rmSync(path.join(m.dir, 'f'));
    await sleep(1000); // the quiet-time collection after the delete
    const before = cpuTicks(m.pid);
    await sleep(5000);
    const used = cpuTicks(m.pid) - before;
    // 5 s is 500 ticks; 0.5% of it is 2.5 (polling used ~1%, a spinning loop 100%).
    assert.ok(used <= 2, `the idle daemon used ${used} ticks of CPU in 5 s`);
  } finally {
    m.unmount();
  }
});

test('polling is allowed only while the rest of the machine leaves most of a CPU free', () => {
  // A fake machine: every check, the rest of it used `others` CPUs and this process `mine` (per 250 ms).
  const fake = (cpus: number) => {
    const m = { cpus, busyUs: 0, ownUs: 0 };
    const advise = spinAdvisor(250, { cpus, busy: () => m.busyUs, own: () => m.ownUs });
    return (others: number, mine: number): number => {
      m.busyUs += (others + mine) * 250_000;
      m.ownUs += mine * 250_000;
      return advise();
    };
  };
  const two = fake(2);
  assert.equal(two(0.5, 0.5), SPIN_US, 'a quiet machine: a client and this daemon');
  assert.equal(two(0.3, 1), SPIN_US, 'its own polling does not count against it');
  assert.equal(two(1.9, 0.2), 0, 'two CPU-bound processes leave no CPU free');
  assert.equal(two(0.5, 0.5), 0, 'a busy machine holds polling off for a while');
  for (let i = 0; i < 2; i++) two(0.5, 0.5);
  assert.equal(two(0.5, 0.5), SPIN_US, 'and then allows it again');
  const one = fake(1);
  assert.equal(one(0, 0.1), 0, 'never on one CPU: the client could not run meanwhile');
});

test('after a burst of requests the daemon goes back to sleep in a blocking read', async () => {
  const m = mount();
  try {
    await sleep(600); // the main thread's first checks (polling is allowed on a quiet machine)
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 300; i++) fs.writeFileSync(path.join(m.dir, `f${i}`), '');
      for (let i = 0; i < 300; i++) fs.unlinkSync(path.join(m.dir, `f${i}`));
    }
    await sleep(1000);
    assert.equal(deviceFlags(m.pid) & O_NONBLOCK, 0, 'asleep in a blocking read');
    const before = cpuTicks(m.pid);
    await sleep(3000);
    const used = cpuTicks(m.pid) - before;
    assert.ok(used <= 2, `the daemon used ${used} ticks of CPU in the 3 s after the burst`);
  } finally {
    m.unmount();
  }
});

test('deleting a file gives its memory back without waiting for quiet time', async () => {
  const dir = tempDir('idle-');
  const log = path.join(tempDir('idle-log-'), 'ops.log');
  try {
    const r = spawnSync(process.execPath, [MEMEFS, dir, '-d', '-1', '-D', log], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /FFI/);
    const pid = daemonPid(dir);
    const file = path.join(dir, 'f');
    const withFile = writeFile(file, 64, pid);
    await sleep(500);
    const quiet = statfsCount(log);
    const forgets = forgetCount(log);
    fs.unlinkSync(file);
    // The data goes when the kernel forgets the file (FORGET), usually right after the unlink.
    for (let i = 0; i < 100 && forgetCount(log) === forgets; i++) await sleep(50);
    const rss = rssKiB(pid);
    // Only counted if the main thread did not wake the serving thread for a collection meanwhile.
    if (statfsCount(log) === quiet) assert.ok(rss <= withFile - 48 * 1024, `RSS ${withFile} -> ${rss} KiB right after deleting 64 MiB`);
    // Freed blocks are reused: writing again does not grow the daemon.
    const again = writeFile(file, 64, pid);
    assert.ok(again <= withFile + 8 * 1024, `RSS ${withFile} KiB with the first file, ${again} KiB with the second`);
  } finally {
    forceUnmount(dir);
  }
});

test('without the FFI, the daemon says why once and gives memory back once the mount is quiet', async () => {
  const dir = tempDir('idle-noffi-');
  const log = path.join(tempDir('idle-noffi-log-'), 'ops.log');
  try {
    const r = spawnSync(process.execPath, [MEMEFS, dir, '-d', '-1', '-D', log], {
      encoding: 'utf8', timeout: 30_000, env: { ...process.env, MEMEFS_NO_FFI: '1' },
    });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr.match(/MEMEFS_NO_FFI/g)?.length, 1, r.stderr);
    const pid = daemonPid(dir);
    const file = path.join(dir, 'f');
    const withFile = writeFile(file, 32, pid);
    const before = statfsCount(log);
    fs.unlinkSync(file);
    let rss = withFile;
    for (let i = 0; i < 50 && rss > withFile - 24 * 1024; i++) {
      await sleep(100);
      rss = rssKiB(pid);
    }
    assert.ok(rss <= withFile - 24 * 1024, `RSS ${withFile} -> ${rss} KiB after deleting 32 MiB`);
    assert.ok(statfsCount(log) > before, 'the main thread woke the serving thread');
    // Once the work is done, the quiet mount is left alone.
    const settled = statfsCount(log);
    await sleep(1000);
    assert.equal(statfsCount(log), settled, 'no wake-ups while there is nothing to do');
  } finally {
    forceUnmount(dir);
  }
});
