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
    // The inode and its name count only where they outweigh the data (see docs/core.md).
    assert.ok(mine.charged <= tmpfs.charged, `charged ${mine.charged} vs tmpfs ${tmpfs.charged}`);
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

/** Writes `count` files of each size into a new directory; what df's use and du grew by (after the mkdir). */
function files(root: string, sizes: number[], count: (size: number) => number): { du: number; charged: number } {
  const dir = path.join(root, 'files');
  fs.mkdirSync(dir);
  const before = usedBytes(root);
  for (const size of sizes) {
    const data = Buffer.alloc(size, 0x5a);
    for (let i = 0; i < count(size); i++) fs.writeFileSync(path.join(dir, `f${size}-${i}`), data);
  }
  return { du: Number(sh(`du -s -B1 ${dir}`).split('\t')[0]), charged: usedBytes(root) - before };
}

test('10,000 files of 4 KiB are charged no more than on tmpfs (the inode counts within its data)', async () => {
  const tmpfs = await withTmpfs(['-o', 'size=1g'], (dir) => files(dir, [4096], () => 10_000));
  await withMount(['-s', '1G'], (m) => {
    const mine = files(m.dir, [4096], () => 10_000);
    assert.equal(tmpfs.charged, 40_960_000);
    assert.ok(mine.charged <= tmpfs.charged, `df use ${mine.charged} vs tmpfs ${tmpfs.charged}`);
    assert.ok(mine.du <= tmpfs.du, `du ${mine.du} vs tmpfs ${tmpfs.du}`);
    assert.equal(fs.readdirSync(path.join(m.dir, 'files')).length, 10_000);
  });
});

test('a mix of sizes (0 B, 100 B, 4 KiB, 5 KiB, 1 MiB) is charged no more than on tmpfs, and du agrees with df', async () => {
  const sizes = [0, 100, 4096, 5120, 1 << 20];
  const count = (size: number) => (size === 1 << 20 ? 20 : 2000);
  const tmpfs = await withTmpfs(['-o', 'size=1g'], (dir) => files(dir, sizes, count));
  await withMount(['-s', '1G'], (m) => {
    const mine = files(m.dir, sizes, count);
    assert.ok(mine.charged <= tmpfs.charged, `df use ${mine.charged} vs tmpfs ${tmpfs.charged}`);
    assert.ok(mine.du <= tmpfs.du, `du ${mine.du} vs tmpfs ${tmpfs.du}`);
    // df counts what du counts, plus the inodes and names of the files whose data is smaller.
    assert.ok(mine.du <= mine.charged, `du ${mine.du} vs df use ${mine.charged}`);
    for (const size of sizes) assert.equal(fs.statSync(path.join(m.dir, 'files', `f${size}-7`)).size, size);
  });
});

test('a flood of empty files still fills a small disk: ENOSPC, df full, every file made is there', async () => {
  await withMount(['-s', '1M'], (m) => {
    let made = 0;
    let error: NodeJS.ErrnoException | undefined;
    while (!error && made < 100_000) {
      try {
        fs.closeSync(fs.openSync(path.join(m.dir, `e${made}`), 'w'));
        made++;
      } catch (e) {
        error = e as NodeJS.ErrnoException;
      }
    }
    assert.equal(error?.code, 'ENOSPC');
    // 512 bytes per inode and 64 per name, besides the name: 1 MiB holds under 2,000 of them.
    assert.ok(made > 1000 && made < 2000, `${made} empty files`);
    assert.equal(fs.statfsSync(m.dir).bfree, 0);
    assert.equal(fs.readdirSync(m.dir).length, made);
    // Deleting one file makes room at once for another of the same cost (a longer name costs its extra
    // bytes), even though the kernel may send FORGET for the deleted one only after the next CREATE (it
    // did in 2 of 3 runs after the listing above).
    for (let i = 1; i <= 20; i++) {
      fs.rmSync(path.join(m.dir, `e${i}`));
      fs.writeFileSync(path.join(m.dir, `f${i}`), '');
    }
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

test('an unlinked file gives its data back at once when not open, and keeps it while open', async () => {
  await withMount(['-s', '64M'], (m) => {
    const used = (): number => usedBytes(m.dir);
    const empty = used();
    const data = crypto.randomBytes(8 << 20);
    // Not open: the space is back as unlink() returns (FORGET may come later: after a listing the kernel
    // was seen to send it after the next request).
    const gone = path.join(m.dir, 'gone');
    fs.writeFileSync(gone, data);
    fs.readdirSync(m.dir);
    fs.unlinkSync(gone);
    assert.ok(used() < empty + (1 << 20), `${used() - empty} bytes still charged after unlink`);
    // Open, then unlinked: every byte is still there through the descriptor, and still charged.
    const held = path.join(m.dir, 'held');
    fs.writeFileSync(held, data);
    const fd = fs.openSync(held, 'r+');
    fs.readdirSync(m.dir);
    fs.unlinkSync(held);
    assert.ok(used() >= empty + data.length, `${used() - empty} bytes charged for an open unlinked file`);
    const back = Buffer.alloc(data.length);
    assert.equal(fs.readSync(fd, back, 0, back.length, 0), data.length);
    assert.ok(back.equals(data));
    fs.writeSync(fd, Buffer.from('more'), 0, 4, data.length);
    assert.equal(fs.fstatSync(fd).size, data.length + 4);
    fs.closeSync(fd);
  });
});
