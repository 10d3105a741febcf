import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * The machine's floor under the fan-out targets: compiles fanout-floor.c with gcc (once per source version, into
 * the temp directory), runs it over a grid of frame sizes and windows with 10,000 loopback clients, and prints
 * what a frame costs the sender and the receivers in CPU, what that makes per million messages, and the latency
 * seen. `npx tsx bench/fanout-floor/run.ts`; not part of npm test. Knobs are environment variables below.
 *
 * At 1,000,000 msgs/s to 10,000 clients each client gets 100 messages a second, so a window of W ms carries
 * W/10 messages per frame: the grid's (5, 50) and (10, 100) are the target itself, the other cells give the cost
 * curve. A message waits up to one window, then for its frame's turn in the flush, so p99 >= 0.99 W + the flush.
 */
const config = {
  clients: Number(process.env.FLOOR_CLIENTS ?? 10_000),
  framesOf: (process.env.FLOOR_MESSAGES ?? '5,10,20,50').split(',').map(Number),
  windowsMs: (process.env.FLOOR_WINDOWS_MS ?? '25,50,100,250').split(',').map(Number),
  measureS: Number(process.env.FLOOR_MEASURE_S ?? 4),
  /** Only these `messagesxwindow` cells (e.g. `5x50,10x100`, the target's own points) instead of the whole grid. */
  cells: process.env.FLOOR_CELLS?.split(',').map((c) => c.split('x').map(Number) as [number, number]),
  repeat: Number(process.env.FLOOR_REPEAT ?? 1),
  /** Extra flags for every run, e.g. `-t 2` (sender threads), `-p 10` (staggered flush slots), `-B 4194304`, `-z`. */
  args: (process.env.FLOOR_ARGS ?? '').split(' ').filter((a) => a !== ''),
  /** Variants compared cell by cell, interleaved: `|`-separated flag sets, e.g. `|-z|-B 4194304`. */
  variants: process.env.FLOOR_VARIANTS?.split('|').map((v) => v.split(' ').filter((a) => a !== '')) ?? [[]],
};
export const TARGET_MESSAGES_PER_S = 1_000_000;
export const TARGET_P99_MS = 100;
export const TARGET_NODE_CORE_S_PER_MILLION = 0.5;
export const CORES = os.cpus().length;

type Run = {
  clients: number; messagesPerFrame: number; frameBytes: number; windowMs: number; seconds: number;
  framesWritten: number; framesReceived: number; messagesReceived: number; dropped: number; partialWrites: number;
  flushMsAvg: number; flushMsMax: number; senderUserS: number; senderSysS: number; receiverUserS: number; receiverSysS: number;
  p50Ms: number; p99Ms: number; p999Ms: number;
};

const binary = (): string => {
  const source = path.join(__dirname, 'fanout-floor.c');
  const hash = createHash('sha1').update(readFileSync(source)).digest('hex').slice(0, 12);
  const out = path.join(os.tmpdir(), `fanout-floor-${hash}`);
  if (!existsSync(out)) execFileSync('gcc', ['-O2', '-Wall', '-Wextra', '-o', out, source, '-lpthread'], { stdio: 'inherit' });
  return out;
};

const round = (x: number, digits = 2): number => Math.round(x * 10 ** digits) / 10 ** digits;
const median = (xs: readonly number[]): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted.length % 2 === 1 ? sorted[sorted.length >> 1]! : (sorted[sorted.length / 2 - 1]! + sorted[sorted.length / 2]!) / 2;
};

/**
 * 99th percentile of a message's latency when its age at its frame's build is uniform over the window (W) and
 * its frame's turn in the flush uniform over the flush (F): the sum of two uniforms, tail by tail. A box with no
 * neighbours would see this plus the kernel's delivery; the measured p99 here also holds the neighbours' load.
 */
export const p99FloorMs = (windowMs: number, flushMs: number): number => {
  const long = Math.max(windowMs, flushMs);
  const short = Math.min(windowMs, flushMs);
  const tail = Math.sqrt(0.02 * long * short);
  return tail <= short ? long + short - tail : 0.99 * long + short / 2;
};

type Row = { variant: string; m: number; windowMs: number; senderUsPerFrame: number; receiverUsPerFrame: number };

/**
 * What the measured costs put under the targets at each cell: N clients and a frame each per window make
 * N * 1000 / W frames a second whatever the frame holds, each costing the box the sender's and the receiver's
 * CPU, and delivering m messages. The flush of one window takes N * sender µs on one core (burst); staggering
 * the clients' windows over the window (paced) takes it off the latency if the CPU fits.
 */
