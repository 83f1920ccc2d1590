/**
 * The FUSE kernel ABI (include/uapi/linux/fuse.h, protocol 7.x), declared
 * once as data. Field names follow the kernel's. Requests arrive as
 * in_header + an op-specific struct + (for some ops) NUL-terminated names or
 * payload; replies are out_header + an op-specific struct or raw data.
 */
import { struct } from './struct.js';

export const KERNEL_VERSION = 7;
/** The newest minor we speak; the connection uses min(kernel's, ours). */
export const KERNEL_MINOR = 45;
export const ROOT_ID = 1;
export const MIN_READ_BUFFER = 8192;

export const Op = {
  LOOKUP: 1, FORGET: 2, GETATTR: 3, SETATTR: 4, READLINK: 5, SYMLINK: 6, MKNOD: 8, MKDIR: 9,
  UNLINK: 10, RMDIR: 11, RENAME: 12, LINK: 13, OPEN: 14, READ: 15, WRITE: 16, STATFS: 17,
  RELEASE: 18, FSYNC: 20, SETXATTR: 21, GETXATTR: 22, LISTXATTR: 23, REMOVEXATTR: 24, FLUSH: 25,
  INIT: 26, OPENDIR: 27, READDIR: 28, RELEASEDIR: 29, FSYNCDIR: 30, GETLK: 31, SETLK: 32,
  SETLKW: 33, ACCESS: 34, CREATE: 35, INTERRUPT: 36, BMAP: 37, DESTROY: 38, IOCTL: 39, POLL: 40,
  NOTIFY_REPLY: 41, BATCH_FORGET: 42, FALLOCATE: 43, READDIRPLUS: 44, RENAME2: 45, LSEEK: 46,
  COPY_FILE_RANGE: 47, SETUPMAPPING: 48, REMOVEMAPPING: 49, SYNCFS: 50, TMPFILE: 51, STATX: 52,
  COPY_FILE_RANGE_64: 53,
} as const;

export const OP_NAMES: Record<number, string> = Object.fromEntries(Object.entries(Op).map(([k, v]) => [v, k]));

export const Notify = { POLL: 1, INVAL_INODE: 2, INVAL_ENTRY: 3, STORE: 4, RETRIEVE: 5, DELETE: 6 } as const;

/** INIT flags (bits 32+ travel in flags2). */
export const Init = {
  ASYNC_READ: 1 << 0, POSIX_LOCKS: 1 << 1, ATOMIC_O_TRUNC: 1 << 3, EXPORT_SUPPORT: 1 << 4,
  BIG_WRITES: 1 << 5, DONT_MASK: 1 << 6, FLOCK_LOCKS: 1 << 10, HAS_IOCTL_DIR: 1 << 11,
  AUTO_INVAL_DATA: 1 << 12, DO_READDIRPLUS: 1 << 13, READDIRPLUS_AUTO: 1 << 14, ASYNC_DIO: 1 << 15,
  WRITEBACK_CACHE: 1 << 16, NO_OPEN_SUPPORT: 1 << 17, PARALLEL_DIROPS: 1 << 18,
  HANDLE_KILLPRIV: 1 << 19, POSIX_ACL: 1 << 20, ABORT_ERROR: 1 << 21, MAX_PAGES: 1 << 22,
  CACHE_SYMLINKS: 1 << 23, NO_OPENDIR_SUPPORT: 1 << 24, EXPLICIT_INVAL_DATA: 1 << 25,
  HANDLE_KILLPRIV_V2: 1 << 28, SETXATTR_EXT: 1 << 29, INIT_EXT: 1 << 30,
} as const;
/** flags2 bits (INIT flag bit N+32). */
export const Init2 = {
  SECURITY_CTX: 1 << 0, HAS_INODE_DAX: 1 << 1, CREATE_SUPP_GROUP: 1 << 2, HAS_EXPIRE_ONLY: 1 << 3,
  DIRECT_IO_ALLOW_MMAP: 1 << 4, NO_EXPORT_SUPPORT: 1 << 6, OVER_IO_URING: 1 << 9,
} as const;

