import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  SdError, binaryToSddl, decodeSd, encodeSd, formatSddl, parseSddl, sddlToBinary, sidToString,
} from '../../src/core/windows/sddl.js';
import { NOBODY, binarySdFromMode, modeFromSd, posixOfBinarySd, sdFromMode, sidToUid, uidToSid } from '../../src/core/windows/security.js';
import {
  FILE_ATTRIBUTE_ARCHIVE, FILE_ATTRIBUTE_DIRECTORY, FILE_ATTRIBUTE_NORMAL, FILE_ATTRIBUTE_READONLY, FILE_ATTRIBUTE_REPARSE_POINT,
  effectiveAttributes, storedAttributes,
} from '../../src/core/windows/attributes.js';
import { EaError, decodeEaList, encodeEaList } from '../../src/core/windows/ea.js';
import {
  IO_REPARSE_TAG_LX_FIFO, ReparseError, decodeReparse, encodeSpecialReparse, encodeSymlinkReparse, reparseTag,
} from '../../src/core/windows/reparse.js';

const MEMEFS_DEFAULT = 'O:BAG:BAD:P(A;;FA;;;SY)(A;;FA;;;BA)(A;;FA;;;WD)';

describe('SDDL', () => {
  test("memefs's default root descriptor round-trips through the binary form", () => {
    const bin = sddlToBinary(MEMEFS_DEFAULT);
    assert.equal(binaryToSddl(bin), MEMEFS_DEFAULT);
    // What Windows's ConvertStringSecurityDescriptorToSecurityDescriptor makes of it (header, DACL, owner, group).
    const sd = decodeSd(bin);
    assert.equal(sd.control, 0x9004); // self-relative | DACL protected | DACL present
    assert.equal(sidToString(sd.owner!), 'S-1-5-32-544');
    assert.equal(sd.dacl!.aces.length, 3);
    assert.equal(sd.dacl!.aces[0]!.mask, 0x1f01ff);
    assert.equal(bin.length, 20 + (8 + 20 + 24 + 20) + 16 + 16); // header, DACL of 3 ACEs (SY, BA, WD), owner, group
  });

  test('SIDs, rights, flags and SACLs', () => {
    const text = 'O:S-1-5-21-1-2-3-1001G:S-1-5-21-1-2-3-513D:AI(D;OICI;0x1200a9;;;S-1-5-21-1-2-3-1001)(A;ID;FR;;;AU)S:(AU;SAFA;FW;;;WD)';
    assert.equal(formatSddl(parseSddl(text)), text);
    assert.equal(binaryToSddl(sddlToBinary('O:SYG:SYD:(A;;GAGR;;;SY)')), 'O:SYG:SYD:(A;;0x90000000;;;SY)');
    assert.equal(binaryToSddl(sddlToBinary('D:NO_ACCESS_CONTROL')), 'D:NO_ACCESS_CONTROL');
    assert.equal(binaryToSddl(sddlToBinary('O:BA')), 'O:BA');
  });

  test('invalid SDDL is refused with a reason', () => {
    for (const bad of ['', 'X:BA', 'O:XX', 'O:S-1-', 'D:(A;;FA;;;SY', 'D:(A;;FA;;SY)', 'D:(Q;;FA;;;SY)', 'D:(A;;ZZ;;;SY)',
      'O:BAO:BA', 'D:(A;;FA;abc;;SY)', 'O:S-1-5-1-2-3-4-5-6-7-8-9-10-11-12-13-14-15-16']) {
      assert.throws(() => sddlToBinary(bad), SdError, bad);
    }
  });

  test('malformed binary descriptors are refused', () => {
    const good = sddlToBinary(MEMEFS_DEFAULT);
    assert.throws(() => decodeSd(good.subarray(0, 19)), SdError);
    const rev = good.slice(); rev[0] = 2;
    assert.throws(() => decodeSd(rev), /revision/);
    const abs = good.slice(); abs[3] = 0; // not self-relative
    assert.throws(() => decodeSd(abs), /self-relative/);
    const off = good.slice(); new DataView(off.buffer).setUint32(4, 5000, true);
    assert.throws(() => decodeSd(off), /offset/);
    assert.throws(() => decodeSd(good.subarray(0, good.length - 2)), SdError);
    // Every truncation fails cleanly (never a crash or an out-of-range read).
    for (let n = 0; n < good.length; n++) assert.throws(() => decodeSd(good.subarray(0, n)), SdError);
  });

  test('ACE types without an SDDL form here are kept byte for byte', () => {
    const bin = sddlToBinary('D:(A;;FA;;;SY)');
    // Turn the ACE into type 9 (callback): still decodes and re-encodes identically.
    const odd = bin.slice();
    odd[20 + 8] = 9;
    assert.deepEqual(encodeSd(decodeSd(odd)), odd);
    assert.throws(() => binaryToSddl(odd), /no SDDL form/);
  });
});

