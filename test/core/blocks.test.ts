import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { BLOCK_SIZE, giveBlock, keptBlocks, recycleBlocks, takeBlock, trimBlocks } from '../../src/core/blocks.js';
import { FileData, CHUNK_SIZE, type Space, trimSlabs } from '../../src/core/data.js';

afterEach(() => recycleBlocks(null));

const space = (): Space & { used: number } => {
  const s = { used: 0, reserve: (n: number) => void (s.used += n), release: (n: number) => void (s.used -= n) };
  return s;
};

test('without recycling, freed blocks are left to the collector', () => {
  const b = takeBlock();
  giveBlock(b);
  assert.deepEqual(keptBlocks(), { clean: 0, dirty: 0 });
  assert.notEqual(takeBlock(), b);
});

test('recycled blocks come back zero-filled; discarded ones are not cleared again', () => {
  const discarded: Uint8Array[] = [];
  recycleBlocks({ limit: 8, discard: (b) => (discarded.push(b), b.fill(0), true) });
  const a = takeBlock().fill(5);
  giveBlock(a);
  assert.deepEqual(discarded, [a]);
  assert.deepEqual(keptBlocks(), { clean: 1, dirty: 0 });
  const again = takeBlock();
  assert.equal(again, a);
  assert.ok(again.every((x) => x === 0));

  recycleBlocks({ limit: 8 }); // no discard: kept blocks hold their bytes until reused
  const d = takeBlock().fill(9);
  giveBlock(d);
  assert.deepEqual(keptBlocks(), { clean: 0, dirty: 1 });
  const reused = takeBlock();
  assert.equal(reused, d);
  assert.ok(reused.every((x) => x === 0), 'a dirty block is cleared before reuse');
  giveBlock(reused);
  trimBlocks();
  assert.deepEqual(keptBlocks(), { clean: 0, dirty: 0 }, 'trim lets the collector have the kept blocks');
});

test('blocks past the limit are discarded all the same, then left to the collector', () => {
  let discards = 0;
  recycleBlocks({ limit: 1, discard: (b) => (discards++, b.fill(0), true) });
  const [a, b] = [takeBlock(), takeBlock()];
  giveBlock(a);
  giveBlock(b);
  assert.equal(discards, 2);
  assert.deepEqual(keptBlocks(), { clean: 1, dirty: 0 });
});

test('only whole blocks of their own are kept, and no more than the limit', () => {
  recycleBlocks({ limit: 2 });
  const big = new Uint8Array(2 * BLOCK_SIZE);
  giveBlock(big.subarray(0, BLOCK_SIZE));
  giveBlock(new Uint8Array(BLOCK_SIZE / 2));
  giveBlock(new Uint8Array(BLOCK_SIZE)); // not one takeBlock made
  assert.deepEqual(keptBlocks(), { clean: 0, dirty: 0 });
  for (let i = 0; i < 3; i++) giveBlock(takeBlock());
  assert.ok(keptBlocks().dirty <= 2);
  const blocks = [takeBlock(), takeBlock(), takeBlock()];
  for (const b of blocks) giveBlock(b);
  assert.deepEqual(keptBlocks(), { clean: 0, dirty: 2 });
});

test('files reuse the blocks of deleted files, and every byte reads as written', () => {
  recycleBlocks({ limit: 64 });
  const s = space();
  const first = new FileData(s);
  first.write(0, new Uint8Array(4 * CHUNK_SIZE + 100).fill(0xaa));
  first.write(10, new Uint8Array(20).fill(1)); // small edits on top
  const small = new FileData(s);
  small.write(0, new Uint8Array(300).fill(0xbb)); // a slab chunk: its slab is a block too
  first.free();
  small.free();
  assert.equal(s.used, 0);
  assert.equal(keptBlocks().dirty, 5, 'five chunks were handed back; the slab stays for the next small chunk');
  trimSlabs(s);
  const kept = keptBlocks().dirty;
  assert.equal(kept, 6, 'and the slab once trimmed');
  const second = new FileData(s);
  second.write(CHUNK_SIZE / 2, new Uint8Array(CHUNK_SIZE).fill(0x33)); // touches chunks 0 and 1, partly
  assert.equal(keptBlocks().dirty, kept - 2);
  const back = new Uint8Array(2 * CHUNK_SIZE);
  assert.equal(second.readInto(0, back), CHUNK_SIZE * 1.5);
  assert.ok(back.subarray(0, CHUNK_SIZE / 2).every((x) => x === 0), 'a reused block shows none of its old bytes');
  assert.ok(back.subarray(CHUNK_SIZE / 2, CHUNK_SIZE * 1.5).every((x) => x === 0x33));
  second.truncate(0);
  assert.equal(keptBlocks().dirty, kept, 'truncated chunks are handed back');
});

test('with discard, new blocks share one allocation 16 at a time, and are taken back like any other', () => {
  recycleBlocks({ limit: 64, discard: (b) => (b.fill(0), true) });
  const blocks = Array.from({ length: 17 }, () => takeBlock());
  const first = blocks[0]!;
  for (let i = 1; i < 16; i++) {
    assert.equal(blocks[i]!.buffer, first.buffer);
    assert.equal(blocks[i]!.byteOffset, first.byteOffset + i * BLOCK_SIZE, 'pages stay aligned as in the first');
  }
  assert.notEqual(blocks[16]!.buffer, first.buffer);
  blocks[3]!.fill(7);
  assert.ok(blocks[2]!.every((x) => x === 0) && blocks[4]!.every((x) => x === 0), 'blocks do not overlap');
  for (const b of blocks) giveBlock(b);
  assert.deepEqual(keptBlocks(), { clean: 17, dirty: 0 });
});

test('with discard, slabs and file chunks sharing an allocation are freed and reused without touching each other', () => {
  recycleBlocks({ limit: 64, discard: (b) => (b.fill(0), true) });
  const s = space();
  const small = [300, 4096, 300].map((n, i) => {
    const f = new FileData(s);
    f.write(0, new Uint8Array(n).fill(i + 1));
    return f;
  });
  const big = new FileData(s);
  big.write(0, new Uint8Array(3 * CHUNK_SIZE).fill(0x77));
  big.free(); // its chunks share an allocation with the slabs above
  small[2]!.free();
  const again = new FileData(s);
  again.write(0, new Uint8Array(2 * CHUNK_SIZE).fill(0x55));
  const more = new FileData(s);
  more.write(0, new Uint8Array(300).fill(9));
  const read = (f: FileData, n: number): Uint8Array => {
    const out = new Uint8Array(n);
    f.readInto(0, out);
    return out;
  };
  assert.ok(read(small[0]!, 300).every((x) => x === 1));
  assert.ok(read(small[1]!, 4096).every((x) => x === 2));
  assert.ok(read(more, 300).every((x) => x === 9));
  assert.ok(read(again, 2 * CHUNK_SIZE).every((x) => x === 0x55));
});
