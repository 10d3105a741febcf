import { io as connectSocketIo, type Socket } from 'socket.io-client';
import { WebSocket } from 'ws';

/**
 * For tests and the bench: bounded polling until a condition holds (no timing assertion, just a wait with an end).
 * The end is a deadline, not a count of rounds: 400 rounds of 10 ms were 4 s, too short for a whole pipeline
 * (an order's fill reaching a socket) on a CI box running 5-10x slower than usual.
 */
export const WAIT_MS_MAX = 20_000;
export const WAIT_ROUND_MS = 10;
export const eventually = async (condition: () => boolean, what: string): Promise<void> => {
  const deadline = Date.now() + WAIT_MS_MAX;
  for (;;) {
    if (condition()) return;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, WAIT_ROUND_MS));
  }
};

export type ReceivedMessage = Record<string, unknown>;

/** A client of either protocol that records every message it receives, batches flattened. */
export type TestClient = {
  readonly market: ReceivedMessage[];
  readonly control: ReceivedMessage[];
  send(request: unknown): void;
  /** Sends and waits for the node's `subscribed`/`unsubscribed`/`error` answer. */
  request(request: unknown): Promise<ReceivedMessage>;
  close(): void;
};

const withRequests = (market: ReceivedMessage[], control: ReceivedMessage[], send: (r: unknown) => void, close: () => void): TestClient => ({
  market, control, send, close,
  async request(request) {
    const seen = control.length;
    send(request);
    await eventually(() => control.slice(seen).some((m) => m.action !== undefined && m.action !== 'reconnect'), 'a reply to a request');
    return control.slice(seen).find((m) => m.action !== undefined && m.action !== 'reconnect')!;
  },
});

export type SocketIoOutcome = { readonly client: TestClient; readonly socket: Socket } | { readonly refused: { message: string; data?: { code: string; retry_after_ms?: number } } };

export const connectSocketIoClient = (port: number, token: string | undefined): Promise<SocketIoOutcome> =>
  new Promise((resolve) => {
    const socket = connectSocketIo(`http://127.0.0.1:${port}`, { transports: ['websocket'], reconnection: false, auth: token === undefined ? {} : { token }, forceNew: true });
    const market: ReceivedMessage[] = [];
    const control: ReceivedMessage[] = [];
    socket.on('md', (batch: ReceivedMessage[]) => market.push(...batch));
    socket.on('message', (message: ReceivedMessage) => control.push(message));
    socket.on('connect', () => resolve({ socket, client: withRequests(market, control, (r) => socket.emit('message', r), () => socket.disconnect()) }));
    socket.on('connect_error', (error: Error & { data?: { code: string; retry_after_ms?: number } }) => {
      socket.close();
      resolve({ refused: { message: error.message, data: error.data } });
    });
  });

export type WsOutcome = { readonly client: TestClient; readonly socket: WebSocket; readonly closed: Promise<number> } | { readonly refusedStatus: number; readonly retryAfter: string | undefined; readonly body: string };

export const connectWsClient = (port: number, auth: { header?: string; query?: string }): Promise<WsOutcome> =>
  new Promise((resolve) => {
    const query = auth.query === undefined ? '' : `?token=${encodeURIComponent(auth.query)}`;
    const socket = new WebSocket(`ws://127.0.0.1:${port}/v1/market/stream${query}`, { headers: auth.header === undefined ? {} : { authorization: auth.header } });
    const market: ReceivedMessage[] = [];
    const control: ReceivedMessage[] = [];
    const closed = new Promise<number>((done) => socket.on('close', (code) => done(code)));
    socket.on('message', (data) => {
      const parsed: unknown = JSON.parse(data.toString());
      if (Array.isArray(parsed)) market.push(...(parsed as ReceivedMessage[]));
      else control.push(parsed as ReceivedMessage);
    });
    socket.on('open', () => resolve({ socket, closed, client: withRequests(market, control, (r) => socket.send(JSON.stringify(r)), () => socket.terminate()) }));
    socket.on('unexpected-response', (_request, response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve({ refusedStatus: response.statusCode ?? 0, retryAfter: response.headers['retry-after'], body }));
    });
    socket.on('error', () => undefined);
  });

export const expectConnected = <T extends object>(outcome: T): Extract<T, { client: TestClient }> => {
  if (!('client' in outcome)) throw new Error(`expected a connection, got ${JSON.stringify(outcome)}`);
  return outcome as Extract<T, { client: TestClient }>;
};
