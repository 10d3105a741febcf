import type { Request, RequestHandler } from 'express';
import type { Logger } from '../logging';
import type { Metrics } from '../metrics';

/** The route pattern (`/v1/orders/:id`), never the raw path: ids in labels would explode the series count. */
export const routePatternOf = (req: Request): string => {
  const route = (req as Request & { route?: { path?: unknown } }).route;
  return route && typeof route.path === 'string' ? `${req.baseUrl}${route.path}` : 'unmatched';
};

/** Records latency per method, route pattern and status, and writes one access-log line (no body, no headers). */
export const requestMetrics = (metrics: Metrics, logger: Logger): RequestHandler => (req, res, next) => {
  const startedNs = process.hrtime.bigint();
  res.on('finish', () => {
    const durationS = Number(process.hrtime.bigint() - startedNs) / 1e9;
    const route = routePatternOf(req);
    metrics.httpRequestDuration.observe({ method: req.method, route, status: String(res.statusCode) }, durationS);
    // Asked of the process logger, so a level that drops the line does not make the request's child logger.
    if (!logger.isLevelEnabled('info')) return;
    const log = res.locals.log as Logger | undefined;
    log?.info({ method: req.method, route, status: res.statusCode, durationMs: Math.round(durationS * 1e6) / 1e3 }, 'request');
  });
  next();
};
