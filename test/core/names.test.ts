import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeName, decodeNameAt, encodeName, encodeNameInto } from '../../src/core/names.js';

const samples: Buffer[] = [
  Buffer.from('plain.txt'),
  Buffer.from('Grüße, 日本語 and 🎉'),
  Buffer.from([0x61, 0xff, 0x62, 0xc3]), // bytes that are not UTF-8: kept as escapes
  Buffer.from([0xe2, 0x82]), // a truncated sequence
];

test('decodeNameAt decodes a slice as decodeName does, and encodeName gives the bytes back', () => {
  for (const bytes of samples) {
    const framed = Buffer.concat([Buffer.from('xx'), bytes, Buffer.from([0, 0x41])]);
    const name = decodeNameAt(framed, 2, 2 + bytes.length);
    assert.equal(name, decodeName(bytes));
    assert.deepEqual(Buffer.from(encodeName(name)), bytes);
  }
});

test('encodeNameInto writes what encodeName gives when it fits, nothing when it does not, and returns the length', () => {
  for (const bytes of samples) {
    const name = decodeName(bytes);
    const buf = Buffer.alloc(64, 0xee);
    assert.equal(encodeNameInto(name, buf, 3, 64), bytes.length);
    assert.deepEqual(buf.subarray(3, 3 + bytes.length), bytes);
    assert.equal(buf[3 + bytes.length], 0xee);
    const tight = Buffer.alloc(64, 0xee);
    assert.equal(encodeNameInto(name, tight, 3, 3 + bytes.length - 1), bytes.length);
    assert.ok(tight.every((x) => x === 0xee), 'wrote although the name did not fit');
  }
});
