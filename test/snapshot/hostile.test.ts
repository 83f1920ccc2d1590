import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ROOT } from '../../src/core/index.js';
import { SnapshotError, writeArchive } from '../../src/formats/snapshot/index.js';
import { Craft, TYPE, loadBytes, paths } from './craft.js';
import { decodeHeader } from '../../src/formats/snapshot/ustar.js';
import { richVolume } from './helpers.js';

async function rejectsWith(bytes: Uint8Array, pattern: RegExp): Promise<void> {
  await assert.rejects(loadBytes(bytes), (e: unknown) => {
    assert.ok(e instanceof SnapshotError, `a SnapshotError, got ${String(e)}`);
    assert.match(e.message, pattern);
    return true;
  });
}

async function archiveOf(volume = richVolume()): Promise<Buffer> {
  const chunks: Buffer[] = [];
  await writeArchive(volume, (c) => void chunks.push(Buffer.from(c)));
  return Buffer.concat(chunks);
}

test('truncated archives are refused wherever they are cut', async () => {
  const bytes = await archiveOf();
  const header = 512 * 3 + 100; // inside a header
  for (const cut of [header, 512 * 4, 512 * 20 + 7, bytes.length - 10240 - 1024, Math.floor(bytes.length / 2)]) {
    await rejectsWith(bytes.subarray(0, cut), /truncated|end-of-archive/);
  }
});

test('corrupt headers are refused; things that are not tar archives too', async () => {
  const bytes = await archiveOf();
  const bad = Buffer.from(bytes);
  bad[512 * 4 + 10] ^= 0x55; // inside the second or third header
  await rejectsWith(bad, /checksum|corrupt/);
  await rejectsWith(Buffer.from('this is just some text, not an archive'.repeat(30)), /not a tar archive/);
  await rejectsWith(Buffer.alloc(4096, 0xff), /not a tar archive/);
  const gz = Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0]), Buffer.alloc(1020)]);
  await rejectsWith(gz, /gzip-compressed; decompress it first/);
  const empty = await loadBytes(new Uint8Array(0));
  assert.match(empty.warnings.join(), /empty/);
});

test('paths that climb out, absolute paths and NULs never leave the volume', async () => {
  const bytes = new Craft()
    .file('../evil', 'x')
    .file('a/../../evil2', 'x')
    .file('./../evil3', 'x')
    .file('/etc/absolute', 'kept inside')
    .pax([['path', Buffer.from('nul\0byte')]]).file('placeholder', 'x')
    .file('ok/file', 'fine')
    .end();
  const { volume, warnings } = await loadBytes(bytes);
  assert.deepEqual(paths(volume), ['etc', 'etc/absolute', 'ok', 'ok/file']);
  const text = warnings.join('\n');
  assert.match(text, /\.\.\/evil: path contains "\.\."; skipped/);
  assert.match(text, /evil2/);
  assert.match(text, /evil3/);
  assert.match(text, /leading "\/"/);
  assert.match(text, /NUL/);
});

test('a symlink cannot redirect later entries, and links to nowhere are skipped', async () => {
  const bytes = new Craft()
    .header({ name: 'link', typeflag: TYPE.symlink, linkname: Buffer.from('/tmp') })
    .file('link/pwned', 'x')
    .header({ name: 'hard-nowhere', typeflag: TYPE.hardlink, linkname: Buffer.from('missing') })
    .dir('d/')
    .header({ name: 'hard-dir', typeflag: TYPE.hardlink, linkname: Buffer.from('d') })
    .header({ name: 'hard-up', typeflag: TYPE.hardlink, linkname: Buffer.from('../x') })
    .header({ name: 'empty-link', typeflag: TYPE.symlink })
    .end();
  const { volume, warnings } = await loadBytes(bytes);
  assert.deepEqual(paths(volume), ['link', 'd']);
  assert.ok(volume.lookup(ROOT, volume.root, 'link').isSymlink());
  const text = warnings.join('\n');
  assert.match(text, /link\/pwned: "link" is not a directory; skipped/);
  assert.match(text, /hard link to unknown target missing/);
  assert.match(text, /hard link to a directory/);
  assert.match(text, /hard link target contains "\.\."/);
  assert.match(text, /empty target/);
});

