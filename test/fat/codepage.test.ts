/**
 * --codepage: how high bytes in 8.3 names read (mtools's 850 by default, or DOS's 437), for a mounted
 * image, extract and dump, and how mkimage spells non-ASCII letters in the aliases it makes. Images are
 * made by mtools in either code page; names nobody changed are saved back as the same short entries.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { cleanupAll, forceUnmount, memefs, mount, tempDir } from '../helpers/mount.js';
import { fsckComplaints, mustRun, run } from './tools.js';

after(cleanupAll);

/** A floppy with short-only entries holding code-page bytes, as mtools writes them. */
function mtoolsImage(dir: string): string {
  const image = path.join(dir, 'cp.img');
  const src = path.join(dir, 'src');
  fs.mkdirSync(src);
  for (const [name, text] of [['øl.txt', 'beer'], ['été.txt', 'summer'], ['PLAIN.TXT', 'ascii'], ['¢.TXT', 'cent']]) fs.writeFileSync(path.join(src, name), text);
  const rc437 = path.join(dir, 'mtoolsrc437');
  fs.writeFileSync(rc437, 'DEFAULT_CODEPAGE=437\n');
  mustRun('mkfs.fat', ['-C', image, '1440']);
  // øl.txt and été.txt in code page 850 (mtools's default): 9D 4C / 90 54 90, lowercase bits set.
  mustRun('mcopy', ['-i', image, path.join(src, 'øl.txt'), path.join(src, 'été.txt'), path.join(src, 'PLAIN.TXT'), '::']);
  // ¢.TXT in code page 437: 9B (which 850 reads as ø).
  const r = run('mcopy', ['-i', image, path.join(src, '¢.TXT'), '::'], { MTOOLSRC: rc437 });
  assert.equal(r.status, 0, r.stderr);
  return image;
}

/** The root directory's used 32-byte entries of a 1.44 MB floppy (19 reserved + FAT sectors before it, 224 slots). */
function rootEntries(image: string): Buffer[] {
  const bytes = fs.readFileSync(image);
  const out: Buffer[] = [];
  for (let i = 0; i < 224; i++) {
    const e = bytes.subarray(19 * 512 + i * 32, 19 * 512 + (i + 1) * 32);
    if (e[0] === 0) break;
    if (e[0] !== 0xe5) out.push(Buffer.from(e));
  }
  return out;
}

/** Name bytes, attribute and NT case byte of each entry: what says what the entry is called. */
const nameFields = (entries: Buffer[]) => entries.map((e) => e.subarray(0, 13).toString('hex')).sort();

test('a mounted image reads 8.3 names in the code page given, and saves untouched ones byte-exact', () => {
  const dir = tempDir('fat-cp-');
  const image = mtoolsImage(dir);
  const before = nameFields(rootEntries(image));
  assert.equal(before.length, 4);
  for (const [args, names] of [
    [[], ['PLAIN.TXT', 'été.txt', 'ø.TXT', 'øl.txt']],
    [['--codepage', '850'], ['PLAIN.TXT', 'été.txt', 'ø.TXT', 'øl.txt']],
    [['--codepage', '437'], ['PLAIN.TXT', 'été.txt', '¢.TXT', '¥l.txt']],
  ] as const) {
    const m = mount(['--image', image, ...args]);
    try {
      assert.deepEqual(fs.readdirSync(m.dir).sort(), [...names].sort(), args.join(' '));
      assert.equal(fs.readFileSync(path.join(m.dir, names[3]), 'utf8'), 'beer');
      fs.writeFileSync(path.join(m.dir, 'NEW.TXT'), 'changed something else');
    } finally {
      forceUnmount(m.dir);
    }
    assert.deepEqual(fsckComplaints(image).complaints, []);
    const after = rootEntries(image);
    // The same short entries (no long-name slot added), and the new file.
    assert.deepEqual(nameFields(after).filter((f) => !f.startsWith(Buffer.from('NEW').toString('hex'))), before, args.join(' '));
    assert.equal(mustRun('mtype', ['-i', image, '::/øl.txt']), 'beer');
    mustRun('mdel', ['-i', image, '::/NEW.TXT']);
  }
});

