/**
 * Mounts by a normal user, through the real setuid fusermount3, and through mount(8) and an fstab
 * line. Each scenario runs in a private mount and PID namespace (unshare): there /dev/fuse is a
 * node of mode 0666 (as distributions ship it: fusermount3 opens it as the user), /etc/fuse.conf a
 * file of the test's own, and /usr/local/sbin holds `memefs` (mount.fuse3 finds helpers on the
 * default PATH). Nothing of the machine changes, and when a scenario ends, its namespace and every
 * mount and daemon in it go with it, even on failure. Two users are made for the run and removed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { MEMEFS, tempDir } from '../helpers/mount.js';

const tag = String(process.pid % 100000);
const USER = `memefs-u${tag}`;
const OTHER = `memefs-o${tag}`;
let uid = -1;
let skip: string | false = false;

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

before(() => {
  run('useradd', ['-M', '-s', '/bin/sh', USER]);
  run('useradd', ['-M', '-s', '/bin/sh', OTHER]);
  uid = Number(run('id', ['-u', USER]).trim());
  // The users must reach the built command: a checkout under a private home cannot be tested this way.
  if (spawnSync('su', [USER, '-s', '/bin/sh', '-c', `test -r ${MEMEFS}`]).status !== 0) skip = `${MEMEFS} is not readable by other users`;
});

after(() => {
  for (const u of [USER, OTHER]) spawnSync('userdel', ['-f', u], { stdio: 'ignore' });
});

interface Scenario {
  /** The work directory: fuse (device node), fuse.conf, sbin/, home/ (the user's), mnt (the mount point). */
  work: string;
  out: string;
  status: number;
}

/** Runs a bash script as root inside fresh namespaces; `as USER CMD` runs a command as a user. */
function scenario(script: string, fuseConf = ''): Scenario {
  const work = tempDir('user-');
  fs.chmodSync(work, 0o755);
  fs.writeFileSync(path.join(work, 'fuse.conf'), fuseConf);
  fs.mkdirSync(path.join(work, 'sbin'));
  fs.writeFileSync(path.join(work, 'sbin', 'memefs'), `#!/bin/sh\nexec ${process.execPath} ${MEMEFS} "$@"\n`, { mode: 0o755 });
  for (const d of ['home', 'mnt']) {
    fs.mkdirSync(path.join(work, d));
    fs.chownSync(path.join(work, d), uid, uid);
  }
  const prelude = `
    set -u
    W=${work}; M=$W/mnt; U=${USER}; U2=${OTHER}
    mknod $W/fuse c 10 229 && chmod 0666 $W/fuse && mount --bind $W/fuse /dev/fuse
    mount --bind $W/fuse.conf /etc/fuse.conf
    mount --bind $W/sbin /usr/local/sbin
    as() { local u=$1; shift; su "$u" -s /bin/bash -c "cd /; $*"; }
  `;
  const r = spawnSync('unshare', ['-m', '-p', '-f', '--kill-child', '--mount-proc', '--propagation', 'private', 'bash', '-c', prelude + script], {
    encoding: 'utf8', timeout: 120_000,
  });
  return { work, out: `${r.stdout}${r.stderr}`, status: r.status ?? -1 };
}

test('a normal user mounts, uses, saves and unmounts through fusermount3; others are kept out', (t) => {
  if (skip) return t.skip(skip);
  const s = scenario(`
    as $U "memefs $M -s 64M --snapshot $W/home/ram.tar" || exit 10
    echo "MOUNTINFO $(grep " $M " /proc/self/mountinfo)"
    echo "ROOT $(as $U "stat -c '%U %a' $M")"
    as $U "echo hello > $M/hello.txt && mkdir $M/d && ln -s hello.txt $M/d/link" || exit 11
    as $U "memefs save $M" || exit 12
    if as $U2 "ls $M" 2>/dev/null; then echo OTHER-ALLOWED; else echo OTHER-REFUSED; fi
    if ls $M >/dev/null 2>&1; then echo ROOT-ALLOWED; else echo ROOT-REFUSED; fi
    as $U "memefs unmount $M" || exit 13
    grep -q " $M " /proc/self/mountinfo && echo STILL-MOUNTED
    echo "TAR $(tar -tf $W/home/ram.tar | sort | tr '\\n' ' ')"
    as $U "memefs $M --snapshot $W/home/ram.tar --no-save && echo AGAIN \\$(cat $M/hello.txt) \\$(readlink $M/d/link) && memefs unmount $M" || exit 14
    # SIGTERM (systemd's stop, a shutdown) to the user's daemon: it unmounts through fusermount3 and saves.
    as $U "memefs $M --snapshot $W/home/ram.tar && echo more > $M/more.txt" || exit 15
    kill -TERM $(pgrep -u $U -fx "memefs $M")  # the daemon is titled after its mount point
    for i in $(seq 200); do pgrep -u $U -fx "memefs $M" >/dev/null || break; sleep 0.1; done
    grep -q " $M " /proc/self/mountinfo && echo STILL-MOUNTED-AFTER-TERM
    echo "TAR2 $(tar -tf $W/home/ram.tar | sort | tr '\n' ' ')"
  `);
  assert.equal(s.status, 0, s.out);
  const info = /^MOUNTINFO (.*)$/m.exec(s.out)?.[1] ?? '';
  assert.match(info, / - fuse\.memefs memefs /, s.out);
  assert.match(info, new RegExp(`user_id=${uid},group_id=${uid}`));
  assert.doesNotMatch(info, /allow_other/, 'a user mount is the user\'s alone unless allow_other is asked for');
  assert.match(info, /nosuid,nodev/, 'fusermount3 made it');
  assert.match(s.out, new RegExp(`^ROOT ${USER} 1777$`, 'm'));
  assert.match(s.out, /saved .*ram\.tar/);
  assert.match(s.out, /^OTHER-REFUSED$/m);
  assert.match(s.out, /^ROOT-REFUSED$/m, 'without allow_other the kernel keeps even root out, as FUSE does');
  assert.doesNotMatch(s.out, /STILL-MOUNTED/);
  assert.match(s.out, /^TAR .*hello\.txt/m);
  assert.match(s.out, /^AGAIN hello hello\.txt$/m);
  assert.doesNotMatch(s.out, /STILL-MOUNTED-AFTER-TERM/);
  assert.match(s.out, /^TAR2 .*hello\.txt.*more\.txt/m);
});

