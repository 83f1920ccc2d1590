import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FileData, CHUNK_SIZE, type Space } from '../../src/core/data.js';

class Budget implements Space {
  used = 0;
  constructor(readonly limit: number) {}
  reserve(n: number): void {
    if (this.used + n > this.limit) throw Object.assign(new Error('ENOSPC'), { errno: 28 });
    this.used += n;
  }
  release(n: number): void {
    this.used -= n;
  }
}

function bytes(parts: Uint8Array[]): Buffer {
  return Buffer.concat(parts);
}

test('small files take little memory and grow by doubling', () => {
  const space = new Budget(1 << 30);
  const d = new FileData(space);
  d.write(0, Buffer.from('hello'));
  assert.equal(d.size, 5);
  assert.ok(d.allocated <= 64);
  d.write(5, Buffer.alloc(1000, 1));
  assert.equal(d.size, 1005);
  assert.ok(d.allocated <= 1024);
  assert.equal(bytes(d.read(0, 5)).toString(), 'hello');
});

test('holes read as zeros and cost nothing', () => {
  const space = new Budget(1 << 30);
  const d = new FileData(space);
  d.write(10 * CHUNK_SIZE, Buffer.from('x'));
  assert.equal(d.size, 10 * CHUNK_SIZE + 1);
  assert.equal(space.used, CHUNK_SIZE);
  const r = bytes(d.read(CHUNK_SIZE - 3, 6));
  assert.deepEqual([...r], [0, 0, 0, 0, 0, 0]);
  assert.equal(d.seekData(0), 10 * CHUNK_SIZE);
  assert.equal(d.seekHole(10 * CHUNK_SIZE), 10 * CHUNK_SIZE + 1);
});

test('truncate frees memory and re-extension reads zeros', () => {
  const space = new Budget(1 << 30);
  const d = new FileData(space);
  d.write(0, Buffer.alloc(3 * CHUNK_SIZE, 7));
  d.truncate(100);
  assert.ok(space.used <= 512, `used ${space.used}`);
  d.truncate(2 * CHUNK_SIZE);
  const r = bytes(d.read(0, 2 * CHUNK_SIZE));
  assert.equal(r[99], 7);
  assert.equal(r[100], 0);
  assert.equal(r.subarray(100).every((b) => b === 0), true);
  d.free();
  assert.equal(space.used, 0);
});

test('a write that does not fully fit returns the short count, one that does not fit at all fails', () => {
  const space = new Budget(2 * CHUNK_SIZE);
  const d = new FileData(space);
  const n = d.write(0, Buffer.alloc(3 * CHUNK_SIZE, 1));
  assert.equal(n, 2 * CHUNK_SIZE);
  assert.equal(d.size, 2 * CHUNK_SIZE);
  assert.throws(() => d.write(d.size, Buffer.alloc(10)), /ENOSPC/);
  assert.equal(d.size, 2 * CHUNK_SIZE);
});

test('a write in two halves: prepare charges and sizes, fill copies into the room it made', () => {
  const space = new Budget(2 * CHUNK_SIZE);
  const d = new FileData(space);
  d.write(0, Buffer.from('keep'));
  // Across a chunk boundary, growing the small first chunk: what was there stays.
  const n = d.prepare(CHUNK_SIZE - 2, 3 * CHUNK_SIZE);
  assert.equal(n, CHUNK_SIZE + 2, 'the room that fit: to the end of the second chunk');
  assert.equal(d.size, 2 * CHUNK_SIZE);
  assert.equal(space.used, 2 * CHUNK_SIZE);
  assert.equal(bytes(d.read(0, 4)).toString(), 'keep');
  assert.equal(bytes(d.read(CHUNK_SIZE - 2, n)).every((b) => b === 0), true, 'nothing copied yet');
  const src = Buffer.alloc(n);
  for (let i = 0; i < n; i++) src[i] = (i * 7 + 3) & 0xff;
  d.fill(CHUNK_SIZE - 2, src);
  assert.deepEqual(bytes(d.read(CHUNK_SIZE - 2, n)), src);
  assert.equal(bytes(d.read(0, 4)).toString(), 'keep');
  assert.throws(() => d.prepare(d.size, 1), /ENOSPC/);
  assert.equal(d.size, 2 * CHUNK_SIZE);
});

test('punch hole inside a chunk zeroes, across chunks frees', () => {
  const space = new Budget(1 << 30);
  const d = new FileData(space);
  d.write(0, Buffer.alloc(4 * CHUNK_SIZE, 9));
  d.punchHole(10, 3 * CHUNK_SIZE);
  const r = bytes(d.read(0, 4 * CHUNK_SIZE));
  assert.equal(r[9], 9);
  assert.equal(r[10], 0);
  assert.equal(r[3 * CHUNK_SIZE + 9], 0);
  assert.equal(r[3 * CHUNK_SIZE + 10], 9);
  assert.equal(d.size, 4 * CHUNK_SIZE);
  assert.equal(space.used, 2 * CHUNK_SIZE);
});
