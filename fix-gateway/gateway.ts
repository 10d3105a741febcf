import type { Logger } from 'pino';
import { createAccounts } from '../commands/accounts/account-stream';
import { KeyedSerializer } from '../commands/keyed-serializer';
import { orderIdOfClOrdId } from '../domain/account/routing';
import type { MarketHours } from '../domain/market-hours/calendar';
import type { EventStore } from '../infrastructure/event-store/port';
import type { MarketDataReader } from '../infrastructure/market/port';
import type { SqlDatabase } from '../infrastructure/pg/sql-client';
import { migrateEngineStore, sqlEngineStore } from './engine/engine-store';
import { createExecutionEngine, type ExecutionEngine, type VenueQuotes } from './engine/execution-engine';
import { migrateOrderDirectory, sqlOrderDirectory } from './engine/order-directory';
import { sqlSentLedger } from './engine/sent-ledger';
import type { VenueConfig } from './engine/venue-config';
import { VenueStandings } from './engine/venue-standing';
import { createFillIntake, type HandedOver, type IntakeOutcome } from './fills/fill-intake';
import { FixCodec } from './session/codec';
import { FixSessionEngine } from './session/fix-session';
import { startFixInitiator, type FixInitiator } from './session/initiator';
import type { FixAppMessage } from './session/messages';
import { migrateFixSessionStore, sqlFixSessionStore } from './session/session-store';

export const GATEWAY_HEARTBEAT_INTERVAL_S = 30;
/**
 * Reports booked at once per session. Each order's reports are booked in the order they came (one
 * queue per order), different orders side by side; below the account serializer's queue depth, so a
 * busy account makes the session wait instead of refusing.
 */
export const FILL_INTAKE_CONCURRENCY = 128;
/** The FIX session with a venue is named after it, so its stored messages can be found by venue. */
export const gatewaySessionName = (venue: string): string => `gateway-${venue}`;

export type GatewayDeps = {
  readonly store: EventStore;
  readonly database: SqlDatabase;
  readonly venues: readonly VenueConfig[];
  readonly quotes: VenueQuotes;
  readonly market: MarketDataReader;
  readonly marketHours: MarketHours;
  readonly logger: Logger;
  readonly nowMs?: () => number;
  readonly heartbeatIntervalS?: number;
  readonly onIntake?: (outcome: IntakeOutcome, execType: string) => void;
  readonly onFailure?: (error: unknown) => void;
};

export type RunningGateway = {
  readonly engine: ExecutionEngine;
  readonly sessions: ReadonlyMap<string, FixSessionEngine>;
  /** Resolves once every venue session has logged on. */
  loggedOn(): Promise<void>;
  stop(): Promise<void>;
};

/**
 * The FIX gateway: one initiator session per configured venue, the execution engine sending on them, and
 * the fill intake booking what comes back. Sessions, checkpoint, held stops and the order directory live
 * in one PostgreSQL (PGlite embedded) database.
 */
export const startGateway = async (deps: GatewayDeps): Promise<RunningGateway> => {
  const nowMs = deps.nowMs ?? Date.now;
  await migrateFixSessionStore(deps.database);
  await migrateEngineStore(deps.database);
  await migrateOrderDirectory(deps.database);
  const accounts = createAccounts(deps.store, { logger: deps.logger });
  const directory = sqlOrderDirectory(deps.database);
  const standings = new VenueStandings();
  const intake = createFillIntake({ accounts, directory, logger: deps.logger, nowMs, ...(deps.onIntake ? { onOutcome: deps.onIntake } : {}) });
  const sentAtMs = new Map<string, number>();

  const sessions = new Map<string, FixSessionEngine>();
  const initiators: FixInitiator[] = [];
  const sessionStore = sqlFixSessionStore(deps.database);
  for (const venue of deps.venues) {
    const session = new FixSessionEngine(
      { name: gatewaySessionName(venue.name), senderCompId: venue.senderCompId, targetCompId: venue.targetCompId, heartbeatIntervalS: deps.heartbeatIntervalS ?? GATEWAY_HEARTBEAT_INTERVAL_S, role: 'initiator', handlingConcurrency: FILL_INTAKE_CONCURRENCY },
      sessionStore, await FixCodec.create(), deps.logger.child({ venue: venue.name }), nowMs,
    );
    await session.load();
    const perOrder = new KeyedSerializer(FILL_INTAKE_CONCURRENCY);
    const handOver = async (message: FixAppMessage): Promise<HandedOver> => {
      if (message.msgType === 'ExecutionReport') {
        const sentMs = sentAtMs.get(message.clOrdId);
        if (sentMs !== undefined) { standings.answered(venue.name, nowMs() - sentMs); sentAtMs.delete(message.clOrdId); }
        if (message.execType === 'fill') standings.orderEnded(venue.name, true);
        if (message.execType === 'rejected' || message.execType === 'expired') standings.orderEnded(venue.name, false);
      }
      return intake.handOver(venue.name, message);
    };
    // One order's reports take turns only until each is queued on its account, which then decides them in
    // that order: an acknowledgement and its fill, back to back, are booked in one append.
    session.onMessage(async (message) => {
      const clOrdId = 'clOrdId' in message ? message.clOrdId : '';
      const handed = await perOrder.run(orderIdOfClOrdId(clOrdId) ?? clOrdId, () => handOver(message));
      // Not handled: thrown, so the session asks for the report again after the reconnect.
      if (handed.kind === 'queue_full') throw new Error(`too many reports waiting for order ${clOrdId}`);
      await handed.value.booked;
    });
    sessions.set(venue.name, session);
    initiators.push(startFixInitiator(session, () => ({ host: venue.host, port: venue.port }), deps.logger));
  }

  const engine = createExecutionEngine({
    store: deps.store, accounts, directory, engineStore: sqlEngineStore(deps.database),
    sentLedger: sqlSentLedger(deps.database, gatewaySessionName),
    venues: deps.venues, sessions, quotes: deps.quotes, market: deps.market, marketHours: deps.marketHours, standings,
    logger: deps.logger, nowMs,
    onSent: (_venue, message) => { if (message.msgType === 'NewOrderSingle') sentAtMs.set(message.clOrdId, nowMs()); },
  });
  await engine.start(deps.onFailure ?? (() => undefined));

  return {
    engine,
    sessions,
    loggedOn: async () => { await Promise.all([...sessions.values()].map((s) => s.loggedOn())); },
    stop: async () => {
      await engine.stop();
      await Promise.all(initiators.map((i) => i.stop()));
    },
  };
};
