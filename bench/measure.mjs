// Helpers the benchmarks share: CPU time and resident memory of a process (Linux /proc), a port to try.
import { readFile } from 'node:fs/promises';

/** CPU time (user + system) a process has used, in microseconds (100 ticks a second). */
export async function cpuMicros(pid) {
  try {
    const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10_000;
  } catch {
    return Number.NaN;
  }
}

/** Resident memory of a process in MB. */
export async function rssMb(pid) {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(await readFile(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  } catch {
    return Number.NaN;
  }
}

/** A port for a spawned server (benchmarks only; tests use port 0). */
export function freePort() {
  return 20_000 + Math.floor(Math.random() * 20_000);
}
