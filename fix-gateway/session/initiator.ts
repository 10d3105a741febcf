import { connect } from 'node:net';
import type { Logger } from 'pino';
import type { FixSessionEngine } from './fix-session';

/** Reconnect backoff: doubles from the minimum up to the maximum, back to the minimum after a logon. */
export const RECONNECT_MIN_MS = 100;
export const RECONNECT_MAX_MS = 5_000;

export type VenueAddress = { readonly host: string; readonly port: number };

export type FixInitiator = {
  /** Logs out and stops reconnecting. */
  stop(): Promise<void>;
  /** Stops at once without a Logout (the lease is lost: the session is not ours to speak on any more). */
  abandon(): Promise<void>;
};

/**
 * Keeps an initiator session connected: connect, attach (which logs on), and when the socket closes for
 * any reason, connect again after a backoff, until stopped. The session's store carries the sequence
 * numbers across reconnects, so the counterparty's resend request recovers whatever the drop lost.
 */
export const startFixInitiator = (session: FixSessionEngine, address: () => VenueAddress, logger: Logger, backoffMs = { min: RECONNECT_MIN_MS, max: RECONNECT_MAX_MS }): FixInitiator => {
  let stopped = false;
  let wake: (() => void) | undefined;
  const sleep = (ms: number): Promise<void> => new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    wake = () => { clearTimeout(timer); resolve(); };
  });

  const connectOnce = async (): Promise<boolean> => {
    const { host, port } = address();
    const socket = connect({ host, port });
    const connected = await new Promise<boolean>((resolve) => {
      socket.once('connect', () => resolve(true));
      socket.once('error', (error) => { logger.warn({ session: session.name, host, port, err: error.message }, 'fix connect failed'); resolve(false); });
    });
    if (!connected || stopped) { socket.destroy(); return false; }
    let loggedOn = false;
    void session.loggedOn().then(() => { loggedOn = true; });
    await session.attach(socket);
    return loggedOn;
  };

  const loop = (async () => {
    let delayMs = backoffMs.min;
    while (!stopped) {
      const hadLogon = await connectOnce().catch((error: unknown) => { logger.error({ session: session.name, err: error }, 'fix connection failed'); return false; });
      if (stopped) break;
      delayMs = hadLogon ? backoffMs.min : Math.min(delayMs * 2, backoffMs.max);
      await sleep(delayMs);
    }
  })();

  return {
    stop: async () => {
      stopped = true;
      wake?.();
      await session.close();
      await loop;
    },
    abandon: async () => {
      stopped = true;
      wake?.();
      session.abandon();
      await loop;
    },
  };
};
