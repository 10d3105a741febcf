import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { metrics } from '../infrastructure/metrics';
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
import { venueMetrics } from './venue-metrics';

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
  readonly registry?: Registry;
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
  const figures = venueMetrics(options.registry ?? metrics.registry);
  const loggedOnTimer = setInterval(() => figures.loggedOn.set({ venue: profile.mic }, session.isLoggedOn() ? 1 : 0), 1_000);
  loggedOnTimer.unref();

  // Matching is synchronous, so reports leave in the order they were decided: each waits for its drop copy
  // (grouped into few inserts) and then goes to the session, which sequences it.
  let sending: Promise<void> = Promise.resolve();
  const emit = (outputs: readonly FixAppMessage[]): void => {
    if (outputs.length === 0) return;
    const reports = outputs.filter((m): m is ExecutionReport => m.msgType === 'ExecutionReport');
    const recorded = dropCopy.record(reports);
    for (const report of reports) figures.executions.inc({ venue: profile.mic, exec_type: report.execType });
    // The session sequences and stores sends in the order they are called and groups them into few writes,
    // so the chain waits only for the drop copy, never for the previous report's store write.
    const failed = (error: unknown): void => logger.error({ venue: profile.mic, err: error }, 'venue could not record or send a report');
    sending = sending.then(async () => {
      await recorded;
      for (const message of outputs) session.send(message).catch(failed);
    }).catch(failed);
  };
  // Messages waiting out the venue's latency, in arrival order. The session counts them handled already, so
  // a stop must match them (stop() runs them at once), never drop them: nobody would send them again.
  const waiting = new Map<NodeJS.Timeout, () => void>();
  session.onMessage(async (message) => {
    // Same delay for every message, so timers fire in arrival order.
    const handle = () => { waiting.delete(timer); emit(matcher.handle(message)); };
    const timer = setTimeout(handle, profile.latencyMs);
    waiting.set(timer, handle);
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
      clearInterval(loggedOnTimer);
      for (const [timer, handle] of [...waiting]) { clearTimeout(timer); handle(); }
      await sending;
      await acceptor.stop();
    },
  };
};
