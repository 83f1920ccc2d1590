/**
 * FUSE over io_uring (src/fuse/uring-session.ts) through the kernel: large requests, clients on every
 * CPU at once (each CPU has its own queue), signals that interrupt clients, a connection that ends
 * while clients are busy, and the choice of transport. The kernel's switch is set here and put back.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cleanupAll, forceUnmount, MEMEFS, memefs, mount, setUringSwitch, sh, tempDir, withMount, type Mounted } from '../helpers/mount.js';

const available = fs.existsSync('/sys/module/fuse/parameters/enable_uring');
let restore = (): void => {};
before(() => {
  if (available) restore = setUringSwitch('Y');
});
after(() => {
  cleanupAll();
  restore();
});

const skip = available ? false : 'this kernel has no FUSE over io_uring';
const transport = (dir: string): string => {
  const r = memefs(['info', '--json', dir]);
  assert.equal(r.status, 0, r.stderr);
  return (JSON.parse(r.stdout) as { options: { transport: string } }).options.transport;
};
const uring = (fn: (m: Mounted) => Promise<void> | void): Promise<void> => withMount(['-o', 'io_uring'], async (m) => {
  assert.equal(transport(m.dir), 'io_uring');
  await fn(m);
});
const alive = (pid: number): boolean => {
  try {
    return !/^\S+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('1 MiB requests both ways: direct I/O writes and reads whole MiBs through the ring', { skip }, () => uring((m) => {
  const src = path.join(tempDir('uring-src-'), 'data');
  fs.writeFileSync(src, crypto.randomBytes(48 << 20));
  const file = path.join(m.dir, 'big');
  sh(`dd if=${src} of=${file} bs=1M oflag=direct status=none`);
  sh(`dd if=${src} of=${file}.cached bs=1M status=none`);
  const want = crypto.createHash('sha256').update(fs.readFileSync(src)).digest('hex');
  for (const f of [file, `${file}.cached`]) {
    const got = sh(`dd if=${f} bs=1M iflag=direct status=none | sha256sum`).split(' ')[0];
    assert.equal(got, want, f);
  }
  // Odd sizes and offsets (the payload length is not a multiple of anything).
  const fd = fs.openSync(path.join(m.dir, 'odd'), 'w+');
  const chunk = crypto.randomBytes(1_000_003);
  fs.writeSync(fd, chunk, 0, chunk.length, 12_345);
  const back = Buffer.alloc(chunk.length);
  assert.equal(fs.readSync(fd, back, 0, back.length, 12_345), chunk.length);
  fs.closeSync(fd);
  assert.ok(back.equals(chunk));
}));

test('many clients on both CPUs at once (one queue per CPU, one serving thread)', { skip }, () => uring(async (m) => {
  const cpus = Math.min(os.availableParallelism(), 2);
  const clients = 8;
  const script = (i: number): string =>
    `d=${m.dir}/c${i}; mkdir $d && for n in $(seq 300); do echo "$i $n" > $d/f$n; done && ` +
    `for n in $(seq 300); do [ "$(cat $d/f$n)" = "$i $n" ] || exit 9; done && ls $d | wc -l && rm $d/f1* && ls $d | wc -l`;
  const results = await Promise.all(Array.from({ length: clients }, (_, i) => new Promise<string>((resolve, reject) => {
    const p = spawn('taskset', ['-c', String(i % cpus), 'bash', '-c', script(i)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d));
    p.stderr.on('data', (d: Buffer) => (err += d));
    // 'close', not 'exit': the output may still be unread when the process has exited.
    p.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`client ${i} exited ${code}: ${err}`))));
  })));
  // 300 files each, then f1, f10-f19, f100-f199 (111) removed.
  for (const r of results) assert.deepEqual(r.trim().split(/\s+/), ['300', '189']);
  assert.equal(fs.readdirSync(m.dir).length, clients);
}));

test('clients interrupted by signals in the middle of requests leave a working mount', { skip }, () => uring(async (m) => {
  const writers = Array.from({ length: 4 }, (_, i) =>
    spawn('taskset', ['-c', String(i % 2), 'bash', '-c', `while :; do dd if=/dev/zero of=${m.dir}/w${i} bs=1M count=64 status=none; rm -f ${m.dir}/w${i}; done`], { stdio: 'ignore' }));
  try {
    for (let round = 0; round < 20; round++) {
      await sleep(50);
      for (const w of writers) w.kill('SIGSTOP');
      for (const w of writers) w.kill('SIGCONT');
    }
  } finally {
    for (const w of writers) w.kill('SIGKILL');
    await Promise.all(writers.map((w) => new Promise((r) => (w.exitCode !== null || w.signalCode !== null ? r(null) : w.on('exit', r)))));
  }
  fs.writeFileSync(path.join(m.dir, 'after'), 'still here');
  assert.equal(fs.readFileSync(path.join(m.dir, 'after'), 'utf8'), 'still here');
  assert.ok(fs.readdirSync(m.dir).includes('after'));
}));

test('unmounting while clients are busy ends the daemon cleanly', { skip }, async () => {
  for (const how of ['lazy unmount', 'abort'] as const) {
    const m = mount(['-o', 'io_uring']);
    const busy = Array.from({ length: 4 }, (_, i) =>
      spawn('taskset', ['-c', String(i % 2), 'bash', '-c', `cd ${m.dir} && while :; do echo x > f${i}; cat f${i} >/dev/null; rm f${i}; done`], { stdio: 'ignore' }));
    try {
      await sleep(300);
      if (how === 'lazy unmount') {
        // The clients work inside the mount: it lives on until they stop (mid-request, by a signal).
        assert.equal(spawnSync('umount', ['-l', m.dir]).status, 0);
        await sleep(100);
        for (const b of busy) b.kill('SIGKILL');
      } else {
        // As `fusectl` does: the kernel ends the connection, failing every entry with ENOTCONN.
        const dev = fs.statSync(m.dir).dev;
        const minor = ((dev & 0xff) | ((dev >> 12) & 0xfff00)) >>> 0;
        fs.writeFileSync(`/sys/fs/fuse/connections/${minor}/abort`, '1');
      }
      // The daemon must notice and exit (a hang would keep it alive: wait up to 30 s).
      for (let i = 0; i < 300 && alive(m.pid); i++) await sleep(100);
      assert.equal(alive(m.pid), false, `the daemon is still running ${how === 'abort' ? 'after the abort' : 'after the unmount'}`);
    } finally {
      for (const b of busy) b.kill('SIGKILL');
      forceUnmount(m.dir);
    }
  }
});

test('the transport: -o no_io_uring keeps /dev/fuse; with the switch off, -o io_uring says how to switch it on', { skip }, async () => {
  await withMount(['-o', 'no_io_uring'], (m) => {
    assert.equal(transport(m.dir), '/dev/fuse');
    fs.writeFileSync(path.join(m.dir, 'f'), 'x');
  });
  const back = setUringSwitch('N');
  try {
    const dir = tempDir('uring-off-');
    const r = memefs([dir, '-o', 'io_uring']);
    assert.equal(r.status, 1);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /io_uring.*switched off.*echo Y > \/sys\/module\/fuse\/parameters\/enable_uring/);
    assert.equal(fs.readdirSync(dir).length, 0);
  } finally {
    back();
  }
});

test('without the FFI, -o io_uring refuses in one line and the default mounts over /dev/fuse', { skip }, () => {
  const env = { ...process.env, MEMEFS_NO_FFI: '1' };
  const dir = tempDir('uring-noffi-');
  const r = spawnSync(process.execPath, [MEMEFS, dir, '-o', 'io_uring'], { encoding: 'utf8', env, timeout: 30_000 });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^memefs: -o io_uring: the FFI is switched off \(MEMEFS_NO_FFI is set\)\n$/);
  const d = spawnSync(process.execPath, [MEMEFS, dir], { encoding: 'utf8', env, timeout: 30_000 });
  try {
    assert.equal(d.status, 0, d.stderr);
    assert.equal(transport(dir), '/dev/fuse');
  } finally {
    forceUnmount(dir);
  }
});
