import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadLibc, libc, libcProblem } from '../../src/sys/libc.js';

test('libc loads through the FFI and answers a real call', async () => {
  const c = await loadLibc();
  assert.ok(c, libcProblem());
  assert.equal(libc(), c);
  const getpid = c.lib.func('int getpid()');
  assert.equal(getpid(), process.pid);
  const close = c.lib.func('int close(int fd)');
  assert.equal(close(-1), -1);
  assert.equal(c.errno(), 9 /* EBADF */);
});

test('without the FFI the loader says why instead of throwing', () => {
  const mod = fileURLToPath(new URL('../../src/sys/libc.js', import.meta.url));
  const r = spawnSync(process.execPath, ['--input-type=module', '-e',
    `const m = await import(${JSON.stringify(mod)}); const c = await m.loadLibc(); console.log(String(c), m.libcProblem());`],
  { encoding: 'utf8', env: { ...process.env, MEMEFS_NO_FFI: '1' } });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^undefined .*MEMEFS_NO_FFI/);
});
