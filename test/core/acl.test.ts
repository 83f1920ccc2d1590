import { test } from 'node:test';
import assert from 'node:assert/strict';
import { aclMode, aclPermits, chmodAcl, encodeAcl, inheritAcl, isEquivalentToMode, parseAcl, type AclEntry } from '../../src/core/acl.js';

const U = 0x01, NAMED_USER = 0x02, G = 0x04, NAMED_GROUP = 0x08, M = 0x10, O = 0x20;
const e = (tag: number, perm: number, id = 0xffffffff): AclEntry => ({ tag, perm, id });
const caller = (uid: number, gid: number, groups: number[] = []) => ({ uid, gid, groups, checkPermissions: true });

test('ACLs are checked as posix_acl_valid checks them', () => {
  const good = [e(U, 6), e(NAMED_USER, 4, 7), e(NAMED_USER, 6, 9), e(G, 4), e(NAMED_GROUP, 4, 3), e(M, 6), e(O, 0)];
  assert.deepEqual(parseAcl(encodeAcl(good)), good);
  const bad: AclEntry[][] = [
    [e(U, 6), e(G, 4)], // no other
    [e(U, 6), e(NAMED_USER, 4, 7), e(G, 4), e(O, 0)], // named entry without a mask
    [e(U, 6), e(NAMED_USER, 4, 9), e(NAMED_USER, 4, 7), e(G, 4), e(M, 4), e(O, 0)], // ids out of order
    [e(U, 6), e(U, 6), e(G, 4), e(O, 0)], // two owners
    [e(G, 4), e(U, 6), e(O, 0)], // out of order
    [e(U, 8), e(G, 4), e(O, 0)], // perm out of range
  ];
  for (const acl of bad) assert.throws(() => parseAcl(encodeAcl(acl)), /EINVAL/, JSON.stringify(acl));
  assert.throws(() => parseAcl(new Uint8Array([1, 0, 0, 0])), /EINVAL/, 'version 1');
  assert.throws(() => parseAcl(new Uint8Array([2, 0, 0, 0, 1])), /EINVAL/, 'a torn entry');
});

test('mode, chmod, inheritance and the permission check follow fs/posix_acl.c', () => {
  const acl = [e(U, 7), e(NAMED_USER, 6, 1000), e(G, 5), e(M, 4), e(O, 1)];
  assert.equal(aclMode(acl), 0o741, 'group bits are the mask');
  assert.equal(isEquivalentToMode(acl), false);
  assert.equal(isEquivalentToMode([e(U, 6), e(G, 4), e(O, 4)]), true);
  assert.deepEqual(chmodAcl(acl, 0o650).map((x) => x.perm), [6, 6, 5, 5, 0], 'chmod sets owner, mask and other');
  assert.ok(aclPermits(acl, caller(1000, 50), 0, 0, 4), 'named user: read, within the mask');
  assert.ok(!aclPermits(acl, caller(1000, 50), 0, 0, 2), 'named user: write masked off');
  assert.ok(aclPermits(acl, caller(5, 0), 0, 0, 4), 'owning group: read');
  assert.ok(!aclPermits(acl, caller(5, 9, [0]), 0, 0, 1), 'a matching group that does not grant: no fall-through to other');
  assert.ok(aclPermits(acl, caller(5, 9), 0, 0, 1), 'other: execute');
  // A new file under a default ACL: masked by the mode it asked for (0666).
  const inherited = inheritAcl([e(U, 7), e(NAMED_USER, 7, 1000), e(G, 5), e(M, 7), e(O, 5)], 0o100666);
  assert.equal(inherited.mode, 0o100664);
  assert.deepEqual(inherited.access?.map((x) => x.perm), [6, 7, 5, 6, 4]);
  assert.equal(inheritAcl([e(U, 7), e(G, 5), e(O, 0)], 0o40777).access, null, 'a minimal default ACL gives only a mode');
  assert.equal(inheritAcl([e(U, 7), e(G, 5), e(O, 0)], 0o40777).mode, 0o40750);
});
