/*
 * fsbench for Linux: the workload of WinFsp's fsbench (file, rdwr and mmap tests), plus the
 * sequential, parallel and bulk-creation workloads of memefs's benchmark. Written for memefs
 * from the description of the tests, not from WinFsp's code. A compiled program drives the
 * file system so that what is measured is the file system, not the client.
 *
 *   fsbench files DIR FILES OPEN LIST      file_* tests in DIR (a fresh, empty directory)
 *   fsbench rdwr DIR SIZE PASSES           rdwr_cc_{write,read}_{page,large}, mmap_{write,read}
 *   fsbench seq DIR SIZE BLOCK             one SIZE file written then read with BLOCK-byte calls
 *   fsbench par DIR PROCS FILES SIZE       PROCS processes each write then read FILES files of SIZE bytes
 *   fsbench make DIR FILES SIZE            creates FILES files of SIZE bytes (for memory figures)
 *   fsbench xattr DIR CALLS                CALLS getxattr calls for an absent attribute of DIR itself:
 *                                          on FUSE, one round trip each and next to no work
 *
 * Prints one JSON object per test: {"test":..., "ops":..., "bytes":..., "seconds":...}.
 * Any failing call aborts with a message and exit status 1: a benchmark that silently did
 * less work would flatter the file system.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096

static void die(const char *what, const char *name) {
  fprintf(stderr, "fsbench: %s %s: %s\n", what, name ? name : "", strerror(errno));
  exit(1);
}

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

/* With FSBENCH_MARK set, each test ends by looking up an absent name, fsbench-mark-TEST: a file
 * system's request log can then be cut into tests (bench/requests.ts). Off in timed runs. */
static void mark(const char *test) {
  static int marking = -1;
  if (marking < 0) marking = getenv("FSBENCH_MARK") != NULL;
  if (!marking) return;
  char name[96];
  snprintf(name, sizeof name, "fsbench-mark-%s", test);
  access(name, F_OK);
}

static void report(const char *test, double ops, double bytes, double seconds) {
  mark(test);
  printf("{\"test\":\"%s\",\"ops\":%.0f,\"bytes\":%.0f,\"seconds\":%.9f}\n", test, ops, bytes, seconds);
  fflush(stdout);
}

static long num(const char *s) {
  char *end;
  long v = strtol(s, &end, 10);
  if (*end != 0 || v < 0) {
    fprintf(stderr, "fsbench: bad number %s\n", s);
    exit(2);
  }
  return v;
}

static void file_name(char *buf, const char *kind, long i) { snprintf(buf, 64, "fsbench-%s%ld", kind, i); }

/* create/open/overwrite: open with flags and close, for every file, `passes` times. */
static void open_close(const char *test, int flags, long files, long passes) {
  char name[64];
  double t0 = now();
  for (long p = 0; p < passes; p++)
    for (long i = 0; i < files; i++) {
      file_name(name, "file", i);
      int fd = open(name, flags, 0644);
      if (fd < 0) die(test, name);
      if (close(fd) < 0) die("close", name);
    }
  report(test, (double)files * passes, 0, now() - t0);
}

static void files_tests(long files, long opens, long lists) {
  char name[64];
  open_close("file_create", O_RDWR | O_CREAT | O_EXCL, files, 1);
  open_close("file_open", O_RDWR, files, opens);
  open_close("file_overwrite", O_RDWR | O_CREAT | O_TRUNC, files, 1);

  double t0 = now();
  struct stat st;
  for (long p = 0; p < opens; p++)
    for (long i = 0; i < files; i++) {
      file_name(name, "file", i);
      if (stat(name, &st) < 0) die("stat", name);
    }
  report("file_attr", (double)files * opens, 0, now() - t0);

  /* Whole-directory listings: the rate counts entries (d_type is what ls -l style tools use next). */
  t0 = now();
  long entries = 0;
  for (long p = 0; p < lists; p++) {
    DIR *d = opendir(".");
    if (!d) die("opendir", ".");
    struct dirent *e;
    long n = 0;
    /* "." and ".." are not counted: some file systems (libfuse's memfs_ll) do not list them. */
    while ((e = readdir(d)) != NULL) n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    if (n != files) {
      fprintf(stderr, "fsbench: listing found %ld entries, expected %ld\n", n, files);
      exit(1);
    }
    entries += n;
  }
  report("file_list", (double)entries, 0, now() - t0);

  /* Look up each name (access(F_OK): a path lookup and nothing else). */
  t0 = now();
  for (long p = 0; p < opens; p++)
    for (long i = 0; i < files; i++) {
      file_name(name, "file", i);
      if (access(name, F_OK) < 0) die("access", name);
    }
  report("file_list_single", (double)files * opens, 0, now() - t0);

  /* Look up an absent name, again and again (as WinFsp's test does). */
  t0 = now();
  const char *absent = "{5F849D7F-absent-name}";
  for (long p = 0; p < opens; p++)
    for (long i = 0; i < files; i++) {
      if (access(absent, F_OK) == 0 || errno != ENOENT) die("absent name found or wrong error", absent);
    }
  report("file_list_none", (double)files * opens, 0, now() - t0);

  t0 = now();
  for (long i = 0; i < files; i++) {
    file_name(name, "file", i);
    if (unlink(name) < 0) die("unlink", name);
  }
  report("file_delete", (double)files, 0, now() - t0);

  t0 = now();
  for (long i = 0; i < files; i++) {
    file_name(name, "dir", i);
    if (mkdir(name, 0755) < 0) die("mkdir", name);
  }
  report("file_mkdir", (double)files, 0, now() - t0);

  t0 = now();
  for (long i = 0; i < files; i++) {
    file_name(name, "dir", i);
    if (rmdir(name) < 0) die("rmdir", name);
  }
  report("file_rmdir", (double)files, 0, now() - t0);
}

