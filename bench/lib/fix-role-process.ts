/**
 * One of bench/fix's server roles in a process of its own (forked with IPC), as distributed mode runs the
 * venue simulator and the gateway. argv: role (venue | gateway), database URL, venue port (gateway only).
 * Messages in: 'usage' (answered with CPU time, PostgreSQL statements, appends and conflicts so far), 'stop'.
 * After 'stop' it closes what it opened and drops the IPC channel; the process must then exit by itself,
 * which the bench checks (a handle left open would keep it alive).
 */
import { createLogger } from '../../infrastructure/logging';
import { countPgStatements, kinds } from './pg-statements';
import { startBenchGateway, startBenchVenue, type AppendCounts, type RunningRole } from './fix-roles';

export type RoleUsage = { readonly cpuMs: number; readonly pgStatements: number; readonly appends: number; readonly conflicts: number };
export type RoleMessage = { readonly kind: 'ready'; readonly port: number } | { readonly kind: 'usage'; readonly usage: RoleUsage } | { readonly kind: 'stopped' };

const send = (message: RoleMessage) => process.send?.(message);

const main = async () => {
  const [role, databaseUrl, venuePort] = process.argv.slice(2);
  if (databaseUrl === undefined || (role !== 'venue' && role !== 'gateway')) throw new Error('usage: fix-role-process.ts <venue|gateway> <database url> [venue port]');
  const statements = countPgStatements();
  const logger = createLogger({ level: 'warn', name: `bench-fix-${role}` });
  const counts: AppendCounts = { appends: 0, conflicts: 0 };
  const running: RunningRole = role === 'venue' ? await startBenchVenue(databaseUrl, logger) : await startBenchGateway(databaseUrl, Number(venuePort), logger, counts);
  process.on('message', (message: string) => {
    if (message === 'usage') {
      const cpu = process.cpuUsage();
      send({ kind: 'usage', usage: { cpuMs: (cpu.user + cpu.system) / 1000, pgStatements: statements(), ...counts } });
    } else if (message === 'stop') {
      if (process.env.BENCH_PG_KINDS !== undefined) console.error(role, [...kinds].sort((a, b) => b[1] - a[1]));
      void running.stop().then(() => { send({ kind: 'stopped' }); process.disconnect(); });
    }
  });
  send({ kind: 'ready', port: running.port });
};

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
