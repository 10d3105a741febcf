import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import { listen } from './listen';

/**
 * `/healthz` and `/metrics` for a process that serves no API of its own (ingest, the order-update
 * publisher): every process can be probed and scraped the same way.
 */
export const startOpsServer = async (options: {
  readonly port: number;
  readonly host?: string;
  /** The variable that moves this listener, named when its port is taken (default OPS_PORT). */
  readonly portVariable?: string;
  readonly registry: Registry;
  readonly healthy: () => boolean;
  /** Extra fields for the /healthz body (a projection process reports its lag there). */
  readonly details?: () => Readonly<Record<string, unknown>>;
  /** More routes by exact path (embedded mode's operator endpoint). */
  readonly routes?: Readonly<Record<string, (req: IncomingMessage, res: ServerResponse) => Promise<void>>>;
}): Promise<{ readonly port: number; close(): Promise<void> }> => {
  const server: Server = createServer((req, res) => {
    if (req.url === '/healthz') {
      const ok = options.healthy();
      res.writeHead(ok ? 200 : 503, { 'Content-Type': 'application/json' }).end(JSON.stringify({ status: ok ? 'ok' : 'unavailable', ...(options.details?.() ?? {}) }));
      return;
    }
    if (req.url === '/metrics') {
      options.registry.metrics().then(
        (text) => res.writeHead(200, { 'Content-Type': options.registry.contentType }).end(text),
        () => res.writeHead(500).end(),
      );
      return;
    }
    const route = options.routes?.[(req.url ?? '').split('?')[0] ?? ''];
    if (route !== undefined) {
      route(req, res).catch(() => { if (!res.headersSent) res.writeHead(500); res.end(); });
      return;
    }
    res.writeHead(404, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error: { code: 'NOT_FOUND', message: 'no such route' } }));
  });
  const port = await listen(server, options.port, options.host ?? '0.0.0.0', options.portVariable ?? 'OPS_PORT');
  return {
    port,
    close: () => new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); }),
  };
};
