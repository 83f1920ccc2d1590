/**
 * Images memefs writes, judged by the real tools: fsck.fat finds nothing,
 * mtools extracts every byte, time and attribute, and mdir lists them as it
 * lists an image made by mkfs.fat + mcopy from the same files.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chooseLayout, writeFat, type FatType } from '../../src/formats/fat/index.js';
import { flatten, materialize, sampleTree } from './fixtures.js';
import { fsckComplaints, mustRun, tempDir } from './tools.js';

const CASES: { name: string; kib: number; fatType?: FatType }[] = [
  { name: 'FAT12 floppy', kib: 1440 },
  { name: 'FAT16', kib: 16384 },
  { name: 'FAT32', kib: 40960, fatType: 32 },
];

/** mdir -/ -a as comparable rows: directory, name (long if any), size or <DIR>, date and time of files. */
function listing(img: string): string[] {
  const out = mustRun('mdir', ['-/', '-a', '-i', img, '::/']);
  const rows: string[] = [];
  let dir = '';
  for (const line of out.split('\n')) {
    const d = /^Directory for (.*)$/.exec(line);
    if (d) { dir = d[1]!; continue; }
    const m = /^(.{8}) (.{3}) +(<DIR>|[\d ]+?) +(\d{4}-\d\d-\d\d) +(\d+:\d\d) (?: (.*))?$/.exec(line);
    if (!m) continue;
    const short = m[2]!.trim() ? `${m[1]!.trim()}.${m[2]!.trim()}` : m[1]!.trim();
    if (short === '.' || short === '..') continue;
    const name = m[6] ?? short;
    rows.push(m[3] === '<DIR>' ? `${dir} ${name} <DIR>` : `${dir} ${name} ${m[3]!.replace(/ /g, '')} ${m[4]} ${m[5]}`);
  }
  return rows.sort();
}

function attributeListing(img: string): Map<string, string> {
  const out = mustRun('mattrib', ['-/', '-i', img, '::/']);
  const map = new Map<string, string>();
  for (const line of out.split('\n')) {
    const m = /^(.{10})\s*::(\/.*)$/.exec(line);
    if (m && m[2] !== '/') map.set(m[2]!, m[1]!.replace(/\s/g, '').split('').sort().join(''));
  }
  return map;
}

function letters(attr: number): string {
  return [attr & 0x20 ? 'A' : '', attr & 0x04 ? 'S' : '', attr & 0x02 ? 'H' : '', attr & 0x01 ? 'R' : ''].join('').split('').sort().join('');
}

for (const c of CASES) {
  test(`${c.name}: fsck.fat is silent, mtools reads every name, byte, time and attribute`, () => {
    const tmp = tempDir();
    try {
      const layout = chooseLayout(c.kib * 1024, { fatType: c.fatType });
      const tree = sampleTree(layout.sectorsPerCluster * layout.bytesPerSector);
      const { image, warnings } = writeFat(tree, { size: c.kib * 1024, fatType: c.fatType });
      assert.deepEqual(warnings, []);
      const img = join(tmp.path, 'mine.img');
      writeFileSync(img, image);

      const fsck = fsckComplaints(img);
      assert.deepEqual(fsck.complaints, [], 'fsck.fat output');
      assert.equal(fsck.status, 0);
      assert.match(mustRun('minfo', ['-i', img]), new RegExp(`disk type="FAT${layout.fatType}`));

      // Every byte and modification time through mcopy.
      const out = join(tmp.path, 'out');
      mkdirSync(out);
      mustRun('mcopy', ['-s', '-m', '-i', img, '::/', out + '/']);
      const expected = flatten(tree.root);
      const seen = new Set<string>();
      const walk = (dir: string, rel: string) => {
        for (const name of readdirSync(dir)) {
          const p = join(dir, name);
          const r = `${rel}/${name}`;
          seen.add(r);
          const node = expected.get(r);
          assert.ok(node, `mcopy produced ${r}, which was not written`);
          const st = statSync(p);
          if (node.kind === 'dir') { assert.ok(st.isDirectory(), r); walk(p, r); continue; }
          assert.deepEqual(new Uint8Array(readFileSync(p)), node.data, `bytes of ${r}`);
          assert.equal(st.mtimeMs, node.modified, `mtime of ${r}`);
        }
      };
      walk(out, '');
      assert.deepEqual([...seen].sort(), [...expected.keys()].sort());

      // Attributes as mattrib shows them.
      const attrs = attributeListing(img);
      for (const [path, node] of expected) assert.equal(attrs.get(path), letters(node.attributes), `attributes of ${path}`);

      // The same listing as an image made by mkfs.fat + mcopy from the same files.
      const host = join(tmp.path, 'host');
      mkdirSync(host);
      materialize(tree.root, host);
      const ref = join(tmp.path, 'ref.img');
      mustRun('mkfs.fat', ['-C', ...(c.fatType ? ['-F', String(c.fatType)] : []), '-n', 'SAMPLE', ref, String(c.kib)]);
      mustRun('mcopy', ['-s', '-m', '-i', ref, ...readdirSync(host).map((n) => join(host, n)), '::/']);
      const rows = listing(img);
      assert.ok(rows.length > 70, `mdir listed ${rows.length} entries`);
      assert.deepEqual(rows, listing(ref));
      assert.match(mustRun('mdir', ['-i', img, '::/']), /Volume in drive : is SAMPLE/);
    } finally {
      tmp.cleanup();
    }
  });
}

test('saving over images of other geometries (4 KiB sectors, FAT12 and FAT32) keeps them valid', () => {
  const tmp = tempDir();
  try {
    for (const args of [['-S', '4096'], ['-S', '4096', '-F', '32']]) {
      const img = join(tmp.path, `like${args.length}.img`);
      mustRun('mkfs.fat', ['-C', ...args, img, args.includes('32') ? '300000' : '16384']);
      const like = new Uint8Array(readFileSync(img));
      const tree = sampleTree(4096);
      const { image, warnings } = writeFat(tree, { like });
      assert.deepEqual(warnings, []);
      assert.equal(image.length, like.length);
      assert.deepEqual(image.subarray(0, 11), like.subarray(0, 11));
      writeFileSync(img, image);
      assert.deepEqual(fsckComplaints(img).complaints, [], args.join(' '));
      const out = join(tmp.path, `out${args.length}`);
      mkdirSync(out);
      mustRun('mcopy', ['-s', '-i', img, '::/', out + '/']);
      assert.deepEqual(new Uint8Array(readFileSync(join(out, 'one cluster.bin'))), (tree.root.children[6] as { data: Uint8Array }).data);
    }
  } finally {
    tmp.cleanup();
  }
});
