/**
 * The market-data bus: fire-and-forget publish/subscribe on subjects
 * (`md.quote.<SYM>`, `md.trade.<SYM>`, `md.book.<SYM>`, `md.halt.<SYM>`, `orders.<accountId>`).
 * Fresh or dropped, never queued: nothing here retries or persists.
 * Adapters: NATS (`nats.ts`) for distributed mode, in-process (`in-process.ts`) for embedded mode and unit tests.
 */
export type BusMessage = { readonly subject: string; readonly data: Uint8Array };

export type BusSubscription = { unsubscribe(): void };

export interface Bus {
  publish(subject: string, data: Uint8Array): void;
  /** `subject` may use NATS wildcards (`md.quote.*`, `orders.>`). */
  subscribe(subject: string, onMessage: (message: BusMessage) => void): BusSubscription;
  /** Resolves once everything published so far has left this process. */
  flush(): Promise<void>;
  close(): Promise<void>;
}
