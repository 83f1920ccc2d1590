import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SLAB_SIZE, SlabAllocator } from '../../src/core/slab.js';
import { FileData, type Space } from '../../src/core/data.js';

test('slab chunks are zero-filled, reused, and a slab is dropped when its last chunk goes (the last of its size at trim)', () => {
  const a = new SlabAllocator();
  const chunks = Array.from({ length: SLAB_SIZE / 1024 + 1 }, () => a.alloc(1024));
  assert.equal(a.slabCount, 2);
  for (const c of chunks) {
    assert.equal(c.length, 1024);
    assert.ok(c.every((b) => b === 0));
    c.fill(7);
  }
  a.release(chunks[3]!);
  const again = a.alloc(1024);
  assert.ok(again.every((b) => b === 0), 'a reused slot is zeroed');
  for (const c of [...chunks.slice(0, 3), ...chunks.slice(4), again]) a.release(c);
  assert.equal(a.slabCount, 1, 'the last slab of a size stays, empty, for the next chunk');
  const reused = a.alloc(1024);
  assert.ok(reused.every((b) => b === 0), 'a chunk of the kept slab is zeroed');
  assert.equal(a.slabCount, 1);
  a.release(reused);
  a.trim();
  assert.equal(a.slabCount, 0);
  assert.equal(a.alloc(SLAB_SIZE).length, SLAB_SIZE, 'whole chunks are plain allocations');
  assert.equal(a.slabCount, 0);
});

test('small files grow, shrink and free through slabs without mixing bytes', () => {
  let used = 0;
  const space: Space = { reserve: (n) => { used += n; }, release: (n) => { used -= n; } };
  const files = Array.from({ length: 300 }, () => new FileData(space));
  files.forEach((f, i) => f.write(0, new Uint8Array(100 + i).fill(i & 0xff)));
  files.forEach((f, i) => f.write(100 + i, new Uint8Array(3000).fill((i + 1) & 0xff)));
  files.forEach((f, i) => {
    const back = new Uint8Array(f.size);
    f.readInto(0, back);
    assert.ok(back.subarray(0, 100 + i).every((b) => b === (i & 0xff)));
    assert.ok(back.subarray(100 + i).every((b) => b === ((i + 1) & 0xff)));
  });
  files.forEach((f) => f.truncate(10));
  files.forEach((f) => f.truncate(5000));
  files.forEach((f, i) => {
    const back = new Uint8Array(5000);
    f.readInto(0, back);
    assert.ok(back.subarray(10).every((b) => b === 0), `file ${i}: bytes past a shrink read as zeros`);
  });
  files.forEach((f) => f.free());
  assert.equal(used, 0);
});
