import type { Logger } from 'pino';
import type { SqlDatabase } from '../infrastructure/pg/sql-client';
import { startFixAcceptor } from '../fix-gateway/session/acceptor';
import { FixCodec } from '../fix-gateway/session/codec';
import { FixSessionEngine } from '../fix-gateway/session/fix-session';
import type { ExecutionReport, FixAppMessage } from '../fix-gateway/session/messages';
import { migrateFixSessionStore, sqlFixSessionStore } from '../fix-gateway/session/session-store';
import { DropCopy, migrateDropCopy } from './drop-copy';
import { VenueMatcher } from './matcher';
import type { VenueProfile } from './profiles';
import type { VenueQuotes } from './venue-quotes';

/** The CompID the broker's gateway logs on with, unless told otherwise. */
export const GATEWAY_COMP_ID = 'BROKER';
export const VENUE_HEARTBEAT_INTERVAL_S = 30;

export type RunningVenue = {
  readonly mic: string;
  readonly port: number;
  readonly matcher: VenueMatcher;
  readonly dropCopy: DropCopy;
  readonly session: FixSessionEngine;
  /** The session's close: expires every open DAY order (the caller's clock or calendar says when). */
  closeTradingSession(): Promise<void>;
  /** Resolves when everything decided so far has been recorded and handed to the session. */
  settled(): Promise<void>;
  stop(): Promise<void>;
};

/**
 * One simulated venue: a FIX acceptor for the broker's session, the venue's matcher fed by its own quotes,
 * a drop copy of every execution, and the venue's latency between a message and its answer. Runs as its own
 * process (scripts/start-venue.ts) or in process on loopback (embedded mode, tests) with port 0.
 */
export const startVenue = async (options: {
  readonly profile: VenueProfile;
  readonly database: SqlDatabase;
  readonly quotes: VenueQuotes;
  readonly logger: Logger;
  readonly host?: string;
  readonly port?: number;
  readonly gatewayCompId?: string;
  readonly heartbeatIntervalS?: number;
  readonly nowMs?: () => number;
  readonly chance?: () => number;
  readonly runId?: string;
}): Promise<RunningVenue> => {
  const { profile, logger } = options;
  const nowMs = options.nowMs ?? Date.now;
  await migrateFixSessionStore(options.database);
  await migrateDropCopy(options.database);
  const gatewayCompId = options.gatewayCompId ?? GATEWAY_COMP_ID;
  const codec = await FixCodec.create();
  const session = new FixSessionEngine(
    { name: `venue-${profile.mic}-${gatewayCompId}`, senderCompId: profile.mic, targetCompId: gatewayCompId, heartbeatIntervalS: options.heartbeatIntervalS ?? VENUE_HEARTBEAT_INTERVAL_S, role: 'acceptor' },
    sqlFixSessionStore(options.database), codec, logger.child({ venue: profile.mic }), nowMs,
  );
  await session.load();
  const matcher = new VenueMatcher(profile, options.quotes, nowMs, options.chance ?? Math.random, options.runId ?? nowMs().toString(36));
  const dropCopy = new DropCopy(options.database, profile.mic);

  // Matching is synchronous, so reports leave in the order they were decided: each waits for its drop copy
  // (grouped into few inserts) and then goes to the session, which sequences it.
  let sending: Promise<void> = Promise.resolve();
  const emit = (outputs: readonly FixAppMessage[]): void => {
    if (outputs.length === 0) return;
    const reports = outputs.filter((m): m is ExecutionReport => m.msgType === 'ExecutionReport');
    const recorded = dropCopy.record(reports);
    sending = sending.then(async () => {
      await recorded;
      await Promise.all(outputs.map((message) => session.send(message)));
    }).catch((error: unknown) => logger.error({ venue: profile.mic, err: error }, 'venue could not record or send a report'));
  };
  const timers = new Set<NodeJS.Timeout>();
  session.onMessage(async (message) => {
    // Same delay for every message, so timers fire in arrival order.
    const timer = setTimeout(() => { timers.delete(timer); emit(matcher.handle(message)); }, profile.latencyMs);
    timers.add(timer);
  });
  options.quotes.onChange((symbol, quote) => emit(matcher.onQuote(symbol, quote)));

  const acceptor = await startFixAcceptor({ host: options.host ?? '127.0.0.1', port: options.port ?? 0, sessions: [session], codec, logger });
  logger.info({ venue: profile.mic, port: acceptor.port, latencyMs: profile.latencyMs, fillRate: profile.fillRate, rejectRate: profile.rejectRate }, 'venue simulator listening');
  return {
    mic: profile.mic,
    port: acceptor.port,
    matcher,
    dropCopy,
    session,
    closeTradingSession: async () => {
      emit(matcher.expireDayOrders());
      await sending;
    },
    settled: () => sending,
    stop: async () => {
      options.quotes.onChange(() => undefined);
      for (const timer of timers) clearTimeout(timer);
      await sending;
      await acceptor.stop();
    },
  };
};
