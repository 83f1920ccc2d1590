/**
 * The `memefs` command.
 *   memefs MOUNTPOINT [options]     mount a RAM disk (returns once it is usable)
 *   memefs unmount MOUNTPOINT       unmount it (also clears a mount whose server died)
 *   memefs save MOUNTPOINT          save a mounted volume to its image or snapshot now
 *   memefs dump IMAGE               show a FAT image's structures and what is wrong with it
 *   memefs mkimage DIR IMAGE        make a FAT image from a directory
 *   memefs extract IMAGE DIR        extract a FAT image into a directory
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, Option } from 'commander';
import { checkMountPoint, findMount, MountError, mountsAsRoot, mountState, unmount, type MountEntry } from '../fuse/mount.js';
import { libcProblem, loadLibc } from '../sys/libc.js';
import { daemonAlive, type DaemonState, readState, saveResultFile, stateFile, type SaveResult, unmountWaitFile } from './daemon.js';
import {
  applyMountOptions, checkFsName, checkLabel, defaultConfig, formatSize, parseClusterSize, parseCodePage, parseDebugFlags,
  parseDuration, parseFatType, parseSize, UsageError, checkSddl, MIN_VOLUME_SIZE, type MountConfig, checkShareName, parsePort, parseShareUsers,
} from './options.js';
import { TargetError } from '../formats/target.js';
import { DEFAULT_CODEPAGE } from '../formats/fat/shortname.js';
import { Progress } from './progress.js';
// The other commands' modules (FAT tools, info, the checks of --image and --snapshot) are imported
// by the command that uses them: every start of `memefs` pays for what is imported here.

interface MountFlags {
  mountpoint?: string;
  size?: string;
  label?: string;
  caseInsensitive?: boolean;
  debug?: string;
  debugLog?: string;
  fsName?: string;
  option?: string[];
  foreground?: boolean;
  image?: string;
  snapshot?: string;
  save?: boolean;
  saveInterval?: string;
  fatType?: string;
  clusterSize?: string;
  codepage?: string;
  skipTooBig?: boolean;
  sddl?: string;
  share?: string;
  sharePort?: string;
  shareUsers?: string;
}

function buildConfig(positional: string | undefined, flags: MountFlags): MountConfig {
  const target = flags.mountpoint ?? positional;
  if (!target) throw new UsageError('no mount point given (memefs MOUNTPOINT, or -m MOUNTPOINT)');
  if (flags.mountpoint && positional && flags.mountpoint !== positional) {
    throw new UsageError(`two mount points given: ${positional} and -m ${flags.mountpoint}`);
  }
  const config = defaultConfig(target);
  if (flags.size !== undefined) {
    config.sizeLimit = flags.size === '0' ? 0 : parseSize(flags.size, '-s');
    config.sizeGiven = true;
  }
  for (const o of flags.option ?? []) applyMountOptions(o, config);
  if (config.sizeGiven && config.sizeLimit !== 0 && config.sizeLimit < MIN_VOLUME_SIZE) {
    throw new UsageError(`size ${formatSize(config.sizeLimit)} is too small: a memefs volume needs at least ${formatSize(MIN_VOLUME_SIZE)} (-s 64k)`);
  }
  if (config.sizeLimit === 0) config.sizeLimit = Number.MAX_SAFE_INTEGER; // 0: no cap but the machine's memory
  if (flags.label !== undefined) {
    config.label = checkLabel(flags.label);
    config.labelGiven = true;
  }
  if (flags.fsName !== undefined) config.fsName = checkFsName(flags.fsName);
  if (flags.caseInsensitive) config.caseInsensitive = true;
  if (flags.sddl !== undefined) config.rootSddl = checkSddl(flags.sddl);
  if (flags.debug !== undefined) config.debugFlags = parseDebugFlags(flags.debug);
  config.foreground = flags.foreground ?? false;
  if (flags.debugLog !== undefined) {
    // The daemon runs in /: a relative path means the caller's directory.
    config.logFile = flags.debugLog === '-' ? '-' : path.resolve(flags.debugLog);
    if (flags.debug === undefined) config.debugFlags = -1;
  } else if (config.debugFlags !== 0) {
    // Standard error of a background daemon goes nowhere.
    if (!config.foreground) throw new UsageError('-d logs to standard error, which a background daemon does not have: add -f, or give a log file with -D FILE');
    config.logFile = '-';
  }
  if (flags.image !== undefined && flags.snapshot !== undefined) throw new UsageError('give --image or --snapshot, not both');
  if (flags.image !== undefined) config.image = path.resolve(flags.image);
  if (flags.snapshot !== undefined) config.snapshot = path.resolve(flags.snapshot);
  const persistent = config.image !== null || config.snapshot !== null;
  config.noSave = flags.save === false;
  if (flags.saveInterval !== undefined) config.saveInterval = parseDuration(flags.saveInterval, '--save-interval');
  if (flags.fatType !== undefined) config.fatType = parseFatType(flags.fatType);
  if (flags.clusterSize !== undefined) config.clusterSize = parseClusterSize(flags.clusterSize);
  if (flags.codepage !== undefined) config.codepage = parseCodePage(flags.codepage);
  config.skipTooBig = flags.skipTooBig ?? false;
  if (!persistent && (config.noSave || config.saveInterval > 0)) throw new UsageError('--no-save and --save-interval go with --image or --snapshot');
  if (config.image === null && (config.fatType !== null || config.clusterSize !== null || config.skipTooBig || flags.codepage !== undefined)) {
    throw new UsageError('--fat-type, --cluster-size, --codepage and --skip-too-big go with --image');
  }
  if (flags.share !== undefined) {
    if (flags.shareUsers === undefined) throw new UsageError('--share needs --share-users user:password,... (no guest access)');
    config.share = { name: checkShareName(flags.share), port: flags.sharePort === undefined ? 445 : parsePort(flags.sharePort, '--share-port'), users: parseShareUsers(flags.shareUsers) };
  } else if (flags.sharePort !== undefined || flags.shareUsers !== undefined) {
    throw new UsageError('--share-port and --share-users go with --share NAME');
  }
  return config;
}

/** Why FUSE over io_uring cannot be used here, or undefined when it can. */
async function ioUringProblem(): Promise<string | undefined> {
  const [{ IoUring }, { ENABLE_URING_HINT, kernelIoUring, RING_FLAGS }] = await Promise.all([import('../sys/io-uring.js'), import('../fuse/uring-session.js')]);
  const kernel = kernelIoUring();
  if (kernel === 'absent') return 'this kernel has no FUSE over io_uring (it needs Linux 6.14 or later, built with CONFIG_FUSE_IO_URING)';
  if (kernel === 'off') return `FUSE over io_uring is switched off in this kernel; as root, switch it on with: ${ENABLE_URING_HINT}`;
  if (!(await loadLibc())) return libcProblem();
  try {
    new IoUring(2, RING_FLAGS).close();
  } catch (e) {
    return `${(e as Error).message} (io_uring may be disabled: /proc/sys/kernel/io_uring_disabled)`;
  }
  return undefined;
}

