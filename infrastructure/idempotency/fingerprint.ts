import { createHmac, hkdfSync } from 'node:crypto';

/** JSON with object keys sorted, so the same body sent with its keys in another order is the same request. */
const canonicalJson = (value: unknown): string => {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, v]) => `${JSON.stringify(key)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
};

const FINGERPRINT_KEY_BYTES = 32;

/**
 * The key request fingerprints are keyed with, derived from a server secret (HKDF, its own label, so it
 * is never the JWT key itself). A sign-up body holds a password: a plain hash of it kept in Redis could
 * be guessed offline by anyone who reads Redis; an HMAC cannot without the server's secret.
 */
export const fingerprintKeyFrom = (serverSecret: string): Buffer =>
  Buffer.from(hkdfSync('sha256', serverSecret, 'brokerage', 'idempotency-request-fingerprint', FINGERPRINT_KEY_BYTES));

/** Bodies reach here already bounded in depth by the JSON parser (see json-body.ts), so the recursion is bounded too. */
export const requestFingerprint = (key: Buffer, method: string, path: string, body: unknown): string =>
  createHmac('sha256', key).update(`${method}\n${path}\n${canonicalJson(body)}`).digest('hex');
