import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createFs, fat, snapshot, Volume } from '../../src/index.js';

test('the API loads and exports trees: plain objects, FAT images, snapshots', async () => {
  const a = createFs({ sizeLimit: 8 << 20 });
  a.fromJSON({ '/docs/Read Me.txt': 'hello', '/docs/data.bin': Buffer.from([0, 1, 2, 255]), '/empty': null });
  assert.deepEqual(Object.keys(a.toJSON()).sort(), ['/docs/Read Me.txt', '/docs/data.bin', '/empty']);

  // FAT: the volume as an image, and that image as a new volume
  const { image, warnings } = fat.saveVolumeAsFat(a.volume, { size: 4 << 20 });
  assert.ok(image.length > 0);
  assert.ok(!warnings.some((w) => /cannot hold files/.test(w)), warnings.join('\n'));
  const fromImage = new Volume();
  fat.loadFatIntoVolume(image, fromImage);
  const b = createFs(fromImage);
  assert.equal(b.readFileSync('/docs/Read Me.txt', 'utf8'), 'hello');
  assert.deepEqual([...b.readFileSync('/docs/data.bin')], [0, 1, 2, 255]);
  assert.ok(b.statSync('/empty').isDirectory());

  // snapshots keep what FAT cannot (modes, symlinks)
  a.symlinkSync('docs/Read Me.txt', '/link');
  a.chmodSync('/docs/data.bin', 0o600);
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'memefs-api-')), 'vol.tar');
  await snapshot.saveSnapshot(a.volume, file);
  const { volume } = await snapshot.loadSnapshot(file);
  const c = createFs(volume);
  assert.equal(c.readlinkSync('/link'), 'docs/Read Me.txt');
  assert.equal(c.statSync('/docs/data.bin').mode & 0o777, 0o600);
  assert.equal(c.readFileSync('/link', 'utf8'), 'hello');
  fs.rmSync(path.dirname(file), { recursive: true });
});
