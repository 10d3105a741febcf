import { WebSocket } from 'ws';
import { signAccessToken } from '../infrastructure/auth/jwt';
import { connectAll, cpuMs, epochMs, newHistogram, recordLatency, send, watchlistPicker, type ParentCommand } from './fanout-shared';

/**
 * One of the bench's light client processes: FANOUT_PROC_CLIENTS clients on bare `ws` sockets, so that a client
 * costs far less CPU than the node it measures. FANOUT_PROTOCOL=ws speaks the plain WebSocket protocol;
 * FANOUT_PROTOCOL=socketio speaks Socket.IO by hand over engine.io frames (open, CONNECT with auth, ping/pong,
 * `42["md",[...]]`). Each counts frames and messages (an object per `{`: the messages are flat) and parses only
 * one frame in LATENCY_SAMPLE_EVERY_FRAMES for latency.
 */
export const LATENCY_SAMPLE_EVERY_FRAMES = 100;
export const CONNECT_ATTEMPTS_MAX = 60;
export const CONNECT_TIMEOUT_MS = 30_000;
export const CLIENTS_LIFETIME_MS_MAX = 15 * 60_000;
/** Source addresses 127.0.0.2 .. 127.0.0.(1+N): one address has about 28K ephemeral ports toward one node port. */
export const LOOPBACK_SOURCES = 8;

const port = Number(process.env.FANOUT_PORT);
const clients = Number(process.env.FANOUT_PROC_CLIENTS ?? 1_000);
const symbols = Number(process.env.FANOUT_SYMBOLS ?? 1_000);
const watch = Number(process.env.FANOUT_WATCH ?? 20);
const secret = process.env.FANOUT_SECRET ?? '';
const procIndex = Number(process.env.FANOUT_PROC_INDEX ?? 0);
const protocol = process.env.FANOUT_PROTOCOL === 'socketio' ? 'socketio' : 'ws';

const watchlist = watchlistPicker(symbols, watch);

let histogram = newHistogram();
let delivered = 0;
let frames = 0;
let disconnected = 0;
let cpuBaselineMs = 0;
const sockets: WebSocket[] = [];

const OPEN_BRACE = 0x7b;
const countObjects = (data: Buffer, from: number): number => {
  let count = 0;
  for (let at = data.indexOf(OPEN_BRACE, from); at !== -1; at = data.indexOf(OPEN_BRACE, at + 1)) count += 1;
  return count;
};
const sampleLatency = (json: string): void => {
  const nowMs = epochMs();
  for (const message of JSON.parse(json) as { ts?: unknown }[]) if (typeof message.ts === 'number') recordLatency(histogram, nowMs - message.ts);
};

/** A market frame: `[...]` on plain WebSocket, `42["md",[...]]` on Socket.IO; the array lies in [bodyStart, bodyEnd). */
const SIO_MD_PREFIX = Buffer.from('42["md",');
const onMarketFrame = (data: Buffer, bodyStart: number, bodyEnd: number): void => {
  frames += 1;
  delivered += countObjects(data, bodyStart);
  if (frames % LATENCY_SAMPLE_EVERY_FRAMES === 0) sampleLatency(data.toString('utf8', bodyStart, bodyEnd));
};

const sourceAddress = (index: number): string => `127.0.0.${2 + ((procIndex * 7919 + index) % LOOPBACK_SOURCES)}`;

type Attempt = { readonly outcome: 'connected' } | { readonly outcome: 'retry'; readonly afterMs: number };

const subscribeRequest = (): string => JSON.stringify({ action: 'subscribe', channel: 'quotes', symbols: watchlist() });

const connectWs = (index: number, token: string): Promise<Attempt> =>
  new Promise((resolve) => {
    const socket = new WebSocket(`ws://127.0.0.1:${port}/v1/market/stream?token=${token}`, { localAddress: sourceAddress(index), perMessageDeflate: false, handshakeTimeout: CONNECT_TIMEOUT_MS });
    socket.on('open', () => {
      sockets.push(socket);
      socket.send(subscribeRequest());
      resolve({ outcome: 'connected' });
    });
    socket.on('message', (data: Buffer) => {
      if (data[0] === 0x5b) onMarketFrame(data, 0, data.length);
    });
    socket.on('unexpected-response', (_request, response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => {
        const retryAfterMs = (JSON.parse(body || '{}') as { retry_after_ms?: number }).retry_after_ms ?? 100;
        resolve({ outcome: 'retry', afterMs: retryAfterMs });
      });
    });
    socket.on('error', () => resolve({ outcome: 'retry', afterMs: 100 }));
    socket.on('close', () => { if (sockets.includes(socket)) disconnected += 1; });
  });

const connectSocketIo = (index: number, token: string): Promise<Attempt> =>
  new Promise((resolve) => {
    const socket = new WebSocket(`ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`, { localAddress: sourceAddress(index), perMessageDeflate: false, handshakeTimeout: CONNECT_TIMEOUT_MS });
    let connected = false;
    socket.on('message', (data: Buffer) => {
      if (connected && data.subarray(0, SIO_MD_PREFIX.length).equals(SIO_MD_PREFIX)) {
        onMarketFrame(data, SIO_MD_PREFIX.length, data.length - 1);
        return;
      }
      const text = data.toString();
      if (text === '2') { socket.send('3'); return; } // engine.io ping
      if (text.startsWith('0')) { socket.send(`40${JSON.stringify({ token })}`); return; } // engine.io open: Socket.IO CONNECT
      if (text.startsWith('40')) {
        connected = true;
        sockets.push(socket);
        socket.send(`42${JSON.stringify(['message', JSON.parse(subscribeRequest()) as unknown])}`);
        resolve({ outcome: 'connected' });
        return;
      }
      if (text.startsWith('44')) { // CONNECT_ERROR: refused (admission, auth)
        const refusal = JSON.parse(text.slice(2)) as { data?: { retry_after_ms?: number } };
        socket.terminate();
        resolve({ outcome: 'retry', afterMs: refusal.data?.retry_after_ms ?? 100 });
      }
    });
    socket.on('error', () => resolve({ outcome: 'retry', afterMs: 100 }));
    socket.on('close', () => { if (connected) disconnected += 1; });
  });

const connectOne = async (index: number): Promise<boolean> => {
  const token = signAccessToken({ accountId: `bench-${procIndex}-${index}` }, secret, 3_600);
  for (let attempt = 0; attempt < CONNECT_ATTEMPTS_MAX; attempt += 1) {
    const result = protocol === 'ws' ? await connectWs(index, token) : await connectSocketIo(index, token);
    if (result.outcome === 'connected') return true;
    await new Promise((resolve) => setTimeout(resolve, result.afterMs + Math.random() * 100));
  }
  return false;
};

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
      send({ type: 'report', delivered, frames, histogram, cpuMs: cpuMs() - cpuBaselineMs, disconnected });
      histogram = newHistogram();
      delivered = 0;
      frames = 0;
    }
    if (command.type === 'stop') {
      for (const socket of sockets) socket.terminate();
      process.exit(0);
    }
  });
  await connectAll(clients, connectOne);
};

void main();
