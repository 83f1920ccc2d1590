/*
 * fuse-floor: the least a FUSE file system can do, in C, for the benchmark's
 * "round trip" line. It mounts an empty directory at DIR, answers the requests
 * the kernel needs to use it (INIT, GETATTR and LOOKUP of the root, GETXATTR
 * with ENODATA) and ENOSYS to the rest. Like the memefs daemon, it reads the
 * device without blocking and spins while it is empty, so nothing sleeps
 * between requests: the time a client sees per request is what the kernel and
 * this machine need for one round trip through /dev/fuse, with (next to) no
 * file-system work on top.
 *
 *   fuse-floor DIR        mounts, then serves in a child process until DIR is unmounted
 *
 * Uses only the kernel's <linux/fuse.h>; no libfuse.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fuse.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

static char in[FUSE_MIN_READ_BUFFER + (1 << 20)];

static void reply(int fd, const struct fuse_in_header *h, int error, const void *body, size_t size) {
  char out[sizeof(struct fuse_out_header) + 256];
  struct fuse_out_header *o = (struct fuse_out_header *)out;
  o->unique = h->unique;
  o->error = -error;
  o->len = sizeof *o + (error ? 0 : size);
  if (!error && size) memcpy(out + sizeof *o, body, size);
  if (write(fd, out, o->len) < 0 && errno != ENOENT) perror("fuse-floor: write");
}

static void root_attr(struct fuse_attr *a) {
  memset(a, 0, sizeof *a);
  a->ino = FUSE_ROOT_ID;
  a->mode = S_IFDIR | 0755;
  a->nlink = 2;
  a->blksize = 4096;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: fuse-floor DIR\n");
    return 2;
  }
  int fd = open("/dev/fuse", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    perror("fuse-floor: /dev/fuse");
    return 1;
  }
  char opts[128];
  snprintf(opts, sizeof opts, "fd=%d,rootmode=40000,user_id=%u,group_id=%u,default_permissions", fd, getuid(), getgid());
  if (mount("fuse-floor", argv[1], "fuse.fuse-floor", MS_NOSUID | MS_NODEV, opts) < 0) {
    perror("fuse-floor: mount");
    return 1;
  }
  pid_t child = fork();
  if (child < 0) {
    perror("fuse-floor: fork");
    umount2(argv[1], MNT_DETACH);
    return 1;
  }
  if (child > 0) return 0;
  /* The server leaves the caller's standard streams, so that a caller waiting for them to close returns. */
  setsid();
  int null = open("/dev/null", O_RDWR);
  if (null >= 0) {
    dup2(null, 0);
    dup2(null, 1);
    dup2(null, 2);
    if (null > 2) close(null);
  }

  for (;;) {
    ssize_t n = read(fd, in, sizeof in);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR || errno == ENOENT) continue;
      return 0; /* ENODEV: unmounted */
    }
    const struct fuse_in_header *h = (const struct fuse_in_header *)in;
    const void *arg = in + sizeof *h;
    switch (h->opcode) {
      case FUSE_INIT: {
        const struct fuse_init_in *i = arg;
        struct fuse_init_out o;
        memset(&o, 0, sizeof o);
        o.major = FUSE_KERNEL_VERSION;
        o.minor = i->minor < FUSE_KERNEL_MINOR_VERSION ? i->minor : FUSE_KERNEL_MINOR_VERSION;
        o.max_readahead = i->max_readahead;
        o.max_write = 1 << 20;
        reply(fd, h, 0, &o, sizeof o);
        break;
      }
      case FUSE_GETATTR: {
        struct fuse_attr_out o;
        memset(&o, 0, sizeof o);
        o.attr_valid = 86400;
        root_attr(&o.attr);
        if (h->nodeid == FUSE_ROOT_ID) reply(fd, h, 0, &o, sizeof o);
        else reply(fd, h, ENOENT, NULL, 0);
        break;
      }
      case FUSE_LOOKUP: reply(fd, h, ENOENT, NULL, 0); break;
      case FUSE_GETXATTR: reply(fd, h, ENODATA, NULL, 0); break;
      case FUSE_FORGET:
      case FUSE_BATCH_FORGET: break; /* no reply */
      default: reply(fd, h, ENOSYS, NULL, 0); break;
    }
  }
}
