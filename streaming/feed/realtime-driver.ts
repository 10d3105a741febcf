import type { FeedSink } from './feed-sink';
import type { FeedSimulator } from './simulator';

export const DRIVER_TICK_MS = 10;
/** One tick never emits more than this, so a stalled event loop catches up gradually instead of in one burst. */
export const DRIVER_EVENTS_PER_TICK_MAX = 50_000;

/**
 * Runs a simulator against the wall clock (the only clock read in the feed): every tick it emits the events the
 * simulator owes up to now. The simulator must have been created with startMs = nowMs().
 */
export const driveInRealTime = (simulator: FeedSimulator, sink: FeedSink, eventsPerSecond: number, nowMs: () => number = Date.now): { stop(): void } => {
  const timer = setInterval(() => {
    const owedMs = nowMs() - simulator.nowMs();
    const owed = Math.min(DRIVER_EVENTS_PER_TICK_MAX, Math.floor((owedMs * eventsPerSecond) / 1000));
    if (owed > 0) simulator.emit(sink, owed);
  }, DRIVER_TICK_MS);
  return { stop: () => clearInterval(timer) };
};
