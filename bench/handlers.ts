/**
 * The daemon's own time per operation, without the kernel: FUSE requests built here are handed to a
 * FuseServer (the same session, bridge and volume a mount uses) whose replies go to /dev/null. Each
 * line replays the requests the kernel sends for one operation (counted with bench/requests.ts),
 * e.g. a create is LOOKUP (absent) + CREATE + GETATTR of the directory + RELEASE; "tar -x file" is
 * what GNU tar sends for one file of /usr/include (14 KiB on average: two WRITEs). Medians of 9
 * rounds of the process's CPU time (so a busy machine slows it less than it does fsbench). The last line
 * is a first listing of a directory of FILES entries, per entry.
 *
 *   node dist/bench/handlers.js [FILES]
 */
import fs from 'node:fs';
import {
  CreateIn, Dirent, ENTRY_OUT_SIZE, FATTR, ForgetIn, GetxattrIn, IN_HEADER_SIZE, InHeader, InitIn, MkdirIn, OUT_HEADER_SIZE, Op, OpenIn, ReadIn,
  ReleaseIn, SetattrIn, WriteIn, align8,
} from '../src/fuse/abi.js';
import { FuseServer } from '../src/fuse/server.js';
import { Volume } from '../src/core/volume.js';
import { recycleBlocks } from '../src/core/blocks.js';
import { loadLibc } from '../src/sys/libc.js';
import { pageDiscarder } from '../src/sys/memory.js';

const ROOT = 1;
const ROUNDS = 9;
const O_RDWR = 2;
const O_CREAT = 0o100;
const O_EXCL = 0o200;
const O_TRUNC = 0o1000;

let unique = 1;
/** One request: the in_header, a fixed part written by `body`, then NUL-terminated strings. */
function request(opcode: number, nodeid: number, fixed: number, body: (b: Buffer) => void, ...names: string[]): Buffer {
  const tail = names.map((n) => Buffer.from(n + '\0'));
  const len = IN_HEADER_SIZE + fixed + tail.reduce((s, t) => s + t.length, 0);
  const b = Buffer.alloc(len);
  InHeader.write(b, 0, { len, opcode, unique: unique++, nodeid, uid: 0, gid: 0, pid: process.pid });
  body(b.subarray(IN_HEADER_SIZE));
  let at = IN_HEADER_SIZE + fixed;
  for (const t of tail) { t.copy(b, at); at += t.length; }
  return b;
}
const none = (): void => {};

