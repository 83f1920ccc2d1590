import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FileData, CHUNK_SIZE, PAGE_SIZE, type Space } from '../../src/core/data.js';

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
  assert.equal(space.used, PAGE_SIZE, 'one page charged, as on tmpfs');
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
  // Across a chunk boundary, growing the small first chunk: what was there stays. Charged by
  // page: chunk 0's first and last pages, all of chunk 1, and of chunk 2 the 62 pages left.
  const n = d.prepare(CHUNK_SIZE - 2, 3 * CHUNK_SIZE);
  assert.equal(n, 2 + CHUNK_SIZE + 62 * PAGE_SIZE, 'the room that fit: up to the last page that fit');
  assert.equal(d.size, CHUNK_SIZE - 2 + n);
  assert.equal(space.used, 2 * CHUNK_SIZE);
  assert.equal(bytes(d.read(0, 4)).toString(), 'keep');
  assert.equal(bytes(d.read(CHUNK_SIZE - 2, n)).every((b) => b === 0), true, 'nothing copied yet');
  const src = Buffer.alloc(n);
  for (let i = 0; i < n; i++) src[i] = (i * 7 + 3) & 0xff;
  d.fill(CHUNK_SIZE - 2, src);
  assert.deepEqual(bytes(d.read(CHUNK_SIZE - 2, n)), src);
  assert.equal(bytes(d.read(0, 4)).toString(), 'keep');
  assert.throws(() => d.prepare(d.size, 1), /ENOSPC/);
  assert.equal(d.size, CHUNK_SIZE - 2 + n);
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
  // What stays charged: chunk 0's first page (bytes 0-9) and all of chunk 3's pages.
  assert.equal(space.used, PAGE_SIZE + CHUNK_SIZE);
  assert.equal(d.allocated, space.used);
});

test('charged by the page: scattered writes, partial fits, punched pages given back, fallocate all or nothing', () => {
  const space = new Budget(1 << 30);
  const d = new FileData(space);
  // 100 writes of 4 KiB, 1 MiB apart (the case): 400 KiB, as tmpfs charges.
  for (let i = 0; i < 100; i++) d.write(i << 20, Buffer.alloc(4096, i + 1));
  assert.equal(space.used, 100 * PAGE_SIZE);
  assert.equal(d.allocated, space.used);
  // A write straddling two pages charges both; rewriting them charges nothing more.
  d.write(5 * CHUNK_SIZE + PAGE_SIZE - 1, Buffer.from('ab'));
  assert.equal(space.used, 102 * PAGE_SIZE);
  d.write(5 * CHUNK_SIZE + PAGE_SIZE - 1, Buffer.from('cd'));
  assert.equal(space.used, 102 * PAGE_SIZE);
  // Punching whole pages gives them back, the partial page around stays and reads zeros where punched.
  d.punchHole(5 * CHUNK_SIZE + PAGE_SIZE, PAGE_SIZE);
  assert.equal(space.used, 101 * PAGE_SIZE);
  assert.deepEqual([...bytes(d.read(5 * CHUNK_SIZE + PAGE_SIZE - 1, 2))], [0x63, 0]);
  for (let i = 0; i < 100; i++) assert.ok(bytes(d.read(i << 20, 4096)).every((b) => b === i + 1), `write ${i}`);
  d.free();
  assert.equal(space.used, 0);

  const tight = new Budget(10 * PAGE_SIZE);
  const f = new FileData(tight);
  assert.equal(f.write(CHUNK_SIZE, Buffer.alloc(1 << 20, 1)), 10 * PAGE_SIZE, 'what fits, to the page');
  assert.throws(() => f.allocate(3 * CHUNK_SIZE, PAGE_SIZE, true), /ENOSPC/);
  assert.equal(f.allocated, 10 * PAGE_SIZE, 'a fallocate that does not fit charges nothing');
  f.truncate(CHUNK_SIZE + 5 * PAGE_SIZE);
  assert.equal(tight.used, 5 * PAGE_SIZE, 'truncating gives whole pages back');
  f.allocate(0, 5 * PAGE_SIZE, true);
  assert.equal(tight.used, 10 * PAGE_SIZE);

  // fallocate far into a small first chunk charges the pages asked for, not those in between.
  const three = new Budget(3 * PAGE_SIZE);
  const g = new FileData(three);
  g.write(0, Buffer.alloc(PAGE_SIZE, 5));
  g.allocate(50 * PAGE_SIZE, PAGE_SIZE, true);
  assert.equal(three.used, 2 * PAGE_SIZE);
  assert.ok(bytes(g.read(0, PAGE_SIZE)).every((b) => b === 5), 'what the small chunk held moved along');
});
