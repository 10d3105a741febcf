import * as E from 'fp-ts/Either';
import { apiError, type ApiError } from '../infrastructure/http/errors';

/** Page sizes: the default, and the most one request may ask for. */
export const PAGE_LIMIT_DEFAULT = 50;
export const PAGE_LIMIT_MAX = 500;
/** An opaque cursor longer than this was not made by us. */
export const CURSOR_CHARS_MAX = 128;

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$/;

const invalid = (field: string, message: string): E.Either<ApiError, never> => E.left(apiError('VALIDATION_FAILED', message, field));

/** A query parameter given at most once, as a string. */
export const single = (query: Record<string, unknown>, field: string): E.Either<ApiError, string | undefined> => {
  const value = query[field];
  if (value === undefined) return E.right(undefined);
  return typeof value === 'string' ? E.right(value) : invalid(field, `${field} must be given once`);
};

export const parseLimit = (raw: string | undefined): E.Either<ApiError, number> => {
  if (raw === undefined) return E.right(PAGE_LIMIT_DEFAULT);
  if (!/^\d{1,4}$/.test(raw) || Number(raw) < 1 || Number(raw) > PAGE_LIMIT_MAX) return invalid('limit', `limit must be a whole number from 1 to ${PAGE_LIMIT_MAX}`);
  return E.right(Number(raw));
};

/** An ISO-8601 date or instant, as epoch ms. */
export const parseInstant = (raw: string | undefined, field: string): E.Either<ApiError, number | undefined> => {
  if (raw === undefined) return E.right(undefined);
  const ms = ISO_INSTANT.test(raw) ? Date.parse(raw) : Number.NaN;
  return Number.isNaN(ms) ? invalid(field, `${field} must be an ISO-8601 time such as 2026-11-24T15:00:00Z`) : E.right(ms);
};

/**
 * Cursors are opaque to clients: base64url of `<kind>:<key>`, where the key is the last row's paging key.
 * The kind stops a cursor of one list from being replayed on another.
 */
export const encodeCursor = (kind: string, key: bigint): string => Buffer.from(`${kind}:${key.toString()}`, 'utf8').toString('base64url');

export const decodeCursor = (kind: string, raw: string | undefined): E.Either<ApiError, bigint | undefined> => {
  if (raw === undefined) return E.right(undefined);
  if (raw.length > CURSOR_CHARS_MAX || !/^[A-Za-z0-9_-]+$/.test(raw)) return invalid('cursor', 'cursor is not one this API gave out');
  const match = new RegExp(`^${kind}:(\\d{1,19})$`).exec(Buffer.from(raw, 'base64url').toString('utf8'));
  return match === null ? invalid('cursor', 'cursor is not one this API gave out') : E.right(BigInt(match[1]!));
};
