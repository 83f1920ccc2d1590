/**
 * Images made by the real tools (mkfs.fat + mcopy + mattrib) load with every
 * name, byte, attribute and time intact, and with nothing reported wrong.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, Volume } from '../../src/core/index.js';
import { chooseLayout, loadFatIntoVolume, openImageSource, readFat, scanFat, countRuns, type FatType } from '../../src/formats/fat/index.js';
import { flatten, materialize, pattern, sampleTree } from './fixtures.js';
import { mustRun, tempDir } from './tools.js';

const CASES: { name: string; kib: number; fatType?: FatType }[] = [
  { name: 'FAT12 floppy', kib: 1440 },
  { name: 'FAT16', kib: 16384, fatType: 16 },
  { name: 'FAT32 (small clusters)', kib: 40960, fatType: 32 },
  { name: 'FAT32 600 MiB (as mkfs.fat chooses)', kib: 600 * 1024 },
];

function forgetNextFree(img: string): void {
  const fd = openSync(img, 'r+');
  writeSync(fd, new Uint8Array([0xff, 0xff, 0xff, 0xff]), 0, 4, 512 + 492);
  closeSync(fd);
}

for (const c of CASES) {
  test(`${c.name} made by mkfs.fat + mcopy loads intact`, () => {
    const tmp = tempDir();
    try {
      const layout = chooseLayout(c.kib * 1024, { fatType: c.fatType });
      const clusterBytes = layout.sectorsPerCluster * 512;
      const tree = sampleTree(clusterBytes);
      const host = join(tmp.path, 'host');
      mkdirSync(host);
      materialize(tree.root, host);
      const img = join(tmp.path, 'ref.img');
      mustRun('mkfs.fat', ['-C', ...(c.fatType ? ['-F', String(c.fatType)] : []), '-n', 'REFERENCE', img, String(c.kib)]);
      mustRun('mcopy', ['-s', '-m', '-i', img, ...readdirSync(host).map((n) => join(host, n)), '::/']);
      for (const [path, node] of flatten(tree.root)) {
        const flags = [node.attributes & 1 ? '+r' : '-r', node.attributes & 2 ? '+h' : '-h', node.attributes & 4 ? '+s' : '-s', node.attributes & 0x20 ? '+a' : '-a'];
        mustRun('mattrib', ['-i', img, ...flags, `::${path}`]);
      }
      // A fragmented file: fill a hole left by a deleted file, then continue after the next one.
      const frag = pattern(clusterBytes * 5 + 17, 77);
      writeFileSync(join(tmp.path, 'gap1'), pattern(clusterBytes * 3, 1));
      writeFileSync(join(tmp.path, 'gap2'), pattern(clusterBytes * 2, 2));
      writeFileSync(join(tmp.path, 'fragmented.bin'), frag);
      mustRun('mcopy', ['-i', img, join(tmp.path, 'gap1'), join(tmp.path, 'gap2'), '::/']);
      mustRun('mdel', ['-i', img, '::/gap1']);
      // mtools allocates after FSInfo's next-free hint on FAT32; "unknown" makes it search from the start.
      if (layout.fatType === 32) forgetNextFree(img);
      mustRun('mcopy', ['-i', img, join(tmp.path, 'fragmented.bin'), '::/']);

      const image = new Uint8Array(readFileSync(img));
      const scan = scanFat(image, { records: true });
      assert.deepEqual(scan.problems, []);
      assert.equal(scan.geometry.fatType, layout.fatType);
      const { tree: loaded } = readFat(image);
      assert.equal(loaded.label, 'REFERENCE');
      const got = flatten(loaded.root);
      const want = flatten(tree.root);
      for (const [path, node] of want) {
        const g = got.get(path);
        assert.ok(g, `missing ${path}`);
        assert.equal(g.kind, node.kind, path);
        assert.equal(g.attributes, node.attributes, `attributes of ${path}`);
        if (node.kind === 'file' && g.kind === 'file') {
          assert.deepEqual(g.data, node.data, `bytes of ${path}`);
          assert.equal(g.modified, node.modified, `mtime of ${path}`);
          assert.ok(g.created !== undefined && g.accessed !== undefined, `times of ${path}`);
        }
      }
      const fragmented = got.get('/fragmented.bin');
      assert.ok(fragmented && fragmented.kind === 'file');
      assert.deepEqual(fragmented.data, frag);
      const rec = scan.records.find((r) => r.path === '/fragmented.bin')!;
      assert.ok(countRuns(rec.chain!) >= 2, `fragmented.bin is in ${countRuns(rec.chain!)} run(s)`);
      assert.equal(got.size, want.size + 2); // gap2 and fragmented.bin

      // Loaded from the file in parts (as `memefs --image` does: the image is never held whole), the volume
      // holds the same bytes, the fragmented file included, and the same problems (none) are reported.
      const source = openImageSource(img, image.length);
      try {
        const volume = new Volume();
        const result = loadFatIntoVolume(source, volume);
        assert.deepEqual(result.warnings, []);
        assert.equal(volume.label, 'REFERENCE');
        for (const [path, node] of got) {
          let inode = volume.root;
          for (const part of path.split('/').filter(Boolean)) inode = volume.lookup(ROOT, inode, part);
          assert.equal(inode.isDir(), node.kind === 'dir', path);
          if (node.kind !== 'file') continue;
          const bytes = new Uint8Array(inode.size);
          inode.data!.readInto(0, bytes);
          assert.deepEqual(bytes, node.data, `bytes of ${path} loaded from the file`);
        }
      } finally {
        source.close();
      }
    } finally {
      tmp.cleanup();
    }
  });
}
