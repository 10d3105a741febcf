import { createServer } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import { connectNatsBus } from '../infrastructure/bus/nats';
import { send, type ParentCommand } from './fanout-shared';

/**
 * The bench's reference peer: the smallest batching WebSocket server that gives the light clients what the
 * streaming node gives them (one `[...]` frame per client per window holding the latest quote of each symbol it
 * watches that changed), written the obvious way with `ws` and none of the node's work (no auth, no admission,
 * no backpressure, no per-topic bus subscriptions). Its CPU per million messages, measured in the same run on the
 * same clients and quotes, is the floor the node's figure stands beside.
 */
export const REFERENCE_LIFETIME_MS_MAX = 20 * 60_000;

type Client = { readonly socket: WebSocket; symbols: readonly string[] };

const main = async (): Promise<void> => {
  const bus = await connectNatsBus({ servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222', subjectPrefix: process.env.FANOUT_PREFIX ?? '', name: 'bench-fanout-reference' });
  const latest = new Map<string, string>();
  const clients = new Set<Client>();
  let framesWritten = 0;
  let messagesDelivered = 0;
  let windows = 0;
  let flushMs = 0;

  bus.subscribe('md.quote.*', (message) => {
    latest.set(message.subject.slice('md.quote.'.length), Buffer.from(message.data).toString('utf8'));
  });

  const server = createServer();
  const wss = new WebSocketServer({ server, perMessageDeflate: false });
  wss.on('connection', (socket) => {
    const client: Client = { socket, symbols: [] };
    clients.add(client);
    socket.on('message', (data) => {
      const request = JSON.parse(String(data)) as { symbols?: string[] };
      client.symbols = request.symbols ?? [];
    });
    socket.on('close', () => clients.delete(client));
  });

  setInterval(() => {
    const startedMs = performance.now();
    const window = new Map(latest);
    latest.clear();
    for (const { socket, symbols } of clients) {
      const messages: string[] = [];
      for (const symbol of symbols) {
        const message = window.get(symbol);
        if (message !== undefined) messages.push(message);
      }
      if (messages.length === 0) continue;
      socket.send(`[${messages.join(',')}]`);
      framesWritten += 1;
      messagesDelivered += messages.length;
    }
    flushMs += performance.now() - startedMs;
    windows += 1;
  }, Number(process.env.FANOUT_WINDOW_MS ?? 50));

  const stop = (): void => {
    for (const socket of wss.clients) socket.terminate();
    void bus.close().finally(() => process.exit(0));
    setTimeout(() => process.exit(0), 5_000).unref();
  };
  setTimeout(stop, REFERENCE_LIFETIME_MS_MAX).unref();
  process.on('disconnect', stop);
  process.on('message', (command: ParentCommand) => {
    if (command.type === 'stop') stop();
    if (command.type === 'memory') {
      if (command.gc !== false) global.gc?.();
      const usage = process.cpuUsage();
      send({
        type: 'memory', rssBytes: process.memoryUsage().rss, heapBytes: process.memoryUsage().heapUsed, cpuMs: (usage.user + usage.system) / 1000,
        systemCpuMs: usage.system / 1000, stats: { framesWritten, messagesDelivered, messagesDropped: 0, busSubscriptions: 1, windows, flushMs },
      });
    }
  });
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    send({ type: 'listening', port: typeof address === 'object' && address !== null ? address.port : 0 });
  });
};

void main();
