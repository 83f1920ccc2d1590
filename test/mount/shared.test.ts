import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from '../../src/core/access.js';
import { Volume } from '../../src/core/volume.js';
import { mountVolume } from '../../src/fuse/shared-mount.js';
import { cleanupAll, forceUnmount, isMounted, tempDir } from '../helpers/mount.js';

after(cleanupAll);

/** Only asynchronous calls may touch a mount this thread serves (a synchronous one would wait for itself). */
const sh = async (script: string): Promise<string> => (await promisify(execFile)('bash', ['-c', script])).stdout;

test('a volume used in-process and mounted: changes are visible both ways at once', async () => {
  const volume = new Volume({ sizeLimit: 64 << 20 });
  const file = volume.mknod(ROOT, volume.root, 'from-api.txt', 0o100644);
  volume.write(file, 0, Buffer.from('one'));
  const dir = tempDir('shared-');
  const m = await mountVolume(volume, dir);
  try {
    assert.equal(await sh(`cat ${dir}/from-api.txt`), 'one');
    // another process writes; the API sees it
    await sh(`mkdir ${dir}/sub && printf two > ${dir}/sub/from-shell.txt`);
    const sub = volume.lookup(ROOT, volume.root, 'sub');
    const child = volume.lookup(ROOT, sub, 'from-shell.txt');
    assert.equal(Buffer.concat(volume.read(child, 0, 10)).toString(), 'two');
    // the API changes data, names and attributes; other processes see it at once
    volume.write(file, 0, Buffer.from('ONE!'));
    assert.equal(await sh(`cat ${dir}/from-api.txt`), 'ONE!');
    volume.rename(ROOT, volume.root, 'from-api.txt', sub, 'moved.txt');
    assert.equal((await sh(`ls ${dir} ${dir}/sub`)).includes('from-api.txt'), false);
    assert.equal(await sh(`cat ${dir}/sub/moved.txt`), 'ONE!');
    volume.setattr(ROOT, file, { mode: 0o600 });
    assert.equal((await sh(`stat -c %a ${dir}/sub/moved.txt`)).trim(), '600');
    volume.unlink(ROOT, sub, 'from-shell.txt');
    await assert.rejects(sh(`cat ${dir}/sub/from-shell.txt`));
    // the process itself may use the mount through asynchronous calls, several at once
    await Promise.all([1, 2, 3, 4, 5, 6, 7, 8].map((i) => fs.promises.writeFile(path.join(dir, `p${i}`), String(i))));
    assert.equal((await fs.promises.readdir(dir)).length, 9);
    assert.equal(Buffer.concat(volume.read(volume.lookup(ROOT, volume.root, 'p5'), 0, 10)).toString(), '5');
  } finally {
    await m.unmount();
    forceUnmount(dir);
  }
  assert.ok(!isMounted(dir));
  assert.deepEqual(fs.readdirSync(dir), []);
});
