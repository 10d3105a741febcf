/**
 * Where idempotency records live. A record is first an in-flight marker (with
 * the request's fingerprint and an owner token), then the stored response.
 */
export type StoredResponse = {
  readonly status: number;
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
};

export type IdempotencyRecord =
  | { readonly state: 'in_flight'; readonly fingerprint: string; readonly owner: string }
  | { readonly state: 'done'; readonly fingerprint: string; readonly response: StoredResponse };

export type BeginOutcome = { readonly kind: 'started' } | { readonly kind: 'existing'; readonly record: IdempotencyRecord };

export interface IdempotencyStore {
  /** Claims `key` with an in-flight marker (SET NX PX) or returns what is already there. */
  begin(key: string, marker: Extract<IdempotencyRecord, { state: 'in_flight' }>, inFlightTtlMs: number): Promise<BeginOutcome>;
  /** Replaces our own marker with the response; does nothing if the marker is no longer ours (expired, taken over). */
  complete(key: string, owner: string, record: Extract<IdempotencyRecord, { state: 'done' }>, ttlMs: number): Promise<void>;
  /** Removes our own marker so a retry can run (after a 5xx or an unsent response). */
  abandon(key: string, owner: string): Promise<void>;
  close(): Promise<void>;
}

/** Between an expired marker and our GET, another request may claim the key; this bounds the re-tries. */
export const BEGIN_ATTEMPTS_MAX = 3;
