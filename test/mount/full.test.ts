import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { cleanupAll, rssKiB, sh, tempDir, withMount } from '../helpers/mount.js';

after(cleanupAll);

function freeBytes(dir: string): number {
  const s = fs.statfsSync(dir);
  return s.bavail * s.bsize;
}

test('a full disk fails with ENOSPC, keeps what was written, and frees space and memory on delete', async () => {
  await withMount(['-s', '64M'], async (m) => {
    const free0 = freeBytes(m.dir);
    const rss0 = rssKiB(m.pid);
    const hashes = new Map<string, string>();
    let wrote = 0;
    let error: NodeJS.ErrnoException | undefined;
    for (let i = 0; i < 200 && !error; i++) {
      const data = crypto.randomBytes(1 << 20);
      const file = path.join(m.dir, `f${i}`);
      try {
        fs.writeFileSync(file, data);
        hashes.set(file, crypto.createHash('sha1').update(data).digest('hex'));
        wrote++;
      } catch (e) {
        error = e as NodeJS.ErrnoException;
      }
    }
    assert.equal(error?.code, 'ENOSPC');
    assert.ok(wrote >= 55 && wrote < 64, `wrote ${wrote} MiB`);
    // other calls fail cleanly too
    assert.throws(() => sh(`dd if=/dev/zero of=${m.dir}/more bs=1M count=4 status=none`), /No space left/);
    assert.ok(freeBytes(m.dir) < 1 << 20);
    // every file written before is intact
    for (const [file, hash] of hashes) {
      assert.equal(crypto.createHash('sha1').update(fs.readFileSync(file)).digest('hex'), hash, file);
    }
    const rssFull = rssKiB(m.pid);
    assert.ok(rssFull - rss0 > 50 * 1024, `RSS grew by ${rssFull - rss0} KiB`);
    for (const f of fs.readdirSync(m.dir)) fs.rmSync(path.join(m.dir, f));
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(Math.abs(freeBytes(m.dir) - free0) < 64 * 1024, `free ${freeBytes(m.dir)} vs ${free0}`);
    const rssAfter = rssKiB(m.pid);
    assert.ok(rssAfter < rss0 * 1.1 + 8192, `RSS ${rss0} KiB -> ${rssFull} KiB -> ${rssAfter} KiB`);
    // and the volume works normally again
    fs.writeFileSync(path.join(m.dir, 'again'), crypto.randomBytes(32 << 20));
    assert.equal(fs.statSync(path.join(m.dir, 'again')).size, 32 << 20);
  });
});

test('-o writeback: a full disk stops the writer with ENOSPC, the file never outgrows the cap, the disk works after deleting', async () => {
  const cap = 16 << 20;
  const source = path.join(tempDir('src-'), 'pattern');
  const pattern = crypto.randomBytes(48 << 20); // three times the cap
  fs.writeFileSync(source, pattern);
  await withMount(['-s', '16M', '-o', 'writeback'], async (m) => {
    const file = path.join(m.dir, 'fill');
    // Before the fix this ran until the test's timeout (and the file grew to hundreds of gigabytes).
    const dd = spawnSync('dd', [`if=${source}`, `of=${file}`, 'bs=1M'], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(dd.signal, null, 'dd was stopped by the timeout: the writer was never refused');
    assert.notEqual(dd.status, 0);
    assert.match(dd.stderr, /No space left on device/);
    const size = fs.statSync(file).size;
    assert.ok(size <= cap, `file size ${size} > cap ${cap}`);
    assert.ok(size > cap / 2, `only ${size} bytes kept`);
    assert.ok(fs.readFileSync(file).equals(pattern.subarray(0, size)), 'the data that fit is intact');
    // Deleting makes room again, and a writer that fits succeeds.
    fs.rmSync(file);
    sh(`dd if=${source} of=${m.dir}/again bs=1M count=8 status=none`);
    assert.ok(fs.readFileSync(path.join(m.dir, 'again')).equals(pattern.subarray(0, 8 << 20)));
  });
});
