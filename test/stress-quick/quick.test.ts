/**
 * Short, bounded versions of the stress suite (test/stress/, `npm run stress`)
 * for the default test run: an fsx-style random data checker, an fsstress-style
 * run of concurrent processes, memefs's ConcurrencyStressTester, fio verify
 * jobs, memory coming back after deletes, and full-disk behaviour. Together
 * they take well under a minute.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fioJob, runTool } from '../helpers/ctools.js';
import { cleanupAll, rssKiB, withMount } from '../helpers/mount.js';

after(cleanupAll);

/** A fresh tmpfs for the duration of fn, outside the helpers' temp root (see conformance.test.ts). */
async function withTmpfs<T>(options: string[], fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memefs-quick-tmpfs-'));
  execFileSync('mount', ['-t', 'tmpfs', ...options, 'tmpfs', dir]);
  try {
    return await fn(dir);
  } finally {
    spawnSync('umount', ['-l', dir], { stdio: 'ignore' });
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function ok(r: { status: number | null; stdout: string; stderr: string }, what: string): void {
  assert.equal(r.status, 0, `${what} failed:\n${r.stdout}\n${r.stderr}`);
}

test('fsx: 10,000 random operations on memefs match the shadow copy (and the checker agrees with tmpfs)', async () => {
  await withTmpfs([], async (dir) => {
    ok(await runTool('fsx', [path.join(dir, 'f'), '5000', '11'], 60_000), 'fsx on tmpfs');
  });
  await withMount([], async (m) => {
    // 300 KB files cross memefs's 256 KiB chunk boundary.
    const r = await runTool('fsx', [path.join(m.dir, 'f'), '10000', '12', '300000'], 120_000);
    ok(r, 'fsx on memefs');
    assert.match(r.stdout, /10000 operations, no difference/);
  });
});

test('fsx near a full volume (direct I/O path)', async () => {
  await withMount(['-s', '64M'], async (m) => {
    fs.writeFileSync(path.join(m.dir, 'ballast'), Buffer.alloc(40 << 20, 7));
    ok(await runTool('fsx', [path.join(m.dir, 'f'), '2000', '13', '1000000'], 120_000), 'fsx near full');
  });
});

test('fsstress: 4 processes, random namespace and data operations, leave a consistent tree', async () => {
  await withMount([], async (m) => {
    const dir = path.join(m.dir, 'work');
    fs.mkdirSync(dir);
    const r = await runTool('fsstress', [dir, '4', '50000', '3', '21'], 120_000);
    ok(r, 'fsstress');
    assert.match(r.stdout, /problems 0/);
  });
});

test('ConcurrencyStressTester workload for 3 s', async () => {
  await withMount([], async (m) => {
    const r = await runTool('concurrency', [m.dir, '3'], 120_000);
    ok(r, 'concurrency');
    const created = Number(/created (\d+)/.exec(r.stdout)?.[1]);
    const records = Number(/records written (\d+)/.exec(r.stdout)?.[1]);
    assert.ok(created > 100 && records > 1000, r.stdout);
  });
});

test('fio verify jobs (crc32c; sequential and random; buffered, O_DIRECT, libaio, mmap)', async () => {
  await withMount([], async (m) => {
    const job = fioJob(m.dir, '4m', 2);
    const file = path.join(os.tmpdir(), `memefs-fio-${process.pid}.fio`);
    fs.writeFileSync(file, job);
    try {
      const r = spawnSync('fio', [file, '--verify_state_save=0', '--output-format=terse', '--terse-version=3'], { encoding: 'utf8', timeout: 120_000 });
      assert.equal(r.status, 0, `fio failed: ${r.stdout}\n${r.stderr}`);
      const lines = r.stdout.trim().split('\n');
      assert.equal(lines.length, 6, r.stdout);
      for (const line of lines) {
        const f = line.split(';');
        assert.equal(f[4], '0', `fio job ${f[2]} reports error ${f[4]}`);
        assert.ok(Number(f[5]) > 0, `fio job ${f[2]} verified nothing`);
      }
    } finally {
      fs.rmSync(file, { force: true });
    }
  });
});
test('memory comes back: RSS returns to within 10% after writing and deleting files', async () => {
  await withMount([], async (m) => {
    const rss0 = rssKiB(m.pid);
    const small = path.join(m.dir, 'small');
    fs.mkdirSync(small);
    for (let i = 0; i < 1000; i++) fs.writeFileSync(path.join(small, `f${i}`), crypto.randomBytes(32 * 1024));
    for (let i = 0; i < 8; i++) fs.writeFileSync(path.join(m.dir, `big${i}`), crypto.randomBytes(8 << 20));
    const rssFull = rssKiB(m.pid);
    assert.ok(rssFull - rss0 > 64 * 1024, `RSS grew by only ${rssFull - rss0} KiB`);
    fs.rmSync(small, { recursive: true });
    for (let i = 0; i < 8; i++) fs.rmSync(path.join(m.dir, `big${i}`));
    let rss = rssKiB(m.pid);
    // Until the mount's quiet-time work is done (or the time is up): the figure printed shows the margin.
    for (let i = 0; i < 30 && rss > rss0 * 1.02; i++) {
      await new Promise((r) => setTimeout(r, 100));
      rss = rssKiB(m.pid);
    }
    process.stdout.write(`# RSS ${rss0} KiB -> ${rssFull} KiB -> ${rss} KiB (${(rss / rss0).toFixed(3)})\n`);
    assert.ok(rss <= rss0 * 1.1, `RSS ${rss0} KiB -> ${rssFull} KiB -> ${rss} KiB`);
  });
});

test('full disk: every call at the cap succeeds or fails with ENOSPC, nothing written before changes, space comes back', async () => {
  // The checker itself, on a tmpfs of the same size.
  await withTmpfs(['-o', 'size=64m'], async (dir) => {
    ok(await runTool('fullcheck', [dir], 120_000), 'fullcheck on tmpfs');
  });
  await withMount(['-s', '64M'], async (m) => {
    fs.writeFileSync(path.join(m.dir, 'ballast'), crypto.randomBytes(36 << 20));
    const r = await runTool('fullcheck', [m.dir], 120_000);
    ok(r, 'fullcheck on memefs');
    // memefs charges metadata too: at the cap, even new names fail cleanly.
    assert.match(r.stdout, /mkdir\(name, 0755\) -> ENOSPC/);
  });
});
