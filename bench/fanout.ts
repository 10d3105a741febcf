import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { newHistogram, percentileMs, type ChildReport, type ParentCommand } from './fanout-shared';

/**
 * Fan-out benchmark: one streaming node, FANOUT_PROCS client processes holding FANOUT_CLIENTS clients, one
 * publisher driving quotes over the real NATS. `npx tsx bench/fanout.ts`; every knob is an environment variable below.
 * FANOUT_CLIENT_MODE=socketio (default) runs socket.io-client clients; =light runs bare `ws` clients that cost
 * little CPU (fanout-light-clients.ts), speaking FANOUT_PROTOCOL=ws (plain WebSocket) or socketio. The figure that
 * describes the node and not the box is its own CPU per million messages delivered, read from the node process.
 */
const config = {
  clients: Number(process.env.FANOUT_CLIENTS ?? 10_000),
  procs: Number(process.env.FANOUT_PROCS ?? 4),
  symbols: Number(process.env.FANOUT_SYMBOLS ?? 1_000),
  watch: Number(process.env.FANOUT_WATCH ?? 20),
  zipf: Number(process.env.FANOUT_ZIPF ?? 1),
  ratePerSecond: Number(process.env.FANOUT_RATE ?? 10_000),
  windowMs: Number(process.env.FANOUT_WINDOW_MS ?? 50),
  warmupS: Number(process.env.FANOUT_WARMUP_S ?? 3),
  measureS: Number(process.env.FANOUT_MEASURE_S ?? 15),
  admissionsPerSecond: Number(process.env.FANOUT_ADMISSIONS_PER_S ?? 5_000),
  clientMode: process.env.FANOUT_CLIENT_MODE === 'light' ? 'light' : 'socketio',
  protocol: process.env.FANOUT_PROTOCOL === 'socketio' ? 'socketio' : 'ws',
  /** After the node, the same clients and quotes against the reference peer (bench/fanout-reference-node.ts); FANOUT_REFERENCE=0 skips it. */
  reference: process.env.FANOUT_REFERENCE !== '0',
  /** The node as this many worker processes on one port (STREAMING_WORKERS); its RSS and CPU are the sums of all of them and the primary. */
  nodeWorkers: Number(process.env.FANOUT_NODE_WORKERS ?? 1),
};
export const CONNECT_PHASE_MS_MAX = 600_000;
export const REPORT_INTERVAL_MS = 1_000;
export const PHASE_STOP_MS_MAX = 10_000;
/**
 * The publisher outlives the measurement by this much and is stopped with the others: reading a node's memory
 * (a full GC in each of its processes) can take many seconds with 50,000 connections on a busy box, and the
 * measurement must not outrun the quotes.
 */
export const PUBLISH_SLACK_S = 120;

const logger = pino({ name: 'bench-fanout' });
const children: ChildProcess[] = [];
const env = { ...process.env, FANOUT_PREFIX: `bench.${randomBytes(4).toString('hex')}.`, FANOUT_SECRET: randomBytes(16).toString('hex'),
  FANOUT_SYMBOLS: String(config.symbols), FANOUT_WATCH: String(config.watch), FANOUT_ZIPF: String(config.zipf), FANOUT_RATE: String(config.ratePerSecond),
  FANOUT_WINDOW_MS: String(config.windowMs), FANOUT_ADMISSIONS_PER_S: String(config.admissionsPerSecond), FANOUT_PROTOCOL: config.protocol,
  FANOUT_NODE_WORKERS: String(config.nodeWorkers) };