describe('uid/gid <-> SID (WinFsp/Cygwin rules)', () => {
  const cases: [number, string][] = [
    [18, 'S-1-5-18'], [0, 'S-1-5-0'], [544, 'S-1-5-32-544'], [545, 'S-1-5-32-545'], [1000, 'S-1-5-1000'],
    [0x10100, 'S-1-1-0'], [0x10000, 'S-1-0-0'], [0x30000 + 1001, 'S-1-5-21-0-0-0-1001'], [0x60000 + 0x3000, 'S-1-16-12288'],
    [0x1000 * 9 + 1, 'S-1-5-9-1'], [NOBODY, 'S-1-0-65534'], [1001, 'S-1-22-1-1001'], [123456789, 'S-1-22-1-123456789'],
  ];
  for (const [id, sid] of cases) {
    test(`${id} <-> ${sid}`, () => {
      assert.equal(sidToString(uidToSid(id)), sid);
      assert.equal(sidToUid(uidToSid(id)), id);
    });
  }
  test('groups use S-1-22-2 outside the table; unknown SIDs are nobody', () => {
    assert.equal(sidToString(uidToSid(1001, 'group')), 'S-1-22-2-1001');
    assert.equal(sidToUid(parseSddl('O:S-1-22-2-1001').owner!), 1001);
    assert.equal(sidToUid(parseSddl('O:S-1-5-21-9-9-9-500').owner!), NOBODY); // another machine's account
    assert.equal(sidToUid(parseSddl('O:S-1-15-2-1').owner!), NOBODY);
  });
});

describe('mode <-> DACL', () => {
  test('every permission pattern round-trips, for files and directories', () => {
    for (const type of [0o100000, 0o040000]) {
      for (let perms = 0; perms <= 0o777; perms++) {
        const sd = sdFromMode(1001, 1002, type | perms);
        const back = modeFromSd(sd);
        assert.equal(back.perms, perms, `mode ${perms.toString(8)}`);
        assert.equal(back.uid, 1001);
        assert.equal(back.gid, 1002);
        assert.deepEqual(posixOfBinarySd(encodeSd(sd)), back);
      }
    }
  });

  test('owner and group of one SID (root:root, 1000:1000): every pattern still round-trips (issue 15, item 3)', () => {
    for (const id of [0, 1000]) {
      for (let perms = 0; perms <= 0o777; perms++) {
        const back = posixOfBinarySd(binarySdFromMode(id, id, 0o100000 | perms));
        assert.deepEqual(back, { uid: id, gid: id, perms }, `${id}:${id} mode ${perms.toString(8)}`);
      }
    }
  });

  test("WinFsp's shape: owner allow, owner deny, group allow, group deny, Everyone; protected", () => {
    assert.equal(binaryToSddl(binarySdFromMode(0x30000 + 1001, 0x30000 + 513, 0o100644)),
      'O:S-1-5-21-0-0-0-1001G:S-1-5-21-0-0-0-513D:P(A;;0x1f019f;;;S-1-5-21-0-0-0-1001)(A;;FR;;;S-1-5-21-0-0-0-513)(A;;FR;;;WD)');
    assert.equal(binaryToSddl(binarySdFromMode(1001, 1001, 0o100604)),
      'O:S-1-22-1-1001G:S-1-22-2-1001D:P(A;;0x1f019f;;;S-1-22-1-1001)(A;;0x120088;;;S-1-22-2-1001)(D;;0x1;;;S-1-22-2-1001)(A;;FR;;;WD)');
  });

  test("memefs's default: everyone full access is mode 777 owned by Administrators", () => {
    assert.deepEqual(posixOfBinarySd(sddlToBinary(MEMEFS_DEFAULT)), { uid: 544, gid: 544, perms: 0o777 });
    assert.deepEqual(posixOfBinarySd(sddlToBinary('O:SYG:SYD:(A;;FR;;;SY)(D;;FW;;;WD)(A;;FA;;;WD)')), { uid: 18, gid: 18, perms: 0o555 });
    assert.deepEqual(posixOfBinarySd(sddlToBinary('O:SYG:SY')), { uid: 18, gid: 18, perms: 0o777 }); // no DACL: no restriction
    assert.deepEqual(posixOfBinarySd(sddlToBinary('O:SYG:SYD:')), { uid: 18, gid: 18, perms: 0 }); // empty DACL: no access
  });
});

describe('attributes', () => {
  test('derived bits and NORMAL', () => {
    assert.equal(effectiveAttributes(0, false, false), FILE_ATTRIBUTE_NORMAL);
    assert.equal(effectiveAttributes(0, true, false), FILE_ATTRIBUTE_DIRECTORY);
    assert.equal(effectiveAttributes(FILE_ATTRIBUTE_ARCHIVE, false, true), FILE_ATTRIBUTE_ARCHIVE | FILE_ATTRIBUTE_REPARSE_POINT);
    assert.equal(storedAttributes(FILE_ATTRIBUTE_READONLY | FILE_ATTRIBUTE_DIRECTORY), FILE_ATTRIBUTE_READONLY);
    assert.equal(storedAttributes(0x40000000), null);
  });
});

