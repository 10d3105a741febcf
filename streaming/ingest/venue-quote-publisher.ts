import type { Bus } from '../../infrastructure/bus/port';
import type { VenueTopOfBook } from '../../infrastructure/market/quote';
import { venueQuoteSubject } from '../../infrastructure/market/subjects';
import type { FeedSink } from '../feed/feed-sink';
import { ticksToDecimal } from '../market/ticks';
import { VENUES } from '../market/venues';

const encoder = new TextEncoder();

/**
 * Each venue's own top of book on `md.venue.<MIC>.<SYM>`, for the execution side of distributed mode: the
 * gateway's router ranks venues on them and each simulated venue process fills at its own. A venue's quote
 * changes far more often than the NBBO, so changes coalesce: within one synchronous turn of the feed only the
 * latest top of each venue and symbol goes out, at the end of the turn. A tee beside the ingest (not inside
 * it), so the NBBO hot path is untouched; messages are JSON like every other `md.*` message.
 */
export const venueQuotePublisher = (bus: Bus, symbols: readonly string[], subjectPrefix = ''): FeedSink => {
  const venueCount = VENUES.length;
  const slots = symbols.length * venueCount;
  const bid = new Float64Array(slots);
  const ask = new Float64Array(slots);
  const bidSize = new Float64Array(slots);
  const askSize = new Float64Array(slots);
  const tsMs = new Float64Array(slots);
  const dirty = new Uint8Array(slots);
  const queue = new Int32Array(slots);
  let queued = 0;
  let scheduled = false;

  const publish = (): void => {
    scheduled = false;
    for (let i = 0; i < queued; i += 1) {
      const slot = queue[i]!;
      dirty[slot] = 0;
      const symbol = symbols[Math.floor(slot / venueCount)]!;
      const venue = VENUES[slot % venueCount]!;
      const message: VenueTopOfBook = {
        symbol, venue,
        bid: bid[slot]! > 0 ? ticksToDecimal(bid[slot]!) : null, ask: ask[slot]! > 0 ? ticksToDecimal(ask[slot]!) : null,
        bid_size: bidSize[slot]!, ask_size: askSize[slot]!, ts: new Date(tsMs[slot]!).toISOString(),
      };
      bus.publish(subjectPrefix + venueQuoteSubject(venue, symbol), encoder.encode(JSON.stringify(message)));
    }
    queued = 0;
  };

  return {
    onQuote: (symbolId, venueId, level, bidTicks, askTicks, bidShares, askShares, atMs) => {
      if (level !== 0 || symbolId >= symbols.length || venueId >= venueCount) return;
      const slot = symbolId * venueCount + venueId;
      const hasBid = bidTicks > 0 && bidShares > 0;
      const hasAsk = askTicks > 0 && askShares > 0;
      bid[slot] = hasBid ? bidTicks : 0;
      bidSize[slot] = hasBid ? bidShares : 0;
      ask[slot] = hasAsk ? askTicks : 0;
      askSize[slot] = hasAsk ? askShares : 0;
      tsMs[slot] = atMs;
      if (dirty[slot] === 0) {
        dirty[slot] = 1;
        queue[queued] = slot;
        queued += 1;
      }
      if (!scheduled) {
        scheduled = true;
        queueMicrotask(publish);
      }
    },
    onTrade: () => undefined,
    onHalt: () => undefined,
  };
};