async function mountCommand(positional: string | undefined, flags: MountFlags): Promise<number> {
  const config = buildConfig(positional, flags);
  if (config.image !== null || config.snapshot !== null) {
    const { checkPersistence } = await import('./persist.js');
    for (const w of await checkPersistence(config)) process.stderr.write(`memefs: warning: ${w}\n`);
  }
  if (!mountsAsRoot() && !(await loadLibc())) {
    throw new MountError(`mounting as a normal user needs fusermount3's descriptor, which only the FFI can receive, and ${libcProblem()}; mount as root instead`);
  }
  if (config.transport === 'io_uring') {
    const problem = await ioUringProblem();
    if (problem) throw new MountError(`-o io_uring: ${problem}`);
  }
  config.mountPoint = checkMountPoint(config.mountPoint);
  const describe = (): string => {
    // The daemon may have set the size from an image: ask the mount itself.
    const st = fs.statfsSync(config.mountPoint);
    const size = st.blocks * st.bsize;
    return `memefs mounted at ${config.mountPoint} (size ${size >= Number.MAX_SAFE_INTEGER - 4096 ? 'unlimited' : formatSize(size)}` +
      `${config.caseInsensitive ? ', case-insensitive' : ''}${config.image ? `, image ${config.image}` : ''}` +
      `${config.snapshot ? `, snapshot ${config.snapshot}` : ''}${config.noSave ? ', not saved' : ''})` +
      `${config.share ? `, shared as \\\\127.0.0.1\\${config.share.name} on port ${config.share.port}` : ''}`;
  };

  const child = startDaemon(config);
  const progress = new Progress(process.stderr);
  const answer = await new Promise<string>((resolve) => {
    let text = '';
    let settled = false;
    const settle = (a: string): void => {
      if (!settled) resolve(a);
      settled = true;
    };
    const pipe = child.stdio[3] as NodeJS.ReadableStream;
    pipe.setEncoding('utf8');
    pipe.on('data', (d: string) => {
      text += d;
      let nl: number;
      while ((nl = text.indexOf('\n')) >= 0) {
        const line = text.slice(0, nl);
        text = text.slice(nl + 1);
        if (line.startsWith('progress ')) {
          const [, phase, done, total] = line.split(' ');
          progress.update(phase!, Number(done), Number(total));
        } else if (line.startsWith('warning ')) {
          progress.stop();
          process.stderr.write(`memefs: warning: ${line.slice(8)}\n`);
        } else if (line === 'ok') {
          settle('ok');
        } else if (line.startsWith('error ')) {
          settle(line.slice(6));
        }
      }
    });
    pipe.on('end', () => settle(text.trim() || 'the daemon stopped before the file system was ready'));
    child.on('exit', (code) => settle(`the daemon exited (code ${code}) before the file system was ready`));
  });
  progress.stop();
  (child.stdio[3] as NodeJS.ReadableStream & { destroy(): void }).destroy();
  if (answer !== 'ok') throw new MountError(answer);
  process.stdout.write(describe() + '\n');
  if (!config.foreground) {
    child.unref();
    return 0;
  }
  // Foreground: Ctrl-C reaches the daemon too (same process group); forward what is sent to us alone.
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => child.kill(sig));
  return new Promise((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
}

/**
 * Starts the daemon process. It gets large allocations straight from mmap
 * (MALLOC_MMAP_THRESHOLD_), so deleting files gives memory back to the system
 * at once; one malloc arena for all its threads (MALLOC_ARENA_MAX), so small
 * freed blocks are not stranded in a second arena (RSS after deleting 200,000
 * small files, two runs each: 1.10x -> 1.05-1.06x the empty volume's);
 * --expose-gc, so it can collect freed chunks right away; and a smaller
 * interrupt budget (V8's default is 67,584), so the request handlers reach
 * optimised code after a few hundred requests rather than ~1,500 creates on a
 * fresh mount (docs/round-trips.md, "A fresh daemon's first requests").
 */
function startDaemon(config: MountConfig): ChildProcess {
  const daemon = fileURLToPath(new URL('./daemon-main.js', import.meta.url));
  return spawn(process.execPath, ['--expose-gc', '--max-semi-space-size=1', '--interrupt-budget=20000', daemon], {
    detached: !config.foreground,
    stdio: ['ignore', config.foreground ? 'inherit' : 'ignore', config.foreground ? 'inherit' : 'ignore', 'pipe'],
    env: { ...process.env, MEMEFS_CONFIG: JSON.stringify(config), MALLOC_MMAP_THRESHOLD_: String(128 * 1024), MALLOC_ARENA_MAX: '1' },
  });
}

async function unmountCommand(target: string, flags: { lazy?: boolean }): Promise<number> {
  const entry = findMount(target);
  if (!entry) throw new MountError(`${target} is not mounted`);
  // The type is fuse.NAME with -F NAME; a daemon's note under /run/memefs vouches for other names.
  if (entry.fsType !== 'fuse.memefs' && !(entry.fsType.startsWith('fuse.') && readState(entry.mountPoint) !== null)) throw new MountError(`${entry.mountPoint} is not a memefs mount (it is ${entry.fsType})`);
  const health = mountState(entry.mountPoint);
  const state = readState(entry.mountPoint);
  const resultFile = saveResultFile(entry.mountPoint);
  fs.rmSync(resultFile, { force: true });
  const waitFile = unmountWaitFile(entry.mountPoint);
  if (state && health === 'alive' && !flags.lazy) {
    try {
      fs.writeFileSync(waitFile, String(process.pid));
    } catch {
      /* not our state directory: the daemon may then remove a clean result before it is read */
    }
  }
  try {
    return await finishUnmount(entry, health, state, resultFile, flags.lazy ?? false);
  } finally {
    fs.rmSync(waitFile, { force: true });
  }
}

async function finishUnmount(entry: MountEntry, health: ReturnType<typeof mountState>, state: DaemonState | null, resultFile: string, lazy: boolean): Promise<number> {
  // A shared mount: its daemon stops Samba (whose open files would keep the mount busy), then unmounts.
  if (state?.config.share && health === 'alive') process.kill(state.pid, 'SIGTERM');
  else unmount(entry.mountPoint, lazy, health);
  const file = state?.config.noSave ? '' : state?.config.image ?? state?.config.snapshot ?? '';
  if (health !== 'alive') fs.rmSync(stateFile(entry.mountPoint), { force: true });
  if (lazy && state && health === 'alive') {
    // Lazy: the session ends (and the volume is saved) when the last open file closes; do not wait for that.
    process.stdout.write(`${entry.mountPoint} detached; memefs ends${file ? ' and saves' : ''} when the last open file there is closed\n`);
    return 0;
  }
  // Wait for a live daemon to finish: it saves the volume when it has an image or snapshot. If that
  // save fails, the daemon keeps the data (mounts it again) and says so in the result file.
  if (state && health === 'alive') {
    while (daemonAlive(state.pid)) {
      await new Promise((r) => setTimeout(r, 20));
      const r = peekSaveResult(resultFile);
      if (r?.kept) {
        fs.rmSync(resultFile, { force: true });
        return reportSave(r, file);
      }
    }
  }
  const how = { alive: '', dead: ' (its server had died)', wedged: ' (its server did not answer: the connection was aborted)' }[health];
  process.stdout.write(`${entry.mountPoint} unmounted${how}\n`);
  const saved = readSaveResult(resultFile);
  if (saved) return reportSave(saved, file);
  return 0;
}

function peekSaveResult(file: string): SaveResult | null {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as SaveResult;
  } catch {
    return null;
  }
}

