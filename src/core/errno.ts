/**
 * The one error vocabulary of memefs: Linux errno numbers. Every layer throws
 * `FsError`; the edges map it (FUSE replies with -errno, the node:fs facade
 * builds Node-shaped errors, the CLI prints the message).
 */
export const Errno = {
  EPERM: 1, ENOENT: 2, ESRCH: 3, EINTR: 4, EIO: 5, ENXIO: 6, E2BIG: 7, EBADF: 9,
  EAGAIN: 11, ENOMEM: 12, EACCES: 13, EFAULT: 14, EBUSY: 16, EEXIST: 17, EXDEV: 18,
  ENODEV: 19, ENOTDIR: 20, EISDIR: 21, EINVAL: 22, ENFILE: 23, EMFILE: 24, ENOTTY: 25,
  ETXTBSY: 26, EFBIG: 27, ENOSPC: 28, ESPIPE: 29, EROFS: 30, EMLINK: 31, EPIPE: 32,
  ERANGE: 34, ENAMETOOLONG: 36, ENOSYS: 38, ENOTEMPTY: 39, ELOOP: 40, ENODATA: 61, EPROTO: 71,
  EOVERFLOW: 75, EILSEQ: 84, ENOTSUP: 95, EOPNOTSUPP: 95, EDQUOT: 122, ENOTCONN: 107,
} as const;
export type ErrnoName = keyof typeof Errno;

const NAMES = new Map<number, ErrnoName>();
for (const [name, n] of Object.entries(Errno) as [ErrnoName, number][]) {
  if (!NAMES.has(n)) NAMES.set(n, name);
}

const DESCRIPTIONS: Partial<Record<ErrnoName, string>> = {
  EPERM: 'operation not permitted', ENOENT: 'no such file or directory', EIO: 'i/o error',
  EBADF: 'bad file descriptor', EACCES: 'permission denied', EBUSY: 'resource busy or locked',
  EEXIST: 'file already exists', EXDEV: 'cross-device link not permitted', ENOTDIR: 'not a directory',
  EISDIR: 'illegal operation on a directory', EINVAL: 'invalid argument', EFBIG: 'file too large',
  ENOSPC: 'no space left on device', ESPIPE: 'invalid seek', EROFS: 'read-only file system',
  EMLINK: 'too many links', ERANGE: 'result too large', ENAMETOOLONG: 'name too long',
  ENOSYS: 'function not implemented', ENOTEMPTY: 'directory not empty',
  ELOOP: 'too many symbolic links encountered', ENODATA: 'no data available',
  EOPNOTSUPP: 'operation not supported on socket', EDQUOT: 'disk quota exceeded',
  EOVERFLOW: 'value too large for defined data type', E2BIG: 'argument list too long',
  EILSEQ: 'illegal byte sequence', ENOTTY: 'inappropriate ioctl for device',
  ENXIO: 'no such device or address', EAGAIN: 'resource temporarily unavailable',
  ENOMEM: 'not enough memory', ETXTBSY: 'text file is busy',
};

export function errnoName(errno: number): string {
  return NAMES.get(errno) ?? `E${errno}`;
}

export function errnoDescription(errno: number): string {
  const name = NAMES.get(errno);
  return (name && DESCRIPTIONS[name]) ?? 'unknown error';
}

/** An error carrying a Linux errno. `detail` says what was being done, for logs. */
export class FsError extends Error {
  readonly errno: number;
  readonly code: string;
  constructor(errno: number, detail?: string) {
    const code = errnoName(errno);
    // FsErrors are expected outcomes (an absent name, a missing xattr), thrown on the hot paths of the
    // transports, which turn them into an errno; capturing a stack trace would cost ~10 us each, more than
    // the rest of a FUSE request. The message says what failed; internal errors keep their stacks.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(detail ? `${code}: ${errnoDescription(errno)}, ${detail}` : `${code}: ${errnoDescription(errno)}`);
    Error.stackTraceLimit = limit;
    this.errno = errno;
    this.code = code;
  }
}

export function fail(errno: number, detail?: string): never {
  throw new FsError(errno, detail);
}

export function isFsError(e: unknown): e is FsError {
  return e instanceof FsError;
}
