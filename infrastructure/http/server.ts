import { createServer, type Server } from 'node:http';
import cors from 'cors';
import express, { type Express, type RequestHandler, type Response, type Router } from 'express';
import helmet from 'helmet';
import { JSON_BODY_BYTES_MAX_DEFAULT, SHUTDOWN_GRACE_MS_DEFAULT } from '../config';
import type { Logger } from '../logging';
import { metrics as processMetrics, type Metrics } from '../metrics';
import { correlation } from './correlation';
import { errorHandler, notFound } from './error-handler';
import { useErrorStatuses, type ErrorStatusTable } from './errors';
import { healthz, type ReadinessCheck } from './health';
import { hotDispatch, routerOf, type HotGetRoute } from './hot-routes';
import { jsonShapeProblem } from './json-shape';
import { replayedHeaders } from './recorded-headers';
import { listen } from './listen';
import { JsonShapeRefused } from './error-handler';
import { requestMetrics } from './request-metrics';

export type HttpAppOptions = {
  readonly logger: Logger;
  /** Routers carry full paths (`/v1/orders`) and are mounted at the root in this order. */
  readonly routers: readonly Router[];
  /**
   * Mounted after `routers` like one more router each, and also served ahead of express's router (same
   * middleware, same handlers) for a plain `GET` of exactly their path: the read routes clients poll.
   */
  readonly hotGetRoutes?: readonly HotGetRoute[];
  /** Served at `GET /v1/openapi.json`. */
  readonly openApiDocument: object;
  /** Stable error code → status, exhaustive over every code the routers send (app/error-statuses.ts). */
  readonly errorStatuses: ErrorStatusTable;
  readonly readiness?: ReadinessCheck;
  readonly metrics?: Metrics;
  readonly jsonBodyBytesMax?: number;
  /** How long `stop()` lets in-flight requests finish before cutting their connections. */
  readonly shutdownGraceMs?: number;
  /** Closed by `stop()` after the server, in order (event store, Redis, ...). */
  readonly resources?: ReadonlyArray<{ readonly name: string; close(): Promise<void> }>;
  /** Proxies (IPs or CIDRs) whose X-Forwarded-For names the client; nobody else's is believed. */
  readonly trustedProxies?: readonly string[];
  /** Browser origins allowed by CORS; any other origin gets no CORS headers (the browser then refuses). */
  readonly corsOrigins?: readonly string[];
};

export type HttpApp = {
  readonly app: Express;
  /** Listens on `port` (0 for an ephemeral one) and resolves with the bound port; a taken port rejects naming `portVariable` (default PORT). */
  start(port: number, host?: string, portVariable?: string): Promise<number>;
  /** Stops accepting, lets in-flight requests finish (bounded), then closes the resources. Idempotent. */
  stop(): Promise<void>;
};

/**
 * body-parser's own first test (type-is's hasBody), made before entering it: a request with neither
 * Transfer-Encoding nor Content-Length (every GET) has no body, and the parser would only set `req.body`
 * to undefined after its other checks.
 */
const withoutBodySkipped = (parse: RequestHandler): RequestHandler => (req, res, next) => {
  if (req.headers['transfer-encoding'] !== undefined || req.headers['content-length'] !== undefined) { void parse(req, res, next); return; }
  if (!('body' in req)) (req as { body?: unknown }).body = undefined;
  next();
};

const alwaysReady: ReadinessCheck = async () => ({ ready: true });