function readSaveResult(file: string): SaveResult | null {
  const r = peekSaveResult(file);
  fs.rmSync(file, { force: true });
  return r;
}

function reportSave(r: SaveResult, target: string): number {
  for (const w of r.warnings) process.stderr.write(`memefs: warning: ${w}\n`);
  if (r.error) {
    process.stderr.write(`memefs: saving ${target} failed: ${r.error}\n`);
    if (r.kept) process.stderr.write(`memefs: ${r.kept}\n`);
    return 1;
  }
  process.stdout.write(`saved ${target}\n`);
  return 0;
}

async function saveCommand(target: string): Promise<number> {
  const entry = findMount(target);
  if (!entry || !entry.fsType.startsWith('fuse.')) throw new MountError(`${target} is not a memefs mount`);
  const state = readState(entry.mountPoint);
  if (!state) throw new MountError(`no running memefs daemon found for ${entry.mountPoint}`);
  const file = state.config.image ?? state.config.snapshot;
  if (!file || state.config.noSave) throw new MountError(`${entry.mountPoint} has no image or snapshot to save to (mount it with --image or --snapshot)`);
  const resultFile = saveResultFile(entry.mountPoint);
  const before = Date.now();
  process.kill(state.pid, 'SIGUSR1');
  for (;;) {
    await new Promise((r) => setTimeout(r, 50));
    const r = peekSaveResult(resultFile);
    if (r && r.time >= before) return reportSave(r, file);
    if (!daemonAlive(state.pid)) throw new MountError('the daemon exited before saving');
  }
}


