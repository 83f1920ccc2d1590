import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkFat, dumpFat, FatTable, scanFat, writeFat } from '../../src/formats/fat/index.js';
import { memefs } from '../helpers/mount.js';
import { sampleTree } from './fixtures.js';
import { fsckComplaints, mustRun, run, tempDir } from './tools.js';

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

// Images made by mkfs.fat and mtools, damaged by hand where a test needs it; fsck.fat is the referee.

function mkfs(dir: string, name: string, kib: number, type?: 12 | 16 | 32): string {
  const img = join(dir, name);
  mustRun('mkfs.fat', ['-C', ...(type ? ['-F', String(type)] : []), img, String(kib)]);
  return img;
}

/** Sets FAT entries in every copy of the FAT, as a damaged or hand-edited volume would have them. */
function setFat(image: Uint8Array, entries: [number, number][]): void {
  const g = scanFat(image).geometry;
  const bytes = g.fatSectors * g.bytesPerSector;
  for (let n = 0; n < g.numFats; n++) {
    const start = (g.reservedSectors + n * g.fatSectors) * g.bytesPerSector;
    const table = new FatTable(g.fatType, image.subarray(start, start + bytes));
    for (const [c, v] of entries) table.set(c, v);
  }
}

function load(img: string): Uint8Array {
  return new Uint8Array(readFileSync(img));
}

test('dump: no false positives on mkfs.fat images of every type and trees mtools wrote (mlabel slot, deletions)', () => {
  const tmp = tempDir();
  try {
    const file = join(tmp.path, 'f.txt');
    writeFileSync(file, 'some text\n');
    for (const [kib, type] of [[1440, undefined], [4096, 12], [65536, 16], [300000, 32]] as const) {
      const img = mkfs(tmp.path, `m${kib}.img`, kib, type);
      mustRun('mlabel', ['-i', img, '::Mixed Case']); // writes a long-name slot before the label entry
      mustRun('mmd', ['-i', img, '::/A Long Directory Name']);
      mustRun('mcopy', ['-i', img, file, '::/A Long Directory Name/a rather long file name.txt']);
      mustRun('mcopy', ['-i', img, file, '::/SHORT.TXT']);
      mustRun('mcopy', ['-i', img, file, '::/GONE.TXT']);
      mustRun('mdel', ['-i', img, '::/GONE.TXT']);
      // fsck.fat's only remark: mlabel keeps the case in the boot sector and not in the directory.
      assert.deepEqual(fsckComplaints(img).complaints.filter((l) => !/label .* differ|Auto-copying volume label|^Leaving filesystem unchanged/i.test(l)), [], `${kib}`);
      const image = load(img);
      const text = dumpFat(image);
      assert.deepEqual(checkFat(image), [], `${kib} KiB: ${checkFat(image).join('; ')}`);
      assert.match(text, /No problems found\./);
      assert.match(text, /long form of the volume label \(mlabel writes one\)/);
      assert.match(text, /lost chains\s+none/);
      assert.match(text, /bad clusters\s+none/);
      assert.match(text, /FAT\[0\]\s+0x0?F+[08]\s+media byte 0xF[08], as in the boot sector/);
      if (type !== 12 && kib !== 1440) assert.match(text, /clean-shutdown bit set: unmounted cleanly; hard-error bit set/);
      assert.match(text, /deleted\s+first byte 0xE5 \(deleted marker\), was "\?ONE\.TXT"/);
      assert.doesNotMatch(text, /CROSS-LINKED|Invalid dates|INVALID/);
    }
  } finally {
    tmp.cleanup();
  }
});

test('dump: the FAT itself shows lost chains one by one, bad clusters and a cross-linked file\'s whole chain', () => {
  const tmp = tempDir();
  try {
    const img = mkfs(tmp.path, 'd.img', 20000, 16);
    const big = join(tmp.path, 'a.bin');
    writeFileSync(big, new Uint8Array(5000).fill(7)); // three 2 KiB clusters
    writeFileSync(join(tmp.path, 'b.txt'), 'b\n');
    mustRun('mcopy', ['-i', img, big, '::/A.BIN']);
    mustRun('mcopy', ['-i', img, join(tmp.path, 'b.txt'), '::/B.TXT']);
    const image = load(img);
    const chains = new Map(scanFat(image, { records: true }).records.filter((r) => r.chain).map((r) => [r.path!, r.chain!]));
    const a = chains.get('/A.BIN')!;
    const b = chains.get('/B.TXT')!;
    assert.equal(a.length, 3);
    // Two lost chains (100-101 and 200), a bad cluster, and B's chain running on into A's.
    setFat(image, [[100, 101], [101, 0xffff], [200, 0xffff], [300, 0xfff7], [b[0]!, a[1]!]]);
    const damaged = join(tmp.path, 'damaged.img');
    writeFileSync(damaged, image);
    const fsck = run('fsck.fat', ['-n', damaged]);
    assert.equal(fsck.status, 1);
    assert.match(fsck.stdout, /Reclaimed 3 unused clusters/);
    assert.match(fsck.stdout, /\/B\.TXT\n\s+File size is 2 bytes, cluster chain length is > 2048 bytes/);
    const text = dumpFat(image);
    assert.match(text, /entries\s+\d+\s+\d+ free, \d+ linking to the next cluster, \d+ end-of-chain, 1 bad/);
    assert.match(text, /bad clusters\s+300\s/);
    assert.match(text, /lost chains\s+2\s+3 allocated clusters no file or directory reaches/);
    assert.match(text, /starts at 100: 2 clusters \(100-101\), ends with an end-of-chain mark/);
    assert.match(text, /starts at 200: 1 cluster \(200\), ends with an end-of-chain mark/);
    const shared = `${a[1]}-${a[2]}`;
    assert.match(text, new RegExp(`CROSS-LINKED: its FAT chain is ${b[0]}, ${shared}; clusters ${shared} also in /A\\.BIN`));
    assert.match(text, new RegExp(`CROSS-LINKED: its FAT chain is ${a[0]}-${a[2]}; clusters ${shared} also in /B\\.TXT`));
    assert.match(text, new RegExp(`cross-linked clusters\\s+2\\s+held by more than one chain: ${shared}`));
    assert.ok(checkFat(image).some((p) => /cross-linked/.test(p)));
  } finally {
    tmp.cleanup();
  }
});

