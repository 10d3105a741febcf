/**
 * The last state this process saw of each recently used stream, so a command reads only the events
 * written since (usually none) instead of a snapshot and a tail. Never trusted for correctness: the
 * load still reads the tail after the cached revision, and the append still checks the expected
 * revision, so a stale entry (another API node wrote) costs one more read, nothing else.
 */
export type CachedStream<State> = { readonly state: State; readonly revision: bigint; readonly eventsSinceSnapshot: number };

/** Bounded: the least recently used stream is dropped first. */
export const STATE_CACHE_STREAMS_MAX = 20_000;

export class StreamStateCache<State> {
  private readonly entries = new Map<string, CachedStream<State>>();

  constructor(private readonly streamsMax: number = STATE_CACHE_STREAMS_MAX) {}

  get(streamId: string): CachedStream<State> | undefined {
    const entry = this.entries.get(streamId);
    if (entry !== undefined) {
      // Map keeps insertion order: re-inserting marks the entry most recently used.
      this.entries.delete(streamId);
      this.entries.set(streamId, entry);
    }
    return entry;
  }

  set(streamId: string, entry: CachedStream<State>): void {
    const existing = this.entries.get(streamId);
    // Two commands may finish out of order; never replace a newer state with an older one.
    if (existing !== undefined && existing.revision > entry.revision) return;
    this.entries.delete(streamId);
    this.entries.set(streamId, entry);
    if (this.entries.size > this.streamsMax) {
      const oldest = this.entries.keys().next();
      if (oldest.done !== true) this.entries.delete(oldest.value);
    }
  }

  get size(): number {
    return this.entries.size;
  }
}