test('allow_other for a user needs user_allow_other in /etc/fuse.conf, then lets others in', (t) => {
  if (skip) return t.skip(skip);
  const s = scenario(`
    as $U "memefs $M -o allow_other"; echo "REFUSED-RC $?"
    grep -q " $M " /proc/self/mountinfo && echo MOUNTED-ANYWAY
    echo user_allow_other >> /etc/fuse.conf
    as $U "memefs $M -o allow_other" || exit 10
    as $U "echo shared > $M/s" || exit 11
    echo "OTHER $(as $U2 "cat $M/s")"
    if as $U2 "echo no > $M/s" 2>/dev/null; then echo OTHER-WROTE; fi
    as $U "memefs unmount $M" || exit 12
  `, '# no user_allow_other here\n');
  assert.equal(s.status, 0, s.out);
  assert.match(s.out, /^REFUSED-RC 1$/m);
  assert.match(s.out, /allow_other needs the line user_allow_other in \/etc\/fuse\.conf/);
  assert.doesNotMatch(s.out, /MOUNTED-ANYWAY/);
  assert.match(s.out, /^OTHER shared$/m);
  assert.doesNotMatch(s.out, /OTHER-WROTE/, 'permissions still hold for other users');
});

test('mount -t fuse.memefs as root, and an fstab line with `user` that the user mounts and umounts', (t) => {
  if (skip) return t.skip(skip);
  const s = scenario(`
    mount -t fuse.memefs memefs $M -o size=2G,mode=1777 || exit 10
    echo "ROOTMOUNT $(df -B1 --output=size $M | tail -1 | tr -d ' ') $(stat -c '%a %U' $M)"
    grep " $M " /proc/self/mountinfo | grep -q allow_other && echo ROOT-ALLOW-OTHER
    umount $M || exit 11
    echo "memefs $M fuse.memefs size=64M,mode=0700,noauto,user,_netdev,nofail,x-systemd.automount 0 0" > $W/fstab
    as $U "mount --fstab $W/fstab $M" || exit 12
    echo "USERMOUNT $(as $U "df -B1 --output=size $M | tail -1 | tr -d ' '; stat -c '%a %U' $M" | tr '\n' ' ')$(grep " $M " /proc/self/mountinfo | cut -d' ' -f6)"
    as $U "echo x > $M/f" || exit 13
    as $U "umount $M" || exit 14
    grep -q " $M " /proc/self/mountinfo && echo STILL-MOUNTED
    as $U "memefs $M -o rw,nodev,noexec,nosuid,dev,suid,exec,size=1G,defaults,comment=x" || exit 15
    as $U "memefs unmount $M" || exit 16
    as $U "memefs $M -o bogus"; echo "BOGUS-RC $?"
  `);
  assert.equal(s.status, 0, s.out);
  assert.match(s.out, /^ROOTMOUNT 2147483648 1777 root$/m);
  assert.match(s.out, /ROOT-ALLOW-OTHER/, 'root mounts stay open to every user, as tmpfs');
  assert.match(s.out, new RegExp(`^USERMOUNT 67108864 700 ${USER} rw,nosuid,nodev,noexec,relatime$`, 'm'));
  assert.doesNotMatch(s.out, /STILL-MOUNTED/);
  assert.match(s.out, /unknown mount option -o bogus/);
  assert.match(s.out, /^BOGUS-RC 2$/m);
});

test('without the FFI a normal user\'s mount says why it cannot work', (t) => {
  if (skip) return t.skip(skip);
  const s = scenario(`
    as $U "MEMEFS_NO_FFI=1 memefs $M"; echo "RC $?"
    grep -q " $M " /proc/self/mountinfo && echo MOUNTED
    true
  `);
  assert.equal(s.status, 0, s.out);
  assert.match(s.out, /^RC 1$/m);
  assert.match(s.out, /memefs: mounting as a normal user needs fusermount3's descriptor, which only the FFI can receive, and the FFI is switched off/);
  assert.doesNotMatch(s.out, /MOUNTED/);
});
