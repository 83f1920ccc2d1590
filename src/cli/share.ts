/**
 * The RAM disk as an SMB share: a private Samba (Debian's smbd) that the daemon
 * starts once the mount is ready and stops before it unmounts. Everything Samba
 * keeps (smb.conf, passdb, state, locks, caches, pid, sockets) lives in one
 * private folder that is removed when the share stops; nothing in /etc or the
 * system's Samba is used or changed.
 *
 * Samba needs a Unix account for every SMB user. So that a share never means
 * adding users to the machine, smbd and smbpasswd run with nss_wrapper (Debian
 * libnss-wrapper, the library Samba's own tests use): it answers getpwnam() from
 * a private passwd file that lists the share's users. Their file access happens
 * as the mounting user (`force user`), so permissions on the RAM disk are the
 * mount's, as with a local user.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface ShareUser {
  name: string;
  password: string;
}

export interface ShareConfig {
  /** The share's name: \\HOST\NAME. */
  name: string;
  port: number;
  users: ShareUser[];
}

/** What the daemon needs to know about the mount it shares. */
export interface ShareSource {
  mountPoint: string;
  caseInsensitive: boolean;
}

const START_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 5_000;

/** A running Samba; stop() ends it and removes its folder. */
export interface Share {
  stop(): Promise<void>;
}

/** Where Debian puts nss_wrapper. */
function nssWrapper(): string | null {
  for (const dir of ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib']) {
    const lib = path.join(dir, 'libnss_wrapper.so');
    if (fs.existsSync(lib)) return lib;
  }
  return null;
}

function which(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/**
 * The share's smb.conf. Loopback only; no guest; SMB2 and later. Streams are
 * vfs_streams_xattr with its default names, user.DosStream.NAME:$DATA, which
 * the volume answers from stream NAME (Volume's sambaStreams; docs/share.md).
 */
function smbConf(dir: string, share: ShareConfig, mount: ShareSource, owner: string): string {
  return [
    '[global]',
    '  server role = standalone server',
    '  interfaces = lo',
    '  bind interfaces only = yes',
    `  smb ports = ${share.port}`,
    '  disable netbios = yes',
    '  server min protocol = SMB2_02',
    `  state directory = ${path.join(dir, 'state')}`,
    `  lock directory = ${path.join(dir, 'lock')}`,
    `  cache directory = ${path.join(dir, 'cache')}`,
    `  private dir = ${path.join(dir, 'private')}`,
    `  pid directory = ${path.join(dir, 'pid')}`,
    `  ncalrpc dir = ${path.join(dir, 'ncalrpc')}`,
    `  passdb backend = tdbsam:${path.join(dir, 'private', 'passdb.tdb')}`,
    `  log file = ${path.join(dir, 'log.smbd')}`,
    '  map to guest = never',
    '  restrict anonymous = 2',
    '  load printers = no',
    '  printing = bsd',
    '  printcap name = /dev/null',
    '  disable spoolss = yes',
    // smbd would otherwise start samba-dcerpcd on demand, which outlives smbd; the share needs no RPC services.
    '  rpc start on demand helpers = no',
    '',
    `[${share.name}]`,
    `  path = ${mount.mountPoint}`,
    '  read only = no',
    '  guest ok = no',
    `  valid users = ${share.users.map((u) => u.name).join(' ')}`,
    `  force user = ${owner}`,
    '  ea support = yes',
    '  store dos attributes = yes',
    '  vfs objects = streams_xattr',
    // A case-insensitive volume folds names itself: Samba can then look names up directly.
    ...(mount.caseInsensitive ? ['  case sensitive = yes', '  preserve case = yes', '  short preserve case = yes'] : []),
    '',
  ].join('\n');
}

/** Starts Samba for the mount; rejects with Samba's own message if it does not come up. */
export async function startShare(share: ShareConfig, mount: ShareSource): Promise<Share> {
  for (const cmd of ['smbd', 'smbpasswd']) {
    if (!which(cmd)) throw new Error(`--share needs Samba's ${cmd} (Debian: apt-get install samba)`);
  }
  if (/[\n\r]/.test(mount.mountPoint)) throw new Error('--share: the mount point has a line break, which smb.conf cannot hold');
  if (await listening(share.port)) throw new Error(`--share-port ${share.port} is in use (another SMB server?): choose another with --share-port`);
  const wrapper = nssWrapper();
  if (!wrapper) throw new Error('--share needs nss_wrapper (Debian: apt-get install libnss-wrapper)');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memefs-share-'));
  fs.chmodSync(dir, 0o700);
  const cleanup = (): void => fs.rmSync(dir, { recursive: true, force: true });
  try {
    for (const d of ['state', 'lock', 'cache', 'private', 'pid', 'ncalrpc']) fs.mkdirSync(path.join(dir, d), { mode: 0o700 });
    const uid = process.getuid?.() ?? 0;
    const gid = process.getgid?.() ?? 0;
    const owner = os.userInfo().username;
    // The private account database: the daemon's own user (Samba's `force user`) and the share's users.
    const passwd = [`${owner}:x:${uid}:${gid}:${owner}:/nonexistent:/bin/false`, 'nobody:x:65534:65534:nobody:/nonexistent:/bin/false'];
    share.users.forEach((u, i) => passwd.push(`${u.name}:x:${60000 + i}:65534:${u.name}:/nonexistent:/bin/false`));
    fs.writeFileSync(path.join(dir, 'passwd'), passwd.join('\n') + '\n');
    fs.writeFileSync(path.join(dir, 'group'), `${owner === 'root' ? 'root' : 'memefs'}:x:${gid}:\nnogroup:x:65534:\n`);
    const conf = path.join(dir, 'smb.conf');
    fs.writeFileSync(conf, smbConf(dir, share, mount, owner));
    const env = {
      ...process.env,
      LD_PRELOAD: wrapper,
      NSS_WRAPPER_PASSWD: path.join(dir, 'passwd'),
      NSS_WRAPPER_GROUP: path.join(dir, 'group'),
    };
    for (const u of share.users) {
      const r = spawnSync('smbpasswd', ['-c', conf, '-a', '-s', u.name], { env, input: `${u.password}\n${u.password}\n`, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`Samba refused user ${u.name}: ${oneLine(r.stderr + r.stdout)}`);
    }
    // A process group of its own: smbd signals its whole group when it stops, which must not reach the daemon.
    const child = spawn('smbd', ['--foreground', '--no-process-group', '--debug-stdout', '-d', '1', '-s', conf], {
      env, stdio: ['ignore', 'pipe', 'pipe'], detached: true,
    });
    let output = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (output = (output + d).slice(-8192)));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (output = (output + d).slice(-8192)));
    await waitListening(child, share.port, () => output);
    return {
      stop: async () => {
        await stopChild(child);
        cleanup();
      },
    };
  } catch (e) {
    cleanup();
    throw e;
  }
}