test('a renamed entry gets the name it was given; the others keep theirs', () => {
  const dir = tempDir('fat-cp-');
  const image = mtoolsImage(dir);
  const m = mount(['--image', image, '--codepage', '437']);
  try {
    fs.renameSync(path.join(m.dir, '¥l.txt'), path.join(m.dir, 'Øl.txt'));
  } finally {
    forceUnmount(m.dir);
  }
  assert.deepEqual(fsckComplaints(image).complaints, []);
  const m2 = mount(['--image', image, '--codepage', '437']);
  try {
    assert.deepEqual(fs.readdirSync(m2.dir).sort(), ['PLAIN.TXT', 'été.txt', '¢.TXT', 'Øl.txt'].sort());
    assert.equal(fs.readFileSync(path.join(m2.dir, 'Øl.txt'), 'utf8'), 'beer');
  } finally {
    forceUnmount(m2.dir);
  }
});

test('extract and dump read names in the code page given', () => {
  const dir = tempDir('fat-cp-');
  const image = mtoolsImage(dir);
  for (const [cp, cent] of [['850', 'ø.TXT'], ['437', '¢.TXT']]) {
    const out = path.join(dir, `out${cp}`);
    const r = memefs(['extract', image, out, '--codepage', cp]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(fs.readFileSync(path.join(out, cent), 'utf8'), 'cent');
    const d = memefs(['dump', image, '--codepage', cp]);
    assert.equal(d.status, 0, d.stderr);
    assert.match(d.stdout, new RegExp(`-> /${cent.replace('.', '\\.')}`));
  }
});

test('mkimage spells letters its code page has in the aliases it makes', () => {
  const dir = tempDir('fat-cp-');
  const src = path.join(dir, 'src');
  fs.mkdirSync(src);
  fs.writeFileSync(path.join(src, 'Øre.txt'), 'x');
  const alias = (cp: string) => {
    const image = path.join(dir, `mk${cp}.img`);
    const r = memefs(['mkimage', src, image, '--codepage', cp]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(fsckComplaints(image).complaints, []);
    assert.equal(mustRun('mtype', ['-i', image, '::/Øre.txt']), 'x');
    const short = rootEntries(image).find((e) => e[11] !== 0x0f)!;
    return short.subarray(0, 11).toString('latin1');
  };
  assert.equal(alias('850'), '\x9dRE     TXT'); // Ø is 9D in 850
  assert.equal(alias('437'), '_RE~1   TXT'); // 437 has no Ø
});

test('a code page memefs does not know is a usage error, for every command', () => {
  const dir = tempDir('fat-cp-');
  const image = mtoolsImage(dir);
  for (const args of [
    [path.join(dir, 'mnt'), '--image', image, '--codepage', '1252'],
    ['dump', image, '--codepage', 'x'],
    ['extract', image, path.join(dir, 'out'), '--codepage', '852'],
    ['mkimage', path.join(dir, 'src'), path.join(dir, 'new.img'), '--codepage', ''],
  ]) {
    const r = memefs(args);
    assert.equal(r.status, 2, args.join(' '));
    assert.match(r.stderr, /^memefs: code page "[^"]*" must be 437 or 850\n$/);
  }
  assert.equal(fs.existsSync(path.join(dir, 'out')), false);
  assert.equal(fs.existsSync(path.join(dir, 'new.img')), false);
  const help = memefs(['--help']).stdout + memefs(['mkimage', '--help']).stdout + memefs(['extract', '--help']).stdout + memefs(['dump', '--help']).stdout;
  assert.equal(help.match(/--codepage <437\|850>/g)?.length, 4);
});