/** Children raise their descriptor limit first: each client and the node hold one socket per connection. */
const start = (script: string, extraEnv: Record<string, string>, nodeFlags = ''): ChildProcess => {
  const file = path.join(__dirname, script);
  const child = spawn('bash', ['-c', `ulimit -n 65535 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec node ${nodeFlags} --import tsx "${file}"`], {
    env: { ...env, ...extraEnv }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  children.push(child);
  return child;
};
const next = <T extends ChildReport['type']>(child: ChildProcess, type: T): Promise<Extract<ChildReport, { type: T }>> =>
  new Promise((resolve) => {
    const listener = (report: ChildReport) => {
      if (report.type !== type) return;
      child.off('message', listener);
      resolve(report as Extract<ChildReport, { type: T }>);
    };
    child.on('message', listener);
  });
const tell = (child: ChildProcess, command: ParentCommand) => child.connected && child.send(command);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const stopAll = () => {
  for (const child of children) tell(child, { type: 'stop' });
  setTimeout(() => children.forEach((c) => c.kill('SIGKILL')), 3_000).unref();
};

/**
 * One measured run against one server process: start it, connect the clients, publish, measure for
 * config.measureS, stop everything it started. `protocol` is what the light clients speak to it.
 */
const runAgainst = async (serverScript: string, processes: number, clientMode: string, protocol: string, nodeFlags: string): Promise<Record<string, unknown>> => {
  const phase: ChildProcess[] = [];
  const startInPhase = (script: string, extraEnv: Record<string, string>, flags = ''): ChildProcess => {
    const child = start(script, { FANOUT_PROTOCOL: protocol, ...extraEnv }, flags);
    phase.push(child);
    return child;
  };
  const node = startInPhase(serverScript, {}, `--expose-gc ${nodeFlags}`);
  const { port } = await next(node, 'listening');
  tell(node, { type: 'memory' });
  const baseline = await next(node, 'memory');

  const perProc = Math.ceil(config.clients / config.procs);
  const clientProcs = Array.from({ length: config.procs }, (_, i) =>
    startInPhase(clientMode === 'light' ? 'fanout-light-clients.ts' : 'fanout-clients.ts', { FANOUT_PORT: String(port), FANOUT_PROC_CLIENTS: String(Math.min(perProc, config.clients - i * perProc)), FANOUT_PROC_INDEX: String(i) }, process.env.FANOUT_CLIENT_FLAGS ?? ''));
  const progress = new Map<ChildProcess, number>();
  for (const child of clientProcs) child.on('message', (r: ChildReport) => r.type === 'connected' && progress.set(child, r.connected));
  const progressTimer = setInterval(() => logger.info({ server: serverScript, connected: [...progress.values()].reduce((a, b) => a + b, 0) }, 'connecting'), REPORT_INTERVAL_MS);
  const connectStartedMs = Date.now();
  const ready = await Promise.all(clientProcs.map((child) => next(child, 'ready')));
  clearInterval(progressTimer);
  const connected = ready.reduce((a, r) => a + r.connected, 0);
  const connectSeconds = (Date.now() - connectStartedMs) / 1000;
  await sleep(1_000); // Let the last subscriptions land.
  tell(node, { type: 'memory' });
  const loaded = await next(node, 'memory');
  logger.info({ server: serverScript, connected, failed: ready.reduce((a, r) => a + r.failed, 0), connectSeconds, busSubscriptions: loaded.stats.busSubscriptions }, 'clients connected and subscribed');

  startInPhase('fanout-publisher.ts', { FANOUT_PUBLISH_S: String(config.warmupS + config.measureS + PUBLISH_SLACK_S) });
  await sleep(config.warmupS * 1000);
  for (const child of clientProcs) tell(child, { type: 'measure' });
  tell(node, { type: 'memory', gc: false });
  const nodeAtStart = await next(node, 'memory');

  const histogram = newHistogram();
  let delivered = 0;
  let clientCpuMs = 0;
  let clientsDisconnected = 0;
  for (let second = 1; second <= config.measureS; second += 1) {
    await sleep(REPORT_INTERVAL_MS);
    const reports = await Promise.all(clientProcs.map((child) => {
      const reply = next(child, 'report');
      tell(child, { type: 'report' });
      return reply;
    }));
    const deliveredNow = reports.reduce((a, r) => a + r.delivered, 0);
    delivered += deliveredNow;
    const windowHistogram = newHistogram();
    for (const report of reports) report.histogram.forEach((count, i) => { histogram[i]! += count; windowHistogram[i]! += count; });
    clientCpuMs = reports.reduce((a, r) => a + r.cpuMs, 0);
    clientsDisconnected = reports.reduce((a, r) => a + (r.disconnected ?? 0), 0);
    logger.info({ server: serverScript, second, deliveredPerS: deliveredNow, framesPerS: reports.reduce((a, r) => a + r.frames, 0), p50Ms: percentileMs(windowHistogram, 0.5), p99Ms: percentileMs(windowHistogram, 0.99) }, 'progress');
  }
  tell(node, { type: 'memory', gc: false });
  const nodeAtEnd = await next(node, 'memory');
  for (const child of phase) tell(child, { type: 'stop' });
  await Promise.all(phase.map((child) => new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve(undefined);
    child.once('exit', resolve);
    setTimeout(() => child.kill('SIGKILL'), PHASE_STOP_MS_MAX).unref();
  })));
  const seconds = config.measureS;
  const nodeCpuSeconds = (nodeAtEnd.cpuMs - nodeAtStart.cpuMs) / 1000;
  const framesWritten = nodeAtEnd.stats.framesWritten! - nodeAtStart.stats.framesWritten!;
  return {
    clients: connected, connectSeconds, connectsPerS: Math.round(connected / connectSeconds),
    deliveredPerS: Math.round(delivered / seconds),
    framesPerS: Math.round(framesWritten / seconds),
    messagesPerFrame: Math.round((delivered / framesWritten) * 10) / 10,
    nodeCpuSecondsPerMillion: Math.round((nodeCpuSeconds / (delivered / 1e6)) * 1000) / 1000,
    // A message waits for its window to end (up to one window), then for its frame's turn in the flush.
    // Each of the server's processes ends its own windows.
    windowMsActual: Math.round((seconds * 1000 * processes) / Math.max(1, nodeAtEnd.stats.windows! - nodeAtStart.stats.windows!)),
    flushMsAvg: Math.round((nodeAtEnd.stats.flushMs! - nodeAtStart.stats.flushMs!) / Math.max(1, nodeAtEnd.stats.windows! - nodeAtStart.stats.windows!)),
    droppedPerS: Math.round((nodeAtEnd.stats.messagesDropped! - nodeAtStart.stats.messagesDropped!) / seconds),
    p50Ms: percentileMs(histogram, 0.5), p99Ms: percentileMs(histogram, 0.99), p999Ms: percentileMs(histogram, 0.999),
    nodeCpuPercent: Math.round(((nodeAtEnd.cpuMs - nodeAtStart.cpuMs) / (seconds * 1000)) * 100),
    // The kernel's part: on loopback a socket write also runs the receiving side's TCP processing.
    nodeKernelCpuShare: Math.round(((nodeAtEnd.systemCpuMs - nodeAtStart.systemCpuMs) / Math.max(1, nodeAtEnd.cpuMs - nodeAtStart.cpuMs)) * 100) / 100,
    clientProcsCpuPercent: Math.round((clientCpuMs / (seconds * 1000)) * 100),
    rssPerConnectionKb: Math.round((loaded.rssBytes - baseline.rssBytes) / connected / 1024 * 10) / 10,
    heapPerConnectionKb: Math.round((loaded.heapBytes - baseline.heapBytes) / connected / 1024 * 10) / 10,
    nodeRssMb: Math.round(nodeAtEnd.rssBytes / 1024 / 1024),
    clientsDisconnected,
    loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
};

const main = async (): Promise<void> => {
  setTimeout(() => {
    logger.error('bench exceeded its time budget');
    stopAll();
    process.exit(1);
  }, 2 * (CONNECT_PHASE_MS_MAX + (config.warmupS + config.measureS + 30) * 1000)).unref();
  logger.info(config, 'starting');

  const node = await runAgainst('fanout-node.ts', config.nodeWorkers, config.clientMode, config.protocol, process.env.FANOUT_NODE_FLAGS ?? '');
  const summary = { nodeWorkers: config.nodeWorkers, clientMode: config.clientMode, protocol: config.clientMode === 'light' ? config.protocol : 'socketio', ...node };
  logger.info(summary, 'fan-out result');
  console.log(JSON.stringify(summary));
  if (config.reference) {
    // The reference speaks plain WebSocket only, so its clients are light ones whatever the node's were.
    const reference = await runAgainst('fanout-reference-node.ts', 1, 'light', 'ws', '');
    const referenceSummary = { server: 'reference: minimal batching ws server (bench/fanout-reference-node.ts)', clientMode: 'light', protocol: 'ws', ...reference };
    logger.info(referenceSummary, 'reference result');
    console.log(JSON.stringify(referenceSummary));
  }
  stopAll();
  await sleep(500);
  process.exit(0);
};

process.on('SIGINT', () => {
  stopAll();
  process.exit(1);
});
main().catch((error: unknown) => {
  logger.error({ err: error }, 'bench failed');
  stopAll();
  process.exit(1);
});
