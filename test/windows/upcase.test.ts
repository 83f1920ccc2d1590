/**
 * `-i` folds names exactly as NTFS does: each UTF-16 unit through the $UpCase table mkntfs writes.
 * Checked against the table read out of a fresh mkntfs image, through a real `-i` mount, against
 * lowntfs-3g -o ignore_case itself, and for snapshots whose names now fold together.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { foldCase } from '../../src/core/names.js';
import { cleanupAll, forceUnmount, isMounted, memefs, mount, sh, tempDir, withMount } from '../helpers/mount.js';

after(cleanupAll);

const has = (cmd: string): boolean => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const NTFS_TOOLS = has('mkntfs') && has('ntfscat') && has('lowntfs-3g');

/** Pairs of names and whether NTFS takes them for the same name (issue 15, item 9). */
const PAIRS: [string, string, boolean][] = [
  ['kır', 'kir', false], // dotless ı has no uppercase in the table
  ['kİr', 'kir', false], // nor does İ fold to i
  ['ς', 'σ', false], // final sigma upcases to itself
  ['ſ', 'S', false], // long s likewise
  ['µ', 'μ', false], // micro sign is not Greek mu
  ['ᾀ', 'ᾈ', true], // but the iota-subscript letters map one to one
  ['Ä', 'ä', true],
  ['Σ', 'σ', true],
  ['Ж', 'ж', true],
  ['ß', 'SS', false],
  ['ǅ', 'ǆ', false], // titlecase digraph stays itself
  ['𐐨', '𐐀', false], // letters outside the BMP: surrogates upcase to themselves
  ['Ａ', 'ａ', true], // fullwidth forms are in the table
];

