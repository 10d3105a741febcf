import type { VenueTopOfBook } from './quote';

const decoder = new TextDecoder();
const isPrice = (value: unknown): value is string | null => value === null || (typeof value === 'string' && /^\d{1,7}(\.\d{1,4})?$/.test(value));
const isShares = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

/** A `md.venue.<MIC>.<SYM>` message off the bus, or undefined when it is not one (the plane is fresh or dropped: skip it). */
export const parseVenueTopOfBook = (data: Uint8Array): VenueTopOfBook | undefined => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(decoder.decode(data));
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const q = parsed as Record<string, unknown>;
  if (typeof q.symbol !== 'string' || typeof q.venue !== 'string' || !isPrice(q.bid) || !isPrice(q.ask)) return undefined;
  if (!isShares(q.bid_size) || !isShares(q.ask_size) || typeof q.ts !== 'string') return undefined;
  return { symbol: q.symbol, venue: q.venue, bid: q.bid, ask: q.ask, bid_size: q.bid_size, ask_size: q.ask_size, ts: q.ts };
};
