import cluster, { type Worker } from 'node:cluster';
import pino from 'pino';
import { connectNatsBus } from '../infrastructure/bus/nats';
import { runWorkers } from '../scripts/cluster-workers';
import { createStreamingNode } from '../streaming/node/streaming-node';
import { send, type ChildReport, type ParentCommand } from './fanout-shared';

/**
 * The bench's streaming node process: a real node on the real NATS, answering the parent over IPC. With
 * FANOUT_NODE_WORKERS=N it is a node of N worker processes on one port, as `STREAMING_WORKERS=N npm run
 * start:streaming` runs it (the same cluster runner): each worker its own NATS connection and 1/N of the
 * admissions, and the primary answers the parent with the node's sums (memory, CPU, fan-out counters).
 */
export const NODE_LIFETIME_MS_MAX = 20 * 60_000;
export const NODE_STOP_MS_MAX = 10_000;
const workers = Number(process.env.FANOUT_NODE_WORKERS ?? 1);
const logger = pino({ name: 'bench-fanout-node', level: 'warn' });

type MemoryReport = Extract<ChildReport, { type: 'memory' }>;
const ownMemory = (stats: Record<string, number>, gc: boolean): MemoryReport => {
  if (gc) global.gc?.();
  const usage = process.cpuUsage();
  return { type: 'memory', rssBytes: process.memoryUsage().rss, heapBytes: process.memoryUsage().heapUsed, cpuMs: (usage.user + usage.system) / 1000, systemCpuMs: usage.system / 1000, stats };
};

/** One process of the node (the whole node when FANOUT_NODE_WORKERS=1); its `send` reaches the primary when it is a worker. */
const serve = async (): Promise<void> => {
  const bus = await connectNatsBus({ servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222', subjectPrefix: process.env.FANOUT_PREFIX ?? '', name: 'bench-fanout-node' });
  const node = createStreamingNode({
    bus, jwtSecret: process.env.FANOUT_SECRET ?? '', logger,
    conflationWindowMs: Number(process.env.FANOUT_WINDOW_MS ?? 50), admissionsPerSecond: Number(process.env.FANOUT_ADMISSIONS_PER_S ?? 5_000) / workers,
  });
  const port = await node.listen(0, '127.0.0.1');
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    // Closing ten thousand sockets on a busy box can take a while; the bench must still end.
    setTimeout(() => process.exit(0), NODE_STOP_MS_MAX).unref();
    await node.close();
    await bus.close();
    process.exit(0);
  };
  setTimeout(() => void stop(), NODE_LIFETIME_MS_MAX).unref();
  process.on('disconnect', () => void stop());
  process.on('message', (command: ParentCommand) => {
    if (command.type === 'stop') void stop();
    if (command.type === 'memory') send(ownMemory({ ...node.stats() }, command.gc !== false));
  });
  send({ type: 'listening', port });
};

/** The primary of a node of several workers: it relays the parent's questions and sums the answers. */
const relay = (): void => {
  const live = (): Worker[] => Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && w.isConnected());
  const replyOf = (worker: Worker, type: ChildReport['type']): Promise<ChildReport> => new Promise((resolve) => {
    const listener = (report: ChildReport) => {
      if (report.type !== type) return;
      worker.off('message', listener);
      resolve(report);
    };
    worker.on('message', listener);
  });
  let listening = 0;
  cluster.on('message', (_worker, report: ChildReport) => {
    if (report.type === 'listening' && (listening += 1) === workers) send(report);
  });
  const nodeMemory = async (command: Extract<ParentCommand, { type: 'memory' }>): Promise<MemoryReport> => {
    const parts = await Promise.all(live().map((worker) => {
      const reply = replyOf(worker, 'memory');
      worker.send(command);
      return reply as Promise<MemoryReport>;
    }));
    const total = ownMemory({}, command.gc !== false);
    const stats: Record<string, number> = {};
    for (const part of parts) for (const [key, value] of Object.entries(part.stats)) stats[key] = (stats[key] ?? 0) + value;
    logger.warn({ primaryRssMb: Math.round(total.rssBytes / 2 ** 20), workers: parts.map((p) => ({ rssMb: Math.round(p.rssBytes / 2 ** 20), connections: p.stats.connections })) }, 'node processes');
    return parts.reduce((sum, p) => ({ ...sum, rssBytes: sum.rssBytes + p.rssBytes, heapBytes: sum.heapBytes + p.heapBytes, cpuMs: sum.cpuMs + p.cpuMs, systemCpuMs: sum.systemCpuMs + p.systemCpuMs }), { ...total, stats });
  };
  const stop = () => process.kill(process.pid, 'SIGTERM'); // the cluster runner's own shutdown: every worker, then exit
  setTimeout(stop, NODE_LIFETIME_MS_MAX).unref();
  process.on('disconnect', stop);
  process.on('message', (command: ParentCommand) => {
    if (command.type === 'stop') stop();
    if (command.type === 'memory') void nodeMemory(command).then(send);
  });
};

void runWorkers({ count: workers, name: 'bench streaming', logger, onWorkerExit: 'restart', serve, primary: relay });
