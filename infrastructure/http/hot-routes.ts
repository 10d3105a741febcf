import type { IncomingMessage, ServerResponse } from 'node:http';
import { Router, type ErrorRequestHandler, type Express, type NextFunction, type Request, type RequestHandler, type Response } from 'express';

/**
 * A GET route read often enough that express's router costs more than the read: its handlers (auth
 * included) are the same ones the express route runs, so the two paths cannot drift apart.
 */
export type HotGetRoute = { readonly path: string; readonly handlers: readonly RequestHandler[] };

/** The route as an express router, for every request the hot dispatch does not take (HEAD, `/v1/portfolio/`, odd casing). */
export const routerOf = (route: HotGetRoute): Router => {
  const router = Router();
  router.get(route.path, ...route.handlers);
  return router;
};

type Chain = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * Runs `handlers` (the platform middleware, then the route's) one after another as express would, without
 * the router: express's request and response prototypes, `res.locals`, `req.route` for the metrics label,
 * a thrown error or a rejected promise to `onError`. What express's final handler does after an error
 * handler gives up (the response already started) is done here too: the socket is closed.
 */
const chainOf = (app: Express, path: string, handlers: readonly RequestHandler[], onError: ErrorRequestHandler): Chain => (rawReq, rawRes) => {
  Object.setPrototypeOf(rawReq, app.request);
  Object.setPrototypeOf(rawRes, app.response);
  const req = rawReq as Request;
  const res = rawRes as Response;
  Object.assign(req, { res, originalUrl: req.url, baseUrl: '', params: {}, route: { path } });
  Object.assign(res, { req, locals: Object.create(null) as Record<string, unknown> });
  const giveUp = () => { if (res.headersSent) req.socket.destroy(); };
  const failed = (error: unknown) => {
    try {
      void onError(error, req, res, giveUp as NextFunction);
    } catch {
      giveUp();
    }
  };
  let index = 0;
  const next = (error?: unknown): void => {
    // express's router reads any truthy argument as an error; `next()` and `next(null)` go on.
    if (error !== undefined && error !== null) { failed(error); return; }
    const handler = handlers[index];
    index += 1;
    if (handler === undefined) return;
    try {
      const outcome: unknown = handler(req, res, next as NextFunction);
      if (outcome instanceof Promise) outcome.catch((reason: unknown) => next(reason ?? new Error('rejected promise')));
    } catch (thrown) {
      failed(thrown);
    }
  };
  next();
};

/**
 * A request listener: `GET` of exactly a hot route's path (any query string) runs its chain; everything
 * else goes to the express app, which serves the same routes (and the rest) through its router. A route
 * handler that passes the request on reaches `notFound`, as it would at the end of express's stack.
 */
export const hotDispatch = (app: Express, chain: {
  readonly platform: readonly RequestHandler[]; readonly routes: readonly HotGetRoute[]; readonly notFound: RequestHandler; readonly onError: ErrorRequestHandler;
}) => {
  const chains = new Map(chain.routes.map((route) => [route.path, chainOf(app, route.path, [...chain.platform, ...route.handlers, chain.notFound], chain.onError)]));
  return (req: IncomingMessage, res: ServerResponse): void => {
    const url = req.url ?? '';
    const query = url.indexOf('?');
    const chain = req.method === 'GET' ? chains.get(query === -1 ? url : url.slice(0, query)) : undefined;
    if (chain === undefined) app(req, res);
    else chain(req, res);
  };
};
