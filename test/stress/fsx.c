/*
 * fsx-style random data checker. One file is changed by random operations,
 * and a shadow copy in memory is changed the same way; after every operation
 * the file's size and the changed range are compared with the shadow, every
 * FULL_EVERY operations the whole file is compared through the page cache, and
 * every DIRECT_EVERY operations through O_DIRECT (which bypasses the page
 * cache, so the file system's own copy is checked).
 *
 * Usage: fsx FILE OPS SEED [MAXLEN]
 * Operations: read, write (also past the end), truncate (grow and shrink),
 * fallocate (allocate, keep-size, punch hole, zero range), copy_file_range
 * (from a second file and within the file), mmap read, mmap write, msync,
 * fsync, close and reopen. A mode the file system refuses with EOPNOTSUPP
 * (tmpfs: zero range) is dropped from the mix and counted.
 * Exit status 0 when no difference was found; 1 with a report otherwise.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define FULL_EVERY 64
#define DIRECT_EVERY 997

static const char *fname;
static char sname[4096];
static int fd = -1, sfd = -1;
static unsigned char *shadow, *buf, *sdata;
static long long size, maxlen;
static long long op;
static uint64_t rng;
static long long counts[16];
static int zero_ok = 1, punch_ok = 1;
static const char *names[] = {"read", "write", "truncate", "allocate", "keepsize", "punch", "zero", "copy-in",
                              "copy-self", "mmap-read", "mmap-write", "fsync", "reopen", "write-end"};

static uint64_t next(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}
static long long rnd(long long n) { return n <= 0 ? 0 : (long long)(next() % (uint64_t)n); }

static void die(const char *what) {
  fprintf(stderr, "fsx: op %lld: %s: %s (size %lld)\n", op, what, strerror(errno), size);
  exit(1);
}

static void report(const char *how, long long off, const unsigned char *got, long long len) {
  for (long long i = 0; i < len; i++) {
    if (got[i] != shadow[off + i]) {
      fprintf(stderr, "fsx: op %lld: %s: byte %lld is 0x%02x, expected 0x%02x (size %lld)\n", op, how, off + i,
              got[i], shadow[off + i], size);
      long long start = i > 16 ? i - 16 : 0;
      fprintf(stderr, "  got:     ");
      for (long long k = start; k < len && k < i + 16; k++) fprintf(stderr, "%02x", got[k]);
      fprintf(stderr, "\n  expected:");
      for (long long k = start; k < len && k < i + 16; k++) fprintf(stderr, "%02x", shadow[off + k]);
      fprintf(stderr, "\n");
      exit(1);
    }
  }
}

static void check_size(const char *how) {
  struct stat st;
  if (fstat(fd, &st) < 0) die("fstat");
  if (st.st_size != size) {
    fprintf(stderr, "fsx: op %lld: %s: size %lld, expected %lld\n", op, how, (long long)st.st_size, size);
    exit(1);
  }
}

static void check_range(const char *how, long long off, long long len) {
  if (off >= size) return;
  if (off + len > size) len = size - off;
  ssize_t n = pread(fd, buf, len, off);
  if (n < 0) die("pread (check)");
  if (n != len) {
    fprintf(stderr, "fsx: op %lld: %s: short read %zd of %lld at %lld\n", op, how, n, len, off);
    exit(1);
  }
  report(how, off, buf, len);
}

static void check_direct(void) {
  int dfd = open(fname, O_RDONLY | O_DIRECT);
  if (dfd < 0) die("open O_DIRECT");
  long long len = (size + 4095) & ~4095LL;
  ssize_t n = len ? pread(dfd, buf, len, 0) : 0;
  if (n < 0) die("pread O_DIRECT");
  if (n != size) {
    fprintf(stderr, "fsx: op %lld: O_DIRECT read %zd, expected %lld\n", op, n, size);
    exit(1);
  }
  report("O_DIRECT read", 0, buf, size);
  close(dfd);
}

static void fill(unsigned char *p, long long len) {
  uint64_t v = next();
  for (long long i = 0; i < len; i++) {
    if ((i & 7) == 0) v = next();
    p[i] = (unsigned char)(v >> ((i & 7) * 8));
  }
}

static void do_write(long long off, long long len) {
  fill(buf, len);
  ssize_t n = pwrite(fd, buf, len, off);
  if (n != len) die("pwrite");
  memcpy(shadow + off, buf, len);
  if (off + len > size) size = off + len;
}

static void do_truncate(long long len) {
  if (ftruncate(fd, len) < 0) die("ftruncate");
  if (len > size) memset(shadow + size, 0, len - size);
  else memset(shadow + len, 0, size - len);
  size = len;
}

int main(int argc, char **argv) {
  if (argc < 4) { fprintf(stderr, "usage: fsx FILE OPS SEED [MAXLEN]\n"); return 2; }
  fname = argv[1];
  long long ops = atoll(argv[2]);
  rng = (uint64_t)atoll(argv[3]) * 2654435761u + 88172645463325252ull;
  maxlen = argc > 4 ? atoll(argv[4]) : 256 * 1024;
  shadow = calloc(maxlen + 4096, 1);
  sdata = malloc(maxlen);
  if (posix_memalign((void **)&buf, 4096, maxlen + 8192)) return 2;
  snprintf(sname, sizeof sname, "%s.src", fname);
  fd = open(fname, O_CREAT | O_TRUNC | O_RDWR, 0644);
  if (fd < 0) die("open");
  /* a second file, the source of copy_file_range */
  sfd = open(sname, O_CREAT | O_TRUNC | O_RDWR, 0644);
  if (sfd < 0) die("open src");
  fill(sdata, maxlen);
  if (pwrite(sfd, sdata, maxlen, 0) != maxlen) die("write src");

  for (op = 1; op <= ops; op++) {
    int kind = (int)rnd(14);
    long long off = rnd(maxlen), len = 1 + rnd(rnd(4) == 0 ? maxlen : 16384);
    if (off + len > maxlen) len = maxlen - off;
    if (len <= 0) continue;
    switch (kind) {
      case 0: { /* read, possibly past the end */
        ssize_t n = pread(fd, buf, len, off);
        if (n < 0) die("pread");
        long long want = off >= size ? 0 : (off + len > size ? size - off : len);
        if (n != want) { fprintf(stderr, "fsx: op %lld: read %zd at %lld, expected %lld\n", op, n, off, want); return 1; }
        report("read", off, buf, n);
        break;
      }
      case 1: do_write(off, len); break;
      case 13: /* append-ish: write at or just past the end */
        off = size + rnd(100);
        if (off + len > maxlen) { off = size; len = maxlen - size; }
        if (len > 0) do_write(off, len);
        break;
      case 2: do_truncate(rnd(4) == 0 ? 0 : rnd(maxlen)); break;
      case 3: /* allocate (may grow) */
        if (fallocate(fd, 0, off, len) < 0) die("fallocate");
        if (off + len > size) { memset(shadow + size, 0, off + len - size); size = off + len; }
        break;
      case 4:
        if (fallocate(fd, FALLOC_FL_KEEP_SIZE, off, len) < 0) die("fallocate keep-size");
        break;
      case 5:
        if (!punch_ok) break;
        if (fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off, len) < 0) {
          if (errno == EOPNOTSUPP) { punch_ok = 0; break; }
          die("punch hole");
        }
        if (off < size) memset(shadow + off, 0, (off + len > size ? size : off + len) - off);
        break;
      case 6: {
        if (!zero_ok) break;
        int keep = (int)rnd(2);
        if (fallocate(fd, FALLOC_FL_ZERO_RANGE | (keep ? FALLOC_FL_KEEP_SIZE : 0), off, len) < 0) {
          if (errno == EOPNOTSUPP) { zero_ok = 0; break; }
          die("zero range");
        }
        long long end = off + len;
        if (keep && end > size) end = size;
        if (off < end) memset(shadow + off, 0, end - off);
        if (!keep && off + len > size) size = off + len;
        break;
      }
      case 7: { /* copy from the other file */
        loff_t in = rnd(maxlen), out = off;
        if (in + len > maxlen) len = maxlen - in;
        if (len <= 0) break;
        ssize_t n = copy_file_range(sfd, &in, fd, &out, len, 0);
        if (n < 0) die("copy_file_range");
        if (n != len) { fprintf(stderr, "fsx: op %lld: copy_file_range %zd of %lld\n", op, n, len); return 1; }
        if (off > size) memset(shadow + size, 0, off - size);
        memcpy(shadow + off, sdata + (in - n), n);
        if (off + n > size) size = off + n;
        break;
      }
      case 8: { /* copy within the file: non-overlapping, from inside the file */
        if (size < 2) break;
        loff_t in = rnd(size), out = off;
        if (len > size - in) len = size - in;
        if (in < out + len && out < in + len) break; /* overlapping: EINVAL by rule */
        long long before = size;
        ssize_t n = copy_file_range(fd, &in, fd, &out, len, 0);
        if (n < 0) die("copy_file_range (self)");
        if (n != len) { fprintf(stderr, "fsx: op %lld: self copy %zd of %lld\n", op, n, len); return 1; }
        if (off > before) memset(shadow + before, 0, off - before);
        memmove(shadow + off, shadow + (in - n), n);
        if (off + n > size) size = off + n;
        break;
      }
      case 9: case 10: { /* mmap read or write, inside the file */
        if (size == 0) break;
        if (off >= size) off = rnd(size);
        if (off + len > size) len = size - off;
        long long pg = off & ~4095LL;
        long long mlen = off + len - pg;
        unsigned char *m = mmap(NULL, mlen, kind == 9 ? PROT_READ : PROT_READ | PROT_WRITE, MAP_SHARED, fd, pg);
        if (m == MAP_FAILED) die("mmap");
        if (kind == 9) {
          report("mmap read", off, m + (off - pg), len);
        } else {
          fill(buf, len);
          memcpy(m + (off - pg), buf, len);
          memcpy(shadow + off, buf, len);
          if (rnd(2) && msync(m, mlen, MS_SYNC) < 0) die("msync");
        }
        if (munmap(m, mlen) < 0) die("munmap");
        break;
      }
      case 11:
        if (fsync(fd) < 0) die("fsync");
        break;
      case 12:
        if (close(fd) < 0) die("close");
        fd = open(fname, O_RDWR);
        if (fd < 0) die("reopen");
        break;
    }
    counts[kind]++;
    check_size(names[kind]);
    check_range(names[kind], off, len);
    if (op % FULL_EVERY == 0) check_range("full compare", 0, size);
    if (op % DIRECT_EVERY == 0) check_direct();
  }
  check_range("final compare", 0, size);
  if (fsync(fd) < 0) die("final fsync");
  check_direct();
  close(fd);
  /* and once more from a fresh open */
  fd = open(fname, O_RDONLY);
  if (fd < 0) die("final open");
  check_size("final size");
  check_range("final reopen compare", 0, size);
  close(fd);
  close(sfd);
  unlink(sname);
  printf("fsx: %lld operations, no difference; size %lld;", ops, size);
  for (int k = 0; k < 14; k++) printf(" %s=%lld", names[k], counts[k]);
  printf("%s%s\n", zero_ok ? "" : " (zero range unsupported)", punch_ok ? "" : " (punch hole unsupported)");
  return 0;
}
