/**
 * bench/reads-ab's load generator, in a process of its own: short autocannon bursts against one GET path,
 * taking the targets in turn, each burst's requests and the target process tree's CPU meanwhile (from /proc).
 * Contention on a shared machine only ever adds CPU time, so the least per-request figure over many bursts
 * is the closest to the code's own cost, and alternating puts every side through the same swings.
 * Reads its job as JSON from argv[2]; prints the bursts as one JSON line.
 */
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { processTreeCpuMs } from './process-cpu';

type Job = {
  readonly targets: ReadonlyArray<{ readonly url: string; readonly pid: number }>;
  readonly path: string; readonly connections: number; readonly burstS: number; readonly bursts: number; readonly tokensFile: string;
};

const job = JSON.parse(process.argv[2] ?? '{}') as Job;
const tokens = readFileSync(job.tokensFile, 'utf8').split('\n').filter((line) => line.length > 0);
let sequence = 0;

const burst = (url: string): Promise<autocannon.Result> => new Promise((resolve, reject) => {
  autocannon({
    url, connections: job.connections, duration: job.burstS, pipelining: 1,
    requests: [{ method: 'GET', path: job.path, setupRequest: (request) => { sequence += 1; return { ...request, headers: { authorization: `Bearer ${tokens[sequence % tokens.length]!}` } }; } }],
  }, (error, result) => (error ? reject(error as Error) : resolve(result)));
});

const main = async () => {
  const out: Array<{ side: number; requests: number; cpuUs: number; bad: number; p99: number }> = [];
  for (let b = 0; b < job.bursts; b += 1) {
    for (let k = 0; k < job.targets.length; k += 1) {
      const side = (b + k) % job.targets.length;
      const target = job.targets[side]!;
      const before = processTreeCpuMs(target.pid);
      const result = await burst(target.url);
      const cpuMs = processTreeCpuMs(target.pid) - before;
      out.push({ side, requests: result.requests.total, cpuUs: Math.round((cpuMs * 1000) / Math.max(1, result.requests.total)), bad: result.non2xx + result.errors, p99: result.latency.p99 });
    }
  }
  process.stdout.write(`${JSON.stringify(out)}\n`);
};

main().catch((error: unknown) => { console.error(error); process.exit(1); });
