/**
 * The market-data bus: fire-and-forget publish/subscribe on subjects
 * (`md.quote.<SYM>`, `md.trade.<SYM>`, `md.book.<SYM>`, `md.halt.<SYM>`, `orders.<accountId>`).
 * Fresh or dropped, never queued: nothing here retries or persists.
 * Adapters: NATS (`nats.ts`) for distributed mode, in-process (`in-process.ts`) for embedded mode and unit tests.
 */
export type BusMessage = { readonly subject: string; readonly data: Uint8Array };

export type BusSubscription = { unsubscribe(): void };

/**
 * Many messages laid end to end in one buffer, so a publisher on the hot path (ingest) writes bytes and allocates
 * nothing per message: message `i` is `data[ends[i - 1] ?? 0 .. ends[i])` on `subjects[i]`, for `i < count`.
 * The publisher reuses the batch as soon as `publishBatch` returns: an adapter copies whatever it keeps.
 */
export type BusBatch = {
  readonly data: Uint8Array;
  readonly ends: Uint32Array;
  readonly subjects: readonly string[];
  readonly count: number;
};

export interface Bus {
  publish(subject: string, data: Uint8Array): void;
  /** The messages of `batch` in order, as if each were published alone. */
  publishBatch(batch: BusBatch): void;
  /** `subject` may use NATS wildcards (`md.quote.*`, `orders.>`). */
  subscribe(subject: string, onMessage: (message: BusMessage) => void): BusSubscription;
  /** Resolves once everything published so far has left this process. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** For adapters without a cheaper way: each message of the batch, copied out, to `publish`. */
export const publishEachCopied = (batch: BusBatch, publish: (subject: string, data: Uint8Array) => void): void => {
  let start = 0;
  for (let i = 0; i < batch.count; i += 1) {
    const end = batch.ends[i]!;
    publish(batch.subjects[i]!, batch.data.slice(start, end));
    start = end;
  }
};