const floorTable = (rows: readonly Row[], clients: number): Record<string, unknown>[] => {
  const cells = new Map<string, Row[]>();
  for (const row of rows) cells.set(`${row.variant}|${row.m}|${row.windowMs}`, [...(cells.get(`${row.variant}|${row.m}|${row.windowMs}`) ?? []), row]);
  return [...cells.values()].map((same) => {
    const { variant, m, windowMs } = same[0]!;
    const sender = median(same.map((r) => r.senderUsPerFrame));
    const receiver = median(same.map((r) => r.receiverUsPerFrame));
    const framesPerS = (clients * 1000) / windowMs;
    const flushMs = (clients * sender) / 1000;
    const coreSPerS = (framesPerS * (sender + receiver)) / 1e6;
    const p99Burst = p99FloorMs(windowMs, flushMs);
    const p99Paced = 0.99 * windowMs;
    return {
      variant, m, windowMs, runs: same.length, senderUs: round(sender), receiverUs: round(receiver),
      framesPerS: Math.round(framesPerS), deliversPerS: Math.round(framesPerS * m),
      senderCoreSPerMillion: round(sender / m, 3), boxCoreSPerS: round(coreSPerS), flushMsOneCore: round(flushMs, 1),
      p99FloorBurstMs: round(p99Burst, 1), p99FloorPacedMs: round(p99Paced, 1),
      meetsTarget: framesPerS * m >= TARGET_MESSAGES_PER_S && coreSPerS <= CORES && flushMs <= windowMs && p99Paced < TARGET_P99_MS
        ? (p99Burst < TARGET_P99_MS ? 'yes' : 'paced only') : 'no',
      nodeCostTarget: sender / m <= TARGET_NODE_CORE_S_PER_MILLION ? 'within' : 'above',
    };
  });
};

const main = (): void => {
  const bin = binary();
  const reference = () => JSON.parse(execFileSync(bin, ['-X']).toString()) as { xorshiftNsPerStep: number; xorshiftCpuNsPerStep: number };
  const referenceBefore = reference();
  const rows: Record<string, unknown>[] = [];
  const cells = config.cells ?? config.windowsMs.flatMap((windowMs) => config.framesOf.map((messages) => [messages, windowMs] as [number, number]));
  for (let r = 0; r < config.repeat; r += 1) {
    for (const [messages, windowMs] of cells) {
      {
        for (const variant of config.variants) {
          const args = ['-n', String(config.clients), '-m', String(messages), '-w', String(windowMs), '-s', String(config.measureS), ...config.args, ...variant];
          const run = JSON.parse(execFileSync(bin, args).toString()) as Run;
          const senderUsPerFrame = ((run.senderUserS + run.senderSysS) / run.framesWritten) * 1e6;
          const receiverUsPerFrame = ((run.receiverUserS + run.receiverSysS) / run.framesReceived) * 1e6;
          const row = {
            variant: variant.join(' ') || 'base', m: messages, windowMs, frameBytes: run.frameBytes,
            senderUsPerFrame: round(senderUsPerFrame), senderSysShare: round(run.senderSysS / (run.senderUserS + run.senderSysS)),
            receiverUsPerFrame: round(receiverUsPerFrame),
            // µs per frame over messages per frame is µs per message, i.e. core-seconds per million messages.
            senderCoreSPerMillion: round(senderUsPerFrame / messages, 3),
            totalCoreSAt1M: round((senderUsPerFrame + receiverUsPerFrame) / messages, 3),
            deliveredPerS: Math.round(run.messagesReceived / run.seconds),
            flushMsAvg: run.flushMsAvg, flushCpuMs: round((config.clients * senderUsPerFrame) / 1000, 1),
            p50Ms: run.p50Ms, p99Ms: run.p99Ms, p999Ms: run.p999Ms,
            dropped: run.dropped, partialWrites: run.partialWrites, loadAverage: os.loadavg()[0]!.toFixed(2),
          };
          console.log(JSON.stringify(row));
          rows.push(row);
        }
      }
    }
  }
  const referenceAfter = reference();
  console.table(rows);
  console.log(`floor at ${config.clients} clients (medians over repeats; "meetsTarget": >= 1M msgs/s, box CPU <= ${CORES} cores, p99 < 100 ms):`);
  console.table(floorTable(rows as unknown as Row[], config.clients));
  console.log(JSON.stringify({ referenceBefore, referenceAfter, cores: CORES, loadAverage: os.loadavg() }));
};

main();
