import pino from 'pino';
import { connectNatsBus } from '../infrastructure/bus/nats';
import { createStreamingNode } from '../streaming/node/streaming-node';
import { send, type ParentCommand } from './fanout-shared';

/** The bench's streaming node process: a real node on the real NATS, answering the parent over IPC. */
export const NODE_LIFETIME_MS_MAX = 20 * 60_000;
export const NODE_STOP_MS_MAX = 10_000;

const main = async (): Promise<void> => {
  const bus = await connectNatsBus({ servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222', subjectPrefix: process.env.FANOUT_PREFIX ?? '', name: 'bench-fanout-node' });
  const node = createStreamingNode({
    bus, jwtSecret: process.env.FANOUT_SECRET ?? '', logger: pino({ name: 'bench-fanout-node', level: 'warn' }),
    conflationWindowMs: Number(process.env.FANOUT_WINDOW_MS ?? 50), admissionsPerSecond: Number(process.env.FANOUT_ADMISSIONS_PER_S ?? 5_000),
  });
  const port = await node.listen(0, '127.0.0.1');
  // Where a message's latency goes: how often windows end and how long writing a window's frames takes. The node's
  // timer calls `fanOut.flush` through the object, so timing it here measures the real windows.
  const flush = node.fanOut.flush.bind(node.fanOut);
  let windows = 0;
  let flushMs = 0;
  node.fanOut.flush = () => {
    const startedMs = performance.now();
    flush();
    flushMs += performance.now() - startedMs;
    windows += 1;
  };
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
    if (command.type === 'memory') {
      global.gc?.();
      const usage = process.cpuUsage();
      send({ type: 'memory', rssBytes: process.memoryUsage().rss, heapBytes: process.memoryUsage().heapUsed, cpuMs: (usage.user + usage.system) / 1000, systemCpuMs: usage.system / 1000, stats: { ...node.stats(), windows, flushMs } });
    }
  });
  send({ type: 'listening', port });
};

void main();