/** Samba's last meaningful lines, as one line. */
function oneLine(text: string): string {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l && !/^(smbd version|Copyright|INFO: Profiling)/.test(l));
  return lines.slice(-3).join('; ') || 'no message';
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => resolve(false));
  });
}

/** Resolves once smbd accepts connections on the port; rejects with its output if it exits or takes too long. */
function waitListening(child: ChildProcess, port: number, output: () => string): Promise<void> {
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = (err?: Error): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (err) {
        void stopChild(child).then(() => reject(err));
      } else {
        resolve();
      }
    };
    const timer = setTimeout(() => finish(new Error(`Samba did not listen on port ${port} in time: ${oneLine(output())}`)), START_TIMEOUT_MS);
    child.on('error', (e) => finish(new Error(`could not start smbd: ${e.message}`)));
    child.on('exit', (code, sig) => finish(new Error(`Samba stopped at start (${sig ?? `exit ${code}`}): ${oneLine(output())}`)));
    const probe = (): void => {
      if (!done) void listening(port).then((yes) => (yes ? finish() : setTimeout(probe, 100)));
    };
    probe();
  });
}

/** SIGTERM to smbd's process group, then SIGKILL if smbd has not gone; resolves when it has exited. */
function stopChild(child: ChildProcess): Promise<void> {
  const signal = (sig: NodeJS.Signals): void => {
    try {
      process.kill(-child.pid!, sig);
    } catch {
      /* already gone */
    }
  };
  if (child.exitCode !== null || child.signalCode !== null) {
    signal('SIGKILL'); // a helper it left
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    const kill = setTimeout(() => signal('SIGKILL'), STOP_TIMEOUT_MS);
    child.once('exit', () => {
      clearTimeout(kill);
      signal('SIGKILL'); // its children, should one still linger
      resolve();
    });
    signal('SIGTERM');
  });
}
