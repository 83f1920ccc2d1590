/**
 * While every CPU is busy, the serving thread serves each client on the client's CPU (src/fuse/follow.ts);
 * once the machine is quiet again it may run anywhere (and polls instead).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cleanupAll, mount } from '../helpers/mount.js';

after(cleanupAll);

const sleep = (ms: number): Promise<void> => new Promise((res) => setTimeout(res, ms));
const cpus = os.availableParallelism();

/** Cpus_allowed_list of each thread of a process. */
function allowedLists(pid: number): string[] {
  return fs.readdirSync(`/proc/${pid}/task`).map((tid) => /^Cpus_allowed_list:\s*(\S+)$/m.exec(fs.readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8'))![1]!);
}

const skip = cpus < 2 ? 'one CPU' : process.env.MEMEFS_NO_FFI ? 'no FFI' : process.env.MEMEFS_TEST_TRANSPORT === 'io_uring' ? 'only on /dev/fuse' : false;

test('with every CPU busy the serving thread moves to its client\'s CPU, and is let go when the machine is quiet', { skip }, async () => {
  const m = mount();
  const everywhere = allowedLists(m.pid)[0]!;
  const burners: ChildProcess[] = [];
  try {
    for (let i = 0; i < cpus; i++) burners.push(spawn('yes', [], { stdio: 'ignore' }));
    await sleep(1500); // the daemon's main thread looks at the machine's CPU time every 250 ms
    for (const cpu of [cpus - 1, 0]) {
      // A client kept on one CPU, making files one by one (each a few requests, the thread looking every 5 ms).
      const r = spawnSync('taskset', ['-c', String(cpu), 'sh', '-c', `for i in $(seq 300); do : > ${m.dir}/c${cpu}-$i; done`], { timeout: 60_000 });
      assert.equal(r.status, 0, String(r.stderr));
      assert.ok(allowedLists(m.pid).includes(String(cpu)), `a thread kept on CPU ${cpu}: ${allowedLists(m.pid).join(' ')}`);
    }
  } finally {
    for (const b of burners) b.kill('SIGKILL');
  }
  await sleep(2000); // quiet for long enough that polling is allowed again
  fs.writeFileSync(path.join(m.dir, 'quiet'), '');
  assert.deepEqual(new Set(allowedLists(m.pid)), new Set([everywhere]), 'every thread may run on every CPU again');
  m.unmount();
});