export const createHttpApp = (options: HttpAppOptions): HttpApp => {
  const { logger } = options;
  const metrics = options.metrics ?? processMetrics;
  let draining = false;
  let server: Server | undefined;
  let stopping: Promise<void> | undefined;

  const app = express();
  useErrorStatuses(app, options.errorStatuses);
  app.disable('x-powered-by');
  app.set('etag', false);
  // req.ip is the socket's address unless the connection comes from a configured proxy.
  app.set('trust proxy', options.trustedProxies !== undefined && options.trustedProxies.length > 0 ? [...options.trustedProxies] : false);
  const active = new Set<Response>();
  // Every request passes these, in this order, whether express's router or the hot dispatch serves it.
  const platform: RequestHandler[] = [
    // helmet's defaults fit an API: no sniffing, no framing, HSTS, no referrer; the CSP forbids everything a JSON API never needs.
    // Its headers are the same for every request (static directives), so they are recorded once and replayed.
    replayedHeaders(helmet({ contentSecurityPolicy: { directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } } }), { method: 'GET', headers: {} }, () => true),
    // A request without an Origin (every client but a browser's cross-origin call) gets the same CORS headers each
    // time (Vary, the exposed headers), recorded once; a browser's origin or preflight runs cors itself. No middleware
    // before this one sets Vary, which cors appends to.
    replayedHeaders(cors({
      origin: [...(options.corsOrigins ?? [])], methods: ['GET', 'POST', 'PATCH', 'DELETE'],
      allowedHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'X-Idempotency-Key', 'If-Match', 'X-Consistency-Position', 'X-MFA-Code'],
      exposedHeaders: ['ETag', 'Retry-After', 'Idempotent-Replayed', 'X-Correlation-Id'], maxAge: 600,
    }), { method: 'GET', headers: {} }, (req) => req.headers.origin === undefined && req.method !== 'OPTIONS'),
    correlation(logger),
    requestMetrics(metrics, logger),
    // While draining, every keep-alive connection is told to close after its current response, so close() is not held open.
    ((_req, res, next) => {
      if (draining) res.setHeader('Connection', 'close');
      active.add(res);
      res.on('close', () => active.delete(res));
      next();
    }) as RequestHandler,
    withoutBodySkipped(express.json({
      limit: options.jsonBodyBytesMax ?? JSON_BODY_BYTES_MAX_DEFAULT, strict: true,
      // Before JSON.parse: a body too deep for our recursive walks, or naming a key twice, never becomes a value.
      verify: (_req, _res, raw) => {
        const problem = jsonShapeProblem(raw.toString('utf8'));
        if (problem !== undefined) throw new JsonShapeRefused(problem);
      },
    })),
  ];
  for (const middleware of platform) app.use(middleware);

  app.get('/healthz', healthz(options.readiness ?? alwaysReady, () => draining));
  // `/metrics` is served on the ops port only (ops-server.ts): what the process does is not the public's business.
  app.get('/v1/openapi.json', (_req, res) => { res.json(options.openApiDocument); });
  for (const router of options.routers) app.use(router);
  for (const route of options.hotGetRoutes ?? []) app.use(routerOf(route));
  app.use(notFound);
  const onError = errorHandler(logger);
  app.use(onError);
  const listener = hotDispatch(app, { platform, routes: options.hotGetRoutes ?? [], notFound, onError });

  const start = async (port: number, host = '127.0.0.1', portVariable = 'PORT'): Promise<number> => {
    const listening = createServer(listener);
    const bound = await listen(listening, port, host, portVariable);
    server = listening;
    logger.info({ port: bound }, 'http server listening');
    return bound;
  };

  const closeServer = (s: Server, graceMs: number): Promise<void> =>
    new Promise((resolve) => {
      const timer = setTimeout(() => {
        logger.warn({ graceMs }, 'shutdown grace elapsed: closing remaining connections');
        s.closeAllConnections();
      }, graceMs);
      s.close(() => { clearTimeout(timer); resolve(); });
      // Idle keep-alive sockets would hold close() open until the grace ends; busy ones finish first.
      s.closeIdleConnections();
    });

  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      draining = true;
      for (const res of active) if (!res.headersSent) res.setHeader('Connection', 'close');
      if (server) await closeServer(server, options.shutdownGraceMs ?? SHUTDOWN_GRACE_MS_DEFAULT);
      for (const resource of options.resources ?? []) {
        try {
          await resource.close();
        } catch (err) {
          logger.error({ err, resource: resource.name }, 'resource failed to close');
        }
      }
      logger.info('http server stopped');
    })();
    return stopping;
  };

  return { app, start, stop };
};
