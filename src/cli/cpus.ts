/**
 * Whether everything on this machine or in this container runs on one CPU:
 * then a daemon and its clients share that CPU whatever they do, and the
 * daemon should sleep in read() rather than poll (see daemon.ts). A daemon
 * confined to one CPU by taskset alone does not count: its clients may run on
 * the others, and a sleeping daemon on another CPU than its client is the
 * slowest arrangement of all (creates ~2.7x slower than polling, measured).
 */
import fs from 'node:fs';
import os from 'node:os';

export function oneCpuForAll(): boolean {
  if (os.availableParallelism() > 1) return false;
  if (os.cpus().length <= 1) return true;
  return cpusetSize() === 1;
}

/** CPUs in the cpuset of this process's cgroup (v2 or v1), or undefined when there is none to read. */
function cpusetSize(): number | undefined {
  let lines: string[];
  try {
    lines = fs.readFileSync('/proc/self/cgroup', 'utf8').split('\n');
  } catch {
    return undefined;
  }
  const candidates: string[] = [];
  for (const line of lines) {
    const [, controllers, where] = line.split(':', 3) as [string, string?, string?];
    if (where === undefined) continue;
    if (controllers === '') candidates.push(`/sys/fs/cgroup${where}/cpuset.cpus.effective`);
    else if (controllers!.split(',').includes('cpuset')) candidates.push(`/sys/fs/cgroup/cpuset${where}/cpuset.effective_cpus`);
  }
  for (const file of candidates) {
    try {
      return countCpuList(fs.readFileSync(file, 'utf8'));
    } catch {
      /* not this hierarchy */
    }
  }
  return undefined;
}

/** The number of CPUs in a kernel CPU list such as "0-3,6,8-9"; NaN when it is not one. */
export function countCpuList(list: string): number {
  let n = 0;
  for (const part of list.trim().split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (m === null) return NaN;
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (to < from) return NaN;
    n += to - from + 1;
  }
  return n;
}
