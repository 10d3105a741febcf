import * as E from 'fp-ts/Either';
import { isWellFormedSymbol } from '../../domain/market/symbol';
import { CHANNEL_OF_KIND, marketSubject } from '../../infrastructure/market/subjects';

/**
 * The client protocol (seed API design, "Market Data — WebSocket").
 * Client → server: `{ "action": "subscribe" | "unsubscribe", "channel": <Channel>, "symbols": [...] }`
 * (the `orders` channel takes no symbols: it is always the authenticated account's own).
 * Server → client, market data and order updates: seed-shaped messages such as
 * `{ "channel": "quotes", "symbol", "bid", "ask", "last", "volume", "ts" }`. They are batched:
 * the plain WebSocket sends a JSON array of them per frame, Socket.IO the same array as event `md`.
 * Control messages are single objects: `{ "channel": "heartbeat", "ts" }`, `{ "action": "subscribed" | "unsubscribed", ... }`,
 * `{ "action": "error", "code", "detail" }`, `{ "action": "reconnect", "delay_ms" }` (Socket.IO event `message`).
 */
export const Channels = ['quotes', 'trades', 'book', 'candles', 'orders'] as const;
export type Channel = (typeof Channels)[number];

export const SYMBOLS_PER_REQUEST_MAX = 100;
/** Account ids become a subject token too (`orders.<accountId>`). */
export const ACCOUNT_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

// Codes leave the process: never rename or reuse one.
export const ProtocolErrorCode = {
  InvalidMessage: 'INVALID_MESSAGE',
  UnknownChannel: 'UNKNOWN_CHANNEL',
  InvalidSymbol: 'INVALID_SYMBOL',
  TooManySymbols: 'TOO_MANY_SYMBOLS',
  SubscriptionLimit: 'SUBSCRIPTION_LIMIT',
} as const;
export type ProtocolErrorCode = (typeof ProtocolErrorCode)[keyof typeof ProtocolErrorCode];
export type ProtocolError = { readonly code: ProtocolErrorCode; readonly detail: string };

export type ClientRequest = { readonly action: 'subscribe' | 'unsubscribe'; readonly channel: Channel; readonly symbols: readonly string[] };

const fail = (code: ProtocolErrorCode, detail: string) => E.left<ProtocolError, ClientRequest>({ code, detail });

export const parseClientRequest = (raw: unknown): E.Either<ProtocolError, ClientRequest> => {
  if (typeof raw !== 'object' || raw === null) return fail(ProtocolErrorCode.InvalidMessage, 'expected a JSON object');
  const { action, channel, symbols } = raw as Record<string, unknown>;
  if (action !== 'subscribe' && action !== 'unsubscribe') return fail(ProtocolErrorCode.InvalidMessage, 'action must be subscribe or unsubscribe');
  if (!Channels.includes(channel as Channel)) return fail(ProtocolErrorCode.UnknownChannel, String(channel));
  if (channel === 'orders') return E.right({ action, channel, symbols: [] });
  if (!Array.isArray(symbols) || symbols.length === 0) return fail(ProtocolErrorCode.InvalidMessage, 'symbols must be a non-empty array');
  if (symbols.length > SYMBOLS_PER_REQUEST_MAX) return fail(ProtocolErrorCode.TooManySymbols, `at most ${SYMBOLS_PER_REQUEST_MAX}`);
  const bad = symbols.find((s) => typeof s !== 'string' || !isWellFormedSymbol(s));
  if (bad !== undefined) return fail(ProtocolErrorCode.InvalidSymbol, String(bad));
  return E.right({ action, channel: channel as Channel, symbols: [...new Set(symbols as string[])] });
};

/**
 * Bus subjects behind a channel for one symbol. Halts ride with quotes because a
 * client showing a price must learn the symbol stopped trading. Ingest publishes all five
 * (`infrastructure/market/subjects.ts` names them for both).
 */
export const subjectsFor = (channel: Exclude<Channel, 'orders'>, symbol: string): readonly string[] => {
  switch (channel) {
    case 'quotes':
      return [marketSubject('quote', symbol), marketSubject('halt', symbol)];
    case 'trades':
      return [marketSubject('trade', symbol)];
    case 'book':
      return [marketSubject('book', symbol)];
    case 'candles':
      return [marketSubject('candle', symbol)];
  }
};

/** The `channel` a client sees for a bus subject's kind (`md.<kind>.<SYM>`). */
export const channelOfKind: Readonly<Record<string, string>> = CHANNEL_OF_KIND;

export const ordersSubject = (accountId: string): string => `orders.${accountId}`;

/**
 * One client message from a bus payload (a JSON object), the text every socket that watches it gets. Undefined
 * when the payload is not a JSON object: one bad publisher must not break every client's frame.
 */
export const encodeBusPayload = (channel: string, data: Uint8Array): string | undefined => {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8'));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
    return JSON.stringify({ ...(parsed as object), channel });
  } catch {
    return undefined;
  }
};

const OPEN_BRACE = 0x7b;
const closings = new Map<string, Uint8Array>();
/** `,"channel":"quotes"}`: how a message that already carries its channel ends (see CHANNEL_OF_KIND). */
const closingOf = (channel: string): Uint8Array => {
  let closing = closings.get(channel);
  if (closing === undefined) {
    closing = new TextEncoder().encode(`,"channel":"${channel}"}`);
    closings.set(channel, closing);
  }
  return closing;
};

const endsWith = (data: Uint8Array, tail: Uint8Array): boolean => {
  const offset = data.length - tail.length;
  if (offset < 1) return false;
  for (let i = 0; i < tail.length; i += 1) if (data[offset + i] !== tail[i]) return false;
  return true;
};

/**
 * The client message for a bus payload. Ingest writes each message with its channel as the last member, exactly
 * what `encodeBusPayload` would make of it, so those bytes pass through as they are. Anything else (an order
 * update, which carries its channel first; a publisher that leaves it out) is parsed and given its channel.
 */
export const carriesChannel = (channel: string, data: Uint8Array): boolean => data[0] === OPEN_BRACE && endsWith(data, closingOf(channel));

export const clientMessageOf = (channel: string, data: Uint8Array): string | undefined => {
  if (carriesChannel(channel, data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8');
  return encodeBusPayload(channel, data);
};
