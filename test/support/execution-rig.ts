import type { EventStore } from '../../infrastructure/event-store/port';
import { big } from '../../domain/money';
import { Pool } from 'pg';
import { alwaysOpen } from '../../domain/market-hours/calendar';
import { startGateway, type RunningGateway } from '../../fix-gateway/gateway';
import type { VenueQuotes as EngineVenueQuotes } from '../../fix-gateway/engine/execution-engine';
import type { VenueConfig } from '../../fix-gateway/engine/venue-config';
import { createLogger } from '../../infrastructure/logging';
import { sqlDatabaseFromPool, type SqlDatabase } from '../../infrastructure/pg/sql-client';
import { decimalToTicks, ticksToDecimal } from '../../streaming/market/ticks';
import { VENUE_PROFILES, type VenueProfile } from '../../venue-sim/profiles';
import { startVenue, type RunningVenue } from '../../venue-sim/venue';
import { VenueQuotes, venueQuotesFromBus } from '../../venue-sim/venue-quotes';
import { subscribeVenueQuotes } from '../../fix-gateway/engine/bus-venue-quotes';
import type { Bus } from '../../infrastructure/bus/port';
import type { TradingHarness } from './trading-harness';

export type RigVenue = { readonly venue: RunningVenue; readonly quotes: VenueQuotes; readonly profile: VenueProfile };

/**
 * The trading harness plus the execution side for real: simulated venues as FIX acceptors on loopback,
 * the gateway's initiator sessions to them, the execution engine and the fill intake, all on the
 * harness's PostgreSQL database. Venues fill every order they can at once unless told otherwise.
 */
export type ExecutionRig = {
  readonly database: SqlDatabase;
  readonly venues: ReadonlyMap<string, RigVenue>;
  /** The per-venue quotes the router ranks on. */
  readonly routerQuotes: EngineVenueQuotes;
  gateway: RunningGateway;
  /** Every venue quotes `bid`/`ask` for `symbol` (size each side), and the NBBO the API and stops read says the same. */
  quote(symbol: string, bid: string, ask: string, size?: number, only?: readonly string[]): Promise<void>;
  restartGateway(): Promise<void>;
  stop(): Promise<void>;
};

export type RigOptions = {
  profile?: Partial<VenueProfile>;
  venues?: readonly string[];
  /** Distributed mode's quotes: each venue quotes, and the router ranks it on, what this bus carries on `md.venue.<MIC>.<SYM>`. */
  bus?: Bus;
  /** The event store as the gateway sees it (a wrapper of the harness's, to inject faults); the harness's by default. */
  gatewayStore?: EventStore;
};

export const startExecutionRig = async (h: TradingHarness, options: RigOptions = {}): Promise<ExecutionRig> => {
  const pool = new Pool({ connectionString: h.databaseUrl, max: 6 });
  const database = sqlDatabaseFromPool(pool, true);
  const logger = createLogger({ level: 'silent' });
  const names = options.venues ?? ['XNYS', 'XNAS'];
  const venues = new Map<string, RigVenue>();
  const subscriptions: { unsubscribe(): void }[] = [];
  let chanceSeed = 1;
  // A fixed sequence instead of Math.random: with a fill rate of 1 and no rejects the venues are deterministic.
  const chance = () => { chanceSeed = (chanceSeed * 16_807) % 2_147_483_647; return chanceSeed / 2_147_483_647; };
  for (const name of names) {
    const profile: VenueProfile = { ...VENUE_PROFILES[name as keyof typeof VENUE_PROFILES], latencyMs: 1, fillRate: 1, rejectRate: 0, partialFillRate: 0, ...options.profile };
    const quotes = new VenueQuotes();
    if (options.bus !== undefined) subscriptions.push(venueQuotesFromBus(options.bus, name, quotes));
    venues.set(name, { venue: await startVenue({ profile, database, quotes, logger, chance }), quotes, profile });
  }
  const venueConfigs: VenueConfig[] = [...venues.values()].map(({ venue }) => ({
    name: venue.mic, host: '127.0.0.1', port: venue.port, senderCompId: 'BROKER', targetCompId: venue.mic, orderTypes: ['market', 'limit'],
  }));
  const busQuotes = options.bus === undefined ? undefined : subscribeVenueQuotes(options.bus);
  const engineQuotes: EngineVenueQuotes = busQuotes ?? {
    quotesOf: async (symbol) => [...venues.values()].flatMap(({ venue, quotes }) => {
      const q = quotes.get(symbol);
      return q === undefined ? [] : [{ venue: venue.mic, bid: q.bidTicks > 0 ? ticksToDecimal(q.bidTicks) : null, ask: q.askTicks > 0 ? ticksToDecimal(q.askTicks) : null }];
    }),
  };
  const startOne = async () => {
    const gateway = await startGateway({
      store: options.gatewayStore ?? h.store, database, venues: venueConfigs, quotes: engineQuotes, market: h.market, marketHours: alwaysOpen, logger,
    });
    await gateway.loggedOn();
    return gateway;
  };
  const rig: ExecutionRig = {
    database,
    venues,
    routerQuotes: engineQuotes,
    gateway: await startOne(),
    quote: async (symbol, bid, ask, size = 1_000_000, only) => {
      for (const [name, { quotes }] of venues) {
        if (only !== undefined && !only.includes(name)) continue;
        quotes.set(symbol, { bidTicks: decimalToTicks(bid)!, askTicks: decimalToTicks(ask)!, bidSize: size, askSize: size });
      }
      const json = JSON.stringify({ symbol, bid, ask, bid_size: size, ask_size: size, last: ask, volume: 0, ts: new Date(h.clock.nowMs).toISOString() });
      await h.market.writeBatch([{ kind: 'quote', symbol, json }]);
    },
    restartGateway: async () => {
      await rig.gateway.stop();
      rig.gateway = await startOne();
    },
    stop: async () => {
      await rig.gateway.stop();
      busQuotes?.close();
      for (const subscription of subscriptions) subscription.unsubscribe();
      for (const { venue } of venues.values()) await venue.stop();
      await database.close();
    },
  };
  return rig;
};

/** Σ fills per order as the venues' drop copies hold them, and as the account streams booked them. */
export const reconcile = async (h: TradingHarness, rig: ExecutionRig) => {
  const atVenues = new Map<string, string>();
  for (const { venue } of rig.venues.values()) {
    for (const row of await venue.dropCopy.read()) {
      if (row.lastQty === null) continue;
      const orderId = row.clOrdId.slice(0, row.clOrdId.lastIndexOf('.'));
      atVenues.set(orderId, big(atVenues.get(orderId) ?? '0').plus(row.lastQty).toString());
    }
  }
  const booked = new Map<string, string>();
  for await (const e of h.store.readAll({ filter: { eventTypes: ['OrderFilled'] } })) {
    const data = e.data as { orderId: string; quantity: string };
    booked.set(data.orderId, big(booked.get(data.orderId) ?? '0').plus(data.quantity).toString());
  }
  return { atVenues, booked };
};
