/**
 * What a file costs: memefs charges (in df, st_blocks and against the cap) the pages that hold data,
 * never more than tmpfs does for the same files.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { cleanupAll, rssKiB, sh, withMount, withTmpfs } from '../helpers/mount.js';

after(cleanupAll);


function usedBytes(dir: string): number {
  const s = fs.statfsSync(dir);
  return (s.blocks - s.bfree) * s.bsize;
}

/** 100 writes of 4 KiB, 1 MiB apart, into one file; returns its st_blocks and what df's use grew by. */
function scattered(dir: string): { blocks: number; charged: number } {
  const before = usedBytes(dir);
  const file = path.join(dir, 'scattered');
  const fd = fs.openSync(file, 'w');
  for (let i = 0; i < 100; i++) fs.writeSync(fd, Buffer.alloc(4096, i + 1), 0, 4096, i << 20);
  fs.closeSync(fd);
  return { blocks: fs.statSync(file).blocks, charged: usedBytes(dir) - before };
}

test('scattered writes are charged by the page, as on tmpfs', async () => {
  const tmpfs = await withTmpfs(['-o', 'size=1g'], (dir) => scattered(dir));
  await withMount(['-s', '64M'], (m) => {
    const mine = scattered(m.dir);
    assert.equal(tmpfs.blocks, 800);
    assert.ok(mine.blocks <= tmpfs.blocks, `st_blocks ${mine.blocks} vs tmpfs ${tmpfs.blocks}`);
    // Beyond the pages: the inode and its name (charged against the same cap on memefs).
    assert.ok(mine.charged <= tmpfs.charged + 4096, `charged ${mine.charged} vs tmpfs ${tmpfs.charged}`);
    const fd = fs.openSync(path.join(m.dir, 'scattered'), 'r');
    for (let i = 0; i < 100; i++) {
      const page = Buffer.alloc(4096);
      fs.readSync(fd, page, 0, 4096, i << 20);
      assert.ok(page.every((b) => b === i + 1), `page ${i}`);
    }
    fs.closeSync(fd);
  });
});

test('a tree of small files (/usr/include) costs no more than on tmpfs', async () => {
  const measure = (dir: string): { du: number; charged: number } => {
    const before = usedBytes(dir);
    sh(`cp -a /usr/include ${dir}/`);
    return { du: Number(sh(`du -s -B1 ${dir}/include`).split('\t')[0]), charged: usedBytes(dir) - before };
  };
  const tmpfs = await withTmpfs(['-o', 'size=1g'], measure);
  await withMount(['-s', '1G'], (m) => {
    const mine = measure(m.dir);
    assert.ok(mine.du <= tmpfs.du, `du ${mine.du} vs tmpfs ${tmpfs.du}`);
    assert.ok(mine.charged <= tmpfs.charged, `df use ${mine.charged} vs tmpfs ${tmpfs.charged} (metadata included)`);
    sh(`diff -r /usr/include ${m.dir}/include`);
  });
});

test('the cap counts pages: scattered pages fit by the thousand, a dense fill stops at the cap with memory to match', async () => {
  await withMount(['-s', '16M'], (m) => {
    const rss0 = rssKiB(m.pid);
    // 2,000 pages 1 MiB apart: 8 MiB charged (charged by the 256 KiB chunk, 64 of them filled the cap).
    const fd = fs.openSync(path.join(m.dir, 'sparse'), 'w');
    for (let i = 0; i < 2000; i++) fs.writeSync(fd, Buffer.alloc(4096, (i % 250) + 1), 0, 4096, i * (1 << 20));
    fs.closeSync(fd);
    const hashes = new Map<string, string>();
    let error: NodeJS.ErrnoException | undefined;
    for (let i = 0; i < 64 && !error; i++) {
      const data = crypto.randomBytes(256 << 10);
      const file = path.join(m.dir, `d${i}`);
      try {
        fs.writeFileSync(file, data);
        hashes.set(file, crypto.createHash('sha1').update(data).digest('hex'));
      } catch (e) {
        error = e as NodeJS.ErrnoException;
      }
    }
    assert.equal(error?.code, 'ENOSPC');
    assert.ok(hashes.size >= 24, `only ${hashes.size} dense files of 256 KiB fit beside the pages`);
    assert.ok(usedBytes(m.dir) <= 16 << 20);
    // The memory follows what is charged, not 2,000 chunks of 256 KiB (500 MiB): each page once, and a
    // little per chunk (its objects, a share of the page its allocation starts with; see docs/core.md).
    // Lone pages took twice their charge while every chunk was an allocation of its own.
    const grown = rssKiB(m.pid) - rss0;
    const bound = 1.25 * 8000 + (hashes.size * 256) + 4096; // 4 MiB for the heap and page tables
    assert.ok(grown < bound, `RSS grew by ${grown} KiB (bound ${bound} KiB)`);
    for (const [file, hash] of hashes) {
      assert.equal(crypto.createHash('sha1').update(fs.readFileSync(file)).digest('hex'), hash, file);
    }
    fs.rmSync(path.join(m.dir, 'sparse'));
    fs.writeFileSync(path.join(m.dir, 'again'), crypto.randomBytes(7 << 20));
  });
});
