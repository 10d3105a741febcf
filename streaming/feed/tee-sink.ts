import type { FeedSink } from './feed-sink';

/** One feed into several sinks, in order (ingest first, then the simulated venues quoting the same prices). */
export const teeSink = (sinks: readonly FeedSink[]): FeedSink => ({
  onQuote: (symbolId, venueId, level, bidTicks, askTicks, bidSize, askSize, tsMs) => {
    for (const sink of sinks) sink.onQuote(symbolId, venueId, level, bidTicks, askTicks, bidSize, askSize, tsMs);
  },
  onTrade: (symbolId, venueId, priceTicks, size, tsMs) => {
    for (const sink of sinks) sink.onTrade(symbolId, venueId, priceTicks, size, tsMs);
  },
  onHalt: (symbolId, haltedUntilMs, tsMs) => {
    for (const sink of sinks) sink.onHalt(symbolId, haltedUntilMs, tsMs);
  },
});
