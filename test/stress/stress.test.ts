/**
 * The long stress suite (`npm run stress`; not part of `npm test`, whose
 * bounded versions live in test/stress-quick/). Bounds:
 *   MEMEFS_STRESS_SECONDS  duration of the timed runs (default 60: the
 *                          ConcurrencyStressTester's 60 s)
 *   MEMEFS_FSX_OPS         operations per fsx run (default 100,000)
 * CI runs it with small values.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fioJob, runTool, stressSeconds } from '../helpers/ctools.js';
import { cleanupAll, rssKiB, withMount } from '../helpers/mount.js';

after(cleanupAll);

const SECONDS = stressSeconds(60);
const FSX_OPS = Number(process.env.MEMEFS_FSX_OPS) > 0 ? Number(process.env.MEMEFS_FSX_OPS) : 100_000;
/** Generous limits: a run that takes longer than this is hung. */
const LIMIT_MS = (SECONDS * 4 + 300) * 1000;

function ok(r: { status: number | null; stdout: string; stderr: string }, what: string): void {
  assert.equal(r.status, 0, `${what} failed:\n${r.stdout}\n${r.stderr}`);
  process.stdout.write(`# ${r.stdout.trim()}\n`);
}

test(`fsx: ${FSX_OPS} random operations, small files and files across chunk boundaries`, async () => {
  await withMount([], async (m) => {
    ok(await runTool('fsx', [path.join(m.dir, 'a'), String(FSX_OPS), '1', String(256 * 1024)], LIMIT_MS + FSX_OPS * 5), 'fsx (256 KiB)');
    ok(await runTool('fsx', [path.join(m.dir, 'b'), String(FSX_OPS), '2', String(1_600_000)], LIMIT_MS + FSX_OPS * 10), 'fsx (1.6 MB)');
  });
});

test('fsx near a full volume', async () => {
  await withMount(['-s', '64M'], async (m) => {
    fs.writeFileSync(path.join(m.dir, 'ballast'), Buffer.alloc(40 << 20, 7));
    const ops = Math.max(2000, Math.floor(FSX_OPS / 5));
    ok(await runTool('fsx', [path.join(m.dir, 'f'), String(ops), '3', '2000000'], LIMIT_MS + ops * 10), 'fsx near full');
  });
});

test(`fsstress: 8 processes for ${SECONDS} s`, async () => {
  await withMount([], async (m) => {
    const dir = path.join(m.dir, 'work');
    fs.mkdirSync(dir);
    const r = await runTool('fsstress', [dir, '8', '100000000', String(SECONDS), '7'], LIMIT_MS);
    ok(r, 'fsstress');
    assert.match(r.stdout, /problems 0/);
  });
});

test(`ConcurrencyStressTester workload for ${SECONDS} s`, async () => {
  await withMount([], async (m) => {
    ok(await runTool('concurrency', [m.dir, String(SECONDS)], LIMIT_MS), 'concurrency');
  });
});

test('fio verify jobs, 4 jobs of 64 MiB each', async () => {
  await withMount([], async (m) => {
    const file = path.join(os.tmpdir(), `memefs-fio-stress-${process.pid}.fio`);
    fs.writeFileSync(file, fioJob(m.dir, '64m', 4));
    try {
      const r = spawnSync('fio', [file, '--verify_state_save=0', '--output-format=terse', '--terse-version=3'], { encoding: 'utf8', timeout: LIMIT_MS });
      assert.equal(r.status, 0, `fio failed: ${r.stdout}\n${r.stderr}`);
      for (const line of r.stdout.trim().split('\n')) {
        const f = line.split(';');
        assert.equal(f[4], '0', `fio job ${f[2]} reports error ${f[4]}`);
        assert.ok(Number(f[5]) > 0, `fio job ${f[2]} verified nothing`);
        process.stdout.write(`# fio ${f[2]}: verified ${f[5]} KiB, error ${f[4]}\n`);
      }
    } finally {
      fs.rmSync(file, { force: true });
    }
  });
});

test('memory comes back after 5,000 small and 20 large files are deleted', async () => {
  await withMount([], async (m) => {
    // One round first, deleted again: the daemon's one-time growth (compiled code, heap and allocator
    // structures: ~5-7 MiB) is not data that failed to come back.
    const warm = path.join(m.dir, 'warm');
    fs.mkdirSync(warm);
    for (let i = 0; i < 500; i++) fs.writeFileSync(path.join(warm, `f${i}`), crypto.randomBytes(1 + (i % 97) * 700));
    fs.writeFileSync(path.join(m.dir, 'warm-big'), crypto.randomBytes(16 << 20));
    fs.rmSync(warm, { recursive: true });
    fs.rmSync(path.join(m.dir, 'warm-big'));
    await new Promise((r) => setTimeout(r, 1500)); // quiet: freed memory is collected
    const rss0 = rssKiB(m.pid);
    const small = path.join(m.dir, 'small');
    fs.mkdirSync(small);
    for (let i = 0; i < 5000; i++) fs.writeFileSync(path.join(small, `f${i}`), crypto.randomBytes(1 + (i % 97) * 700));
    for (let i = 0; i < 20; i++) fs.writeFileSync(path.join(m.dir, `big${i}`), crypto.randomBytes(16 << 20));
    const rssFull = rssKiB(m.pid);
    fs.rmSync(small, { recursive: true });
    for (let i = 0; i < 20; i++) fs.rmSync(path.join(m.dir, `big${i}`));
    let rss = rssKiB(m.pid);
    // Until the mount's quiet-time work is done (or the time is up): the figure printed shows the margin.
    for (let i = 0; i < 50 && rss > rss0 * 1.02; i++) {
      await new Promise((r) => setTimeout(r, 100));
      rss = rssKiB(m.pid);
    }
    process.stdout.write(`# RSS ${rss0} KiB -> ${rssFull} KiB -> ${rss} KiB\n`);
    assert.ok(rss <= rss0 * 1.1, `RSS ${rss0} KiB -> ${rssFull} KiB -> ${rss} KiB`);
  });
});

test('full disk: a file opened with plenty of space left that runs into the cap', async () => {
  await withMount(['-s', '64M'], async (m) => {
    ok(await runTool('fullcheck', [m.dir], 120_000), 'fullcheck on memefs without ballast');
  });
});
