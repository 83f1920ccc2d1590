/*
 * Full-disk behaviour. Fills the file system in DIR to its cap, then makes
 * every kind of call that needs space: each must either succeed or fail with
 * ENOSPC (EDQUOT is also accepted), and a failed call must change nothing.
 * Files written before keep their content (checked byte for byte, through the
 * page cache and with O_DIRECT); a file written up to the cap holds exactly
 * the bytes write() said it took. After the filler is removed the volume must
 * work normally again.
 *
 * Usage: fullcheck DIR
 * Prints one line per call; exit status 1 on any violation.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <unistd.h>

static int bad;

static unsigned char pat(long long i, int seed) { return (unsigned char)((i * 131 + (i >> 12) * 7 + seed * 17) & 0xff); }

static void fillpat(unsigned char *b, long long off, long long n, int seed) {
  for (long long i = 0; i < n; i++) b[i] = pat(off + i, seed);
}

/* Checks that path holds size bytes of pattern seed. */
static int verify(const char *path, long long size, int seed, int direct) {
  int fd = open(path, O_RDONLY | (direct ? O_DIRECT : 0));
  if (fd < 0) { printf("verify %s: open: %s\n", path, strerror(errno)); return 0; }
  struct stat st;
  fstat(fd, &st);
  if (st.st_size != size) { printf("verify %s: size %lld, expected %lld\n", path, (long long)st.st_size, size); close(fd); return 0; }
  static unsigned char *buf, *want;
  if (!buf) { if (posix_memalign((void **)&buf, 4096, 1 << 20)) exit(2); want = malloc(1 << 20); }
  long long off = 0;
  while (off < size) {
    ssize_t n = read(fd, buf, 1 << 20);
    if (n <= 0) { printf("verify %s: read at %lld: %s\n", path, off, n < 0 ? strerror(errno) : "EOF"); close(fd); return 0; }
    fillpat(want, off, n, seed);
    if (memcmp(buf, want, n) != 0) { printf("verify %s: content differs near %lld\n", path, off); close(fd); return 0; }
    off += n;
  }
  close(fd);
  return 1;
}

/* A call at the cap: success or ENOSPC/EDQUOT; returns 1 if it succeeded. */
static int at_cap(const char *what, long r) {
  if (r >= 0) { printf("%s -> ok\n", what); return 1; }
  if (errno == ENOSPC || errno == EDQUOT) { printf("%s -> %s\n", what, errno == ENOSPC ? "ENOSPC" : "EDQUOT"); return 0; }
  printf("%s -> %s (not a clean failure)\n", what, strerror(errno));
  bad = 1;
  return 0;
}
#define CAP(expr) at_cap(#expr, (long)(expr))

static void must(int cond, const char *what) {
  if (!cond) { printf("VIOLATION: %s\n", what); bad = 1; }
}

static int exists(const char *p) { struct stat st; return lstat(p, &st) == 0; }
static long long fsize(const char *p) { struct stat st; return lstat(p, &st) == 0 ? st.st_size : -1; }

/* Writes `total` bytes of pattern `seed` to path; returns the bytes write() accepted. */
static long long writefile(const char *path, long long total, int seed, int *err) {
  int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
  if (fd < 0) { *err = errno; return -1; }
  static unsigned char buf[1 << 20];
  long long off = 0;
  *err = 0;
  while (off < total) {
    long long n = total - off < (1 << 20) ? total - off : (1 << 20);
    fillpat(buf, off, n, seed);
    ssize_t w = write(fd, buf, n);
    if (w < 0) { *err = errno; break; }
    off += w;
    if (w < n) { /* short: the next write reports why */ }
  }
  if (fsync(fd) < 0 && *err == 0) *err = errno;
  if (close(fd) < 0 && *err == 0) *err = errno;
  return off;
}

