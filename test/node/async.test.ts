/**
 * The asynchronous forms as node:fs has them: they settle after the call
 * returns, the whole-file calls run in steps on later turns of the event loop
 * and stop at an AbortSignal (before the file is opened, or midway), files over
 * 2 GiB are refused by readFile, and `flush` goes through the fs object's fsync.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promisify } from 'node:util';
import { createFs, type MemefsFs } from '../../src/node/index.js';

const MiB = 1 << 20;

type Call = (...args: unknown[]) => Promise<unknown>;

/** After two turns of the event loop: the first step of a whole-file call has run by then, whatever was queued first. */
function inTwoTurns(f: () => void): void {
  setImmediate(() => setImmediate(f));
}

function isAbort(cause?: unknown) {
  return (e: Error & { code?: string; cause?: unknown }) => e.name === 'AbortError' && e.code === 'ABORT_ERR' && (cause === undefined || e.cause === cause);
}

/** The lowest free descriptor: unchanged after a call means the call closed what it opened. */
function nextFd(fs: MemefsFs): number {
  const fd = fs.openSync('/', 'r');
  fs.closeSync(fd);
  return fd;
}

test('callbacks and promises settle after the call returns', async () => {
  const fs = createFs();
  let settled = 0;
  fs.writeFile('/a', 'x', () => settled++);
  fs.promises.writeFile('/b', 'y').then(() => settled++);
  fs.stat('/', () => settled++);
  fs.promises.stat('/').then(() => settled++);
  assert.equal(settled, 0);
  await new Promise((resolve) => setTimeout(resolve, 0));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(settled, 4);
  assert.equal(fs.readFileSync('/a', 'utf8') + fs.readFileSync('/b', 'utf8'), 'xy');
});

test('an AbortSignal stops readFile/writeFile/appendFile before the file is opened', async () => {
  const fs = createFs();
  fs.writeFileSync('/f', 'data');
  const before = nextFd(fs);
  const reason = new Error('enough');
  // Already aborted, and aborted right after the call (same tick): nothing is opened or written.
  for (const abortLater of [false, true]) {
    const controller = new AbortController();
    if (!abortLater) controller.abort(reason);
    const { signal } = controller;
    const done = [
      assert.rejects(fs.promises.readFile('/f', { signal }), isAbort(reason)),
      assert.rejects(fs.promises.writeFile('/new1', 'x', { signal }), isAbort(reason)),
      assert.rejects((fs.promises.appendFile as Call)('/f', 'more', { signal }), isAbort(reason)),
      assert.rejects((promisify(fs.readFile) as Call)('/f', { signal }), isAbort(reason)),
      assert.rejects((promisify(fs.writeFile) as Call)('/new2', 'x', { signal }), isAbort(reason)),
      assert.rejects((promisify(fs.appendFile) as Call)('/f', 'more', { signal }), isAbort(reason)),
    ];
    if (abortLater) controller.abort(reason);
    await Promise.all(done);
  }
  assert.equal(fs.existsSync('/new1') || fs.existsSync('/new2'), false);
  assert.equal(fs.readFileSync('/f', 'utf8'), 'data');
  assert.equal(nextFd(fs), before);
});

test('large readFile and writeFile proceed in steps, and an abort stops them midway', async () => {
  const fs = createFs();
  const big = Buffer.alloc(8 * MiB, 7);
  const before = nextFd(fs);

  // The event loop keeps turning while the 8 MiB go by, 512 KiB a turn.
  let turns = 0;
  let busy = true;
  const spin = (): void => {
    turns++;
    if (busy) setImmediate(spin);
  };
  setImmediate(spin);
  await fs.promises.writeFile('/big', big);
  const back = await fs.promises.readFile('/big');
  busy = false;
  assert.ok(back.equals(big));
  assert.ok(turns >= 16, `only ${turns} turns of the event loop during 16 MiB of whole-file I/O`);

  // Aborted after the first turn: the write stops partway, the read rejects; both close their descriptor.
  for (const form of ['promise', 'callback'] as const) {
    const controller = new AbortController();
    const writeFile = (form === 'promise' ? fs.promises.writeFile : promisify(fs.writeFile)) as Call;
    const write = writeFile('/part', big, { signal: controller.signal });
    inTwoTurns(() => controller.abort());
    await assert.rejects(write, isAbort());
    const size = fs.statSync('/part').size;
    assert.ok(size > 0 && size < big.length, `${form}: ${size} bytes written before the abort`);
  }
  for (const form of ['promise', 'callback', 'handle'] as const) {
    const controller = new AbortController();
    const { signal } = controller;
    const handle = form === 'handle' ? await fs.promises.open('/big', 'r') : null;
    const readFile = (form === 'promise' ? fs.promises.readFile : promisify(fs.readFile)) as Call;
    const read = handle ? handle.readFile({ signal } as never) : readFile('/big', { signal });
    inTwoTurns(() => controller.abort());
    await assert.rejects(read, isAbort());
    await handle?.close();
  }
  assert.equal(nextFd(fs), before);
});