/* Cached reads and writes of a whole file in `block`-byte calls, `passes` times. The write test
 * creates the file and sets its size first; the read test deletes it at the end. The close is
 * timed too (a file system may do its work there). */
static void rdwr(const char *test, int write_test, long size, long block, long passes) {
  const char *name = "fsbench-rdwr";
  char *buf = aligned_alloc(PAGE, block);
  if (!buf) die("aligned_alloc", NULL);
  memset(buf, write_test ? 0x5a : 0, block);
  double t0 = now();
  int fd = write_test ? open(name, O_RDWR | O_CREAT | O_EXCL, 0644) : open(name, O_RDWR);
  if (fd < 0) die(test, name);
  if (write_test && ftruncate(fd, size) < 0) die("ftruncate", name);
  for (long p = 0; p < passes; p++) {
    if (lseek(fd, 0, SEEK_SET) != 0) die("lseek", name);
    for (long off = 0; off < size; off += block) {
      ssize_t n = write_test ? write(fd, buf, block) : read(fd, buf, block);
      if (n != block) die(write_test ? "write" : "read", name);
    }
  }
  if (!write_test && buf[0] != 0x5a) {
    fprintf(stderr, "fsbench: read back wrong data\n");
    exit(1);
  }
  if (close(fd) < 0) die("close", name);
  if (!write_test && unlink(name) < 0) die("unlink", name);
  report(test, (double)passes * (size / block), (double)passes * size, now() - t0);
  free(buf);
}

/* Writes (zeroes each page) or reads (sums each page) a shared mapping of the whole file. */
static void mmap_test(const char *test, int write_test, long size, long passes) {
  const char *name = "fsbench-mmap";
  double t0 = now();
  int fd = write_test ? open(name, O_RDWR | O_CREAT | O_EXCL, 0644) : open(name, O_RDWR);
  if (fd < 0) die(test, name);
  if (write_test && ftruncate(fd, size) < 0) die("ftruncate", name);
  volatile uint64_t *map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (map == MAP_FAILED) die("mmap", name);
  uint64_t total = 0;
  long words = size / 8;
  for (long p = 0; p < passes; p++) {
    if (write_test) {
      for (long i = 0; i < words; i++) map[i] = (uint64_t)p;
    } else {
      for (long i = 0; i < words; i++) total += map[i];
    }
  }
  if (munmap((void *)map, size) < 0) die("munmap", name);
  if (close(fd) < 0) die("close", name);
  if (!write_test && unlink(name) < 0) die("unlink", name);
  double seconds = now() - t0;
  if (!write_test) {
    /* Each word holds the last pass number of the write test (passes - 1): check it arrived. */
    if (total != (uint64_t)words * passes * (passes - 1)) {
      fprintf(stderr, "fsbench: mmap read back inconsistent data\n");
      exit(1);
    }
  }
  report(test, (double)passes * (size / PAGE), (double)passes * size, seconds);
}

static void rdwr_tests(long size, long passes) {
  rdwr("rdwr_cc_write_page", 1, size, PAGE, passes);
  rdwr("rdwr_cc_read_page", 0, size, PAGE, passes);
  rdwr("rdwr_cc_write_large", 1, size, 16 * PAGE, passes);
  rdwr("rdwr_cc_read_large", 0, size, 16 * PAGE, passes);
  mmap_test("mmap_write", 1, size, passes);
  mmap_test("mmap_read", 0, size, passes);
}

/* One big file: write in `block` calls, fsync and close (the data is then in the file system),
 * then read it back twice: right away (what a user sees) and after dropping this file's
 * cached pages (POSIX_FADV_DONTNEED), so that every byte comes from the file system itself. */
