import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkFat, dumpFat, scanFat, writeFat } from '../../src/formats/fat/index.js';
import { sampleTree } from './fixtures.js';

test('dump: BPB fields with meanings, FSInfo, geometry, entries, chains, no problems', () => {
  const tree = sampleTree(512);
  const image = writeFat(tree, { size: 40 << 20, fatType: 32 }).image;
  const text = dumpFat(image);
  for (const want of [
    /BytsPerSec\s+512\s+bytes per sector/, /RootClus\s+2/, /FSInfo \(sector 1\)/, /LeadSig\s+0x41615252\s+ok/,
    /FAT type\s+FAT32/, /volume label "SAMPLE     "/, /checksum ok/, /-> \/Mixed Case Long Name\.Markdown/,
    /NT case 0x18 \(reads "lower\.txt"\)/, /chain: 6 clusters in 1 fragment: \d+-\d+/, /No problems found\./,
    /created 2021-03-14 15:09:27\.37/,
  ]) assert.match(text, want);
  assert.deepEqual(checkFat(image), []);
});

test('dump: damage shows up as checksum mismatches and a problem list', () => {
  const image = writeFat(sampleTree(512), { size: 1440 * 1024 }).image;
  const scan = scanFat(image, { records: true });
  const slot = scan.records.find((r) => r.kind === 'lfn')!;
  slot.raw[13] ^= 0x55; // raw is a view of the root directory in the image
  image[37] |= 1;
  const text = dumpFat(image);
  assert.match(text, /checksum MISMATCH \(short name needs 0x[0-9A-F]{2}\)/);
  assert.match(text, /Reserved1 \(flags\)\s+0x01\s+DIRTY/);
  assert.match(text, /Problems \(\d+\):\n  - /);
  assert.ok(checkFat(image).some((p) => /dirty bit/.test(p)));
});

test('dump and check of something that is not FAT say so', () => {
  assert.match(dumpFat(new Uint8Array(100)), /Not a FAT image: only 100 bytes/);
  assert.match(dumpFat(new Uint8Array(4096)), /Not a FAT image: not a valid FAT boot sector: bytes per sector 0/);
  assert.deepEqual(checkFat(new Uint8Array(4096)), ['not a valid FAT boot sector: bytes per sector 0']);
});

test('dump with hex shows the raw bytes of each entry', () => {
  const image = writeFat(sampleTree(512), { size: 1440 * 1024 }).image;
  const text = dumpFat(image, { hex: true });
  assert.match(text, /raw: 53 41 4d 50 4c 45 20 20 20 20 20 08/); // "SAMPLE     " label entry
  assert.match(text, /raw: 4[0-9a-f] [0-9a-f]{2} 00 [0-9a-f]{2} 00 .* 0f 00 /); // a long-name slot
});
