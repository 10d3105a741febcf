import { v5 as uuidv5 } from 'uuid';

/** Fixed forever: changing it would give every retried request a new id. */
export const IDEMPOTENCY_ID_NAMESPACE = '6f1d3c52-6a53-4c1e-9b7e-2f4b8d0c7a11';

/**
 * A deterministic id from the account and its idempotency key (and what is being
 * made, so one key can name an order and its event). Even after Redis lost the
 * key, a retry derives the same id and the event store refuses a second one.
 */
export const idFromIdempotencyKey = (accountId: string, idempotencyKey: string, purpose: string): string =>
  uuidv5(`${purpose}\n${accountId}\n${idempotencyKey}`, IDEMPOTENCY_ID_NAMESPACE);
