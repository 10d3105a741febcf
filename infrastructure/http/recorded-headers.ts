import type { IncomingHttpHeaders } from 'node:http';
import type { NextFunction, Request, RequestHandler, Response } from 'express';

type HeaderValue = number | string | readonly string[];
type HeaderOp = { readonly name: string; readonly value?: HeaderValue };

/**
 * What `middleware` does to a response for a request of this method and these headers: its setHeader and
 * removeHeader calls, in order. It must touch nothing else, answer nothing and call `next()` at once without
 * an error; anything else (a new version that reads the request, say) throws here, at start-up.
 */
const recordedOps = (middleware: RequestHandler, method: string, headers: IncomingHttpHeaders): HeaderOp[] => {
  const ops: HeaderOp[] = [];
  const set = new Map<string, HeaderValue>();
  const refuse = (what: string) => { throw new Error(`recordHeaders: the middleware ${what}; serve it as it is`); };
  const req = new Proxy({ method, headers, url: '/', get: (name: string) => headers[name.toLowerCase()] }, {
    get: (target, key) => (key in target ? target[key as keyof typeof target] : refuse(`read req.${String(key)}`)),
  });
  const res = new Proxy({
    setHeader: (name: string, value: HeaderValue) => { ops.push({ name, value }); set.set(name.toLowerCase(), value); return res; },
    removeHeader: (name: string) => { ops.push({ name }); set.delete(name.toLowerCase()); },
    getHeader: (name: string) => set.get(name.toLowerCase()),
  }, {
    get: (target, key) => (key in target ? target[key as keyof typeof target] : refuse(`used res.${String(key)}`)),
    set: (_target, key) => refuse(`set res.${String(key)}`),
  });
  let nexted = false;
  const next = ((error?: unknown) => { if (error !== undefined && error !== null) refuse('failed'); nexted = true; }) as NextFunction;
  void middleware(req as unknown as Request, res as unknown as Response, next);
  if (!nexted) refuse('did not call next() at once');
  return ops;
};

/**
 * `middleware` (helmet, cors) recorded once for one kind of request and replayed for every such request: the
 * same headers, in the same order, without running its option handling per request, which cost more than the
 * read it guarded. Only sound for a middleware whose headers depend on nothing but what `method` and `headers`
 * describe; `appliesTo` says which requests those are (the rest run the middleware itself).
 */
export const replayedHeaders = (middleware: RequestHandler, recordFor: { readonly method: string; readonly headers: IncomingHttpHeaders }, appliesTo: (req: Request) => boolean): RequestHandler => {
  const ops = recordedOps(middleware, recordFor.method, recordFor.headers);
  return (req, res, next) => {
    if (!appliesTo(req)) return middleware(req, res, next);
    for (const op of ops) {
      if (op.value === undefined) res.removeHeader(op.name);
      else res.setHeader(op.name, op.value);
    }
    next();
  };
};