const MOUNT_OPTIONS_HELP = `
Mount options (-o, comma-separated):
  size=SIZE          as -s
  nr_inodes=N        cap on files and directories (k/m/g); 0 = only the size limits them
  mode=OCTAL         mode of the root [1777]
  uid=N              owner of the root [the mounting user]
  gid=N              group of the root [the mounting user's]
  label=LABEL        as -l
  fsname=NAME        as -F
  case_insensitive   as -i (also: ci)
  windows_names      refuse names Windows cannot hold
  writeback          let the kernel buffer writes (faster small writes; a full disk is reported at close/fsync)
  nowriteback        the default: every write reaches memefs before it returns
  io_uring           take requests over io_uring (Linux 6.14+, with enable_uring=Y in the fuse module)
  no_io_uring        take requests with read(2) on /dev/fuse
  streams=windows    named streams also as FILE:NAME paths (streams=xattr: only as user.NAME xattrs, the default)
  sddl=SDDL          as -S
  allow_other        let other users in (the default for root; a user's mount needs user_allow_other in /etc/fuse.conf)
  ro                 read-only
  rw                 read-write (the default)
  nodev              no device files (passed to the kernel, as for any mount)
  nosuid             set-user-ID and set-group-ID bits have no effect
  noexec             no programs run from it
  dev                device files work (the default for root)
  suid               set-ID bits work (the default for root)
  exec               programs may run (the default)
  mount(8)'s own (defaults, user, users, noauto, auto, _netdev, nofail, x-*, comment=) are accepted and ignored

Commands: memefs help COMMAND shows a command's options.`;