int main(int argc, char **argv) {
  if (argc < 2) { fprintf(stderr, "usage: fullcheck DIR\n"); return 2; }
  if (chdir(argv[1]) < 0) { perror(argv[1]); return 2; }
  int err;
  /* files written before the disk fills */
  long long k1 = writefile("keep1", 3 << 20, 1, &err);
  long long k2 = writefile("keep2", 12345, 2, &err);
  must(k1 == 3 << 20 && k2 == 12345, "files before the cap are written whole");
  mkdir("dir", 0755);
  writefile("dir/keep3", 777, 3, &err);
  symlink("keep1", "keeplink");

  /* fill: write() must take what fits and then fail with ENOSPC */
  struct statvfs v;
  statvfs(".", &v);
  long long want = (long long)v.f_bavail * v.f_frsize + (64 << 20);
  long long took = writefile("filler", want, 4, &err);
  printf("filler: wrote %lld of %lld, then %s\n", took, want, err ? strerror(err) : "no error");
  must(err == ENOSPC || err == EDQUOT, "filling the disk ends with ENOSPC");
  /* the filler holds exactly what write() accepted; fsync/close may have refused a tail that the
   * page cache had taken (then the file may be shorter, never longer or different) */
  long long fsz = fsize("filler");
  must(fsz <= took && fsz > 0, "the filler is not longer than what write() accepted");
  must(verify("filler", fsz, 4, 0), "the filler's bytes are the ones written");

  /* every kind of call at the cap */
  char big[65536];
  memset(big, 'x', sizeof big);
  int fd = open("filler", O_WRONLY | O_APPEND);
  for (int i = 0; i < 3; i++) CAP(write(fd, big, sizeof big));
  close(fd);
  must(fsize("filler") == fsz, "failed appends do not change the size");
  fd = open("keep2", O_WRONLY);
  long long before = fsize("keep2");
  if (!CAP(pwrite(fd, big, sizeof big, 1 << 20))) must(fsize("keep2") == before, "a failed write past the end changes nothing");
  if (!CAP(fallocate(fd, 0, 0, 8 << 20))) must(fsize("keep2") == before, "a failed fallocate changes nothing");
  int e = posix_fallocate(fd, 0, 8 << 20);
  errno = e;
  if (!at_cap("posix_fallocate(fd, 0, 8 MiB)", e ? -1 : 0)) must(fsize("keep2") == before, "a failed posix_fallocate changes nothing");
  close(fd);
  for (int i = 0; i < 200; i++) {
    char name[32];
    snprintf(name, sizeof name, "new%d", i);
    fd = open(name, O_CREAT | O_EXCL | O_WRONLY, 0644);
    if (!at_cap("open(O_CREAT)", fd)) { must(!exists(name), "a failed create leaves no name"); break; }
    int w = at_cap("write to new file", write(fd, big, sizeof big));
    close(fd);
    if (!w) { must(fsize(name) == 0 || fsize(name) < (long long)sizeof big, "a failed write leaves no data"); unlink(name); break; }
  }
  for (int i = 0; i < 200; i++) {
    char name[32];
    snprintf(name, sizeof name, "dir%d", i);
    if (!CAP(mkdir(name, 0755))) { must(!exists(name), "a failed mkdir leaves no name"); break; }
  }
  for (int i = 0; i < 200; i++) {
    char name[32];
    snprintf(name, sizeof name, "sym%d", i);
    if (!CAP(symlink("a-rather-long-target-name-to-take-some-space-in-the-volume", name))) { must(!exists(name), "a failed symlink leaves no name"); break; }
  }
  for (int i = 0; i < 200; i++) {
    char name[32];
    snprintf(name, sizeof name, "lnk%d", i);
    if (!CAP(link("keep2", name))) { must(!exists(name), "a failed link leaves no name"); break; }
  }
  for (int i = 0; i < 200; i++) {
    char name[32];
    snprintf(name, sizeof name, "user.attr%d", i);
    if (!CAP(setxattr("keep2", name, big, 4096, 0))) break;
  }
  for (int i = 0; i < 20; i++) {
    char name[300];
    snprintf(name, sizeof name, "renamed-to-a-much-longer-name-%0200d", i);
    if (!CAP(rename("keep2", name))) { must(exists("keep2"), "a failed rename keeps the old name"); break; }
    rename(name, "keep2");
  }
  fd = open(".", O_TMPFILE | O_RDWR, 0600);
  if (at_cap("open(O_TMPFILE)", fd)) { CAP(write(fd, big, sizeof big)); close(fd); }
  CAP(mknod("fifo-at-cap", S_IFIFO | 0644, 0));
  /* shrinking and reading work at the cap */
  must(truncate("keep2", 100) == 0, "truncate down works at the cap");
  must(verify("keep2", 100, 2, 0), "keep2 after truncate");
  truncate("keep2", 12345); /* sparse growth back (may fail at the cap on memefs: counted above) */

  /* what was written before is intact, through the page cache and past it */
  must(verify("keep1", 3 << 20, 1, 0), "keep1 intact");
  must(verify("keep1", 3 << 20, 1, 1), "keep1 intact (O_DIRECT)");
  must(verify("dir/keep3", 777, 3, 0), "dir/keep3 intact");
  must(verify("keeplink", 3 << 20, 1, 0), "the symlink still leads to keep1");

  /* free the space: the volume works normally again */
  must(unlink("filler") == 0, "unlink the filler");
  sync();
  usleep(200000);
  long long again = writefile("again", 16 << 20, 5, &err);
  must(again == 16 << 20 && err == 0, "writing 16 MiB after freeing space works");
  must(verify("again", 16 << 20, 5, 1), "the new file reads back");
  must(mkdir("dir-after", 0755) == 0, "mkdir after freeing space");
  must(symlink("again", "link-after") == 0, "symlink after freeing space");
  must(setxattr("again", "user.after", "v", 1, 0) == 0, "setxattr after freeing space");
  printf("fullcheck: %s\n", bad ? "FAILED" : "ok");
  return bad;
}
