import type { Bus, BusBatch } from '../../infrastructure/bus/port';

/** One batch's buffer: about a thousand quotes, so a batch fills in well under a millisecond at full feed rate. */
export const PUBLISH_BATCH_BYTES = 256 * 1024;
export const PUBLISH_BATCH_MESSAGES_MAX = 4_096;

const encoder = new TextEncoder();

/**
 * Ingest's outgoing messages, written in place into one reused buffer and handed to the bus together: when the
 * buffer is full, and at the end of the feed's synchronous turn (a microtask), so nothing waits longer than the
 * turn that produced it. Every message of the ingest goes through here, so their order on the bus is the order
 * they were made in.
 */
export class PublishBatch implements BusBatch {
  readonly data = new Uint8Array(PUBLISH_BATCH_BYTES);
  readonly ends = new Uint32Array(PUBLISH_BATCH_MESSAGES_MAX);
  readonly subjects: string[] = new Array<string>(PUBLISH_BATCH_MESSAGES_MAX).fill('');
  count = 0;
  #length = 0;
  #scheduled = false;
  readonly #publishSoon = (): void => {
    this.#scheduled = false;
    this.publish();
  };

  constructor(private readonly bus: Bus) {}

  /** Where the next message starts, with room for `bytesMax` of it (publishing what is pending when there is not). */
  begin(bytesMax: number): number {
    if (this.#length + bytesMax > PUBLISH_BATCH_BYTES || this.count === PUBLISH_BATCH_MESSAGES_MAX) this.publish();
    return this.#length;
  }

  /** Ends the message begun at the last `begin`: its bytes run up to `end`. */
  commit(subject: string, end: number): void {
    this.subjects[this.count] = subject;
    this.ends[this.count] = end;
    this.count += 1;
    this.#length = end;
    if (!this.#scheduled) {
      this.#scheduled = true;
      queueMicrotask(this.#publishSoon);
    }
  }

  /** A message that exists as text already (trades, halts, books, candles: not the per-quote path). */
  add(subject: string, text: string): void {
    const bytes = encoder.encode(text);
    const start = this.begin(bytes.length);
    if (bytes.length > PUBLISH_BATCH_BYTES) {
      this.bus.publish(subject, bytes); // larger than any batch: alone, after everything before it
      return;
    }
    this.data.set(bytes, start);
    this.commit(subject, start + bytes.length);
  }

  /** Hands everything pending to the bus now. */
  publish(): void {
    if (this.count === 0) return;
    this.bus.publishBatch(this);
    this.count = 0;
    this.#length = 0;
  }
}
