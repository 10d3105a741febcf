/**
 * The event store port. Both adapters (PostgreSQL/PGlite and EventStoreDB) pass
 * one contract suite (`test/support/event-store-contract.ts`), so everything above this file is written
 * against these types only.
 */

/** `no_stream`: the stream must not exist. `any`: no check. A bigint: the revision of the stream's last event. */
export type ExpectedRevision = 'no_stream' | 'any' | bigint;

export type EventMetadata = {
  readonly correlationId?: string;
  readonly causationId?: string;
  /** Who caused it: `user:<accountId>`, `system:<job>`, `venue:<name>`. */
  readonly actor?: string;
  readonly idempotencyKey?: string;
  readonly [key: string]: unknown;
};

/** An event about to be appended. `id` is deterministic where a retry is possible (UUIDv5 of the idempotency key or FIX ExecID). */
export type EventData = {
  readonly id: string;
  readonly type: string;
  readonly data: unknown;
  readonly metadata?: EventMetadata;
};

export type RecordedEvent = {
  readonly id: string;
  readonly streamId: string;
  /** 0-based position of this event in its stream. */
  readonly revision: bigint;
  /** Position in the global order ($all). Strictly increasing in the order subscribers see events. */
  readonly position: bigint;
  readonly type: string;
  readonly data: unknown;
  readonly metadata: EventMetadata;
  readonly createdAtMs: number;
};

/**
 * The last position a subscriber can see now: "everything committed so far", for starting a live tail
 * or a health line. Never a command's answer: that is the position of the command's own events.
 * `mayBeBehind`: the store could not wait out every transaction in flight when asked (PostgreSQL gives
 * up after a bound, and a transaction left open anywhere on the server holds the bound back), so
 * events committed before the call may sit above `position`.
 */
export type HeadPosition = { readonly position: bigint; readonly mayBeBehind: boolean };

export type AppendResult =
  /** `position`: of the append's last event (for an empty append, the stream's last event, 0n when it has none). */
  | { readonly kind: 'Appended'; readonly nextRevision: bigint; readonly position: bigint }
  | {
    readonly kind: 'RevisionConflict'; readonly streamId: string; readonly expected: ExpectedRevision; readonly actual: bigint | 'no_stream';
    /**
     * The events the caller has not seen: those after `expected` through `actual`, in order, read with the
     * conflict. Present exactly when conflictTailRange gives a range (the stream moved on from an exact
     * revision or from no_stream by at most CONFLICT_TAIL_MAX events). A caller holding the stream's state at
     * `expected` folds them and decides again without reading: one round trip instead of two.
     */
    readonly tail?: readonly RecordedEvent[];
  };

/** The most events a conflict carries back; a caller further behind reads the stream. */
export const CONFLICT_TAIL_MAX = 32;

/** The revisions a conflict's tail holds (fromRevision inclusive, count events), or undefined when it carries none. */
export const conflictTailRange = (expected: ExpectedRevision, actual: bigint | 'no_stream'): { readonly fromRevision: bigint; readonly count: number } | undefined => {
  if (expected === 'any' || actual === 'no_stream') return undefined;
  const seen = expected === 'no_stream' ? -1n : expected;
  if (actual <= seen || actual - seen > BigInt(CONFLICT_TAIL_MAX)) return undefined;
  return { fromRevision: seen + 1n, count: Number(actual - seen) };
};

export type ReadStreamOptions = {
  /** Inclusive. Default 0. */
  readonly fromRevision?: bigint;
  readonly maxCount?: number;
  /** `backwards` starts at `fromRevision` (default: the last event) and walks down; used to read the latest snapshot. */
  readonly direction?: 'forwards' | 'backwards';
};

export type AllFilter = {
  /** Keep only these event types. */
  readonly eventTypes?: readonly string[];
  /** Keep only streams whose id starts with one of these prefixes. */
  readonly streamPrefixes?: readonly string[];
};

export type ReadAllOptions = {
  /** Exclusive: events strictly after this position. Default: from the beginning. */
  readonly fromPosition?: bigint;
  readonly maxCount?: number;
  readonly filter?: AllFilter;
};

export type SubscribeOptions = {
  readonly fromPosition?: bigint;
  readonly filter?: AllFilter;
  /** Ends the subscription: the iterator returns after the event in hand. */
  readonly signal?: AbortSignal;
  /** Events per read where the store reads in pages (a rebuild asks for large ones); a hint others may ignore. */
  readonly pageSize?: number;
};

export interface EventStore {
  appendToStream(streamId: string, events: readonly EventData[], options: { readonly expectedRevision: ExpectedRevision }): Promise<AppendResult>;
  readStream(streamId: string, options?: ReadStreamOptions): AsyncIterable<RecordedEvent>;
  readAll(options?: ReadAllOptions): AsyncIterable<RecordedEvent>;
  /** Catch-up from `fromPosition`, then live. Never skips an event committed late by a slower transaction. */
  subscribeToAll(options?: SubscribeOptions): AsyncIterable<RecordedEvent>;
  /** The position of the last event a subscriber can see now (0n when empty); see HeadPosition. */
  headPosition(): Promise<HeadPosition>;
  close(): Promise<void>;
}

export const collect = async <T>(iterable: AsyncIterable<T>): Promise<T[]> => {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
};
