import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import * as E from 'fp-ts/Either';
import type { Logger } from 'pino';
import { Server as SocketIoServer } from 'socket.io';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Bus } from '../../infrastructure/bus/port';
import { verifyAccessToken } from '../../infrastructure/auth/jwt';
import { decodeRevocationNotice, REVOCATION_SUBJECT, type RevocationNotice } from '../../infrastructure/sessions/revocation-notice';
import type { SessionStore } from '../../infrastructure/sessions/store';
import { listen } from '../../infrastructure/http/listen';
import { ADMISSIONS_PER_SECOND_MAX, createAdmissionControl } from './admission';
import { CONFLATION_WINDOW_MS, createFanOut, type ClientSink, type Connection } from './fanout';
import { nodeReportsFromPrimary, type HealthStatus } from './cluster-node';
import { createNodeMetrics } from './metrics';
import { ACCOUNT_ID_PATTERN, ordersSubject, parseClientRequest, ProtocolErrorCode, subjectsFor, type ClientRequest } from './protocol';
import { createSocketIoSink, createWsSink, WS_BUFFERED_BYTES_MAX } from './sinks';

export const WS_PATH = '/v1/market/stream';
export const HEARTBEAT_INTERVAL_MS = 30_000;
/** The heartbeat goes out to this many shares of the connections in turn, spread over the interval (see controlToShare). */
export const HEARTBEAT_SHARES = 30;
/** Graceful deploys spread the reconnects of a drained node over this long (seed: random 0..30 s). */
export const DRAIN_RECONNECT_DELAY_MS_MAX = 30_000;
/** After the reconnect notice, clients get this long to leave before the node closes them. */
export const DRAIN_CLOSE_AFTER_MS = 1_000;
/** Client → server messages are small JSON requests. */
export const CLIENT_MESSAGE_BYTES_MAX = 16 * 1024;

/** Sent before the node closes a connection whose session was ended (log-out, password change, a reused refresh token). */
export const TOKEN_REVOKED = 'TOKEN_REVOKED';
export const WS_CLOSE_TOKEN_REVOKED = 4002;
// Codes leave the process: never rename or reuse one.
export const RefusalCode = { AuthRequired: 'AUTH_REQUIRED', AuthInvalid: 'AUTH_INVALID', AdmissionRefused: 'ADMISSION_REFUSED', Draining: 'DRAINING', TokenRevoked: TOKEN_REVOKED } as const;
/** Sent before the node closes a connection whose access token ran out: reconnect with a fresh one. */
export const TOKEN_EXPIRED = 'TOKEN_EXPIRED';
/** WebSocket close code for an expired token (the 4000-4999 range is the application's). */
export const WS_CLOSE_TOKEN_EXPIRED = 4001;
type Refusal = { readonly code: (typeof RefusalCode)[keyof typeof RefusalCode]; readonly retryAfterMs?: number };

export type StreamingNodeOptions = {
  readonly bus: Bus;
  readonly jwtSecret: string;
  readonly logger: Logger;
  readonly conflationWindowMs?: number;
  readonly admissionsPerSecond?: number;
  readonly wsBufferedBytesMax?: number;
  readonly heartbeatIntervalMs?: number;
  readonly nowMs?: () => number;
  readonly random?: () => number;
  /**
   * The revocation list (Redis in distributed mode, the API's in-memory store in embedded mode): a revoked
   * token opens no new socket. Without it only the bus's notices close sockets, and a revoked token still
   * connects until it expires.
   */
  readonly revocations?: Pick<SessionStore, 'revocationOf'>;
  /**
   * This process is one worker of a node of several (STREAMING_WORKERS, scripts/start-streaming.ts): its /healthz
   * and /metrics answer for the whole node, gathered by the primary (cluster-node.ts), since a request on the shared
   * port lands on any worker.
   */
  readonly workerOfNode?: boolean;
};

/** What a socket's token said, to match revocation notices against. */
type Session = { readonly accountId: string; readonly sessionId: string | undefined; readonly issuedAtMs: number; readonly revoke: () => void };
type Admitted = { readonly accountId: string; readonly expiresAtMs: number; readonly sessionId: string | undefined; readonly issuedAtMs: number };

const isRevokedBy = (notice: RevocationNotice, session: Session): boolean =>
  (notice.sessionId !== undefined && notice.sessionId === session.sessionId)
  || (notice.issuedBeforeMs !== undefined && session.issuedAtMs < notice.issuedBeforeMs);

const tokenFromUpgrade = (request: IncomingMessage): string | undefined => {
  const header = request.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice('Bearer '.length);
  return new URL(request.url ?? '/', 'http://node').searchParams.get('token') ?? undefined;
};

