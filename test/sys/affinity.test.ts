import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import { loadLibc, libcProblem } from '../../src/sys/libc.js';
import { lastCpuOf, threadPlacement } from '../../src/sys/affinity.js';

const allowed = (): string => /^Cpus_allowed_list:\s*(\S+)$/m.exec(fs.readFileSync('/proc/thread-self/status', 'utf8'))![1]!;

test('the CPU a thread last ran on is read from /proc; a thread that is gone gives -1', () => {
  const cpu = lastCpuOf(process.pid);
  assert.ok(Number.isInteger(cpu) && cpu >= 0 && cpu < os.cpus().length, `cpu ${cpu}`);
  assert.equal(lastCpuOf(2 ** 22 + 1), -1); // above pid_max's largest value
});

test('the calling thread is kept on one CPU, then let go to the CPUs it had', { skip: os.availableParallelism() < 2 && 'one CPU' }, async () => {
  assert.ok(await loadLibc(), libcProblem());
  const before = allowed();
  const p = threadPlacement()!;
  const last = os.availableParallelism() - 1;
  try {
    assert.equal(p.pin(last), true);
    assert.equal(allowed(), String(last));
    assert.equal(p.pin(0), true);
    assert.equal(allowed(), '0');
    assert.equal(p.pin(4096), false, 'a CPU beyond any set');
    assert.equal(allowed(), '0', 'a refused move changes nothing');
  } finally {
    p.release();
  }
  assert.equal(allowed(), before);
});
