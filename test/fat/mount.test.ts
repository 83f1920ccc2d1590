/** FAT images through a real mount: what counts against an image's capacity. */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { cleanupAll, forceUnmount, mount, sh, tempDir } from '../helpers/mount.js';
import { fsckComplaints } from './tools.js';

after(cleanupAll);

test('8,000 empty files in a 4 MB image mount without -s; metadata does not use up the image', () => {
  const dir = tempDir('fat-many-');
  const src = path.join(dir, 'src');
  const image = path.join(dir, 'disk.img');
  for (let d = 1; d <= 8; d++) {
    fs.mkdirSync(path.join(src, `d${d}`), { recursive: true });
    for (let f = 1; f <= 1000; f++) fs.writeFileSync(path.join(src, `d${d}`, `F${f}.TXT`), '');
  }
  sh(`mkfs.fat -C ${image} 4096 >/dev/null && mcopy -s -i ${image} ${src}/* ::/`);
  const m = mount(['--image', image]);
  try {
    assert.equal(fs.readdirSync(path.join(m.dir, 'd8')).length, 1000);
    const st = fs.statfsSync(m.dir);
    // 2,036 clusters of 2 KiB (df counts clusters); each directory's 1,000 entries take 16 of them.
    assert.equal(st.bsize, 2048);
    assert.equal(st.blocks, 2036);
    assert.equal(st.blocks - st.bfree, 8 * 16);
    assert.ok(st.bfree / st.blocks > 0.9, `free ${st.bfree} of ${st.blocks}`);
    fs.writeFileSync(path.join(m.dir, 'd1', 'new.bin'), Buffer.alloc(1 << 20, 7));
  } finally {
    forceUnmount(m.dir);
  }
  assert.deepEqual(fsckComplaints(image).complaints, []);
  assert.match(sh(`fsck.fat -n ${image}`), /8009 files/);
  assert.equal(sh(`mtype -i ${image} ::/d1/new.bin | wc -c`).trim(), String(1 << 20));
});