const refuseUpgrade = (socket: Duplex, status: number, refusal: Refusal): void => {
  const body = JSON.stringify({ code: refusal.code, retry_after_ms: refusal.retryAfterMs });
  const retryAfter = refusal.retryAfterMs === undefined ? '' : `Retry-After: ${Math.ceil(refusal.retryAfterMs / 1000)}\r\n`;
  socket.end(`HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : 'Service Unavailable'}\r\nConnection: close\r\nContent-Type: application/json\r\n${retryAfter}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
};

export const createStreamingNode = (options: StreamingNodeOptions) => {
  const { bus, jwtSecret, logger } = options;
  const nowMs = options.nowMs ?? Date.now;
  const random = options.random ?? Math.random;
  const fanOut = createFanOut(bus);
  const metrics = createNodeMetrics(fanOut.stats);
  const admission = createAdmissionControl(options.admissionsPerSecond ?? ADMISSIONS_PER_SECOND_MAX, nowMs);
  let draining = false;

  /**
   * The token first, then admission: a storm of unauthenticated upgrades must not spend the admissions of
   * genuine clients (it turned 7 of 10 away). An HS256 check with a prepared key costs microseconds.
   */
  const admit = async (token: unknown): Promise<E.Either<Refusal, Admitted>> => {
    if (draining) return E.left({ code: RefusalCode.Draining, retryAfterMs: DRAIN_RECONNECT_DELAY_MS_MAX });
    if (typeof token !== 'string' || token.length === 0) return E.left({ code: RefusalCode.AuthRequired });
    const claims = verifyAccessToken(token, jwtSecret);
    if (!claims || !ACCOUNT_ID_PATTERN.test(claims.accountId)) return E.left({ code: RefusalCode.AuthInvalid });
    const issuedAtMs = claims.issuedAtMs ?? 0;
    if (options.revocations !== undefined) {
      const { sessionRevoked, accountRevokedBeforeMs } = await options.revocations.revocationOf(claims.sessionId, claims.accountId);
      if (sessionRevoked || (accountRevokedBeforeMs !== undefined && issuedAtMs < accountRevokedBeforeMs)) return E.left({ code: RefusalCode.TokenRevoked });
    }
    const admitted = admission.tryAdmit();
    if (!admitted.admitted) return E.left({ code: RefusalCode.AdmissionRefused, retryAfterMs: admitted.retryAfterMs });
    return E.right({ accountId: claims.accountId, expiresAtMs: claims.expiresAtMs, sessionId: claims.sessionId, issuedAtMs });
  };

  /** Open sockets by account, so a revocation notice finds its sockets without a scan of every connection. */
  const sessionsByAccount = new Map<string, Set<Session>>();
  const track = (admitted: Admitted, revoke: () => void): (() => void) => {
    const session: Session = { accountId: admitted.accountId, sessionId: admitted.sessionId, issuedAtMs: admitted.issuedAtMs, revoke };
    let sessions = sessionsByAccount.get(admitted.accountId);
    if (sessions === undefined) { sessions = new Set(); sessionsByAccount.set(admitted.accountId, sessions); }
    sessions.add(session);
    return () => {
      sessions.delete(session);
      if (sessions.size === 0 && sessionsByAccount.get(admitted.accountId) === sessions) sessionsByAccount.delete(admitted.accountId);
    };
  };
  const revocations = bus.subscribe(REVOCATION_SUBJECT, (message) => {
    const notice = decodeRevocationNotice(message.data);
    if (notice === undefined) return;
    const revoked = [...(sessionsByAccount.get(notice.accountId) ?? [])].filter((session) => isRevokedBy(notice, session));
    for (const session of revoked) session.revoke();
    if (revoked.length > 0) logger.info({ accountId: notice.accountId, sockets: revoked.length }, 'sockets of revoked sessions closed');
  });
  const revokeNotice = JSON.stringify({ action: 'error', code: TOKEN_REVOKED, detail: 'this session was ended (log-out, password change or a reused refresh token): log in again' });
  const refused = (refusal: Refusal): void => {
    metrics.refused.inc({ reason: refusal.code });
  };
  /**
   * A socket lives longer than the token that opened it: when the token expires the client is told and
   * closed, so a revoked or stolen token stops streaming someone's orders within its lifetime.
   */
  const closeAtExpiry = (expiresAtMs: number, connection: Connection, close: () => void): (() => void) => {
    // The wall clock, as jsonwebtoken used to check `exp` (nowMs is the admission bucket's clock).
    const timer = setTimeout(() => {
      connection.sink.writeControl(JSON.stringify({ action: 'error', code: TOKEN_EXPIRED, detail: 'access token expired: reconnect with a fresh one' }));
      close();
    }, Math.max(0, expiresAtMs - Date.now()));
    timer.unref();
    return () => clearTimeout(timer);
  };

  const handleRequest = async (connection: Connection, raw: unknown): Promise<void> => {
    const parsed = parseClientRequest(raw);
    if (E.isLeft(parsed)) {
      connection.sink.writeControl(JSON.stringify({ action: 'error', ...parsed.left }));
      return;
    }
    const request: ClientRequest = parsed.right;
    const subjects = request.channel === 'orders' ? [ordersSubject(connection.accountId)] : request.symbols.flatMap((s) => subjectsFor(request.channel as Exclude<typeof request.channel, 'orders'>, s));
    if (request.action === 'unsubscribe') {
      fanOut.unwatch(connection, subjects);
      connection.sink.writeControl(JSON.stringify({ action: 'unsubscribed', channel: request.channel, symbols: request.symbols }));
      return;
    }
    const opened = fanOut.watch(connection, subjects);
    if (opened === undefined) {
      connection.sink.writeControl(JSON.stringify({ action: 'error', code: ProtocolErrorCode.SubscriptionLimit, detail: request.channel }));
      return;
    }
    // The acknowledgement promises delivery from now on, so the bus must have the new interest first.
    if (opened > 0) await bus.flush();
    connection.sink.writeControl(JSON.stringify({ action: 'subscribed', channel: request.channel, symbols: request.symbols }));
  };

  const onClientText = (connection: Connection, text: string): void => {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      raw = undefined;
    }
    handleRequest(connection, raw).catch((error: unknown) => logger.error({ err: error }, 'subscribe failed'));
  };

  const health = (): { status: HealthStatus; connections: number } => ({ status: draining ? 'draining' : 'ok', connections: fanOut.stats().connections });
  const reports = options.workerOfNode === true
    ? nodeReportsFromPrimary(health, metrics.registry)
    : { health: () => Promise.resolve(health()), metrics: () => metrics.registry.metrics() };
  const server: Server = createServer((request, response) => {
    if (request.url === '/healthz') {
      reports.health().then((report) => {
        response.writeHead(report.status === 'draining' ? 503 : 200, { 'content-type': 'application/json' });
        response.end(JSON.stringify(report));
      }, (error: unknown) => {
        logger.error({ err: error }, 'health report failed');
        response.writeHead(500).end();
      });
      return;
    }
    if (request.url === '/metrics') {
      reports.metrics().then((text) => {
        response.writeHead(200, { 'content-type': metrics.registry.contentType });
        response.end(text);
      }, (error: unknown) => {
        logger.error({ err: error }, 'metrics failed');
        response.writeHead(500).end();
      });
      return;
    }
    response.writeHead(404).end();
  });

  // A shutdown must not wait on clients that stopped reading: it destroys their TCP sockets.
  const tcpSockets = new Set<Duplex>();
  server.on('connection', (socket) => {
    tcpSockets.add(socket);
    socket.on('close', () => tcpSockets.delete(socket));
  });

  const io = new SocketIoServer(server, {
    // WebSocket only: no long-polling sessions to pin behind the L4 balancer, and one backpressure signal.
    transports: ['websocket'],
    serveClient: false,
    perMessageDeflate: false,
    maxHttpBufferSize: CLIENT_MESSAGE_BYTES_MAX,
    pingInterval: 25_000,
    pingTimeout: 20_000,
  });
  io.use((socket, next) => {
    admit((socket.handshake.auth as Record<string, unknown> | undefined)?.token).then((outcome) => {
      if (E.isRight(outcome)) {
        socket.data.admitted = outcome.right;
        next();
        return;
      }
      refused(outcome.left);
      next(Object.assign(new Error(outcome.left.code), { data: { code: outcome.left.code, retry_after_ms: outcome.left.retryAfterMs } }));
    }, (error: unknown) => {
      logger.error({ err: error }, 'admission check failed');
      next(Object.assign(new Error('UNAVAILABLE'), { data: { code: 'UNAVAILABLE' } }));
    });
  });
  io.on('connection', (socket) => {
    const admitted = socket.data.admitted as Admitted;
    const connection = fanOut.attach(admitted.accountId, createSocketIoSink(socket));
    const cancelExpiry = closeAtExpiry(admitted.expiresAtMs, connection, () => socket.disconnect(true));
    const untrack = track(admitted, () => { connection.sink.writeControl(revokeNotice); socket.disconnect(true); });
    socket.on('message', (raw: unknown) => {
      handleRequest(connection, raw).catch((error: unknown) => logger.error({ err: error }, 'subscribe failed'));
    });
    socket.on('disconnect', () => { cancelExpiry(); untrack(); fanOut.detach(connection); });
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: CLIENT_MESSAGE_BYTES_MAX, perMessageDeflate: false });
  const wsBufferedBytesMax = options.wsBufferedBytesMax ?? WS_BUFFERED_BYTES_MAX;
  server.on('upgrade', (request, socket, head) => {
    if (new URL(request.url ?? '/', 'http://node').pathname !== WS_PATH) return; // Socket.IO's own listener takes its path.
    admit(tokenFromUpgrade(request)).then((outcome) => {
      if (E.isLeft(outcome)) {
        refused(outcome.left);
        const unauthorized = outcome.left.code === RefusalCode.AuthRequired || outcome.left.code === RefusalCode.AuthInvalid || outcome.left.code === RefusalCode.TokenRevoked;
        refuseUpgrade(socket, unauthorized ? 401 : 503, outcome.left);
        return;
      }
      const admitted = outcome.right;
      wss.handleUpgrade(request, socket, head, (ws: WebSocket) => {
        const connection = fanOut.attach(admitted.accountId, createWsSink(ws, wsBufferedBytesMax));
        const cancelExpiry = closeAtExpiry(admitted.expiresAtMs, connection, () => ws.close(WS_CLOSE_TOKEN_EXPIRED, TOKEN_EXPIRED));
        const untrack = track(admitted, () => { connection.sink.writeControl(revokeNotice); ws.close(WS_CLOSE_TOKEN_REVOKED, TOKEN_REVOKED); });
        ws.on('message', (data, isBinary) => onClientText(connection, isBinary ? '' : data.toString()));
        ws.on('close', () => { cancelExpiry(); untrack(); fanOut.detach(connection); });
        ws.on('error', () => ws.terminate());
      });
    }, (error: unknown) => {
      logger.error({ err: error }, 'admission check failed');
      refuseUpgrade(socket, 503, { code: RefusalCode.AdmissionRefused, retryAfterMs: 1_000 });
    });
  });

  const windowTimer = setInterval(() => fanOut.flush(), options.conflationWindowMs ?? CONFLATION_WINDOW_MS);
  // Each connection gets its heartbeat once per interval, one share of them at a time.
  let heartbeatShare = 0;
  const heartbeatTimer = setInterval(() => {
    fanOut.controlToShare(JSON.stringify({ channel: 'heartbeat', ts: new Date(nowMs()).toISOString() }), heartbeatShare, HEARTBEAT_SHARES);
    heartbeatShare = (heartbeatShare + 1) % HEARTBEAT_SHARES;
  }, (options.heartbeatIntervalMs ?? HEARTBEAT_INTERVAL_MS) / HEARTBEAT_SHARES);

  const closeAll = async (graceful: boolean): Promise<void> => {
    // 1001 "going away" after whatever is queued (the drain notice); a shutdown does not wait for the close handshake.
    for (const socket of wss.clients) if (graceful) socket.close(1001); else socket.terminate();
    io.disconnectSockets(true);
    if (!graceful) for (const socket of tcpSockets) socket.destroy();
    await io.close();
    wss.close();
  };

  return {
    server,
    fanOut,
    metrics,
    stats: fanOut.stats,
    /** This process's own state (a worker's part of its node's /healthz). */
    health,
    /** Ends the current conflation window now (the timer calls it every window; tests call it to make windows explicit). */
    flushWindow: () => fanOut.flush(),
    listen(port = 0, host = '127.0.0.1', portVariable = 'PORT'): Promise<number> {
      return listen(server, port, host, portVariable);
    },
    /**
     * Graceful deploy: refuse new connections, tell every client when to come back
     * (a random delay each, so the reconnects spread instead of storming the next
     * node), then close them.
     */
    async drain(): Promise<void> {
      draining = true;
      for (const connection of fanOut.connections()) {
        connection.sink.writeControl(JSON.stringify({ action: 'reconnect', delay_ms: Math.floor(random() * DRAIN_RECONNECT_DELAY_MS_MAX) }));
      }
      logger.info({ connections: fanOut.stats().connections }, 'draining');
      await new Promise((resolve) => setTimeout(resolve, DRAIN_CLOSE_AFTER_MS).unref());
      await closeAll(true);
    },
    async close(): Promise<void> {
      revocations.unsubscribe();
      clearInterval(windowTimer);
      clearInterval(heartbeatTimer);
      await closeAll(false);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
};

export type StreamingNode = ReturnType<typeof createStreamingNode>;
export type { ClientSink };
