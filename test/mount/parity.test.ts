/**
 * Where Linux tools rely on tmpfs's answers, memefs gives the same ones: renameat2(RENAME_WHITEOUT)
 * (overlayfs upper directories), FS_IOC_FSGETXATTR/FSSETXATTR, POSIX ACLs. Each case runs on a fresh
 * tmpfs and on memefs, and the answers are compared.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { cleanupAll, tempDir, withMount, withTmpfs } from '../helpers/mount.js';

after(cleanupAll);


/** Runs a python3 script in `cwd`; its standard output. */
function py(cwd: string, script: string): string {
  return execFileSync('python3', ['-c', script], { cwd, encoding: 'utf8' });
}

/** The same script on tmpfs and on memefs: both outputs. */
async function both(script: (dir: string) => string): Promise<[string, string]> {
  const tmpfs = await withTmpfs([], script);
  const mine = await withMount([], (m) => script(m.dir));
  return [tmpfs, mine];
}

const RENAME = `
import ctypes, os, stat
libc = ctypes.CDLL(None, use_errno=True)
def rename2(a, b, flags):
    r = libc.renameat2(-100, a.encode(), -100, b.encode(), flags)
    return 'ok' if r == 0 else os.strerror(ctypes.get_errno())
def show(name):
    try:
        s = os.lstat(name)
    except OSError as e:
        return name + ': ' + e.strerror
    return '%s: %s %o rdev=%d:%d nlink=%d %d:%d' % (name, stat.filemode(s.st_mode), s.st_mode, os.major(s.st_rdev), os.minor(s.st_rdev), s.st_nlink, s.st_uid, s.st_gid)
WHITEOUT, NOREPLACE, EXCHANGE = 4, 1, 2
open('a', 'w').write('data a'); os.chmod('a', 0o640)
open('t', 'w').write('data t')
os.mkdir('sg'); os.chown('sg', 0, 1234); os.chmod('sg', 0o2775); open('sg/f', 'w').write('f')
os.mkdir('d'); open('d/in', 'w').write('in')
print('whiteout a->b', rename2('a', 'b', WHITEOUT), show('a'), show('b'), open('b').read())
print('over existing', rename2('b', 't', WHITEOUT), show('b'), show('t'), open('t').read())
print('noreplace', rename2('t', 'b', WHITEOUT | NOREPLACE), rename2('t', 'b', WHITEOUT | NOREPLACE))
print('exchange', rename2('t', 'b', WHITEOUT | EXCHANGE))
print('setgid dir', rename2('sg/f', 'g', WHITEOUT), show('sg/f'))
print('directory', rename2('d', 'e', WHITEOUT), show('d'), show('e'), sorted(os.listdir('e')))
print('missing', rename2('nothing', 'x', WHITEOUT))
print(sorted(os.listdir('.')))
`;

test('renameat2(RENAME_WHITEOUT) leaves a 0:0 character device behind, as on tmpfs', async () => {
  const [tmpfs, mine] = await both((dir) => py(dir, RENAME));
  assert.match(tmpfs, /whiteout a->b ok a: c--------- 20000 rdev=0:0 nlink=1 0:0 b: -rw-r----- .* data a/);
  assert.equal(mine, tmpfs);
});

