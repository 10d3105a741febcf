/**
 * A dependency is down or overloaded (Redis, the append queue, PostgreSQL's connection): an operating
 * error, not our bug. The HTTP layer answers 503 SERVICE_UNAVAILABLE with Retry-After; a retry with
 * the same Idempotency-Key is safe.
 */
export class DependencyUnavailable extends Error {
  override readonly name: string = 'DependencyUnavailable';
}

/** Socket-level failures of a client library that mean "the server is not there right now". */
const CONNECTION_ERROR_CODES: ReadonlySet<string> = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', '57P01', '57P03']);

export const isDependencyUnavailable = (error: unknown): boolean =>
  error instanceof DependencyUnavailable ||
  (typeof error === 'object' && error !== null && CONNECTION_ERROR_CODES.has(String((error as { code?: unknown }).code)));
