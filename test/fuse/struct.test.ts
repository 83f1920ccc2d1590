import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as abi from '../../src/fuse/abi.js';
import { struct } from '../../src/fuse/struct.js';

test('every declared struct writes exactly its size: zeroes for missing fields, padding and reserved fields', () => {
  let checked = 0;
  for (const [name, s] of Object.entries(abi)) {
    if (typeof s !== 'object' || s === null || !('write' in s) || !('size' in s)) continue;
    const { size, write } = s as { size: number; write: (b: Buffer, o: number, v: object) => void };
    const b = Buffer.alloc(size + 16, 0xff);
    write(b, 8, {});
    assert.ok(b.subarray(8, 8 + size).every((x) => x === 0), `${name}: a byte left unwritten`);
    assert.equal(b[7], 0xff, `${name} wrote before its start`);
    assert.equal(b[8 + size], 0xff, `${name} wrote past its end`);
    checked++;
  }
  assert.ok(checked > 30, `only ${checked} structs found`);
});

test('integers round-trip, negative and above 32 bits included; u64 past 2^53 reads clamped', () => {
  const S = struct('t', [['a', 'u32'], ['b', 'i32'], ['c', 'u64'], ['d', 'i64'], ['e', 'u64'], ['f', 'i64'], ['_r', 'u32'], ['g', 'u16'], ['h', 'u8'], ['_p', 'pad1']] as const);
  const b = Buffer.alloc(S.size, 0xaa);
  const v = { a: 0xfedcba98, b: -123456, c: 2 ** 52 + 12345, d: -(2 ** 40) - 7, e: 2 ** 32, f: -1, g: 0xbeef, h: 0x7f };
  S.write(b, 0, v);
  assert.deepEqual(S.read(b, 0), v);
  assert.equal(b.readUInt32LE(S.offsets.a!), 0xfedcba98);
  assert.equal(b.readInt32LE(S.offsets.b!), -123456);
  assert.equal(b.readBigInt64LE(S.offsets.d!), -(2n ** 40n) - 7n);
  assert.equal(b.readBigUInt64LE(S.offsets.e!), 2n ** 32n);
  assert.equal(b.readBigInt64LE(S.offsets.f!), -1n);
  assert.equal(b.readUInt32LE(S.offsets._r!), 0); // reserved: zeroed
  b.writeBigUInt64LE(2n ** 60n, S.offsets.c!);
  assert.equal(S.read(b, 0).c, Number.MAX_SAFE_INTEGER);
});