export const FATTR = {
  MODE: 1 << 0, UID: 1 << 1, GID: 1 << 2, SIZE: 1 << 3, ATIME: 1 << 4, MTIME: 1 << 5, FH: 1 << 6,
  ATIME_NOW: 1 << 7, MTIME_NOW: 1 << 8, LOCKOWNER: 1 << 9, CTIME: 1 << 10, KILL_SUIDGID: 1 << 11,
} as const;

export const FOPEN = {
  DIRECT_IO: 1 << 0, KEEP_CACHE: 1 << 1, NONSEEKABLE: 1 << 2, CACHE_DIR: 1 << 3, STREAM: 1 << 4,
  NOFLUSH: 1 << 5, PARALLEL_DIRECT_WRITES: 1 << 6,
} as const;

export const WRITE_KILL_SUIDGID = 1 << 2;
export const OPEN_KILL_SUIDGID = 1 << 0;
export const GETATTR_FH = 1 << 0;
export const IOCTL_DIR = 1 << 4;
export const IOCTL_UNRESTRICTED = 1 << 1;

export const InHeader = struct('in_header', [
  ['len', 'u32'], ['opcode', 'u32'], ['unique', 'u64'], ['nodeid', 'u64'],
  ['uid', 'u32'], ['gid', 'u32'], ['pid', 'u32'], ['total_extlen', 'u16'], ['_padding', 'u16'],
] as const);
export const IN_HEADER_SIZE = InHeader.size; // 40

export const OutHeader = struct('out_header', [['len', 'u32'], ['error', 'i32'], ['unique', 'u64']] as const);
export const OUT_HEADER_SIZE = OutHeader.size; // 16

const attrFields = [
  ['ino', 'u64'], ['size', 'u64'], ['blocks', 'u64'], ['atime', 'u64'], ['mtime', 'u64'], ['ctime', 'u64'],
  ['atimensec', 'u32'], ['mtimensec', 'u32'], ['ctimensec', 'u32'], ['mode', 'u32'], ['nlink', 'u32'],
  ['uid', 'u32'], ['gid', 'u32'], ['rdev', 'u32'], ['blksize', 'u32'], ['flags', 'u32'],
] as const;
export const Attr = struct('attr', attrFields);

export const EntryOut = struct('entry_out', [
  ['nodeid', 'u64'], ['generation', 'u64'], ['entry_valid', 'u64'], ['attr_valid', 'u64'],
  ['entry_valid_nsec', 'u32'], ['attr_valid_nsec', 'u32'],
] as const);
/** entry_out is followed by the attr (its last member). */
export const ENTRY_OUT_SIZE = EntryOut.size + Attr.size; // 128

export const AttrOut = struct('attr_out', [['attr_valid', 'u64'], ['attr_valid_nsec', 'u32'], ['_dummy', 'u32']] as const);
export const ATTR_OUT_SIZE = AttrOut.size + Attr.size; // 104

export const Statx = struct('statx', [
  ['mask', 'u32'], ['blksize', 'u32'], ['attributes', 'u64'], ['nlink', 'u32'], ['uid', 'u32'], ['gid', 'u32'],
  ['mode', 'u16'], ['_spare0', 'u16'], ['ino', 'u64'], ['size', 'u64'], ['blocks', 'u64'], ['attributes_mask', 'u64'],
  ['atime', 'i64'], ['atimensec', 'u32'], ['_r1', 'i32'], ['btime', 'i64'], ['btimensec', 'u32'], ['_r2', 'i32'],
  ['ctime', 'i64'], ['ctimensec', 'u32'], ['_r3', 'i32'], ['mtime', 'i64'], ['mtimensec', 'u32'], ['_r4', 'i32'],
  ['rdev_major', 'u32'], ['rdev_minor', 'u32'], ['dev_major', 'u32'], ['dev_minor', 'u32'], ['_spare2', 'pad112'],
] as const);
export const StatxIn = struct('statx_in', [
  ['getattr_flags', 'u32'], ['_reserved', 'u32'], ['fh', 'u64'], ['sx_flags', 'u32'], ['sx_mask', 'u32'],
] as const);
export const StatxOut = struct('statx_out', [
  ['attr_valid', 'u64'], ['attr_valid_nsec', 'u32'], ['flags', 'u32'], ['_spare', 'pad16'],
] as const);
export const STATX_OUT_SIZE = StatxOut.size + Statx.size; // 288

