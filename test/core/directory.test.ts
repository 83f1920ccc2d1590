import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Directory } from '../../src/core/directory.js';
import type { Inode } from '../../src/core/inode.js';

const inode = {} as Inode;
const names = (entries: Iterable<{ name: string }>) => [...entries].map((e) => e.name);

test('removing most entries compacts the listing in place: order and readers positions survive', () => {
  const dir = new Directory((name) => name);
  const cookies = new Map<string, number>();
  for (let i = 0; i < 200; i++) cookies.set(`f${i}`, dir.add(`f${i}`, inode).cookie);
  // A reader stopped at f10, which then goes with most others (the removals pass the compaction threshold).
  const kept = new Set(['f3', 'f11', 'f150', 'f199']);
  for (let i = 0; i < 200; i++) if (!kept.has(`f${i}`)) assert.equal(dir.remove(`f${i}`)?.name, `f${i}`);
  assert.equal(dir.size, 4);
  assert.deepEqual(names(dir.entriesAfter(0)), ['f3', 'f11', 'f150', 'f199']);
  assert.deepEqual(names(dir.entriesAfter(cookies.get('f10')!)), ['f11', 'f150', 'f199']);
  assert.deepEqual(names(dir.entriesAfter(cookies.get('f150')!)), ['f199']);
  // New entries come after the old ones; removing again works on the compacted arrays.
  dir.add('g', inode);
  assert.equal(dir.remove('f11')?.name, 'f11');
  assert.equal(dir.remove('f11'), undefined);
  assert.deepEqual(names(dir.entriesAfter(cookies.get('f3')!)), ['f150', 'f199', 'g']);
  for (const name of ['f3', 'f150', 'f199', 'g']) dir.remove(name);
  assert.deepEqual(names(dir.entriesAfter(0)), []);
  dir.add('h', inode);
  assert.deepEqual(names(dir.entriesAfter(0)), ['h']);
});
