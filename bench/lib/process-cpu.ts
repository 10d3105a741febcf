import { readFileSync } from 'node:fs';

/** Linux clock ticks per second (`getconf CLK_TCK`): 100 on every kernel Node runs on here. */
const TICKS_PER_S = 100;

const childrenOf = (pid: number): number[] => {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter((s) => s.trim() !== '').map(Number);
  } catch {
    return [];
  }
};

export const ownCpuMs = (pid: number): number => {
  try {
    // Fields after the command name (which may hold spaces, so split after its closing parenthesis): utime and stime are the 12th and 13th.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_S;
  } catch {
    return 0;
  }
};

/**
 * CPU time (user + system, ms) a process and its live descendants have used so far, read from /proc:
 * the server's own cost per request, whatever else runs on the machine. API_WORKERS > 1 puts the work in
 * the primary's forked workers, hence the descendants. 10 ms resolution: measure over seconds, not requests.
 */
export const processTreeCpuMs = (pid: number): number =>
  ownCpuMs(pid) + childrenOf(pid).reduce((sum, child) => sum + processTreeCpuMs(child), 0);

/** The whole machine's CPU time so far (ms), busy and in all, from /proc/stat's first line (every core summed). */
export const machineCpuMs = (): { readonly busyMs: number; readonly totalMs: number } => {
  // cpu  user nice system idle iowait irq softirq steal ...: idle and iowait are the not-busy ones.
  const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
  const totalTicks = fields.reduce((sum, ticks) => sum + ticks, 0);
  const idleTicks = fields[3]! + fields[4]!;
  return { busyMs: ((totalTicks - idleTicks) * 1000) / TICKS_PER_S, totalMs: (totalTicks * 1000) / TICKS_PER_S };
};
