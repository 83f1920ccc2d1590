/** Image files on the host: atomic saves, packing a directory, extracting safely. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { extractImage, packDirectory, readFat, readImageFile, saveImageFile, scanFat, writeFat } from '../../src/formats/fat/index.js';
import { dir, file, flatten, materialize, pattern, sampleTree } from './fixtures.js';
import { fsckComplaints, mustRun, tempDir } from './tools.js';

test('saveImageFile replaces atomically, keeps the mode, leaves no temp file and stays sparse', () => {
  const tmp = tempDir();
  try {
    const path = join(tmp.path, 'disk.img');
    writeFileSync(path, 'old contents');
    chmodSync(path, 0o600);
    const image = new Uint8Array(8 << 20);
    image.set(pattern(1000, 1), 0);
    image.set(pattern(1000, 2), (8 << 20) - 1000);
    saveImageFile(path, image);
    assert.deepEqual(new Uint8Array(readFileSync(path)), image);
    assert.deepEqual(readImageFile(path), image);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.deepEqual(readdirSync(tmp.path), ['disk.img']);
    assert.ok(statSync(path).blocks * 512 < 1 << 20, 'zero blocks are not written');
    // A failing save leaves the old image alone and no temp file.
    assert.throws(() => saveImageFile(join(tmp.path, 'missing-dir', 'x.img'), image));
    assert.deepEqual(readdirSync(tmp.path), ['disk.img']);
  } finally {
    tmp.cleanup();
  }
});

test('packDirectory makes an image fsck.fat and mtools accept, with the same files', async () => {
  const tmp = tempDir();
  try {
    const tree = sampleTree(2048);
    const host = join(tmp.path, 'host');
    mkdirSync(host);
    materialize(tree.root, host);
    symlinkSync('README.TXT', join(host, 'a link'));
    chmodSync(join(host, 'lower.txt'), 0o444);
    const packed = await packDirectory(host, { label: 'PACKED' });
    assert.match(packed.warnings.join('\n'), /symbolic links and special files: 1 left out \(\/a link\)/);
    const img = join(tmp.path, 'packed.img');
    saveImageFile(img, packed);
    const image = readImageFile(img);
    assert.deepEqual(fsckComplaints(img).complaints, []);
    const out = join(tmp.path, 'out');
    mkdirSync(out);
    mustRun('mcopy', ['-s', '-m', '-i', img, '::/', out + '/']);
    for (const [path, node] of flatten(tree.root)) {
      if (node.kind === 'file') assert.deepEqual(new Uint8Array(readFileSync(join(out, path))), node.data, path);
    }
    assert.match(mustRun('mattrib', ['-i', img, '::/lower.txt']), /^ +A +R +::\/lower\.txt/);
    assert.equal(readFat(image).tree.label, 'PACKED');
  } finally {
    tmp.cleanup();
  }
});

test('extractImage writes every file with its times and read-only bit', async () => {
  const tmp = tempDir();
  try {
    const tree = sampleTree(512);
    const image = writeFat(tree, { size: 1440 * 1024 }).image;
    const out = join(tmp.path, 'out');
    const r = await extractImage(image, out);
    assert.deepEqual(r.warnings, []);
    for (const [path, node] of flatten(tree.root)) {
      const st = statSync(join(out, path));
      assert.equal(st.isDirectory(), node.kind === 'dir', path);
      assert.equal(st.mtimeMs, node.modified, `mtime of ${path}`);
      if (node.kind === 'file') {
        assert.deepEqual(new Uint8Array(readFileSync(join(out, path))), node.data, path);
        assert.equal((st.mode & 0o222) === 0, (node.attributes & 1) !== 0, `read-only ${path}`);
      }
    }
  } finally {
    tmp.cleanup();
  }
});

test('extractImage never writes outside the target, whatever the names or existing symlinks', async () => {
  const tmp = tempDir();
  try {
    const tree = { label: '', root: dir('', [file('Ab', pattern(4, 1)), file('Cd', pattern(4, 2)), dir('Sub', [file('victim', pattern(4, 3))])]) };
    const image = writeFat(tree, { size: 1440 * 1024 }).image;
    // Rename the long names to ".." and "/etc" in place (the reader must make them safe).
    const patch = (from: string, to: string) => {
      const needle = Buffer.from(from + '\0', 'utf16le');
      const at = Buffer.from(image).indexOf(needle);
      assert.ok(at > 0);
      Buffer.from(to, 'utf16le').copy(Buffer.from(image.buffer, image.byteOffset + at, needle.length));
    };
    patch('Ab', '..');
    patch('Cd', '/e');
    const out = join(tmp.path, 'out');
    mkdirSync(out);
    const outside = join(tmp.path, 'outside');
    mkdirSync(outside);
    symlinkSync(outside, join(out, 'Sub')); // a trap: "Sub" exists as a symlink leading out
    const r = await extractImage(image, out);
    assert.ok(r.warnings.length > 0);
    assert.deepEqual(readdirSync(outside), []);
    assert.deepEqual(readdirSync(tmp.path).sort(), ['out', 'outside']);
    assert.ok(lstatSync(join(out, 'Sub')).isSymbolicLink());
    for (const name of readdirSync(out)) assert.ok(!name.includes('/') && name !== '..' && name !== '.', name);
    assert.equal(existsSync(join(out, '_e')), true);
    assert.deepEqual(scanFat(image).problems.filter((p) => /not a usable file name/.test(p)).length, 2);
  } finally {
    tmp.cleanup();
  }
});
