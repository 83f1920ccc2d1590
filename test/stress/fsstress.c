/*
 * fsstress-style run: NPROC processes do random namespace and data operations
 * on one shared, small namespace (so they collide all the time), for OPS
 * operations each or until SECONDS pass. Errors a correct file system gives
 * for such collisions (ENOENT, EEXIST, ENOTEMPTY, ...) are counted; any other
 * error is reported. Afterwards the tree must be consistent: every directory's
 * link count is 2 + its subdirectories, every other object's link count is the
 * number of names it has, every file reads to its size, the listing is the same
 * after the kernel dropped its caches, and removing everything gives back the
 * space (statfs).
 *
 * Usage: fsstress DIR NPROC OPS SECONDS SEED
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

static uint64_t rng;
static uint64_t next(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}
static int rnd(int n) { return (int)(next() % (uint64_t)n); }

/* A random path: up to 3 levels of d0..d3, ending in a name from a small set. */
static void rpath(char *out, size_t size) {
  int depth = rnd(4);
  size_t n = 0;
  for (int i = 0; i < depth; i++) n += snprintf(out + n, size - n, "d%d/", rnd(4));
  static const char *leaf[] = {"f", "g", "d", "l", "p", "h"};
  snprintf(out + n, size - n, "%s%d", leaf[rnd(6)], rnd(6));
}

enum { OP_CREAT, OP_MKDIR, OP_RMDIR, OP_UNLINK, OP_RENAME, OP_LINK, OP_SYMLINK, OP_READLINK, OP_WRITE, OP_READ,
       OP_TRUNCATE, OP_PUNCH, OP_CHMOD, OP_CHOWN, OP_UTIMES, OP_STAT, OP_READDIR, OP_MKFIFO, OP_SETXATTR,
       OP_GETXATTR, OP_FSYNC, OP_COPY, OP_EXCHANGE, OP_NOREPLACE, OP_ALLOCATE, OP_APPEND, NOPS };
static const char *opnames[NOPS] = {"creat", "mkdir", "rmdir", "unlink", "rename", "link", "symlink", "readlink",
  "write", "read", "truncate", "punch", "chmod", "chown", "utimes", "stat", "readdir", "mkfifo", "setxattr",
  "getxattr", "fsync", "copy", "exchange", "noreplace", "allocate", "append"};

/* Errors that collisions of correct operations produce. */
static int expected(int e) {
  switch (e) {
    case ENOENT: case EEXIST: case ENOTEMPTY: case ENOTDIR: case EISDIR: case EINVAL: case ELOOP:
    case ENODATA: case EPERM: case ENXIO: case EBADF: case EXDEV:
      return 1;
  }
  return 0;
}

static long unexpected;

static void note(int op, const char *path, long r) {
  if (r >= 0) return;
  if (expected(errno)) return;
  unexpected++;
  fprintf(stderr, "fsstress[%d]: %s %s: %s\n", getpid(), opnames[op], path, strerror(errno));
}

