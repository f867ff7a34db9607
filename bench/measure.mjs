// Helpers the benchmarks share: CPU time and resident memory of a process or a process tree (Linux
// /proc), a port to try.
import { execFileSync } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';

let ticksPerSecond;
/** Clock ticks a second for /proc/PID/stat times (USER_HZ; 100 nearly everywhere). */
function clockTicks() {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** The fields of /proc/PID/stat after the command name (which may hold spaces and parentheses): [0] is state, [1] ppid, [11] utime, [12] stime, [13] cutime, [14] cstime. */
async function statFields(pid) {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** CPU time (user + system) a process has used, in microseconds. */
export async function cpuMicros(pid) {
  try {
    const fields = await statFields(pid);
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / clockTicks();
  } catch {
    return Number.NaN;
  }
}

/** A process and all its live descendants (children, their children...), root first. */
export async function processTree(pid) {
  const parents = new Map();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      parents.set(Number(entry), Number((await statFields(entry))[1]));
    } catch {} // gone meanwhile
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) for (const [child, parent] of parents) if (parent === tree[i]) tree.push(child);
  return tree;
}

/**
 * CPU time (user + system) a process and its descendants have used, in microseconds: what a server
 * that forks (nginx's master and workers, a cluster) costs. Each live process counts its own time, and
 * each counts the time of the children it has already reaped (cutime + cstime), so a worker that died
 * is still counted once. NaN when the root process is gone.
 */
export async function treeCpuMicros(pid) {
  let ticks = 0;
  for (const p of await processTree(pid)) {
    try {
      const f = await statFields(p);
      ticks += Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
    } catch {
      if (p === pid) return Number.NaN;
    }
  }
  return (ticks * 1e6) / clockTicks();
}

/** Resident memory of a process in MB. */
export async function rssMb(pid) {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(await readFile(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  } catch {
    return Number.NaN;
  }
}

/** Resident memory of a process and its descendants in MB (shared pages counted in each). */
export async function treeRssMb(pid) {
  let mb = 0;
  for (const p of await processTree(pid)) mb += (await rssMb(p)) || 0;
  return mb;
}

/** A port for a spawned server (benchmarks only; tests use port 0). */
export function freePort() {
  return 20_000 + Math.floor(Math.random() * 20_000);
}
