import { io, type Socket } from 'socket.io-client';
import { signAccessToken } from '../infrastructure/auth/jwt';
import { connectAll, cpuMs, epochMs, newHistogram, recordLatency, send, watchlistPicker, type ParentCommand } from './fanout-shared';

/** One of the bench's client processes: FANOUT_PROC_CLIENTS Socket.IO clients, each watching FANOUT_WATCH symbols. */
export const CONNECT_ATTEMPTS_MAX = 30;
export const CLIENTS_LIFETIME_MS_MAX = 10 * 60_000;

const port = Number(process.env.FANOUT_PORT);
const clients = Number(process.env.FANOUT_PROC_CLIENTS ?? 1_000);
const symbols = Number(process.env.FANOUT_SYMBOLS ?? 1_000);
const watch = Number(process.env.FANOUT_WATCH ?? 20);
const secret = process.env.FANOUT_SECRET ?? '';
const procIndex = Number(process.env.FANOUT_PROC_INDEX ?? 0);

const watchlist = watchlistPicker(symbols, watch);

let histogram = newHistogram();
let delivered = 0;
let frames = 0;
/** CPU used before measuring started, so reports carry the measured part only. */
let cpuBaselineMs = 0;
const sockets: Socket[] = [];

const onBatch = (batch: { ts?: number }[]): void => {
  const nowMs = epochMs();
  frames += 1;
  delivered += batch.length;
  for (const message of batch) if (typeof message.ts === 'number') recordLatency(histogram, nowMs - message.ts);
};

const connectOne = (index: number): Promise<boolean> =>
  new Promise((resolve) => {
    let attempts = 0;
    const token = signAccessToken({ accountId: `bench-${procIndex}-${index}` }, secret);
    const socket = io(`http://127.0.0.1:${port}`, { transports: ['websocket'], reconnection: false, auth: { token }, forceNew: true });
    socket.on('md', onBatch);
    socket.on('connect', () => {
      sockets.push(socket);
      socket.emit('message', { action: 'subscribe', channel: 'quotes', symbols: watchlist() });
      resolve(true);
    });
    socket.on('connect_error', (error: Error & { data?: { retry_after_ms?: number } }) => {
      attempts += 1;
      if (attempts >= CONNECT_ATTEMPTS_MAX) {
        socket.close();
        resolve(false);
        return;
      }
      setTimeout(() => socket.connect(), (error.data?.retry_after_ms ?? 100) + Math.random() * 100);
    });
  });

const main = async (): Promise<void> => {
  setTimeout(() => process.exit(0), CLIENTS_LIFETIME_MS_MAX).unref();
  process.on('disconnect', () => process.exit(0));
  process.on('message', (command: ParentCommand) => {
    if (command.type === 'measure') {
      histogram = newHistogram();
      delivered = 0;
      frames = 0;
      cpuBaselineMs = cpuMs();
    }
    if (command.type === 'report') {
      send({ type: 'report', delivered, frames, histogram, cpuMs: cpuMs() - cpuBaselineMs });
      histogram = newHistogram();
      delivered = 0;
      frames = 0;
    }
    if (command.type === 'stop') {
      for (const socket of sockets) socket.close();
      process.exit(0);
    }
  });
  await connectAll(clients, connectOne);
};

void main();