static void child(int id, long ops, double seconds) {
  char a[512], b[512];
  static char buf[1 << 17];
  struct timespec t0, t;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  alarm((unsigned)seconds + 60); /* a call that hangs kills the process, which counts as a failure */
  for (long i = 0; i < ops; i++) {
    if ((i & 63) == 0) {
      clock_gettime(CLOCK_MONOTONIC, &t);
      if (t.tv_sec - t0.tv_sec + (t.tv_nsec - t0.tv_nsec) / 1e9 > seconds) break;
    }
    int op = rnd(NOPS);
    rpath(a, sizeof a);
    rpath(b, sizeof b);
    long r = 0;
    int fd;
    switch (op) {
      case OP_CREAT: r = fd = open(a, O_CREAT | O_WRONLY | O_NONBLOCK | (rnd(2) ? O_EXCL : 0), 0644); if (fd >= 0) close(fd); break;
      case OP_MKDIR: r = mkdir(a, 0755); break;
      case OP_RMDIR: r = rmdir(a); break;
      case OP_UNLINK: r = unlink(a); break;
      case OP_RENAME: r = rename(a, b); break;
      case OP_NOREPLACE: r = renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_NOREPLACE); break;
      case OP_EXCHANGE: r = renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE); break;
      case OP_LINK: r = link(a, b); break;
      case OP_SYMLINK: r = symlink(rnd(2) ? b : "f1", a); break;
      case OP_READLINK: r = readlink(a, buf, 512); break;
      case OP_MKFIFO: r = mkfifo(a, 0644); break;
      case OP_WRITE: case OP_APPEND: {
        r = fd = open(a, O_WRONLY | O_NONBLOCK | (op == OP_APPEND ? O_APPEND : 0));
        if (fd >= 0) {
          int len = 1 + rnd(rnd(4) == 0 ? (int)sizeof buf : 4096);
          memset(buf, 'a' + id, len);
          struct stat st;
          if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) r = pwrite(fd, buf, len, op == OP_APPEND ? 0 : rnd(1 << 20));
          close(fd);
        }
        break;
      }
      case OP_READ:
        r = fd = open(a, O_RDONLY | O_NONBLOCK);
        if (fd >= 0) {
          struct stat st;
          if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) while ((r = read(fd, buf, sizeof buf)) > 0) {}
          close(fd);
        }
        break;
      case OP_TRUNCATE: r = truncate(a, rnd(1 << 20)); break;
      case OP_PUNCH: case OP_ALLOCATE: case OP_FSYNC:
        r = fd = open(a, O_RDWR | O_NONBLOCK);
        if (fd >= 0) {
          struct stat st;
          if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
            if (op == OP_PUNCH) r = fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, rnd(1 << 20), 1 + rnd(1 << 18));
            else if (op == OP_ALLOCATE) r = fallocate(fd, rnd(2) ? FALLOC_FL_KEEP_SIZE : 0, rnd(1 << 20), 1 + rnd(1 << 16));
            else r = fsync(fd);
          }
          close(fd);
        }
        break;
      case OP_CHMOD: r = chmod(a, 0600 + rnd(0200)); break;
      case OP_CHOWN: r = lchown(a, rnd(3) * 1000, rnd(3) * 1000); break;
      case OP_UTIMES: r = utimensat(AT_FDCWD, a, NULL, AT_SYMLINK_NOFOLLOW); break;
      case OP_STAT: { struct stat st; r = lstat(a, &st); break; }
      case OP_READDIR: {
        char *slash = strrchr(a, '/');
        if (slash) *slash = 0; else strcpy(a, ".");
        DIR *d = opendir(a);
        if (d == NULL) { r = -1; break; }
        while (readdir(d) != NULL) {}
        closedir(d);
        break;
      }
      case OP_SETXATTR: r = lsetxattr(a, "user.k", "value", 1 + rnd(5), 0); if (r < 0 && (errno == EPERM || errno == ENOTSUP)) r = 0; break;
      case OP_GETXATTR: r = lgetxattr(a, "user.k", buf, 64); if (r < 0 && errno == ENOTSUP) r = 0; break;
      case OP_COPY: {
        int in = open(a, O_RDONLY | O_NONBLOCK), out = open(b, O_WRONLY | O_NONBLOCK);
        struct stat si, so;
        r = in < 0 || out < 0 ? -1 : 0;
        if (r == 0 && fstat(in, &si) == 0 && fstat(out, &so) == 0 && S_ISREG(si.st_mode) && S_ISREG(so.st_mode)) {
          loff_t oi = rnd(1 << 20), oo = rnd(1 << 20);
          r = copy_file_range(in, &oi, out, &oo, 1 + rnd(1 << 17), 0);
        }
        if (in >= 0) close(in);
        if (out >= 0) close(out);
        break;
      }
    }
    note(op, a, r);
  }
  exit(unexpected ? 1 : 0);
}

/* ---- consistency ---------------------------------------------------------- */

struct obj { ino_t ino; nlink_t nlink; int names; };
static struct obj *objs;
static size_t nobjs;
static long problems;
static FILE *listing;

static void count_name(ino_t ino, nlink_t nlink) {
  for (size_t i = 0; i < nobjs; i++) if (objs[i].ino == ino) { objs[i].names++; return; }
  objs = realloc(objs, (nobjs + 1) * sizeof *objs);
  objs[nobjs++] = (struct obj){ino, nlink, 1};
}

static int cmpstr(const void *x, const void *y) { return strcmp(*(char *const *)x, *(char *const *)y); }