export const STATX = {
  TYPE: 0x1, MODE: 0x2, NLINK: 0x4, UID: 0x8, GID: 0x10, ATIME: 0x20, MTIME: 0x40, CTIME: 0x80,
  INO: 0x100, SIZE: 0x200, BLOCKS: 0x400, BASIC_STATS: 0x7ff, BTIME: 0x800,
} as const;

export const ForgetIn = struct('forget_in', [['nlookup', 'u64']] as const);
export const BatchForgetIn = struct('batch_forget_in', [['count', 'u32'], ['_dummy', 'u32']] as const);
export const ForgetOne = struct('forget_one', [['nodeid', 'u64'], ['nlookup', 'u64']] as const);
export const GetattrIn = struct('getattr_in', [['getattr_flags', 'u32'], ['_dummy', 'u32'], ['fh', 'u64']] as const);
export const MknodIn = struct('mknod_in', [['mode', 'u32'], ['rdev', 'u32'], ['umask', 'u32'], ['_padding', 'u32']] as const);
export const MkdirIn = struct('mkdir_in', [['mode', 'u32'], ['umask', 'u32']] as const);
export const RenameIn = struct('rename_in', [['newdir', 'u64']] as const);
export const Rename2In = struct('rename2_in', [['newdir', 'u64'], ['flags', 'u32'], ['_padding', 'u32']] as const);
export const LinkIn = struct('link_in', [['oldnodeid', 'u64']] as const);
export const SetattrIn = struct('setattr_in', [
  ['valid', 'u32'], ['_padding', 'u32'], ['fh', 'u64'], ['size', 'u64'], ['lock_owner', 'u64'],
  ['atime', 'i64'], ['mtime', 'i64'], ['ctime', 'i64'], ['atimensec', 'u32'], ['mtimensec', 'u32'],
  ['ctimensec', 'u32'], ['mode', 'u32'], ['_unused4', 'u32'], ['uid', 'u32'], ['gid', 'u32'], ['_unused5', 'u32'],
] as const);
export const OpenIn = struct('open_in', [['flags', 'u32'], ['open_flags', 'u32']] as const);
export const CreateIn = struct('create_in', [['flags', 'u32'], ['mode', 'u32'], ['umask', 'u32'], ['open_flags', 'u32']] as const);
export const OpenOut = struct('open_out', [['fh', 'u64'], ['open_flags', 'u32'], ['backing_id', 'i32']] as const);
export const ReleaseIn = struct('release_in', [['fh', 'u64'], ['flags', 'u32'], ['release_flags', 'u32'], ['lock_owner', 'u64']] as const);
export const FlushIn = struct('flush_in', [['fh', 'u64'], ['_unused', 'u32'], ['_padding', 'u32'], ['lock_owner', 'u64']] as const);
export const ReadIn = struct('read_in', [
  ['fh', 'u64'], ['offset', 'u64'], ['size', 'u32'], ['read_flags', 'u32'], ['lock_owner', 'u64'], ['flags', 'u32'], ['_padding', 'u32'],
] as const);
export const WriteIn = struct('write_in', [
  ['fh', 'u64'], ['offset', 'u64'], ['size', 'u32'], ['write_flags', 'u32'], ['lock_owner', 'u64'], ['flags', 'u32'], ['_padding', 'u32'],
] as const);
export const WriteOut = struct('write_out', [['size', 'u32'], ['_padding', 'u32']] as const);
export const StatfsOut = struct('statfs_out', [
  ['blocks', 'u64'], ['bfree', 'u64'], ['bavail', 'u64'], ['files', 'u64'], ['ffree', 'u64'],
  ['bsize', 'u32'], ['namelen', 'u32'], ['frsize', 'u32'], ['_padding', 'u32'], ['_spare', 'pad24'],
] as const);
export const FsyncIn = struct('fsync_in', [['fh', 'u64'], ['fsync_flags', 'u32'], ['_padding', 'u32']] as const);
export const SetxattrIn = struct('setxattr_in', [['size', 'u32'], ['flags', 'u32'], ['setxattr_flags', 'u32'], ['_padding', 'u32']] as const);
export const SETXATTR_IN_COMPAT_SIZE = 8;
export const GetxattrIn = struct('getxattr_in', [['size', 'u32'], ['_padding', 'u32']] as const);
export const GetxattrOut = struct('getxattr_out', [['size', 'u32'], ['_padding', 'u32']] as const);
export const AccessIn = struct('access_in', [['mask', 'u32'], ['_padding', 'u32']] as const);
export const InitIn = struct('init_in', [
  ['major', 'u32'], ['minor', 'u32'], ['max_readahead', 'u32'], ['flags', 'u32'], ['flags2', 'u32'], ['_unused', 'pad44'],
] as const);
export const InitOut = struct('init_out', [
  ['major', 'u32'], ['minor', 'u32'], ['max_readahead', 'u32'], ['flags', 'u32'], ['max_background', 'u16'],
  ['congestion_threshold', 'u16'], ['max_write', 'u32'], ['time_gran', 'u32'], ['max_pages', 'u16'],
  ['map_alignment', 'u16'], ['flags2', 'u32'], ['max_stack_depth', 'u32'], ['request_timeout', 'u16'], ['_unused', 'pad22'],
] as const);
export const InterruptIn = struct('interrupt_in', [['unique', 'u64']] as const);
export const IoctlIn = struct('ioctl_in', [
  ['fh', 'u64'], ['flags', 'u32'], ['cmd', 'u32'], ['arg', 'u64'], ['in_size', 'u32'], ['out_size', 'u32'],
] as const);
export const IoctlOut = struct('ioctl_out', [['result', 'i32'], ['flags', 'u32'], ['in_iovs', 'u32'], ['out_iovs', 'u32']] as const);
export const PollIn = struct('poll_in', [['fh', 'u64'], ['kh', 'u64'], ['flags', 'u32'], ['events', 'u32']] as const);
export const PollOut = struct('poll_out', [['revents', 'u32'], ['_padding', 'u32']] as const);
export const FallocateIn = struct('fallocate_in', [['fh', 'u64'], ['offset', 'u64'], ['length', 'u64'], ['mode', 'u32'], ['_padding', 'u32']] as const);
export const LseekIn = struct('lseek_in', [['fh', 'u64'], ['offset', 'u64'], ['whence', 'u32'], ['_padding', 'u32']] as const);
export const LseekOut = struct('lseek_out', [['offset', 'u64']] as const);
export const CopyFileRangeIn = struct('copy_file_range_in', [
  ['fh_in', 'u64'], ['off_in', 'u64'], ['nodeid_out', 'u64'], ['fh_out', 'u64'], ['off_out', 'u64'], ['len', 'u64'], ['flags', 'u64'],
] as const);
export const CopyFileRangeOut = struct('copy_file_range_out', [['bytes_copied', 'u64']] as const);
export const LkIn = struct('lk_in', [
  ['fh', 'u64'], ['owner', 'u64'], ['start', 'u64'], ['end', 'u64'], ['type', 'u32'], ['pid', 'u32'], ['lk_flags', 'u32'], ['_padding', 'u32'],
] as const);
export const BmapIn = struct('bmap_in', [['block', 'u64'], ['blocksize', 'u32'], ['_padding', 'u32']] as const);

/** A directory entry in READDIR replies: header, then the name, padded to 8 bytes. */
export const Dirent = struct('dirent', [['ino', 'u64'], ['off', 'u64'], ['namelen', 'u32'], ['type', 'u32']] as const);

export const NotifyInvalInodeOut = struct('notify_inval_inode_out', [['ino', 'u64'], ['off', 'i64'], ['len', 'i64']] as const);
export const NotifyInvalEntryOut = struct('notify_inval_entry_out', [['parent', 'u64'], ['namelen', 'u32'], ['flags', 'u32']] as const);
export const NotifyDeleteOut = struct('notify_delete_out', [['parent', 'u64'], ['child', 'u64'], ['namelen', 'u32'], ['_padding', 'u32']] as const);

/** Security-context / supplementary-group extensions trail some requests. */
export const ExtHeader = struct('ext_header', [['size', 'u32'], ['type', 'u32']] as const);

export function align8(n: number): number {
  return (n + 7) & ~7;
}
