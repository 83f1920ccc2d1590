/**
 * The kernel's caches over a mount: handles of every kind, cached pages and
 * shared mappings see each other's writes; read-ahead is one whole request;
 * directories open without a request.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { cleanupAll, sh, tempDir, withMount } from '../helpers/mount.js';

after(cleanupAll);

test('read-write handles, shared mappings, write-only and append handles see each other\'s writes', async () => {
  await withMount([], (m) => {
    // A read-write handle with cached pages and a shared mapping, mixed with writes through other handles.
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
os.pwrite(wo, b'dd', 10)    # ...and a write through another handle into the same page
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

test('directories open without a request: listings stay right, an open directory outlives rmdir, no OPENDIR after the first', async () => {
  const log = path.join(tempDir('opendir-'), 'requests.log');
  await withMount(['-D', log], ({ dir }) => {
    const d = path.join(dir, 'd');
    fs.mkdirSync(d);
    for (const name of ['a', 'b']) fs.writeFileSync(path.join(d, name), name);
    assert.deepEqual(fs.readdirSync(d).sort(), ['a', 'b']);
    assert.deepEqual(fs.readdirSync(d).sort(), ['a', 'b']);
    fs.writeFileSync(path.join(d, 'c'), 'c');
    fs.unlinkSync(path.join(d, 'a'));
    assert.deepEqual(fs.readdirSync(d).sort(), ['b', 'c']); // the cached listing went with the changes
    fs.renameSync(path.join(d, 'b'), path.join(d, 'e'));
    assert.deepEqual(fs.readdirSync(d, { withFileTypes: true }).map((e) => [e.name, e.isFile()]).sort(), [['c', true], ['e', true]]);
    const gone = path.join(dir, 'gone');
    fs.mkdirSync(gone);
    const handle = fs.opendirSync(gone);
    fs.rmdirSync(gone);
    assert.equal(handle.readSync(), null); // still readable, and empty
    handle.closeSync();
    assert.throws(() => fs.readdirSync(gone), { code: 'ENOENT' });
  });
  const ops = fs.readFileSync(log, 'utf8').split('\n').map((l) => l.split(' ')[1]);
  assert.ok(ops.includes('READDIRPLUS') || ops.includes('READDIR'), 'the log shows the listings');
  assert.ok(ops.filter((op) => op === 'OPENDIR').length <= 1, 'OPENDIR is asked at most once');
  assert.equal(ops.filter((op) => op === 'RELEASEDIR').length, 0);
});
