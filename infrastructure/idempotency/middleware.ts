import { randomUUID } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { IDEMPOTENCY_TTL_MS_DEFAULT } from '../config';
import { apiError, sendError } from '../http/errors';
import type { Logger } from '../logging';
import type { Metrics } from '../metrics';
import { requestFingerprint } from './fingerprint';
import type { IdempotencyStore, StoredResponse } from './store';
import { DependencyUnavailable } from '../unavailable';

export const IDEMPOTENCY_HEADER = 'Idempotency-Key';
export const IDEMPOTENCY_HEADER_LEGACY = 'X-Idempotency-Key';
export const IDEMPOTENCY_KEY_CHARS_MAX = 255;
/** A crashed process leaves its marker behind; this is how long the key stays blocked. Longer than any request. */
export const IN_FLIGHT_TTL_MS = 30_000;
/** Headers replayed with a stored response; the rest are per-attempt (correlation id, date). */
export const REPLAYED_HEADERS: readonly string[] = ['content-type', 'etag', 'location', 'cache-control'];
export const REPLAYED_MARKER_HEADER = 'Idempotent-Replayed';

const KEY_PATTERN = /^[\x21-\x7e]+$/;

export type IdempotencyOptions = {
  readonly store: IdempotencyStore;
  /** The namespace of a key: the account for authenticated routes, the route itself for sign-up. */
  readonly scope: (req: Request, res: Response) => string;
  readonly ttlMs?: number;
  readonly logger: Logger;
  readonly metrics?: Metrics;
  /** HMAC key of request fingerprints (`fingerprintKeyFrom` a server secret). */
  readonly fingerprintKey: Buffer;
  /**
   * What of a response is kept for replays. A response that carries a secret (a token) must keep only a
   * marker of itself, and `refreshReplay` makes the secret afresh for the verified replay.
   */
  readonly storedForReplay?: (response: StoredResponse) => StoredResponse;
  /** Adjusts a stored response before it is replayed (sign-up issues a fresh token). */
  readonly refreshReplay?: (stored: StoredResponse) => StoredResponse;
};

const readKey = (req: Request): { key?: string; problem?: string } => {
  const primary = req.get(IDEMPOTENCY_HEADER);
  const legacy = req.get(IDEMPOTENCY_HEADER_LEGACY);
  if (primary !== undefined && legacy !== undefined && primary !== legacy) return { problem: 'Idempotency-Key and X-Idempotency-Key differ' };
  const key = primary ?? legacy;
  if (key === undefined || key === '') return {};
  if (key.length > IDEMPOTENCY_KEY_CHARS_MAX || !KEY_PATTERN.test(key)) return { problem: `Idempotency-Key must be 1 to ${IDEMPOTENCY_KEY_CHARS_MAX} printable ASCII characters` };
  return { key };
};

const replay = (res: Response, stored: StoredResponse): void => {
  for (const [name, value] of Object.entries(stored.headers)) res.setHeader(name, value);
  res.setHeader(REPLAYED_MARKER_HEADER, 'true');
  res.status(stored.status).send(Buffer.from(stored.body, 'utf8'));
};

/**
 * For every mutating route, after authentication and body parsing. The first
 * request with a key runs; its response (unless 5xx) is kept for `ttlMs` and
 * returned again for the same key and body. The key is on
 * `res.locals.idempotencyKey` for handlers that derive deterministic ids.
 */
export const idempotency = (options: IdempotencyOptions): RequestHandler => async (req, res, next) => {
  const { key, problem } = readKey(req);
  if (problem !== undefined) { sendError(res, apiError('VALIDATION_FAILED', problem, IDEMPOTENCY_HEADER)); return; }
  if (key === undefined) { sendError(res, apiError('IDEMPOTENCY_KEY_MISSING', `${IDEMPOTENCY_HEADER} header is required on this route`)); return; }

  const storeKey = `${options.scope(req, res)}:${key}`;
  const fingerprint = requestFingerprint(options.fingerprintKey, req.method, req.baseUrl + req.path, req.body);
  const owner = randomUUID();
  let outcome: Awaited<ReturnType<IdempotencyStore['begin']>>;
  try {
    outcome = await options.store.begin(storeKey, { state: 'in_flight', fingerprint, owner }, IN_FLIGHT_TTL_MS);
  } catch (error) {
    // Without the store a duplicate could not be told from a first request: refuse rather than guess.
    throw new DependencyUnavailable(`idempotency store: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (outcome.kind === 'existing') {
    const { record } = outcome;
    const result = record.fingerprint !== fingerprint ? 'reused' : record.state === 'in_flight' ? 'in_flight' : 'replayed';
    options.metrics?.idempotencyReplays.inc({ outcome: result });
    if (result === 'reused') sendError(res, apiError('IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was used with a different request'));
    else if (result === 'in_flight') sendError(res, apiError('IDEMPOTENCY_REQUEST_IN_FLIGHT', 'a request with this Idempotency-Key is still running'));
    else if (record.state === 'done') replay(res, options.refreshReplay ? options.refreshReplay(record.response) : record.response);
    return;
  }

  res.locals.idempotencyKey = key;
  const log = (res.locals.log as Logger | undefined) ?? options.logger;
  let settled = false;
  const originalSend = res.send.bind(res);
  // The record is written before the response leaves, so a client that retries at once finds it done.
  res.send = ((body?: unknown) => {
    if (settled || (body !== null && typeof body === 'object' && !Buffer.isBuffer(body))) return originalSend(body);
    settled = true;
    const text = Buffer.isBuffer(body) ? body.toString('utf8') : body === undefined ? '' : String(body);
    const headers: Record<string, string> = {};
    for (const name of REPLAYED_HEADERS) {
      const value = res.getHeader(name);
      if (value !== undefined) headers[name] = String(value);
    }
    const response: StoredResponse = { status: res.statusCode, body: text, headers };
    const write = res.statusCode >= 500
      ? options.store.abandon(storeKey, owner)
      : options.store.complete(storeKey, owner, { state: 'done', fingerprint, response: options.storedForReplay ? options.storedForReplay(response) : response }, options.ttlMs ?? IDEMPOTENCY_TTL_MS_DEFAULT);
    write.catch((err: unknown) => log.error({ err }, 'idempotency record not written')).finally(() => originalSend(body));
    return res;
  }) as Response['send'];
  // A response finished without `send` (a bare `end`) leaves nothing to replay: free the key. A client
  // that hangs up while the handler still runs frees nothing: its retry must find the request in flight
  // (409), not run it a second time beside the first; the handler's answer still completes the record,
  // and a handler that never answers leaves a marker that expires after IN_FLIGHT_TTL_MS.
  res.on('close', () => {
    if (settled || !res.writableFinished) return;
    settled = true;
    options.store.abandon(storeKey, owner).catch((err: unknown) => log.error({ err }, 'idempotency marker not removed'));
  });
  next();
};