test('dump: FAT[1] shows the clean-shutdown and hard-error bits as they are', () => {
  const tmp = tempDir();
  try {
    for (const [kib, type, value, want] of [
      [20000, 16, 0x7fff, /clean-shutdown bit CLEAR: not unmounted cleanly; hard-error bit set/],
      [40960, 32, 0x0bffffff, /clean-shutdown bit set: unmounted cleanly; hard-error bit CLEAR: disk errors were seen/],
    ] as const) {
      const image = load(mkfs(tmp.path, `c${type}.img`, kib, type));
      setFat(image, [[1, value]]);
      assert.match(dumpFat(image), want);
      if (type === 16) assert.ok(checkFat(image).some((p) => /not unmounted cleanly/.test(p)));
    }
  } finally {
    tmp.cleanup();
  }
});

test('dump: invalid dates are listed with their stored fields; fsck.fat does not count them as damage, nor does dump', () => {
  const tmp = tempDir();
  try {
    const img = mkfs(tmp.path, 'dates.img', 1440);
    writeFileSync(join(tmp.path, 'x.txt'), 'x\n');
    mustRun('mcopy', ['-i', img, join(tmp.path, 'x.txt'), '::/X.TXT']);
    const image = load(img);
    const entry = scanFat(image, { records: true }).records.find((r) => r.path === '/X.TXT')!;
    const view = new DataView(entry.raw.buffer, entry.raw.byteOffset, 32); // a view of the fixed root in the image
    view.setUint16(24, (41 << 9) | (13 << 5) | 1, true); // modified: month 13 of 2021
    view.setUint16(16, (44 << 9) | (2 << 5) | 30, true); // created: 30 February 2024
    const patched = join(tmp.path, 'patched.img');
    writeFileSync(patched, image);
    assert.deepEqual(fsckComplaints(patched).complaints, []);
    const text = dumpFat(image);
    assert.match(text, /Invalid dates \(2\), read as unset:/);
    assert.match(text, /- \/X\.TXT modified: 2021-13-01 /);
    assert.match(text, /- \/X\.TXT created: 2024-02-30 /);
    assert.match(text, /modified INVALID \(2021-13-01 /);
    assert.deepEqual(checkFat(image), []);
  } finally {
    tmp.cleanup();
  }
});

test('memefs dump: --sector and --cluster show raw bytes, --raw each entry\'s; bad requests get one line', () => {
  const tmp = tempDir();
  try {
    const img = mkfs(tmp.path, 'raw.img', 1440);
    writeFileSync(join(tmp.path, 'hello.txt'), 'Hello, raw world!\n');
    mustRun('mcopy', ['-i', img, join(tmp.path, 'hello.txt'), '::/HELLO.TXT']);
    const image = load(img);
    const first = scanFat(image, { records: true }).records.find((r) => r.path === '/HELLO.TXT')!.chain![0]!;
    const boot = memefs(['dump', img, '--sector', '0']);
    assert.equal(boot.status, 0, boot.stderr);
    const hexes = Array.from(image.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
    assert.match(boot.stdout, new RegExp(`^Sector 0 \\(byte 0\\)\\n00000000  ${hexes} `));
    assert.equal(boot.stdout.trimEnd().split('\n').length, 1 + 32);
    const data = memefs(['dump', img, '--cluster', String(first)]);
    assert.equal(data.status, 0, data.stderr);
    assert.match(data.stdout, /^Cluster \d+ \(sector \d+, byte \d+\)\n[0-9a-f]{8}  48 65 6c 6c 6f 2c .*\|Hello, raw world|/);
    const entries = memefs(['dump', img, '--raw']);
    assert.match(entries.stdout, /raw: 48 45 4c 4c 4f 20 20 20 54 58 54 20/); // "HELLO   TXT", attribute byte
    for (const [args, status, pattern] of [
      [['--sector', 'x'], 2, /--sector "x" is not a number/],
      [['--cluster', '99999'], 1, /cluster 99999 is outside the data area/],
      [['--sector', '1', '--cluster', '2'], 2, /not both/],
      [['--count', '2'], 2, /with --sector or --cluster/],
    ] as const) {
      const r = memefs(['dump', img, ...args]);
      assert.equal(r.status, status, r.stderr);
      assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, pattern);
    }
  } finally {
    tmp.cleanup();
  }
});
