/**
 * fs.ReadStream / fs.WriteStream as node:fs's: old-style construction
 * (`.call(this)`), I/O through options.fs or a FileHandle, autoClose, one
 * buffer per chunk, and `flush` through the fs object's fsync.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { Readable } from 'node:stream';
import { createFs } from '../../src/node/index.js';

async function collect(stream: Readable): Promise<Buffer[]> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return chunks;
}

test('old-style subclasses construct streams with fs.ReadStream.call(this)', async () => {
  const fs = createFs();
  fs.writeFileSync('/f', 'hello');
  function Old(this: unknown, path: string): void {
    (fs.ReadStream as unknown as (this: unknown, p: string) => void).call(this, path);
  }
  Object.setPrototypeOf(Old.prototype, fs.ReadStream.prototype);
  const stream = new (Old as unknown as new (p: string) => Readable)('/f');
  assert.ok(stream instanceof fs.ReadStream);
  assert.equal(Buffer.concat(await collect(stream)).toString(), 'hello');
  // And without new, as node:fs's.
  const plain = (fs.ReadStream as unknown as (p: string) => Readable)('/f');
  assert.equal(Buffer.concat(await collect(plain)).toString(), 'hello');
});

test('options.fs: the stream opens, reads, writes and closes through the given calls', async () => {
  const fs = createFs();
  fs.writeFileSync('/f', 'abc');
  const used: string[] = [];
  const spy = {
    open: (...a: unknown[]) => (used.push('open'), (fs.open as (...x: unknown[]) => void)(...a)),
    read: (...a: unknown[]) => (used.push('read'), (fs.read as (...x: unknown[]) => void)(...a)),
    write: (...a: unknown[]) => (used.push('write'), (fs.write as (...x: unknown[]) => void)(...a)),
    close: (...a: unknown[]) => (used.push('close'), (fs.close as (...x: unknown[]) => void)(...a)),
  };
  const chunks = await collect(fs.createReadStream('/f', { fs: spy } as never));
  assert.equal(Buffer.concat(chunks).toString(), 'abc');
  assert.deepEqual([...new Set(used)], ['open', 'read', 'close']);
  used.length = 0;
  const out = fs.createWriteStream('/g', { fs: spy } as never);
  out.end('xyz');
  await once(out, 'close');
  assert.deepEqual(used, ['open', 'write', 'close']);
  assert.equal(fs.readFileSync('/g', 'utf8'), 'xyz');
  assert.throws(() => fs.createReadStream('/f', { fs: { open: spy.open, close: spy.close } } as never), { code: 'ERR_INVALID_ARG_TYPE', message: /"options.fs.read"/ });
});

test('a FileHandle under a stream: its methods do the I/O, and closing it closes the stream without an error', async () => {
  const fs = createFs();
  fs.writeFileSync('/f', Buffer.alloc(1 << 20, 1));
  const handle = await fs.promises.open('/f', 'r');
  const stream = handle.createReadStream({ highWaterMark: 1024 });
  let errors = 0;
  stream.on('error', () => errors++);
  stream.once('data', () => void handle.close());
  await once(stream, 'close');
  assert.equal(errors, 0);
  assert.equal(handle.fd, -1);
});

test('autoClose: false keeps the descriptor open; each chunk is a buffer of its own size', async () => {
  const fs = createFs();
  fs.writeFileSync('/f', 'x'.repeat(100));
  const fd = fs.openSync('/f', 'r');
  const stream = fs.createReadStream('', { fd, autoClose: false });
  const chunks = await collect(stream);
  assert.equal(chunks.length, 1);
  // A 100-byte read from a 64 KiB request: the chunk does not hold the 64 KiB allocation.
  assert.equal(chunks[0]!.buffer.byteLength, 100);
  assert.equal(fs.fstatSync(fd).size, 100);
  fs.closeSync(fd);
});

test('createWriteStream flush: checked at the call, then fsync through the fs object before close', async () => {
  const fs = createFs();
  assert.throws(() => fs.createWriteStream('/f', { flush: 'yes' } as never), { code: 'ERR_INVALID_ARG_TYPE', message: /"options.flush"/ });
  const synced: number[] = [];
  const fsync = fs.fsync;
  fs.fsync = ((fd: number, cb: (e: Error | null) => void) => (synced.push(fd), fsync(fd, cb))) as typeof fs.fsync;
  const out = fs.createWriteStream('/f', { flush: true });
  out.end('data');
  await once(out, 'close');
  assert.equal(synced.length, 1);
  assert.equal(fs.readFileSync('/f', 'utf8'), 'data');
});
