import type { BeginOutcome, IdempotencyRecord, IdempotencyStore } from './store';

/** Embedded mode's store: one process, so a Map with expiry times does what SET NX PX does. */
export const IN_MEMORY_KEYS_MAX = 100_000;

export const createInMemoryIdempotencyStore = (nowMs: () => number = () => Date.now()): IdempotencyStore => {
  const entries = new Map<string, { record: IdempotencyRecord; expiresAtMs: number }>();
  const live = (key: string) => {
    const entry = entries.get(key);
    if (entry && entry.expiresAtMs <= nowMs()) entries.delete(key);
    return entries.get(key);
  };
  const evictIfFull = () => {
    if (entries.size < IN_MEMORY_KEYS_MAX) return;
    // Map keeps insertion order, so the first key is the oldest claim: dropping it loses only a replay, the event store is the backstop.
    const oldest = entries.keys().next();
    if (!oldest.done) entries.delete(oldest.value);
  };
  return {
    async begin(key, marker, inFlightTtlMs): Promise<BeginOutcome> {
      const existing = live(key);
      if (existing) return { kind: 'existing', record: existing.record };
      evictIfFull();
      entries.set(key, { record: marker, expiresAtMs: nowMs() + inFlightTtlMs });
      return { kind: 'started' };
    },
    async complete(key, owner, record, ttlMs): Promise<void> {
      const existing = live(key);
      if (existing?.record.state !== 'in_flight' || existing.record.owner !== owner) return;
      entries.set(key, { record, expiresAtMs: nowMs() + ttlMs });
    },
    async abandon(key, owner): Promise<void> {
      const existing = live(key);
      if (existing?.record.state === 'in_flight' && existing.record.owner === owner) entries.delete(key);
    },
    async close(): Promise<void> {
      entries.clear();
    },
  };
};
