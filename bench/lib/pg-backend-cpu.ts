import type { Pool } from 'pg';
import { ownCpuMs } from './process-cpu';

/**
 * CPU time (ms) the PostgreSQL backends serving `pool`'s database have used since this was called: the
 * server's share of a unit of work, which a statement moved into SQL would otherwise hide. Read from /proc
 * (the server runs on this machine); a backend that exits meanwhile takes its time with it, so measure while
 * the pools are busy. Other databases' backends (other benches on the server) are not counted.
 */
export const pgBackendCpu = async (pool: Pool): Promise<() => Promise<number>> => {
  const backends = async (): Promise<Map<number, number>> => {
    const { rows } = await pool.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend'");
    return new Map(rows.map((row) => [row.pid, ownCpuMs(row.pid)]));
  };
  const before = await backends();
  return async () => {
    let sum = 0;
    for (const [pid, cpuMs] of await backends()) sum += cpuMs - (before.get(pid) ?? 0);
    return sum;
  };
};