test('huge declared sizes fail fast without allocating', async () => {
  const rss = process.memoryUsage().rss;
  // An 8 GiB member in a tiny archive.
  await rejectsWith(new Craft().header({ name: 'big', size: 0o77777777777 }).end(), /truncated/);
  await rejectsWith(new Craft().pax([['size', '999999999999999']]).file('big').end(), /truncated/);
  // An extended header that says it is 8 GiB long.
  await rejectsWith(new Craft().header({ name: 'x', typeflag: TYPE.paxLocal, size: 0o77777777777 }).end(), /truncated/);
  // A record claiming a petabyte.
  await rejectsWith(new Craft().header({ name: 'x', typeflag: TYPE.paxLocal }, Buffer.from('1000000000000000 comment=x\n')).file('f').end(), /corrupt extended header|truncated/);
  // A GNU long name of a GiB.
  await rejectsWith(new Craft().header({ name: '././@LongLink', typeflag: TYPE.gnuLongName, size: 1 << 30 }).end(), /too large|truncated/);
  assert.ok(process.memoryUsage().rss - rss < 64 << 20);
});

test('malformed extended headers are refused', async () => {
  for (const body of ['12 path=abc', '5 x=y\n', 'abc path=x\n', '9 =value\n', '11 path=ab\nX']) {
    await rejectsWith(new Craft().header({ name: 'x', typeflag: TYPE.paxLocal }, Buffer.from(body)).file('f').end(), /corrupt extended header/);
  }
});

test('insane sparse maps skip their entry, and the archive goes on', async () => {
  const sparse = (map: string, realsize: string, data = '') => {
    const body = Buffer.concat([Buffer.from(map), Buffer.alloc(512 - (map.length % 512 || 512)), Buffer.from(data)]);
    return new Craft()
      .pax([['GNU.sparse.major', '1'], ['GNU.sparse.minor', '0'], ['GNU.sparse.name', 's'], ['GNU.sparse.realsize', realsize]])
      .file('GNUSparseFile.0/s', body)
      .file('after', 'still loaded')
      .end();
  };
  const cases: [Buffer, RegExp][] = [
    [sparse('2\n100\n4\n50\n4\n', '1000', 'aaaabbbb'), /overlap|order/],
    [sparse('1\n990\n20\n', '1000', 'x'.repeat(20)), /beyond the file size/],
    [sparse('1\n0\n4\n', '1000', 'xxxxxxxx'), /regions hold 4 bytes but 8 are stored/],
    [sparse('999999999999\n', '1000'), /regions/],
    [sparse('1\n0\n', '1000'), /runs past|regions|malformed/],
    [sparse('1\nx\n4\n', '1000', 'xxxx'), /malformed sparse map/],
    [sparse('1\n0\n4\n', '99999999999999999999', 'xxxx'), /real size|too large/],
  ];
  for (const [bytes, pattern] of cases) {
    const { volume, warnings } = await loadBytes(bytes);
    assert.match(warnings.join('\n'), pattern);
    assert.deepEqual(paths(volume), ['after']);
  }
  // A sound map for a petabyte-sized file loads and costs nothing.
  const { volume, warnings } = await loadBytes(sparse('1\n1125899906842620\n4\n', '1125899906842624', 'tail'));
  assert.deepEqual(warnings, []);
  const s = volume.lookup(ROOT, volume.root, 's');
  assert.equal(s.size, 2 ** 50);
  assert.equal(Buffer.concat(s.data!.read(2 ** 50 - 4, 4)).toString(), 'tail');
  assert.ok(volume.used < 1 << 20);
});

test('a skipped old-GNU sparse entry still consumes its extension blocks', async () => {
  // Type 'S' with one region in the header and one in an extension block, under a path that is refused.
  const data = Buffer.concat([Buffer.alloc(512, 0x61), Buffer.alloc(512, 0x62)]);
  const header = Buffer.from(new Craft().header({ name: '../escape', typeflag: TYPE.gnuSparse, size: data.length }).end().subarray(0, 512));
  const octal = (n: number, len: number) => Buffer.from(n.toString(8).padStart(len - 1, '0') + '\0', 'latin1');
  octal(0, 12).copy(header, 386);
  octal(512, 12).copy(header, 398);
  header[482] = 1; // an extension block follows
  octal(1 << 20, 12).copy(header, 483);
  fixChecksum(header, 0);
  const extension = Buffer.alloc(512);
  octal(4096, 12).copy(extension, 0);
  octal(512, 12).copy(extension, 12);
  for (const name of ['../escape', 'fine']) {
    const bytes = Buffer.concat([header, extension, data, new Craft().file('after', 'loaded').end()]);
    if (name === 'fine') {
      bytes.fill(0, 0, 100);
      bytes.write('fine', 0);
      fixChecksum(bytes, 0);
    }
    const { volume, warnings } = await loadBytes(bytes);
    if (name === 'fine') {
      assert.deepEqual(warnings, []);
      const f = volume.lookup(ROOT, volume.root, 'fine');
      assert.equal(f.size, 1 << 20);
      assert.equal(Buffer.concat(f.data!.read(4096, 2)).toString(), 'bb');
      assert.deepEqual(paths(volume), ['fine', 'after']);
    } else {
      assert.match(warnings.join('\n'), /escape: path contains/);
      assert.deepEqual(paths(volume), ['after']);
    }
  }
});

