import { Router, type Request, type Response } from 'express';
import { CANDLE_INTERVAL_MS, isCandleInterval } from '../../streaming/market/candle';
import { candleJson } from '../../streaming/market/candle-json';
import type { CandleStore, MarketDataReader } from '../../infrastructure/market/port';
import { isWellFormedSymbol } from '../../domain/market/symbol';
import { apiError, sendError, sendNotFound } from '../../infrastructure/http/errors';

export const QUOTE_SYMBOLS_MAX = 100;
export const CANDLES_PER_REQUEST_MAX = 1_000;
export const CANDLES_DEFAULT_COUNT = 100;

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

/** 400/422 by the shared code table; a missing resource named in the path answers 404 whatever its code. */
const fail = (res: Response, code: 'VALIDATION_FAILED' | 'UNKNOWN_SYMBOL', message: string, field: string): void => sendError(res, apiError(code, message, field));
const notFound = (res: Response, code: 'UNKNOWN_SYMBOL' | 'NOT_FOUND', message: string): void => sendNotFound(res, apiError(code, message, 'symbol'));

const parseInstantMs = (value: unknown): number | undefined => {
  if (typeof value !== 'string' || !ISO_INSTANT.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
};


/** Market data reads are AP: when Redis or PostgreSQL is down the answer is a clear 503, never a hang or a 500. */
const guarded = (handler: (req: Request, res: Response) => Promise<void>) => async (req: Request, res: Response): Promise<void> => {
  try {
    await handler(req, res);
  } catch {
    if (!res.headersSent) sendError(res, apiError('SERVICE_UNAVAILABLE', 'market data store unavailable'));
  }
};

/**
 * GET /v1/market/quotes?symbols=AAPL,MSFT, GET /v1/market/candles/:symbol?interval=&from=&to=, GET /v1/market/book/:symbol.
 * Paths are absolute: mount with `app.use(createMarketRouter(...))`. `nowMs` is the default `to` of candles.
 */
export const createMarketRouter = (deps: {
  readonly reader: MarketDataReader;
  readonly candles: CandleStore;
  readonly isKnownSymbol: (symbol: string) => boolean;
  readonly nowMs?: () => number;
}): Router => {
  const { reader, candles, isKnownSymbol } = deps;
  const nowMs = deps.nowMs ?? Date.now;
  const router = Router();

  router.get('/v1/market/quotes', guarded(async (req, res) => {
    const raw = req.query.symbols;
    if (typeof raw !== 'string' || raw.trim() === '') return fail(res, 'VALIDATION_FAILED', 'symbols is required: a comma-separated list', 'symbols');
    const symbols = [...new Set(raw.split(',').map((s) => s.trim().toUpperCase()))];
    if (symbols.length > QUOTE_SYMBOLS_MAX) return fail(res, 'VALIDATION_FAILED', `at most ${QUOTE_SYMBOLS_MAX} symbols`, 'symbols');
    const malformed = symbols.find((s) => !isWellFormedSymbol(s));
    if (malformed !== undefined) return fail(res, 'VALIDATION_FAILED', `malformed symbol '${malformed}'`, 'symbols');
    const unknown = symbols.find((s) => !isKnownSymbol(s));
    if (unknown !== undefined) return fail(res, 'UNKNOWN_SYMBOL', `unknown symbol ${unknown}`, 'symbols');
    const found = await Promise.all(symbols.map((s) => reader.lastQuote(s)));
    res.json({ quotes: found.filter((q) => q !== undefined), missing: symbols.filter((_, i) => found[i] === undefined) });
  }));

  router.get('/v1/market/candles/:symbol', guarded(async (req, res) => {
    const symbol = String(req.params.symbol).toUpperCase();
    if (!isWellFormedSymbol(symbol)) return fail(res, 'VALIDATION_FAILED', 'malformed symbol', 'symbol');
    if (!isKnownSymbol(symbol)) return notFound(res, 'UNKNOWN_SYMBOL', `unknown symbol ${symbol}`);
    const interval = req.query.interval ?? '1m';
    if (typeof interval !== 'string' || !isCandleInterval(interval)) return fail(res, 'VALIDATION_FAILED', 'interval must be 1m, 5m, 1h or 1d', 'interval');
    const intervalMs = CANDLE_INTERVAL_MS[interval];
    const toMs = req.query.to === undefined ? nowMs() : parseInstantMs(req.query.to);
    if (toMs === undefined) return fail(res, 'VALIDATION_FAILED', 'to must be an ISO-8601 instant', 'to');
    const fromMs = req.query.from === undefined ? toMs - intervalMs * CANDLES_DEFAULT_COUNT : parseInstantMs(req.query.from);
    if (fromMs === undefined) return fail(res, 'VALIDATION_FAILED', 'from must be an ISO-8601 instant', 'from');
    if (fromMs >= toMs) return fail(res, 'VALIDATION_FAILED', 'from must be before to', 'from');
    if (Math.ceil((toMs - fromMs) / intervalMs) > CANDLES_PER_REQUEST_MAX) {
      return fail(res, 'VALIDATION_FAILED', `at most ${CANDLES_PER_REQUEST_MAX} candles per request`, 'from');
    }
    // A bucket that started before `from` but contains it belongs to the answer.
    const firstBucketMs = Math.floor(fromMs / intervalMs) * intervalMs;
    const rows = await candles.candles(symbol, interval, firstBucketMs, toMs, CANDLES_PER_REQUEST_MAX);
    res.json({ symbol, interval, candles: rows.map(candleJson) });
  }));

  router.get('/v1/market/book/:symbol', guarded(async (req, res) => {
    const symbol = String(req.params.symbol).toUpperCase();
    if (!isWellFormedSymbol(symbol)) return fail(res, 'VALIDATION_FAILED', 'malformed symbol', 'symbol');
    if (!isKnownSymbol(symbol)) return notFound(res, 'UNKNOWN_SYMBOL', `unknown symbol ${symbol}`);
    const book = await reader.lastBook(symbol);
    if (book === undefined) return notFound(res, 'NOT_FOUND', `no book for ${symbol} yet`);
    res.json(book);
  }));

  return router;
};
