import type { Express } from 'express';

/** Nesting depth of routers walked; deeper means a router loop, which is a bug. */
const ROUTER_DEPTH_MAX = 16;
const METHODS = new Set(['get', 'post', 'put', 'patch', 'delete']);

type Layer = { route?: { path: unknown; methods: Record<string, boolean> }; handle?: { stack?: unknown }; rawPath?: unknown };

/** `/v1/orders/:id` and `/v1/orders/{order_id}` both become `/v1/orders/{}`: parameter names do not matter to clients. */
const normalizePath = (path: string): string => path.replace(/:[A-Za-z0-9_]+/g, '{}').replace(/\{[^}]*\}/g, '{}');

const walk = (stack: readonly Layer[], prefix: string, depth: number, into: Set<string>): void => {
  if (depth > ROUTER_DEPTH_MAX) throw new Error(`routers nested deeper than ${ROUTER_DEPTH_MAX}`);
  for (const layer of stack) {
    if (layer.route) {
      const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
      for (const path of paths) {
        if (typeof path !== 'string') throw new Error(`route with a non-string path under ${prefix === '' ? '/' : prefix} cannot be documented`);
        for (const method of Object.keys(layer.route.methods)) {
          if (METHODS.has(method)) into.add(`${method.toUpperCase()} ${normalizePath(prefix + path)}`);
        }
      }
    } else if (layer.handle && Array.isArray(layer.handle.stack)) {
      const mount = typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : '';
      walk(layer.handle.stack as Layer[], prefix + mount, depth + 1, into);
    }
  }
};

/** Every `METHOD /path` an express 5 app answers (sub-routers included). */
export const listRoutes = (app: Express): string[] => {
  const routes = new Set<string>();
  walk((app.router as unknown as { stack: Layer[] }).stack, '', 0, routes);
  return [...routes].sort();
};

export const listDocumentedRoutes = (document: { paths: Record<string, object> }): string[] =>
  Object.entries(document.paths)
    .flatMap(([path, operations]) => Object.keys(operations).filter((m) => METHODS.has(m)).map((m) => `${m.toUpperCase()} ${normalizePath(path)}`))
    .sort();

/**
 * Throws naming every route registered but not documented, and every documented
 * route not registered. Use it on the fully assembled app.
 */
export const assertRoutesMatchOpenApi = (app: Express, document: { paths: Record<string, object> }, options: { readonly ignoreUnregistered?: readonly string[] } = {}): void => {
  const registered = new Set(listRoutes(app));
  const documented = new Set(listDocumentedRoutes(document));
  const ignored = new Set((options.ignoreUnregistered ?? []).map((r) => { const [m = '', p = ''] = r.split(' '); return `${m.toUpperCase()} ${normalizePath(p)}`; }));
  const undocumented = [...registered].filter((r) => !documented.has(r));
  const missing = [...documented].filter((r) => !registered.has(r) && !ignored.has(r));
  if (undocumented.length > 0 || missing.length > 0) {
    throw new Error(`routes and OpenAPI document differ: undocumented [${undocumented.join(', ')}], documented but not registered [${missing.join(', ')}]`);
  }
};
