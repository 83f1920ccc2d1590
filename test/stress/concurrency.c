/*
 * memefs's ConcurrencyStressTester, re-created for Linux with threads.
 *
 * Usage: concurrency DIR SECONDS
 * For SECONDS: 5 creator threads create files holding 1-19 random bytes and
 * verify them (then remove every other one); 5 renamer threads create files
 * and rename them with RENAME_NOREPLACE, checking the old name is gone and the
 * new one holds the content; 15 writer threads write 16-byte records at
 * disjoint offsets into 5 shared 500 KB files (3 writers per file, slot i of a
 * file belongs to writer i % 3), flush (fdatasync) and read each record back.
 * At the end every record of every shared file is checked against the last
 * value its writer wrote. Any mismatch or unexpected error: exit status 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CREATORS 5
#define RENAMERS 5
#define WRITERS 15
#define SHARED 5
#define SHARED_SIZE 500000
#define RECORD 16
#define SLOTS (SHARED_SIZE / RECORD)
#define PER_FILE (WRITERS / SHARED)

static const char *dir;
static atomic_int stop, failed;
static atomic_long created, renamed, records;
static uint64_t last[SHARED][SLOTS]; /* last sequence written per slot (0 = never) */

static void fail(const char *fmt, const char *a, long b) {
  char msg[512];
  snprintf(msg, sizeof msg, fmt, a, b);
  fprintf(stderr, "concurrency: %s (errno %s)\n", msg, strerror(errno));
  atomic_store(&failed, 1);
  atomic_store(&stop, 1);
}

static uint64_t xs(uint64_t *s) {
  *s ^= *s << 13;
  *s ^= *s >> 7;
  *s ^= *s << 17;
  return *s;
}

static void *creator(void *arg) {
  long id = (long)arg;
  uint64_t s = 0x9e3779b97f4a7c15ull * (id + 1);
  char path[4096], data[20], back[32];
  for (long n = 0; !atomic_load(&stop); n++) {
    snprintf(path, sizeof path, "%s/c%ld-%ld", dir, id, n);
    int len = 1 + (int)(xs(&s) % 19);
    for (int i = 0; i < len; i++) data[i] = (char)xs(&s);
    int fd = open(path, O_CREAT | O_EXCL | O_WRONLY, 0644);
    if (fd < 0) { fail("create %s: %ld", path, n); break; }
    if (write(fd, data, len) != len) { fail("write %s: %ld", path, len); break; }
    if (close(fd) < 0) { fail("close %s: %ld", path, n); break; }
    fd = open(path, O_RDONLY);
    if (fd < 0) { fail("reopen %s: %ld", path, n); break; }
    ssize_t r = read(fd, back, sizeof back);
    close(fd);
    if (r != len || memcmp(back, data, len) != 0) { fail("verify %s: read %ld", path, (long)r); break; }
    if (n % 2 == 1 && unlink(path) < 0) { fail("unlink %s: %ld", path, n); break; }
    atomic_fetch_add(&created, 1);
  }
  return NULL;
}

static void *renamer(void *arg) {
  long id = (long)arg;
  uint64_t s = 0xbf58476d1ce4e5b9ull * (id + 1);
  char from[4096], to[4096], data[16], back[32];
  struct stat st;
  for (long n = 0; !atomic_load(&stop); n++) {
    snprintf(from, sizeof from, "%s/r%ld-%ld.tmp", dir, id, n);
    snprintf(to, sizeof to, "%s/r%ld-%ld", dir, id, n);
    for (int i = 0; i < 16; i++) data[i] = (char)xs(&s);
    int fd = open(from, O_CREAT | O_EXCL | O_WRONLY, 0644);
    if (fd < 0) { fail("create %s: %ld", from, n); break; }
    if (write(fd, data, 16) != 16 || close(fd) < 0) { fail("write %s: %ld", from, n); break; }
    if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) < 0) { fail("rename %s: %ld", from, n); break; }
    if (lstat(from, &st) == 0 || errno != ENOENT) { fail("old name %s still there: %ld", from, n); break; }
    fd = open(to, O_RDONLY);
    if (fd < 0) { fail("open renamed %s: %ld", to, n); break; }
    ssize_t r = read(fd, back, sizeof back);
    close(fd);
    if (r != 16 || memcmp(back, data, 16) != 0) { fail("verify %s: read %ld", to, (long)r); break; }
    /* renaming onto an existing name without overwrite must fail and change nothing */
    if (n > 0) {
      char prev[4096];
      snprintf(prev, sizeof prev, "%s/r%ld-%ld", dir, id, n - 1);
      if (renameat2(AT_FDCWD, to, AT_FDCWD, prev, RENAME_NOREPLACE) == 0 || errno != EEXIST) { fail("rename over %s: %ld", prev, n); break; }
      if (unlink(prev) < 0) { fail("unlink %s: %ld", prev, n); break; }
    }
    atomic_fetch_add(&renamed, 1);
  }
  return NULL;
}

