/**
 * bench/reads' load generator, in a process of its own (so its CPU is not the server's): autocannon
 * against one GET path, each request with the next account's token. Reads its job as JSON from argv[2]
 * and the tokens (one a line) from the file it names; prints autocannon's result (and its own CPU) as one JSON line on stdout
 * and a line per 5 seconds on stderr.
 */
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

type Job = { readonly url: string; readonly path: string; readonly connections: number; readonly durationS: number; readonly tokensFile: string };

const job = JSON.parse(process.argv[2] ?? '{}') as Job;
const tokens = readFileSync(job.tokensFile, 'utf8').split('\n').filter((line) => line.length > 0);
let sequence = 0;
const instance = autocannon({
  url: job.url, connections: job.connections, duration: job.durationS, pipelining: 1,
  requests: [{ method: 'GET', path: job.path, setupRequest: (request) => { sequence += 1; return { ...request, headers: { authorization: `Bearer ${tokens[sequence % tokens.length]!}` } }; } }],
}, (error, result) => {
  if (error !== null && error !== undefined) { console.error(error); process.exit(1); }
  // Its own CPU too: on a 2-core machine the load generator's share bounds what the server can be given.
  const cpu = process.cpuUsage();
  process.stdout.write(`${JSON.stringify({ ...result, loadGeneratorCpuMs: (cpu.user + cpu.system) / 1000 })}\n`);
});
let second = 0;
(instance as unknown as NodeJS.EventEmitter).on('tick', (counter: { counter: number }) => {
  second += 1;
  if (second % 5 === 0) process.stderr.write(`[bench/reads] ${job.path} ${second}/${job.durationS} s: ${counter.counter} responses in the last second\n`);
});