static void seq_tests(long size, long block) {
  const char *name = "fsbench-seq";
  char *buf = aligned_alloc(PAGE, block);
  if (!buf) die("aligned_alloc", NULL);
  for (long i = 0; i < block; i++) buf[i] = (char)(i * 7);
  double t0 = now();
  int fd = open(name, O_WRONLY | O_CREAT | O_EXCL, 0644);
  if (fd < 0) die("open", name);
  for (long off = 0; off < size; off += block)
    if (write(fd, buf, block) != block) die("write", name);
  if (fsync(fd) < 0) die("fsync", name);
  if (close(fd) < 0) die("close", name);
  report("seq_write", (double)size / block, (double)size, now() - t0);

  for (int cold = 0; cold < 2; cold++) {
    fd = open(name, O_RDONLY);
    if (fd < 0) die("open", name);
    if (cold && posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) != 0) die("fadvise", name);
    t0 = now();
    long got = 0;
    for (;;) {
      ssize_t n = read(fd, buf, block);
      if (n < 0) die("read", name);
      if (n == 0) break;
      got += n;
    }
    double seconds = now() - t0;
    close(fd);
    if (got != size || buf[1] != 7) {
      fprintf(stderr, "fsbench: sequential read got %ld of %ld bytes\n", got, size);
      exit(1);
    }
    report(cold ? "seq_read_uncached" : "seq_read", (double)size / block, (double)size, seconds);
  }
  if (unlink(name) < 0) die("unlink", name);
  free(buf);
}

/* Writes `files` files of `size` bytes in directory `dir` (created), then reads them back. */
static void par_child(int id, int phase, long files, long size) {
  char dir[64], name[160];
  snprintf(dir, sizeof dir, "fsbench-par%d", id);
  if (phase == 0 && mkdir(dir, 0755) < 0) die("mkdir", dir);
  char *buf = malloc(size + 1);
  if (!buf) die("malloc", NULL);
  for (long i = 0; i < files; i++) {
    snprintf(name, sizeof name, "%s/f%ld", dir, i);
    if (phase == 0) {
      memset(buf, (int)(i & 0xff), size);
      int fd = open(name, O_WRONLY | O_CREAT | O_EXCL, 0644);
      if (fd < 0) die("open", name);
      if (write(fd, buf, size) != size) die("write", name);
      if (close(fd) < 0) die("close", name);
    } else {
      int fd = open(name, O_RDONLY);
      if (fd < 0) die("open", name);
      ssize_t n = read(fd, buf, size + 1);
      if (n != size || (size > 0 && (unsigned char)buf[size - 1] != (i & 0xff))) {
        fprintf(stderr, "fsbench: %s read back %zd bytes, wrong\n", name, n);
        exit(1);
      }
      close(fd);
    }
  }
  exit(0);
}

static void par_tests(long procs, long files, long size) {
  for (int phase = 0; phase < 2; phase++) {
    double t0 = now();
    for (int p = 0; p < procs; p++) {
      pid_t pid = fork();
      if (pid < 0) die("fork", NULL);
      if (pid == 0) par_child(p, phase, files, size);
    }
    int failed = 0, status;
    while (wait(&status) > 0)
      if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) failed = 1;
    if (failed) {
      fprintf(stderr, "fsbench: a parallel worker failed\n");
      exit(1);
    }
    report(phase == 0 ? "par_small_write" : "par_small_read", (double)procs * files, (double)procs * files * size, now() - t0);
  }
}

static void make_files(long files, long size) {
  char name[64];
  long block = size < (1 << 20) ? size : (1 << 20);
  char *buf = malloc(block > 0 ? block : 1);
  if (!buf) die("malloc", NULL);
  memset(buf, 0x33, block);
  double t0 = now();
  for (long i = 0; i < files; i++) {
    snprintf(name, sizeof name, "m%ld", i);
    int fd = open(name, O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (fd < 0) die("open", name);
    for (long off = 0; off < size; off += block) {
      long n = size - off < block ? size - off : block;
      if (write(fd, buf, n) != n) die("write", name);
    }
    if (close(fd) < 0) die("close", name);
  }
  report("make", (double)files, (double)files * size, now() - t0);
}

/* One request per call that the kernel cannot answer itself (it does not cache extended attributes). */
static void xattr_test(long calls) {
  char value[64];
  double t0 = now();
  for (long i = 0; i < calls; i++)
    if (getxattr(".", "user.fsbench-absent", value, sizeof value) >= 0 || errno != ENODATA) die("getxattr (expected ENODATA)", ".");
  report("roundtrip_getxattr", (double)calls, 0, now() - t0);
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: fsbench files|rdwr|seq|par|make|xattr DIR ...\n");
    return 2;
  }
  const char *cmd = argv[1];
  if (chdir(argv[2]) < 0) die("chdir", argv[2]);
  if (!strcmp(cmd, "files") && argc == 6) files_tests(num(argv[3]), num(argv[4]), num(argv[5]));
  else if (!strcmp(cmd, "rdwr") && argc == 5) rdwr_tests(num(argv[3]), num(argv[4]));
  else if (!strcmp(cmd, "seq") && argc == 5) seq_tests(num(argv[3]), num(argv[4]));
  else if (!strcmp(cmd, "par") && argc == 6) par_tests(num(argv[3]), num(argv[4]), num(argv[5]));
  else if (!strcmp(cmd, "make") && argc == 5) make_files(num(argv[3]), num(argv[4]));
  else if (!strcmp(cmd, "xattr") && argc == 4) xattr_test(num(argv[3]));
  else {
    fprintf(stderr, "fsbench: bad arguments for %s\n", cmd);
    return 2;
  }
  return 0;
}