async function main(): Promise<void> {
  const files = Number(process.argv[2] ?? 10000);
  // File data in blocks recycled as the daemon's serving thread does (src/cli/serve-worker.ts).
  await loadLibc();
  recycleBlocks({ limit: 256, discard: pageDiscarder() });
  const devNull = fs.openSync('/dev/null', 'w');
  const volume = new Volume({});
  const server = new FuseServer(devNull, volume, {});
  server.deliver(request(Op.INIT, 0, InitIn.size, (b) => InitIn.write(b, 0, { major: 7, minor: 45, max_readahead: 131072, flags: 0xffffffff })));

  const names = Array.from({ length: files }, (_, i) => `fsbench-file${i}`);
  const dirs = Array.from({ length: files }, (_, i) => `fsbench-dir${i}`);
  const ino = (name: string): number => volume.lookupOrNull({ uid: 0, gid: 0, groups: [], checkPermissions: false }, volume.root, name)!.ino;
  const data = Buffer.alloc(4096, 0x5a);
  const write = (node: number, offset: number, bytes: Buffer): Buffer => {
    const w = Buffer.concat([request(Op.WRITE, node, WriteIn.size, (b) => WriteIn.write(b, 0, { fh: 0, offset, size: bytes.length })), bytes]);
    w.writeUInt32LE(w.length, 0);
    return w;
  };
  const setattr = (node: number, v: Partial<Parameters<typeof SetattrIn.write>[2]>): Buffer => request(Op.SETATTR, node, SetattrIn.size, (b) => SetattrIn.write(b, 0, v));
  const capability = (node: number): Buffer => request(Op.GETXATTR, node, GetxattrIn.size, (b) => GetxattrIn.write(b, 0, { size: 0 }), 'security.capability');
  const tarData = [Buffer.alloc(9216, 0x2f), Buffer.alloc(5120, 0x2a)];
  /** Each operation: the requests the kernel sends for it, made before timing starts. */
  const ops: [string, (i: number) => Buffer[]][] = [
    ['create', (i) => [
      request(Op.LOOKUP, ROOT, 0, none, names[i]!),
      request(Op.CREATE, ROOT, CreateIn.size, (b) => CreateIn.write(b, 0, { flags: O_RDWR | O_CREAT | O_EXCL, mode: 0o100644, umask: 0o022 }), names[i]!),
      request(Op.GETATTR, ROOT, 16, none),
      request(Op.RELEASE, 0, ReleaseIn.size, none), // its handle is filled in when it is sent
    ]],
    ['overwrite', (i) => [
      request(Op.OPEN, ino(names[i]!), OpenIn.size, (b) => OpenIn.write(b, 0, { flags: O_RDWR | O_TRUNC })),
      capability(ino(names[i]!)),
      request(Op.RELEASE, ino(names[i]!), ReleaseIn.size, none),
    ]],
    ['write 4 KiB', (i) => [write(ino(names[0]!), i * 4096, data)]],
    ['delete', (i) => {
      const node = ino(names[i]!);
      return [
        request(Op.UNLINK, ROOT, 0, none, names[i]!),
        request(Op.GETATTR, ROOT, 16, none),
        request(Op.FORGET, node, ForgetIn.size, (b) => ForgetIn.write(b, 0, { nlookup: i === 0 ? 2 : 1 })),
      ];
    }],
    ['mkdir', (i) => [
      request(Op.LOOKUP, ROOT, 0, none, dirs[i]!),
      request(Op.MKDIR, ROOT, MkdirIn.size, (b) => MkdirIn.write(b, 0, { mode: 0o755, umask: 0o022 }), dirs[i]!),
      request(Op.GETATTR, ROOT, 16, none),
    ]],
    ['rmdir', (i) => {
      const node = ino(dirs[i]!);
      return [
        request(Op.RMDIR, ROOT, 0, none, dirs[i]!),
        request(Op.GETATTR, ROOT, 16, none),
        request(Op.FORGET, node, ForgetIn.size, (b) => ForgetIn.write(b, 0, { nlookup: 1 })),
      ];
    }],
    ['tar -x file', (i) => {
      // A create, tar's data, then its utimensat, fchown (after the kernel's check for file capabilities)
      // and fchmod. The phase's CREATEs make the only new inodes, in order: file i gets the i-th next number.
      const node = (volume as unknown as { nextIno: number }).nextIno + i;
      const name = `tar${unique}.h`; // a fresh name each round (the files stay)
      return [
        request(Op.LOOKUP, ROOT, 0, none, name),
        request(Op.CREATE, ROOT, CreateIn.size, (b) => CreateIn.write(b, 0, { flags: 0o1 | O_CREAT | O_EXCL, mode: 0o100600, umask: 0o022 }), name),
        request(Op.GETATTR, ROOT, 16, none),
        capability(node),
        write(node, 0, tarData[0]!),
        write(node, tarData[0]!.length, tarData[1]!),
        setattr(node, { valid: FATTR.ATIME | FATTR.MTIME, atime: 1700000000, mtime: 1700000000 }),
        capability(node),
        setattr(node, { valid: FATTR.UID | FATTR.GID | FATTR.KILL_SUIDGID, uid: 1000, gid: 1000 }),
        setattr(node, { valid: FATTR.MODE, mode: 0o100644 }),
        request(Op.RELEASE, node, ReleaseIn.size, none),
      ];
    }],
  ];
  let handle = 0;
  const rounds: Map<string, number[]> = new Map();
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, make] of ops) {
      // Requests are made before the timing (after the phase before, whose inodes they may name).
      const reqs = Array.from({ length: files }, (_, i) => make(i)).flat();
      const cpu = process.cpuUsage();
      for (const r of reqs) {
        // The bridge numbers handles 1, 2, 3...: a RELEASE names the one the OPEN or CREATE before it got.
        const op = r.readUInt32LE(4);
        if (op === Op.OPEN || op === Op.CREATE) handle++;
        else if (op === Op.RELEASE) r.writeUInt32LE(handle, IN_HEADER_SIZE);
        server.deliver(r);
      }
      const used = process.cpuUsage(cpu);
      const us = (used.user + used.system) / files;
      const list = rounds.get(name) ?? [];
      list.push(us);
      rounds.set(name, list);
    }
  }
  rounds.set('list (entry)', listing(server, volume, files));
  for (const [name, us] of rounds) {
    us.sort((a, b) => a - b);
    process.stdout.write(`${name.padEnd(12)} ${us[us.length >> 1]!.toFixed(2).padStart(6)} us/op (rounds ${us.map((u) => u.toFixed(2)).join(' ')})\n`);
  }
}



/**
 * CPU time per directory entry of listing a directory of `files` entries, as the kernel asks for a
 * first listing: READDIRPLUS, 4 KiB at a time, each from the cookie where the last reply ended.
 */
function listing(server: FuseServer, volume: Volume, files: number): number[] {
  const dir = volume.mkdir({ uid: 0, gid: 0, groups: [], checkPermissions: false }, volume.root, 'listed', 0o755);
  for (let i = 0; i < files; i++) volume.mknod({ uid: 0, gid: 0, groups: [], checkPermissions: false }, dir, `fsbench-file${i}`, 0o100644);
  const out = (server as unknown as { session: { out: Buffer } }).session.out;
  const us: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    let entries = 0;
    let offset = 0;
    const req = request(Op.READDIRPLUS, dir.ino, ReadIn.size, (b) => ReadIn.write(b, 0, { size: 4096 }));
    const cpu = process.cpuUsage();
    for (;;) {
      req.writeUInt32LE(offset, IN_HEADER_SIZE + ReadIn.offsets.offset!); // cookies stay below 2^32 here
      server.deliver(req);
      const end = out.readUInt32LE(0);
      if (end <= OUT_HEADER_SIZE) break;
      for (let at = OUT_HEADER_SIZE; at < end;) {
        const d = at + ENTRY_OUT_SIZE;
        offset = out.readUInt32LE(d + 8);
        at = d + align8(Dirent.size + out.readUInt32LE(d + 16));
        entries++;
      }
    }
    const used = process.cpuUsage(cpu);
    us.push((used.user + used.system) / entries);
  }
  return us;
}

await main();
