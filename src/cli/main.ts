/**
 * The `memefs` command.
 *   memefs MOUNTPOINT [options]     mount a RAM disk (returns once it is usable)
 *   memefs unmount MOUNTPOINT       unmount it (also clears a mount whose server died)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, Option } from 'commander';
import { checkMountPoint, findMount, isDeadMount, MountError, unmount } from '../fuse/mount.js';
import { readState, stateFile } from './daemon.js';
import {
  applyMountOptions, checkFsName, checkLabel, defaultConfig, formatSize, parseDebugFlags, parseSize, UsageError,
  type MountConfig,
} from './options.js';

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
}

function buildConfig(positional: string | undefined, flags: MountFlags): MountConfig {
  const target = flags.mountpoint ?? positional;
  if (!target) throw new UsageError('no mount point given (memefs MOUNTPOINT, or -m MOUNTPOINT)');
  if (flags.mountpoint && positional && flags.mountpoint !== positional) {
    throw new UsageError(`two mount points given: ${positional} and -m ${flags.mountpoint}`);
  }
  const config = defaultConfig(target);
  if (flags.size !== undefined) config.sizeLimit = flags.size === '0' ? 0 : parseSize(flags.size, '-s');
  for (const o of flags.option ?? []) applyMountOptions(o, config);
  if (config.sizeLimit === 0) config.sizeLimit = Number.MAX_SAFE_INTEGER; // 0: no cap but the machine's memory
  if (flags.label !== undefined) config.label = checkLabel(flags.label);
  if (flags.fsName !== undefined) config.fsName = checkFsName(flags.fsName);
  if (flags.caseInsensitive) config.caseInsensitive = true;
  if (flags.debug !== undefined) config.debugFlags = parseDebugFlags(flags.debug);
  if (flags.debugLog !== undefined) {
    config.logFile = flags.debugLog;
    if (flags.debug === undefined) config.debugFlags = -1;
  } else if (config.debugFlags !== 0) {
    config.logFile = '-';
  }
  config.foreground = flags.foreground ?? false;
  return config;
}

async function mountCommand(positional: string | undefined, flags: MountFlags): Promise<number> {
  const config = buildConfig(positional, flags);
  if ((process.getuid?.() ?? 0) !== 0) {
    throw new MountError('mounting needs root: run with sudo (or inside `unshare -Urm` for a mount only that namespace sees)');
  }
  config.mountPoint = checkMountPoint(config.mountPoint);
  const describe = (): string =>
    `memefs mounted at ${config.mountPoint} (size ${config.sizeLimit >= Number.MAX_SAFE_INTEGER ? 'unlimited' : formatSize(config.sizeLimit)}` +
    `${config.caseInsensitive ? ', case-insensitive' : ''}, label ${config.label})`;

  const child = startDaemon(config);
  const answer = await new Promise<string>((resolve) => {
    let text = '';
    const pipe = child.stdio[3] as NodeJS.ReadableStream;
    pipe.setEncoding('utf8');
    pipe.on('data', (d: string) => (text += d));
    pipe.on('end', () => resolve(text.trim()));
    child.on('exit', (code) => resolve(text.trim() || `the daemon exited (code ${code}) before the file system was ready`));
  });
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
 * at once, and --expose-gc, so it can collect freed chunks right away.
 */
function startDaemon(config: MountConfig): ChildProcess {
  const daemon = fileURLToPath(new URL('./daemon-main.js', import.meta.url));
  return spawn(process.execPath, ['--expose-gc', '--max-semi-space-size=1', daemon], {
    detached: !config.foreground,
    stdio: ['ignore', config.foreground ? 'inherit' : 'ignore', config.foreground ? 'inherit' : 'ignore', 'pipe'],
    env: { ...process.env, MEMEFS_CONFIG: JSON.stringify(config), MALLOC_MMAP_THRESHOLD_: String(128 * 1024) },
  });
}

async function unmountCommand(target: string, flags: { lazy?: boolean }): Promise<number> {
  const entry = findMount(target);
  if (!entry) throw new MountError(`${target} is not mounted`);
  if (entry.fsType !== 'fuse.memefs') throw new MountError(`${entry.mountPoint} is not a memefs mount (it is ${entry.fsType})`);
  const dead = isDeadMount(entry.mountPoint);
  const state = readState(entry.mountPoint);
  unmount(entry.mountPoint, flags.lazy ?? false);
  if (dead) fs.rmSync(stateFile(entry.mountPoint), { force: true });
  // Wait for the daemon to finish (it may be saving an image).
  if (state && !dead) {
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline && alive(state.pid)) await new Promise((r) => setTimeout(r, 50));
  }
  process.stdout.write(`${entry.mountPoint} unmounted${dead ? ' (its server had died)' : ''}\n`);
  return 0;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function main(argv: string[]): Promise<number> {
  const program = new Command('memefs')
    .description('A RAM disk for Linux: mounts a file system that lives in this process\'s memory')
    .argument('[mountpoint]', 'where to mount')
    .option('-m, --mountpoint <dir>', 'mount point (instead of the argument)')
    .option('-s, --size <size>', 'cap on memory for data and metadata: bytes, k/M/G/T, or % of RAM; 0 = no cap [50%]')
    .option('-l, --label <label>', 'volume label, up to 31 characters [MEMEFS]')
    .option('-i, --case-insensitive', 'case-insensitive, case-preserving names')
    .option('-F, --fs-name <name>', 'file system name shown by mount and df, up to 15 characters [memefs]')
    .option('-d, --debug <flags>', 'debug log flags, -1 = all')
    .option('-D, --debug-log <file>', 'debug log file, - = stderr')
    .option('-o, --option <list>', 'tmpfs-style options: size=,nr_inodes=,mode=,uid=,gid=', (v: string, prev: string[] = []) => [...prev, v])
    .addOption(new Option('-f, --foreground', 'stay in the foreground'))
    .showHelpAfterError()
    .exitOverride()
    .action(async (mp: string | undefined, flags: MountFlags) => {
      program.setOptionValue('exitCode', await mountCommand(mp, flags));
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
  try {
    await program.parseAsync(argv, { from: 'user' });
    return (program.getOptionValue('exitCode') as number | undefined) ?? 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode;
    if (e instanceof UsageError || e instanceof MountError) {
      process.stderr.write(`memefs: ${e.message}\n`);
      return e instanceof UsageError ? 2 : 1;
    }
    throw e;
  }
}
