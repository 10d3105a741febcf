import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import type { FixCodec } from './codec';
import type { FixSessionEngine } from './fix-session';
import { FixFramer } from './framing';

/** A connection that has not sent a whole Logon by then is dropped. */
export const LOGON_WAIT_MS = 10_000;

export type FixAcceptor = { readonly port: number; stop(): Promise<void> };

/**
 * A TCP listener for acceptor sessions. The first message on a connection must be a Logon whose CompIDs
 * name one of `sessions` that has no connection yet; that session takes the socket (and the bytes read so
 * far). Anything else is dropped without an answer, as acceptors do with unknown counterparties.
 */
export const startFixAcceptor = async (options: {
  readonly host: string;
  readonly port: number;
  readonly sessions: readonly FixSessionEngine[];
  readonly codec: FixCodec;
  readonly logger: Logger;
}): Promise<FixAcceptor> => {
  const { logger } = options;
  const sockets = new Set<Socket>();

  const admit = (socket: Socket): void => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    const framer = new FixFramer();
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(), LOGON_WAIT_MS);
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      const first = framer.push(chunk).find((event) => event.kind === 'frame');
      if (first?.kind !== 'frame') return;
      socket.off('data', onData);
      clearTimeout(timer);
      let decoded;
      try {
        decoded = options.codec.decode(first.frame);
      } catch {
        socket.destroy();
        return;
      }
      const session = options.sessions.find((s) => s.config.targetCompId === decoded.senderCompId && s.config.senderCompId === decoded.targetCompId);
      if (decoded.msgType !== 'A' || session === undefined || session.isConnected()) {
        logger.warn({ msgType: decoded.msgType, senderCompId: decoded.senderCompId, targetCompId: decoded.targetCompId, busy: session?.isConnected() }, 'fix connection refused');
        socket.destroy();
        return;
      }
      void session.attach(socket, Buffer.concat(chunks)).catch((error: unknown) => {
        logger.error({ session: session.name, err: error }, 'fix session failed');
        socket.destroy();
      });
    };
    socket.on('data', onData);
    socket.on('error', () => undefined);
  };

  const server: Server = createServer(admit);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  logger.info({ host: options.host, port, sessions: options.sessions.map((s) => s.name) }, 'fix acceptor listening');
  return {
    port,
    stop: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all(options.sessions.map((s) => s.close()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
};