test('an overlay file system with memefs as upper and work directory', async () => {
  const lower = tempDir('lower-');
  fs.writeFileSync(path.join(lower, 'gone'), 'lower gone');
  fs.writeFileSync(path.join(lower, 'moved'), 'lower moved');
  fs.mkdirSync(path.join(lower, 'dir'));
  fs.writeFileSync(path.join(lower, 'dir', 'kept'), 'lower kept');
  await withMount([], (m) => {
    const upper = path.join(m.dir, 'upper');
    const work = path.join(m.dir, 'work');
    fs.mkdirSync(upper);
    fs.mkdirSync(work);
    const merged = tempDir('merged-');
    const mountOverlay = (): void => {
      execFileSync('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${lower},upperdir=${upper},workdir=${work}`, merged]);
    };
    mountOverlay();
    try {
      fs.rmSync(path.join(merged, 'gone'));
      fs.renameSync(path.join(merged, 'moved'), path.join(merged, 'renamed'));
      fs.rmSync(path.join(merged, 'dir'), { recursive: true });
      fs.writeFileSync(path.join(merged, 'new'), 'upper new');
      const view = (): string[] => fs.readdirSync(merged).sort();
      assert.deepEqual(view(), ['new', 'renamed']);
      // The upper directory holds whiteouts for what was removed from the lower one.
      for (const name of ['gone', 'moved', 'dir']) {
        const s = fs.lstatSync(path.join(upper, name));
        assert.ok(s.isCharacterDevice() && s.rdev === 0, `${name} is a whiteout`);
      }
      execFileSync('umount', [merged]);
      mountOverlay(); // the whiteouts keep hiding the lower files after a remount
      assert.deepEqual(view(), ['new', 'renamed']);
      assert.equal(fs.readFileSync(path.join(merged, 'renamed'), 'utf8'), 'lower moved');
    } finally {
      execFileSync('umount', ['-l', merged]);
    }
  });
});

const FSXATTR = `
import fcntl, os, struct, subprocess
GET, SET = 0x801c581f, 0x401c5820
def fsx(p, xflags=None, extsize=0, projid=0):
    fd = os.open(p, os.O_RDONLY)
    try:
        if xflags is not None:
            fcntl.ioctl(fd, SET, struct.pack('5I8x', xflags, extsize, 0, projid, 0))
        return '%#x %d %d %d %d' % struct.unpack('5I8x', fcntl.ioctl(fd, GET, bytes(28)))
    except OSError as e:
        return e.strerror
    finally:
        os.close(fd)
def lsattr(p):
    return subprocess.run(['lsattr', '-d', p], capture_output=True, text=True).stdout.split()[0]
open('f', 'w').write('x'); os.mkdir('d')
print('fresh', fsx('f'), fsx('d'), lsattr('f'))
print('nodump', fsx('f', 0x80), lsattr('f'))
print('immutable', fsx('f', 0x8), lsattr('f'), 'append', fsx('f', 0x10), lsattr('f'))
print('noatime', fsx('f', 0x40), lsattr('f'))
print('both', fsx('f', 0xc0), lsattr('f'))
print('sync', fsx('f', 0x20), 'projid', fsx('f', 0, projid=7), 'extsize', fsx('f', 0, extsize=4096), fsx('f'))
print('dir nodump', fsx('d', 0x80), lsattr('d'))
print('chattr', subprocess.run(['chattr', '-A', '-d', 'f']).returncode, lsattr('f'), fsx('f'))
# no-atime is honoured: a read of a file whose atime is older than its mtime leaves it alone
# (O_DIRECT, so that the read reaches memefs rather than the kernel's page cache)
import mmap
def read_direct(p):
    fd = os.open(p, os.O_RDONLY | os.O_DIRECT)
    os.preadv(fd, [mmap.mmap(-1, 4096)], 0)
    os.close(fd)
os.utime('f', (1000, 2000)); fsx('f', 0x40); read_direct('f')
s1 = os.stat('f').st_atime
fsx('f', 0); read_direct('f')
print('atime kept', s1 == 1000, 'then updated', os.stat('f').st_atime > 2000)
`;

test('FS_IOC_FSGETXATTR/FSSETXATTR and lsattr/chattr answer as on tmpfs', async () => {
  const [tmpfs, mine] = await both((dir) => py(dir, FSXATTR));
  assert.match(tmpfs, /nodump 0x80 0 0 0 0 ------d/);
  assert.match(tmpfs, /atime kept True then updated True/);
  assert.equal(mine, tmpfs);
});

const CHATTR = `
try() { if out=$(sh -c "$1" 2>&1); then echo "$1: ok"; else echo "$1: \${out##*: }"; fi; }
ops() {
  for op in "echo new > $1" "echo more >> $1" "truncate -s 1 $1" "touch $1" "touch -d @5 $1" "chmod 600 $1" "chown 1:1 $1" \
            "setfattr -n user.x -v 1 $1" "ln $1 $1.link" "mv $1 $1.moved" "rm $1" "fallocate -l 8192 $1" "fallocate -p -o 0 -l 1 $1"; do
    try "$op"
  done
}
echo data > f; mkdir d; echo in > d/in
chattr +i f d; lsattr -d f d | cut -c1-22
ops f; try "touch d/new"; try "rm d/in"; try "mv d/in d/in2"; try "mv f d/f"; try "echo x > d/in"
cat f; chattr -i f d
chattr +a f d; lsattr -d f d | cut -c1-22
ops f; try "touch d/new"; try "rm d/new"; try "rm d/in"; try "mv d/in d/in2"
cat f; chattr -a f d; try "rm f"; try "rm -r d"
`;

test('chattr +i and +a (immutable, append-only) are kept and enforced as on tmpfs', async () => {
  const [tmpfs, mine] = await both((dir) => execFileSync('bash', ['-c', CHATTR], { cwd: dir, encoding: 'utf8' }));
  assert.match(tmpfs, /----i[^]*echo new > f: Operation not permitted[^]*-----a[^]*echo more >> f: ok/);
  assert.equal(mine, tmpfs);
});

/** As user nobody (65534), who owns nothing here: "ok" or the error. */
const AS_NOBODY = `nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups sh -c "$1" 2>&1 | sed "s#$PWD#MNT#g"; }`;
const ACLS = `${AS_NOBODY}
umask 022
mkdir d; echo secret > d/f; chmod 600 d/f; chmod 700 d
echo '-- granted'; setfacl -m u:nobody:rx d; setfacl -m u:nobody:r d/f
getfacl -n d d/f; ls -ld d d/f | cut -c1-11; nobody "cat d/f"; nobody "echo x >> d/f"
echo '-- denied'; setfacl -m u:nobody:- d/f; nobody "cat d/f"
echo '-- chmod narrows the mask'; setfacl -m u:nobody:rw d/f; chmod 600 d/f; getfacl -n d/f; nobody "cat d/f"
chmod 640 d/f; nobody "cat d/f"
echo '-- group entries'; setfacl -m g:nogroup:r d/f; setfacl -x u:nobody d/f; getfacl -n d/f
setpriv --reuid=65534 --regid=100 --groups=65534 cat d/f
echo '-- removed'; setfacl -b d/f; ls -l d/f | cut -c1-11; getfattr -m - -d d/f; nobody "cat d/f"
echo '-- default ACL'; mkdir e; setfacl -d -m u:nobody:rwx e; setfacl -d -m g::rx e
touch e/new; mkdir e/sub; umask 077; touch e/new2; mknod e/fifo p; umask 022
getfacl -n e e/new e/sub e/new2 e/fifo; ls -ld e/new e/sub e/new2 e/fifo | cut -c1-11
nobody "echo x > e/new"; cat e/new
echo '-- default on a file'; setfacl -d -m u:nobody:r d/f
echo '-- umask without default ACL'; touch plain; mkdir plaindir; ls -ld plain plaindir | cut -c1-11
echo '-- cp -a keeps them'; cp -a e copy; getfacl -n copy copy/new copy/sub copy/new2 copy/fifo
echo '-- bad ACL'; python3 -c "import os; os.setxattr('plain', 'system.posix_acl_access', b'\\x02\\0\\0\\0\\x01\\0\\x06\\0\\xff\\xff\\xff\\xff')" 2>&1 | tail -1
`;

test('POSIX ACLs: granted and denied through the kernel, chmod, default-ACL inheritance, cp -a, as on tmpfs', async () => {
  const [tmpfs, mine] = await both((dir) => execFileSync('bash', ['-c', ACLS], { cwd: dir, encoding: 'utf8' }));
  assert.match(tmpfs, /-- granted[^]*secret\n[^]*-- denied\ncat: d\/f: Permission denied/);
  assert.match(tmpfs, /cp -a keeps them[^]*user:65534:rwx/);
  assert.equal(mine, tmpfs);
});