function makeNtfsImage(dir: string): string {
  const image = path.join(dir, 'ntfs.img');
  fs.writeFileSync(image, '');
  fs.truncateSync(image, 16 << 20);
  const r = spawnSync('mkntfs', ['-F', '-q', '-f', image], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return image;
}

describe('NTFS upcase folding (-i)', () => {
  test('the issue\'s examples fold as NTFS folds them', () => {
    for (const [a, b, same] of PAIRS) assert.equal(foldCase(a) === foldCase(b), same, `${a} / ${b}`);
    assert.equal(foldCase('Grüße, ᾀ!'), 'GRÜßE, ᾈ!');
    assert.equal(foldCase('a\udc80b'), 'A\udc80B', 'escaped bytes (lone surrogates) stay as they are');
  });

  test('every BMP unit folds to what the $UpCase of a fresh mkntfs image says', { skip: !NTFS_TOOLS && 'mkntfs/ntfscat not installed' }, () => {
    const image = makeNtfsImage(tempDir('upcase-'));
    const r = spawnSync('ntfscat', ['-f', image, '$UpCase'], { maxBuffer: 1 << 20 });
    assert.equal(r.status, 0, String(r.stderr));
    assert.equal(r.stdout.length, 131072);
    let folded = 0;
    for (let u = 0; u < 65536; u++) {
      const want = r.stdout.readUInt16LE(2 * u);
      assert.equal(foldCase(String.fromCharCode(u)).charCodeAt(0), want, `U+${u.toString(16).padStart(4, '0')}`);
      if (want !== u) folded++;
    }
    assert.ok(folded > 900, `${folded} units change case`);
    // A name folds unit by unit: the same as folding its units one at a time.
    const name = [...Array(300).keys()].map((k) => String.fromCharCode((k * 2654435761) % 0xd800)).join('');
    assert.equal(foldCase(name), [...name].map((c) => String.fromCharCode(r.stdout.readUInt16LE(2 * c.charCodeAt(0)))).join(''));
  });

  /** Writes each pair into dir (first name "1", second "2") and returns, per pair, the names listed and the content read by the first name. */
  function writePairs(dir: string): string[] {
    const seen: string[] = [];
    PAIRS.forEach(([a, b], i) => {
      const sub = path.join(dir, `p${i}`);
      fs.mkdirSync(sub);
      fs.writeFileSync(path.join(sub, a), '1');
      fs.writeFileSync(path.join(sub, b), '2');
      seen.push(`${a}/${b}: ${fs.readdirSync(sub).length} ${fs.readFileSync(path.join(sub, a), 'utf8')}`);
    });
    return seen;
  }

  test('through a real -i mount: two files where NTFS has two, one where it has one', async () => {
    await withMount(['-i'], ({ dir }) => {
      const seen = writePairs(dir);
      assert.deepEqual(seen, PAIRS.map(([a, b, same]) => `${a}/${b}: ${same ? '1 2' : '2 1'}`));
      // The stored case is the first one's, and lookups by the other spelling reach it.
      assert.deepEqual(fs.readdirSync(path.join(dir, 'p5')), ['ᾀ']);
      assert.equal(fs.readFileSync(path.join(dir, 'p5', 'ᾈ'), 'utf8'), '2');
    });
  });

  test('the same outcome as lowntfs-3g -o ignore_case on a mkntfs image', { skip: !NTFS_TOOLS && 'ntfs-3g not installed' }, async () => {
    const work = tempDir('lowntfs-');
    const image = makeNtfsImage(work);
    const mnt = path.join(work, 'mnt');
    fs.mkdirSync(mnt);
    const r = spawnSync('lowntfs-3g', ['-o', 'ignore_case', image, mnt], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    let theirs: string[];
    try {
      theirs = writePairs(mnt);
    } finally {
      spawnSync('umount', [mnt]);
      if (isMounted(mnt)) spawnSync('umount', ['-l', mnt]);
    }
    const ours = await withMount(['-i'], ({ dir }) => writePairs(dir));
    assert.deepEqual(ours, theirs);
  });
});

describe('snapshots loaded into -i volumes', () => {
  test('names that now fold together all stay reachable, under a new name with a warning; distinct ones stay distinct', () => {
    const work = tempDir('ci-snap-');
    const snap = path.join(work, 'cs.tar');
    // A case-sensitive volume holds names a case-insensitive one folds together (as an older -i
    // volume that did not fold ᾀ/ᾈ would have), and names NTFS keeps apart (kır/kir).
    const m = mount(['--snapshot', snap]);
    try {
      fs.writeFileSync(path.join(m.dir, 'kir'), 'kir');
      fs.writeFileSync(path.join(m.dir, 'kır'), 'kır');
      fs.writeFileSync(path.join(m.dir, 'ᾀ'), 'small');
      fs.writeFileSync(path.join(m.dir, 'ᾈ'), 'capital');
      fs.mkdirSync(path.join(m.dir, 'Docs'));
      fs.writeFileSync(path.join(m.dir, 'Docs', 'a'), 'Docs/a');
      fs.mkdirSync(path.join(m.dir, 'docs'));
      fs.writeFileSync(path.join(m.dir, 'docs', 'a'), 'docs/a');
      fs.linkSync(path.join(m.dir, 'docs', 'a'), path.join(m.dir, 'docs', 'link'));
      fs.writeFileSync(path.join(m.dir, 'docs', 'b'), 'docs/b');
      // Stream names fold as file names do.
      sh(`setfattr -n user.Zone -v upper ${m.dir}/kir && setfattr -n user.zone -v lower ${m.dir}/kir`);
    } finally {
      const u = memefs(['unmount', m.dir]);
      assert.equal(u.status, 0, u.stderr);
      forceUnmount(m.dir);
    }
    const dir = tempDir('mnt-');
    const r = memefs([dir, '-i', '--snapshot', snap, '--no-save']);
    try {
      assert.equal(r.status, 0, r.stderr);
      const all = (d: string): string[] => fs.readdirSync(d, { recursive: true }).map(String).sort();
      assert.deepEqual(all(dir), ['Docs', 'Docs/a', 'docs~case2', 'docs~case2/a', 'docs~case2/b', 'docs~case2/link', 'kir', 'kır', 'ᾀ', 'ᾈ~case2'].sort());
      const read = (p: string): string => fs.readFileSync(path.join(dir, p), 'utf8');
      assert.deepEqual(['kir', 'kır', 'ᾀ', 'ᾈ~case2', 'Docs/a', 'docs~case2/a', 'docs~case2/b'].map(read),
        ['kir', 'kır', 'small', 'capital', 'Docs/a', 'docs/a', 'docs/b']);
      assert.equal(fs.statSync(path.join(dir, 'docs~case2', 'link')).ino, fs.statSync(path.join(dir, 'docs~case2', 'a')).ino, 'the hard link follows the renamed directory');
      assert.match(r.stderr, /ᾈ: the volume is case-insensitive and "ᾀ" is the same name there; loaded as "ᾈ~case2"/);
      assert.equal(sh(`getfattr --only-values -n user.Zone ${dir}/kir`), 'upper');
      assert.equal(sh(`getfattr --only-values -n user.zone~case2 ${dir}/kir`), 'lower');
      assert.match(r.stderr, /kir: the volume is case-insensitive and stream "Zone" is the same name as "zone" there; loaded as "zone~case2"/);
      assert.match(r.stderr, /docs: the volume is case-insensitive and "Docs" is the same name there; loaded as "docs~case2"/);
    } finally {
      forceUnmount(dir);
    }
  });
});