test('readFile refuses a file over 2 GiB with ERR_FS_FILE_TOO_LARGE; a sparse one costs nothing to make', async () => {
  const fs = createFs();
  fs.writeFileSync('/huge', '0');
  fs.truncateSync('/huge', 2 ** 31);
  const tooLarge = { name: 'RangeError', code: 'ERR_FS_FILE_TOO_LARGE', message: 'File size (2147483648) is greater than 2 GiB' };
  assert.throws(() => fs.readFileSync('/huge'), tooLarge);
  await assert.rejects(fs.promises.readFile('/huge'), tooLarge);
  await assert.rejects(promisify(fs.readFile)('/huge'), tooLarge);
  const fd = fs.openSync('/huge', 'r');
  assert.throws(() => fs.readFileSync(fd), tooLarge);
  fs.closeSync(fd);
});

test('signal and flush are checked at the call; flush calls the fs object\'s fsync', async () => {
  const fs = createFs();
  assert.throws(() => fs.readFile('/x', { signal: 'no' } as never, () => {}), { code: 'ERR_INVALID_ARG_TYPE', message: /"options.signal" property must be an instance of AbortSignal/ });
  assert.throws(() => fs.writeFileSync('/x', 'a', { flush: 1 } as never), { code: 'ERR_INVALID_ARG_TYPE', message: /"options.flush" property must be of type boolean/ });
  await assert.rejects(fs.promises.writeFile('/x', 'a', { flush: 'yes' } as never), { code: 'ERR_INVALID_ARG_TYPE' });
  const synced: number[] = [];
  const { fsync, fsyncSync } = fs;
  Object.assign(fs, {
    fsyncSync: (fd: number) => { synced.push(fd); fsyncSync(fd); },
    fsync: (fd: number, cb: (e: Error | null) => void) => { synced.push(fd); fsync(fd, cb); },
  });
  fs.writeFileSync('/s', 'a', { flush: true });
  fs.appendFileSync('/s', 'b', { flush: true });
  await promisify(fs.writeFile)('/t', 'c', { flush: true });
  await promisify(fs.appendFile)('/t', 'd', { flush: false });
  assert.equal(synced.length, 3);
  assert.equal(fs.readFileSync('/s', 'utf8') + fs.readFileSync('/t', 'utf8'), 'abcd');
});

test("Node's once-per-process warnings: mkdtemp templates ending in X, truncate on a descriptor (DEP0081)", async () => {
  const fs = createFs();
  const seen: string[] = [];
  const listen = (w: Error & { code?: string }): void => void seen.push(w.code ?? w.message);
  process.on('warning', listen);
  fs.mkdtempSync('/tmpX');
  fs.mkdtempSync('/tmpX');
  fs.mkdtempSync('/tmp-');
  const fd = fs.openSync('/f', 'w');
  const truncateSync = fs.truncateSync as unknown as (fd: number, len: number) => void;
  truncateSync(fd, 1);
  truncateSync(fd, 2);
  fs.closeSync(fd);
  await new Promise((resolve) => setImmediate(resolve));
  process.off('warning', listen);
  assert.deepEqual(seen, ['mkdtemp() templates ending with X are not portable. For details see: https://nodejs.org/api/fs.html', 'DEP0081']);
});
