/**
 * Whether a query failed because its connection broke rather than because of what it asked: SQLSTATE
 * class 08 (connection exception), 57P01-57P03 (terminated by an administrator, a crash, or the server
 * is starting), or the driver's own words when the socket closed with no SQLSTATE at all. Such a query
 * may be retried on another connection; whether it took effect is for the caller to find out
 * (appends do, by their idempotent event ids).
 */
const LOST_CONNECTION_CODES = new Set(['57P01', '57P02', '57P03']);
const LOST_CONNECTION_MESSAGE = /Connection terminated|connection error|ECONNRESET|ECONNREFUSED|EPIPE|not queryable/i;

export const isConnectionLoss = (error: unknown): boolean => {
  if (typeof error !== 'object' || error === null) return false;
  const code = 'code' in error && typeof error.code === 'string' ? error.code : undefined;
  if (code !== undefined && (code.startsWith('08') || LOST_CONNECTION_CODES.has(code))) return true;
  if (code !== undefined && /^[0-9A-Z]{5}$/.test(code)) return false;
  return 'message' in error && typeof error.message === 'string' && LOST_CONNECTION_MESSAGE.test(error.message);
};
