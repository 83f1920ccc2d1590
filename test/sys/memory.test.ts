import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { loadLibc, libcProblem } from '../../src/sys/libc.js';
import { pageDiscarder } from '../../src/sys/memory.js';

const rssKiB = (): number => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))![1]);

test('discarded buffers read as zeros, stay usable, and their memory goes back to the system', async () => {
  assert.ok(await loadLibc(), libcProblem());
  const discard = pageDiscarder()!;
  // Odd sizes and offsets: the partial pages at both ends are cleared by hand.
  const odd = new Uint8Array(3 * 4096 + 123).fill(7);
  assert.equal(discard(odd.subarray(5)), true);
  assert.equal(odd[4], 7, 'bytes before the buffer are untouched');
  assert.ok(odd.subarray(5).every((x) => x === 0));
  odd.fill(3, 5);
  assert.ok(odd.subarray(5).every((x) => x === 3), 'the buffer takes writes again');

  const blocks = Array.from({ length: 256 }, () => new Uint8Array(256 * 1024).fill(1)); // 64 MiB, touched
  const before = rssKiB();
  for (const b of blocks) assert.equal(discard(b), true);
  const after = rssKiB();
  assert.ok(before - after > 48 * 1024, `RSS ${before} -> ${after} KiB after discarding 64 MiB`);
  assert.ok(blocks.every((b) => b[0] === 0 && b[b.length - 1] === 0 && b[100_000] === 0));
});

test('a buffer smaller than a page cannot be discarded, and says so', async () => {
  await loadLibc();
  assert.equal(pageDiscarder()!(new Uint8Array(100).fill(1).subarray(1, 50)), false);
});
