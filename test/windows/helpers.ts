/** Small helpers for the Windows-semantics mount tests: xattrs through getfattr/setfattr, ioctls through python3. */
import { spawnSync } from 'node:child_process';

export interface Run { status: number; stdout: string; stderr: string }

export function run(cmd: string, args: string[], input?: string): Run {
  const r = spawnSync(cmd, args, { encoding: 'utf8', input });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export function bash(script: string): Run {
  return run('bash', ['-c', script]);
}

/** An xattr's value as hex (without 0x), or null with the error text. */
export function getHex(file: string, name: string): string {
  const r = run('getfattr', ['-h', '--absolute-names', '-n', name, '-e', 'hex', file]);
  if (r.status !== 0) throw new Error(r.stderr.trim());
  const m = new RegExp(`${name.replace(/\./g, '\\.')}=0x([0-9a-f]*)`).exec(r.stdout);
  if (!m) throw new Error(`no ${name} in ${r.stdout}`);
  return m[1]!;
}

export function setHex(file: string, name: string, hex: string): Run {
  return run('setfattr', ['-h', '-n', name, '-v', '0x' + hex, file]);
}

export function u32le(v: number): string {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v >>> 0);
  return b.toString('hex');
}

export function u64le(v: bigint): string {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(v);
  return b.toString('hex');
}

/** NT time (100 ns ticks since 1601) of a Unix time in seconds. */
export function ntTime(unixSeconds: number): bigint {
  return BigInt(unixSeconds) * 10_000_000n + 116_444_736_000_000_000n;
}

const FS_IOC_GETFSLABEL = 0x81009431;
const FS_IOC_SETFSLABEL = 0x41009432;

/** FS_IOC_GETFSLABEL on a path, as a program would call it. */
export function ioctlGetLabel(path: string): string {
  const r = run('python3', ['-c', `
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
buf = fcntl.ioctl(fd, ${FS_IOC_GETFSLABEL}, bytes(256))
print(buf.split(b"\\0")[0].decode())
`, path]);
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout.replace(/\n$/, '');
}

export function ioctlSetLabel(path: string, label: string): Run {
  return run('python3', ['-c', `
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
fcntl.ioctl(fd, ${FS_IOC_SETFSLABEL}, sys.argv[2].encode().ljust(256, b"\\0"))
`, path, label]);
}