static void walk(const char *dir) {
  DIR *d = opendir(dir);
  if (!d) { fprintf(stderr, "fsstress: opendir %s: %s\n", dir, strerror(errno)); problems++; return; }
  char **names = NULL;
  size_t n = 0;
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
    names = realloc(names, (n + 1) * sizeof *names);
    names[n++] = strdup(de->d_name);
  }
  closedir(d);
  qsort(names, n, sizeof *names, cmpstr);
  int subdirs = 0;
  for (size_t i = 0; i < n; i++) {
    char p[1024];
    snprintf(p, sizeof p, "%s/%s", dir, names[i]);
    struct stat st;
    if (lstat(p, &st) < 0) { fprintf(stderr, "fsstress: listed %s but lstat: %s\n", p, strerror(errno)); problems++; continue; }
    fprintf(listing, "%s %o %u:%u %lld %lu\n", p, st.st_mode, st.st_uid, st.st_gid, S_ISDIR(st.st_mode) ? 0LL : (long long)st.st_size, (unsigned long)st.st_nlink);
    if (S_ISDIR(st.st_mode)) { subdirs++; walk(p); }
    else count_name(st.st_ino, st.st_nlink);
    if (S_ISREG(st.st_mode)) {
      int fd = open(p, O_RDONLY);
      static char buf[1 << 16];
      long long total = 0;
      ssize_t r = 0;
      while (fd >= 0 && (r = read(fd, buf, sizeof buf)) > 0) total += r;
      if (fd < 0 || r < 0 || total != st.st_size) {
        fprintf(stderr, "fsstress: %s reads %lld bytes of %lld (%s)\n", p, total, (long long)st.st_size, strerror(errno));
        problems++;
      }
      if (fd >= 0) close(fd);
    }
    free(names[i]);
  }
  free(names);
  struct stat self;
  if (lstat(dir, &self) == 0 && self.st_nlink != (nlink_t)(2 + subdirs)) {
    fprintf(stderr, "fsstress: %s has nlink %lu, expected %d\n", dir, (unsigned long)self.st_nlink, 2 + subdirs);
    problems++;
  }
}

static char *snapshot(const char *dir) {
  char *text = NULL;
  size_t len = 0;
  listing = open_memstream(&text, &len);
  nobjs = 0;
  walk(dir);
  for (size_t i = 0; i < nobjs; i++) {
    if ((int)objs[i].nlink != objs[i].names) {
      fprintf(stderr, "fsstress: inode %lu has nlink %lu but %d names\n", (unsigned long)objs[i].ino, (unsigned long)objs[i].nlink, objs[i].names);
      problems++;
    }
  }
  fclose(listing);
  return text;
}

static void rmtree(const char *dir) {
  DIR *d = opendir(dir);
  if (!d) return;
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
    char p[1024];
    snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
    struct stat st;
    if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode)) { rmtree(p); if (rmdir(p) < 0) { perror(p); problems++; } }
    else if (unlink(p) < 0) { perror(p); problems++; }
  }
  closedir(d);
}

int main(int argc, char **argv) {
  if (argc < 6) { fprintf(stderr, "usage: fsstress DIR NPROC OPS SECONDS SEED\n"); return 2; }
  const char *dir = argv[1];
  int nproc = atoi(argv[2]);
  long ops = atol(argv[3]);
  double seconds = atof(argv[4]);
  long seed = atol(argv[5]);
  if (chdir(dir) < 0) { perror(dir); return 2; }
  struct statvfs v0;
  statvfs(".", &v0);
  for (int i = 0; i < nproc; i++) {
    pid_t p = fork();
    if (p == 0) { rng = (uint64_t)(seed * 1000 + i + 1) * 0x9e3779b97f4a7c15ull; child(i, ops, seconds); }
  }
  int bad = 0, status;
  while (wait(&status) > 0) if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) bad++;
  if (bad) fprintf(stderr, "fsstress: %d processes saw unexpected errors\n", bad);
  char *before = snapshot(".");
  sync();
  int fd = open("/proc/sys/vm/drop_caches", O_WRONLY);
  if (fd >= 0) { if (write(fd, "2", 1) < 0) perror("drop_caches"); close(fd); }
  char *after = snapshot(".");
  if (strcmp(before, after) != 0) { fprintf(stderr, "fsstress: the tree differs after dropping caches\n"); problems++; }
  long entries = 0;
  for (char *c = before; *c; c++) entries += *c == '\n';
  rmtree(".");
  struct statvfs v1;
  statvfs(".", &v1);
  long long freed_diff = ((long long)v0.f_bfree - (long long)v1.f_bfree) * (long long)v0.f_frsize;
  printf("fsstress: %d processes, %ld entries at the end, problems %ld, free space %+lld bytes vs start\n", nproc, entries, problems,
         -freed_diff);
  if (freed_diff > 256 * 1024) { fprintf(stderr, "fsstress: %lld bytes not given back\n", freed_diff); problems++; }
  return bad || problems ? 1 : 0;
}
