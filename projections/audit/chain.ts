import { createHash } from 'node:crypto';

/** The chain of an account starts from this hash: 64 zeros. */
export const GENESIS_HASH = '0'.repeat(64);

/** One audit row's content: everything the hash covers. */
export type AuditEntry = {
  readonly accountId: string;
  readonly seq: number;
  readonly position: string;
  readonly eventId: string;
  readonly eventType: string;
  readonly actor: string | null;
  readonly correlationId: string | null;
  readonly causationId: string | null;
  readonly atMs: number;
  /** The event's data as JSON text, exactly as hashed. */
  readonly payload: string;
};

/**
 * sha256 over the previous row's hash and this row's fields, each length-prefixed so no two different
 * rows can run together into the same bytes. Altering any row, or removing or reordering one, breaks
 * every hash after it in the account's chain.
 */
export const auditHash = (previousHash: string, entry: AuditEntry): string => {
  const hash = createHash('sha256');
  hash.update(previousHash);
  for (const field of [entry.accountId, String(entry.seq), entry.position, entry.eventId, entry.eventType, entry.actor ?? '', entry.correlationId ?? '', entry.causationId ?? '', String(entry.atMs), entry.payload]) {
    hash.update(`${Buffer.byteLength(field, 'utf8')}:`);
    hash.update(field);
  }
  return hash.digest('hex');
};
