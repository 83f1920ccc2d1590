import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { cleanupAll, sh, tempDir, withMount } from '../helpers/mount.js';
import { diffTrees, snapshotTree } from '../helpers/tree.js';

after(cleanupAll);

/** A real source tree (the system headers) plus every kind of object a copy must keep. */
let src = '';
before(() => {
  const base = tempDir('src-');
  src = path.join(base, 'tree');
  sh(`cp -a /usr/include ${src}`);
  sh(`cd ${src} && mkdir -p empty/a/b empty2 && ln -s ../stdio.h empty/link-up && ln -s dangling-target dangling &&
      ln stdio.h stdio-hardlink.h && ln stdio.h empty/a/third-link.h && mkfifo fifo &&
      truncate -s 1G sparse.img && printf 'middle' | dd of=sparse.img bs=1 seek=536870912 conv=notrunc status=none &&
      chmod 600 stdlib.h && chmod 4755 empty2 2>/dev/null; chmod 2775 empty && touch -d '2001-02-03 04:05:06.123456789' stdlib.h &&
      printf 'x' > 'name with spaces & ünïcödé' && touch -h -d '1999-01-01' dangling`);
});

describe('a real source tree round-trips', () => {
  test('cp -a in and out keeps names, modes, times, links and bytes', async () => {
    await withMount(['-s', '2G'], (m) => {
      const dest = path.join(m.dir, 'copy');
      sh(`cp -a ${src} ${dest}`);
      const before = snapshotTree(src);
      assert.ok(before.size > 7000, `tree has ${before.size} entries`);
      assert.deepEqual(diffTrees(before, snapshotTree(dest)), []);
      sh(`diff -r --no-dereference -x fifo ${src} ${dest}`);
      // the sparse file stays sparse in memory
      const blocks = Number(sh(`stat -c %b ${dest}/sparse.img`).trim());
      assert.ok(blocks * 512 < 4 * 1024 * 1024, `sparse file takes ${blocks} blocks`);
      // and out again
      const back = path.join(tempDir('back-'), 'tree');
      sh(`cp -a ${dest} ${back}`);
      assert.deepEqual(diffTrees(before, snapshotTree(back)), []);
    });
  });

  test('tar in and out keeps everything', async () => {
    await withMount(['-s', '2G'], (m) => {
      const dest = path.join(m.dir, 'untarred');
      fs.mkdirSync(dest);
      sh(`tar --format=posix -C ${src} -cSf - . | tar -C ${dest} -xpSf -`);
      const before = snapshotTree(src);
      assert.deepEqual(diffTrees(before, snapshotTree(dest), { ignoreRootMode: true }), []);
      const out = path.join(tempDir('tarout-'), 'tree');
      fs.mkdirSync(out);
      sh(`tar --format=posix -C ${dest} -cSf - . | tar -C ${out} -xpSf -`);
      assert.deepEqual(diffTrees(before, snapshotTree(out), { ignoreRootMode: true }), []);
    });
  });
});