test('odd but harmless entries load with warnings', async () => {
  const bytes = new Craft()
    .file('dup', 'first')
    .file('dup', 'second')
    .dir('d/')
    .file('d', 'a file over a directory')
    .header({ name: 'vendor', typeflag: 0x5a }, Buffer.from('zzz'))
    .pax([['SCHILY.xattr.bogus.name', 'x'], ['some.unknown.keyword', 'y']]).file('xattr-file', 'x')
    .end();
  const { volume, warnings } = await loadBytes(bytes);
  const text = warnings.join('\n');
  assert.match(text, /dup: appears more than once/);
  assert.match(text, /would replace a directory/);
  assert.match(text, /unknown entry type 'Z'/);
  assert.match(text, /xattr bogus\.name not kept/);
  assert.match(text, /unknown pax keyword some\.unknown\.keyword/);
  assert.equal(Buffer.concat(volume.lookup(ROOT, volume.root, 'dup').data!.read(0, 10)).toString(), 'second');
  assert.ok(volume.lookup(ROOT, volume.root, 'd').isDir());
  assert.equal(volume.lookup(ROOT, volume.root, 'vendor').size, 3);
});

test('warnings are capped so a hostile archive cannot fill memory with them', async () => {
  const craft = new Craft();
  for (let i = 0; i < 3000; i++) craft.file(`../x${i}`, '');
  const { warnings } = await loadBytes(craft.end());
  assert.ok(warnings.length <= 1001);
  assert.match(warnings.at(-1)!, /and 2000 more warnings/);
});

/** [start, end) of every header block and extended header body: where mutations hurt most. */
function structure(archive: Buffer): [number, number][] {
  const out: [number, number][] = [];
  let at = 0;
  while (at + 512 <= archive.length) {
    const h = decodeHeader(archive.subarray(at, at + 512));
    if (typeof h === 'string') break;
    out.push([at, at + 512]);
    const size = Math.ceil(h.size / 512) * 512;
    if (h.typeflag === TYPE.paxLocal || h.typeflag === TYPE.paxGlobal) out.push([at + 512, at + 512 + h.size]);
    at += 512 + size;
  }
  return out;
}

test('fuzzed archives give a volume or a SnapshotError, never a crash or a hang', async () => {
  const v = richVolume();
  // Keep it small so each run is fast: drop the big sparse file and stream.
  v.unlink(ROOT, v.root, 'sparse.img');
  v.removexattr(v.lookup(ROOT, v.root, 'setuid-tool'), 'user.big');
  const base = await archiveOf(v);
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.record({ at: fc.nat(base.length - 1), value: fc.integer({ min: 0, max: 255 }) }), { minLength: 1, maxLength: 8 }),
      fc.option(fc.nat(base.length), { nil: undefined }),
      async (edits, cut) => {
        const bytes = Buffer.from(base);
        for (const { at, value } of edits) bytes[at] = value;
        const started = Date.now();
        try {
          await loadBytes(cut === undefined ? bytes : bytes.subarray(0, cut));
        } catch (e) {
          if (!(e instanceof SnapshotError)) throw e;
        }
        assert.ok(Date.now() - started < 5000);
      },
    ),
    { numRuns: 300, seed: 20261121 },
  );
  // The same with mutations inside headers and extended header records only.
  const ranges = structure(base);
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.record({ range: fc.nat(ranges.length - 1), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }), { minLength: 1, maxLength: 4 }),
      async (edits) => {
        const bytes = Buffer.from(base);
        for (const { range, at, value } of edits) {
          const [start, end] = ranges[range]!;
          bytes[start + (at % (end - start))] = value;
        }
        // Keep checksums right so the mutation reaches the parsers behind them.
        for (const [start, end] of ranges) if (end - start === 512 && typeof decodeHeader(bytes.subarray(start, end)) === 'string') fixChecksum(bytes, start);
        try {
          await loadBytes(bytes);
        } catch (e) {
          if (!(e instanceof SnapshotError)) throw e;
        }
      },
    ),
    { numRuns: 400, seed: 7 },
  );
});

function fixChecksum(bytes: Buffer, at: number): void {
  bytes.fill(0x20, at + 148, at + 156);
  let sum = 0;
  for (let i = at; i < at + 512; i++) sum += bytes[i]!;
  bytes.write(sum.toString(8).padStart(6, '0') + '\0 ', at + 148, 'latin1');
}