function packageVersion(): string {
  try {
    const pkg = JSON.parse(fs.readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
    return pkg.version;
  } catch {
    return 'unknown';
  }
}

export async function main(argv: string[]): Promise<number> {
  // `memefs dump IMAGE | head` closes the pipe early: that is not an error.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
  const program = new Command('memefs')
    .description('A RAM disk for Linux: mounts a file system that lives in this process\'s memory')
    .argument('[mountpoint]', 'where to mount')
    .argument('[mountpoint2]', 'as mount(8) calls a helper, memefs SOURCE MOUNTPOINT -o OPTIONS: the source, first, is ignored')
    .option('-m, --mountpoint <dir>', 'mount point (instead of the argument)')
    .option('-s, --size <size>', 'cap on memory for data and metadata: bytes, k/M/G/T, or % of RAM; 0 = no cap [50%]')
    .option('-l, --label <label>', 'volume label, up to 32 characters [MEMEFS]')
    .option('-i, --case-insensitive', 'case-insensitive, case-preserving names')
    .option('-F, --fs-name <name>', 'file system name: the type fuse.NAME and the source in mount and df -T, up to 15 characters [memefs]')
    .option('-S, --sddl <sddl>', 'security descriptor of the root as SDDL (its owner, group and mode follow from it)')
    .option('-d, --debug <flags>', 'debug log flags, -1 = all')
    .option('-D, --debug-log <file>', 'debug log file, - = stderr')
    .option('-o, --option <list>', 'comma-separated mount options (listed below)', (v: string, prev: string[] = []) => [...prev, v])
    .addOption(new Option('-f, --foreground', 'stay in the foreground'))
    .option('--image <file>', 'FAT12/16/32 image to load at mount and save back at unmount (created if missing)')
    .option('--snapshot <file>', 'lossless snapshot (pax tar) to load at mount and save back at unmount (created if missing)')
    .option('--no-save', 'load the image or snapshot but never write it back')
    .option('--save-interval <time>', 'also save every TIME (e.g. 30s, 5m)')
    .option('--fat-type <12|16|32>', 'FAT type of a new image (default: what mkfs.fat picks for the size)')
    .option('--cluster-size <bytes>', 'cluster size of a new image (default: what mkfs.fat picks)')
    .option('--skip-too-big', 'leave files of 4 GiB or more out of a FAT image (with a warning) instead of failing the save')
    .option('--codepage <437|850>', `code page of non-ASCII bytes in the image's 8.3 names [${DEFAULT_CODEPAGE}, as mtools]`)
    .option('--share <name>', 'also export the RAM disk over SMB as \\\\HOST\\NAME (a private Samba on loopback)')
    .option('--share-port <port>', 'TCP port of the SMB share [445]')
    .option('--share-users <list>', 'who may use the share: user:password,... (required with --share)')
    .version(packageVersion(), '-V, --version', 'print the version')
    .addHelpText('after', MOUNT_OPTIONS_HELP)
    .enablePositionalOptions()
    // A usage error is one line and exit 2 (in every subcommand: they inherit these settings).
    .configureOutput({ outputError: (text, write) => write(`memefs: ${text.replace(/^error: /, '').trim()} (see memefs --help)\n`) })
    .exitOverride()
    .action(async (first: string | undefined, second: string | undefined, flags: MountFlags) => {
      program.setOptionValue('exitCode', await mountCommand(second ?? first, flags));
    });
  program
    .command('unmount')
    .alias('umount')
    .description('unmount a memefs file system (also clears one whose server died)')
    .argument('<mountpoint>')
    .option('--lazy', 'detach now even if files are open there')
    .action(async (mp: string, flags: { lazy?: boolean }) => {
      program.setOptionValue('exitCode', await unmountCommand(mp, flags));
    });
  program
    .command('info')
    .description("show a mounted volume's label, serial number, size, use and options")
    .argument('<mountpoint>')
    .option('--json', 'as JSON')
    .action(async (mp: string, o: { json?: boolean }) => {
      const { infoCommand } = await import('./windows-commands.js');
      program.setOptionValue('exitCode', infoCommand(mp, o.json ?? false));
    });
  program
    .command('security')
    .description("show a file's security descriptor as SDDL, or set it from SDDL")
    .argument('<file>')
    .argument('[sddl]')
    .action(async (file: string, sddl: string | undefined) => {
      const { securityCommand } = await import('./windows-commands.js');
      program.setOptionValue('exitCode', securityCommand(file, sddl));
    });
  program
    .command('save')
    .description('save a mounted volume to its image or snapshot now')
    .argument('<mountpoint>')
    .action(async (mp: string) => {
      program.setOptionValue('exitCode', await saveCommand(mp));
    });
  program
    .command('dump')
    .description("show a FAT image's boot sector, FSInfo, FATs, chains and entries, and everything wrong with it")
    .argument('<image>')
    .option('--raw', 'also print the 32 raw bytes of every directory entry')
    .option('--sector <n>', 'print only a hexdump of sector N')
    .option('--cluster <n>', 'print only a hexdump of data cluster N')
    .option('--count <n>', 'with --sector or --cluster: this many of them [1]')
    .option('--codepage <437|850>', `code page of non-ASCII bytes in 8.3 names [${DEFAULT_CODEPAGE}, as mtools]`)
    .action(async (image: string, o: { raw?: boolean; sector?: string; cluster?: string; count?: string; codepage?: string }) => {
      const { dumpCommand } = await import('./image-commands.js');
      program.setOptionValue('exitCode', await dumpCommand(image, o));
    });
  program
    .command('mkimage')
    .description('make a FAT image from a directory (without mounting)')
    .argument('<dir>')
    .argument('<image>')
    .option('-s, --size <size>', 'image size (default: the smallest standard size with a fifth free)')
    .option('--fat-type <12|16|32>', 'FAT type')
    .option('--cluster-size <bytes>', 'cluster size')
    .option('-l, --label <label>', 'volume label')
    .option('--skip-too-big', 'leave out files of 4 GiB or more instead of failing')
    .option('--codepage <437|850>', `code page for non-ASCII letters in generated 8.3 names [${DEFAULT_CODEPAGE}, as mtools]`)
    .option('--force', 'replace IMAGE if it exists')
    .action(async (dir: string, image: string, o: Record<string, string | boolean | undefined>) => {
      const { mkimageCommand } = await import('./image-commands.js');
      program.setOptionValue('exitCode', await mkimageCommand(dir, image, o));
    });
  program
    .command('extract')
    .description('extract a FAT image into a directory (without mounting)')
    .argument('<image>')
    .argument('<dir>')
    .option('--force', 'replace files that exist in DIR (links there are replaced, never written through)')
    .option('--codepage <437|850>', `code page of non-ASCII bytes in 8.3 names [${DEFAULT_CODEPAGE}, as mtools]`)
    .action(async (image: string, dir: string, o: { force?: boolean; codepage?: string }) => {
      const { extractCommand } = await import('./image-commands.js');
      program.setOptionValue('exitCode', await extractCommand(image, dir, o));
    });
  // `memefs help [command]` is `memefs [command] --help`.
  if (argv[0] === 'help') argv = [...argv.slice(1, 2), '--help'];
  try {
    await program.parseAsync(argv, { from: 'user' });
    return (program.getOptionValue('exitCode') as number | undefined) ?? 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    if (e instanceof UsageError || e instanceof MountError || e instanceof TargetError) {
      process.stderr.write(`memefs: ${e.message}\n`);
      return e instanceof UsageError ? 2 : 1;
    }
    // Anything else is still one line for the user; MEMEFS_DEBUG=1 shows where it came from.
    process.stderr.write(`memefs: ${process.env.MEMEFS_DEBUG ? (e as Error).stack : (e as Error).message ?? String(e)}\n`);
    return 1;
  }
}
