/**
 * The kernel's caches over a mount: write-only handles write past the page
 * cache (FOPEN_DIRECT_IO), and handles that do cache stay coherent with them.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { cleanupAll, sh, tempDir, withMount } from '../helpers/mount.js';

after(cleanupAll);

test('write-only handles leave no copy in the page cache, and cached handles and mmaps see their writes', async () => {
  await withMount([], (m) => {
    // 64 MiB written through a write-only handle: on the volume, not a second time in the page cache.
    const big = path.join(m.dir, 'big');
    sh(`dd if=/dev/urandom of=${big} bs=1M count=64 status=none`);
    const resident = Number(sh(`fincore --bytes --noheadings --output RES ${big}`).trim());
    assert.ok(resident < 1024 * 1024, `${resident} bytes of the file are in the page cache`);
    assert.equal(sh(`cat ${big} | md5sum`), sh(`dd if=${big} bs=64K status=none | md5sum`));

    // A read-write handle with cached pages and a shared mapping, mixed with writes through a write-only handle.
    const script = String.raw`
import os, mmap, sys
f = sys.argv[1]
rw = os.open(f, os.O_RDWR | os.O_CREAT, 0o644)
os.write(rw, b'a' * 8192)
m = mmap.mmap(rw, 8192)
assert os.pread(rw, 4, 0) == b'aaaa' and m[:4] == b'aaaa'
wo = os.open(f, os.O_WRONLY)
os.pwrite(wo, b'bbbb', 4096)
assert os.pread(rw, 4, 4096) == b'bbbb', os.pread(rw, 4, 4096)
assert m[4096:4100] == b'bbbb', m[4096:4100]
m[0:4] = b'cccc'            # a dirty shared page...
os.pwrite(wo, b'dd', 10)    # ...and a direct write into the same page
assert os.pread(rw, 12, 0) == b'ccccaaaaaadd', os.pread(rw, 12, 0)
ap = os.open(f, os.O_WRONLY | os.O_APPEND)
os.write(ap, b'END')
assert os.fstat(rw).st_size == 8195 and os.pread(rw, 5, 8190) == b'aaEND'
m.close()
print('ok')
`;
    const file = path.join(m.dir, 'mixed');
    const scriptFile = path.join(tempDir('py-'), 'mixed.py');
    fs.writeFileSync(scriptFile, script);
    assert.equal(sh(`python3 ${scriptFile} ${file}`).trim(), 'ok');
    sh('echo 3 > /proc/sys/vm/drop_caches');
    const bytes = fs.readFileSync(file);
    assert.equal(bytes.subarray(0, 12).toString(), 'ccccaaaaaadd');
    assert.equal(bytes.subarray(4096, 4100).toString(), 'bbbb');
    assert.equal(bytes.subarray(-3).toString(), 'END');
  });
});

test('the mount reads ahead a whole request (1 MiB) instead of the kernel default 128 KiB', async () => {
  await withMount([], (m) => {
    const minor = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').find((l) => l.split(' ')[4] === m.dir)!.split(' ')[2]!.split(':')[1];
    assert.equal(fs.readFileSync(`/sys/class/bdi/0:${minor}/read_ahead_kb`, 'utf8').trim(), '1024');
  });
});