static void record(unsigned char *r, int file, long slot, uint64_t seq) {
  uint64_t a = ((uint64_t)file << 56) | ((uint64_t)slot << 24) | (seq & 0xffffff);
  uint64_t b = a * 0x94d049bb133111ebull ^ seq;
  memcpy(r, &a, 8);
  memcpy(r + 8, &b, 8);
}

static void *writer(void *arg) {
  long id = (long)arg;
  int file = (int)(id / PER_FILE), part = (int)(id % PER_FILE);
  uint64_t s = 0x94d049bb133111ebull * (id + 1);
  char path[4096];
  snprintf(path, sizeof path, "%s/shared%d", dir, file);
  int fd = open(path, O_RDWR);
  if (fd < 0) { fail("open %s: %ld", path, id); return NULL; }
  unsigned char rec[RECORD], back[RECORD];
  uint64_t seq = 0;
  while (!atomic_load(&stop)) {
    long slot = (long)(xs(&s) % (SLOTS / PER_FILE)) * PER_FILE + part; /* slots of this writer only */
    if (slot >= SLOTS) continue;
    seq++;
    record(rec, file, slot, seq);
    if (pwrite(fd, rec, RECORD, slot * RECORD) != RECORD) { fail("pwrite %s: %ld", path, slot); break; }
    last[file][slot] = seq;
    if (seq % 8 == 0 && fdatasync(fd) < 0) { fail("fdatasync %s: %ld", path, slot); break; }
    if (pread(fd, back, RECORD, slot * RECORD) != RECORD || memcmp(back, rec, RECORD) != 0) {
      fail("re-read %s: slot %ld", path, slot);
      break;
    }
    atomic_fetch_add(&records, 1);
  }
  close(fd);
  return NULL;
}

int main(int argc, char **argv) {
  if (argc < 3) { fprintf(stderr, "usage: concurrency DIR SECONDS\n"); return 2; }
  dir = argv[1];
  double seconds = atof(argv[2]);
  char path[4096];
  for (int f = 0; f < SHARED; f++) {
    snprintf(path, sizeof path, "%s/shared%d", dir, f);
    int fd = open(path, O_CREAT | O_TRUNC | O_RDWR, 0644);
    if (fd < 0 || ftruncate(fd, SHARED_SIZE) < 0) { perror(path); return 2; }
    close(fd);
  }
  pthread_t t[CREATORS + RENAMERS + WRITERS];
  int n = 0;
  for (long i = 0; i < CREATORS; i++) pthread_create(&t[n++], NULL, creator, (void *)i);
  for (long i = 0; i < RENAMERS; i++) pthread_create(&t[n++], NULL, renamer, (void *)i);
  for (long i = 0; i < WRITERS; i++) pthread_create(&t[n++], NULL, writer, (void *)i);
  struct timespec end, now;
  clock_gettime(CLOCK_MONOTONIC, &end);
  end.tv_sec += (time_t)seconds;
  end.tv_nsec += (long)((seconds - (time_t)seconds) * 1e9);
  if (end.tv_nsec >= 1000000000) { end.tv_sec++; end.tv_nsec -= 1000000000; }
  while (!atomic_load(&stop)) {
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (now.tv_sec > end.tv_sec || (now.tv_sec == end.tv_sec && now.tv_nsec >= end.tv_nsec)) break;
    usleep(20000);
  }
  atomic_store(&stop, 1);
  for (int i = 0; i < n; i++) pthread_join(t[i], NULL);
  if (atomic_load(&failed)) return 1;
  /* every record, through a fresh descriptor */
  long checked = 0, never = 0;
  unsigned char *all = malloc(SHARED_SIZE), want[RECORD], zero[RECORD] = {0};
  for (int f = 0; f < SHARED; f++) {
    snprintf(path, sizeof path, "%s/shared%d", dir, f);
    int fd = open(path, O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0 || st.st_size != SHARED_SIZE || read(fd, all, SHARED_SIZE) != SHARED_SIZE) {
      fprintf(stderr, "concurrency: final read of %s failed\n", path);
      return 1;
    }
    close(fd);
    for (long slot = 0; slot < SLOTS; slot++) {
      if (last[f][slot] == 0) {
        never++;
        if (memcmp(all + slot * RECORD, zero, RECORD) != 0) { fprintf(stderr, "concurrency: %s slot %ld never written but not zero\n", path, slot); return 1; }
        continue;
      }
      record(want, f, slot, last[f][slot]);
      if (memcmp(all + slot * RECORD, want, RECORD) != 0) {
        fprintf(stderr, "concurrency: %s slot %ld does not hold its last record\n", path, slot);
        return 1;
      }
      checked++;
    }
  }
  printf("concurrency: %.0f s, created %ld, renamed %ld, records written %ld, final records checked %ld (%ld slots never written)\n",
         seconds, atomic_load(&created), atomic_load(&renamed), atomic_load(&records), checked, never);
  return 0;
}