describe('EA lists', () => {
  test('pack and unpack FILE_FULL_EA_INFORMATION', () => {
    const list = [{ name: 'Alpha', value: Buffer.from('one'), flags: 0 }, { name: '$LXUID', value: Buffer.from([0xe8, 3, 0, 0]), flags: 0x80 }];
    const bin = encodeEaList(list);
    assert.equal(new DataView(bin.buffer).getUint32(0, true), 20); // 8 + 5 + 1 + 3 = 17, aligned to 4
    assert.deepEqual(decodeEaList(bin).map((e) => [e.name, Buffer.from(e.value).toString('hex'), e.flags]),
      [['Alpha', '6f6e65', 0], ['$LXUID', 'e8030000', 0x80]]);
    assert.throws(() => decodeEaList(bin.subarray(0, 10)), EaError);
    assert.throws(() => decodeEaList(encodeEaList([{ name: 'a:b', value: Buffer.from('x'), flags: 0 }])), EaError);
  });

  test("the last entry: ntfs-3g's form (padded, offset to the end) is written; Windows's (offset 0) is read too", () => {
    const bin = encodeEaList([{ name: 'AB', value: Buffer.from('x'), flags: 0 }]);
    assert.equal(Buffer.from(bin).toString('hex'), '0c0000000002010041420078'); // 8 + 2 + 1 + 1 = 12: offset 12
    const windows = Buffer.from('000000000002010041420078', 'hex');
    assert.deepEqual(decodeEaList(windows).map((e) => e.name), ['AB']);
    assert.deepEqual(decodeEaList(bin).map((e) => e.name), ['AB']);
    assert.throws(() => decodeEaList(Buffer.from('1000000000020100414200780000000000', 'hex')), EaError, 'offset past the end');
    assert.throws(() => decodeEaList(Buffer.concat([windows, Buffer.alloc(8)])), EaError, 'bytes after the last entry');
  });
});

describe('reparse points', () => {
  test('symlink data names its target; WSL tags name special files', () => {
    assert.deepEqual(decodeReparse(encodeSymlinkReparse('dir/target')), { kind: 'symlink', target: 'dir/target' });
    assert.deepEqual(decodeReparse(encodeSymlinkReparse('/abs/path')), { kind: 'symlink', target: '/abs/path' });
    assert.equal(reparseTag(encodeSpecialReparse('fifo')), IO_REPARSE_TAG_LX_FIFO);
    assert.deepEqual(decodeReparse(encodeSpecialReparse('socket')), { kind: 'socket' });
    // A junction with a Windows path.
    const sub = Buffer.from('\\??\\C:\\Users', 'utf16le');
    const print = Buffer.from('C:\\Users', 'utf16le');
    const j = Buffer.alloc(16 + sub.length + print.length);
    j.writeUInt32LE(0xa0000003, 0); j.writeUInt16LE(8 + sub.length + print.length, 4);
    j.writeUInt16LE(0, 8); j.writeUInt16LE(sub.length, 10); j.writeUInt16LE(sub.length, 12); j.writeUInt16LE(print.length, 14);
    sub.copy(j, 16); print.copy(j, 16 + sub.length);
    assert.deepEqual(decodeReparse(j), { kind: 'symlink', target: 'C:/Users' });
    const opaque = Buffer.from([0x17, 0, 0, 0x80, 2, 0, 0, 0, 0xab, 0xcd]);
    assert.deepEqual(decodeReparse(opaque), { kind: 'opaque' });
    assert.throws(() => decodeReparse(opaque.subarray(0, 9)), ReparseError);
  });

  test("a tag not Microsoft's carries a 16-byte GUID the length field does not count (issue 15, item 6)", () => {
    const data = Buffer.from('opaque');
    const head = Buffer.alloc(8);
    head.writeUInt32LE(0x00001234, 0);
    head.writeUInt16LE(data.length, 4);
    const guid = Buffer.alloc(16, 0xab);
    assert.deepEqual(decodeReparse(Buffer.concat([head, guid, data])), { kind: 'opaque' });
    assert.throws(() => decodeReparse(Buffer.concat([head, data])), ReparseError, 'without its GUID');
    assert.throws(() => decodeReparse(Buffer.alloc(8)), ReparseError, 'tag 0 is reserved');
  });

  test('a target with a backslash is kept byte for byte as a WSL symlink (issue 15, item 11)', () => {
    const b = encodeSymlinkReparse('a\\b');
    assert.equal(reparseTag(b), 0xa000001d);
    assert.deepEqual(decodeReparse(b), { kind: 'symlink', target: 'a\\b' });
    assert.equal(reparseTag(encodeSymlinkReparse('a/b')), 0xa000000c);
  });
});
