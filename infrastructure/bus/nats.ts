import { connect, DebugEvents, Events, type NatsConnection } from 'nats';
import pino from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Logger } from '../logging';
import type { Bus, BusBatch, BusSubscription } from './port';

export const NATS_CONNECT_TIMEOUT_MS = 5_000;
/** Reconnect backoff: the first retry after this, doubling per failed attempt up to the maximum, plus jitter. */
export const NATS_RECONNECT_WAIT_MIN_MS = 100;
/** Kept short: quotes must resume within a few seconds of NATS coming back. */
export const NATS_RECONNECT_WAIT_MAX_MS = 2_000;
/** Up to this fraction of a wait is added at random, so a fleet of nodes does not reconnect in lockstep. */
export const NATS_RECONNECT_JITTER = 0.2;

export type NatsBusOptions = {
  readonly servers: string | readonly string[];
  /** Prepended to every subject on the wire and stripped on delivery: isolates tests (and tenants) sharing one server. */
  readonly subjectPrefix?: string;
  /** Shown by the server's monitoring, e.g. `streaming-node-3`. */
  readonly name?: string;
  /** Where the outage and the recovery are logged, once each. Silent when omitted (tests). */
  readonly logger?: Logger;
  /**
   * Keep dialling until the first connection succeeds (the promise resolves then) instead of failing at start.
   * For a process that must not wait on NATS to start but must reach it once it is there (the API's revocations).
   */
  readonly waitOnFirstConnect?: boolean;
};

export type NatsBusStats = {
  readonly connected: boolean;
  readonly disconnects: number;
  readonly reconnects: number;
  /** Messages published while the connection was down: dropped, the market data plane never queues. */
  readonly publishesDropped: number;
};

export type NatsBus = Bus & { readonly connection: NatsConnection; stats(): NatsBusStats };

/** The wait before reconnect attempt `attempt` (1 for the first). */
export const reconnectWaitMs = (attempt: number, random: () => number): number => {
  const base = Math.min(NATS_RECONNECT_WAIT_MAX_MS, NATS_RECONNECT_WAIT_MIN_MS * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (1 + NATS_RECONNECT_JITTER * random()));
};

/**
 * The bus over NATS. The connection never gives up: when the server goes away, the process keeps running, drops
 * what it publishes meanwhile (a quote is worth nothing later, and the client would buffer it without bound), and
 * reconnects with backoff. On reconnect the client library sends the server every subscription still open, and
 * only those: what was unsubscribed during the outage is not renewed.
 */
export const connectNatsBus = async (options: NatsBusOptions): Promise<NatsBus> => {
  const prefix = options.subjectPrefix ?? '';
  const logger = options.logger ?? pino({ level: 'silent' });
  let attempt = 0;
  let waitMs = NATS_RECONNECT_WAIT_MIN_MS;
  const connection = await connect({
    servers: typeof options.servers === 'string' ? options.servers : [...options.servers],
    name: options.name,
    timeout: NATS_CONNECT_TIMEOUT_MS,
    reconnect: true,
    maxReconnectAttempts: -1,
    reconnectDelayHandler: () => waitMs,
    waitOnFirstConnect: options.waitOnFirstConnect ?? false,
  });
  let connected = true;
  let closing = false;
  let outageStartedMs = 0;
  const stats = { disconnects: 0, reconnects: 0, publishesDropped: 0 };

  const watchStatus = async (): Promise<void> => {
    for await (const status of connection.status()) {
      switch (status.type) {
        case Events.Disconnect:
          if (!connected || closing) break;
          connected = false;
          stats.disconnects += 1;
          outageStartedMs = Date.now();
          logger.warn({ server: status.data, disconnects: stats.disconnects }, 'NATS connection lost: dropping publishes and reconnecting');
          break;
        case DebugEvents.Reconnecting:
          attempt += 1;
          waitMs = reconnectWaitMs(attempt, Math.random);
          break;
        case Events.Reconnect:
          connected = true;
          stats.reconnects += 1;
          attempt = 0;
          waitMs = NATS_RECONNECT_WAIT_MIN_MS;
          logger.info({ server: status.data, outageMs: Date.now() - outageStartedMs, publishesDropped: stats.publishesDropped }, 'NATS connection back: subscriptions renewed');
          break;
        case Events.Error:
          logger.error({ err: status.data }, 'NATS reported an error');
          break;
        case Events.LDM:
          logger.warn({ server: status.data }, 'NATS server entering lame duck mode');
          break;
        default:
          break;
      }
    }
  };
  watchStatus().catch((error: unknown) => logger.error({ err: error }, 'NATS status watch ended'));

  // After close() nothing is published: the client would throw on a closed connection, and a batch's
  // end-of-turn publish may land after its owner closed the bus.
  const publish = (subject: string, data: Uint8Array): void => {
    if (!connected || closing) {
      stats.publishesDropped += 1;
      return;
    }
    connection.publish(prefix + subject, data);
  };

  return {
    connection,
    stats: () => ({ connected, ...stats }),
    publish,
    publishBatch(batch: BusBatch) {
      if (!connected || closing || batch.count === 0) {
        stats.publishesDropped += batch.count;
        return;
      }
      // One copy of the batch: the client holds on to what it is given until its socket write.
      const data = batch.data.slice(0, batch.ends[batch.count - 1]);
      let start = 0;
      for (let i = 0; i < batch.count; i += 1) {
        const end = batch.ends[i]!;
        connection.publish(prefix + batch.subjects[i]!, data.subarray(start, end));
        start = end;
      }
    },
    subscribe(subject, onMessage): BusSubscription {
      // Callback delivery skips the async-iterator machinery on the hot path.
      const subscription = connection.subscribe(prefix + subject, {
        callback: (error, message) => {
          if (error) return; // Only a permissions violation lands here; the status watch logs it.
          onMessage({ subject: message.subject.slice(prefix.length), data: message.data });
        },
      });
      return { unsubscribe: () => subscription.unsubscribe() };
    },
    /** While disconnected nothing can leave, and new subscriptions go out on reconnect: resolves at once. */
    async flush() {
      if (!connected || connection.isClosed()) return;
      // A connection lost while waiting rejects the flush: what it waited for is dropped, which is the plane's rule.
      await connection.flush().catch(() => undefined);
    },
    async close() {
      closing = true;
      if (connection.isClosed()) return;
      if (connected) await connection.flush().catch(() => undefined);
      await connection.close();
    },
  };
};

/** The bus connection's health on `/metrics`: read at scrape time, so publishing touches plain numbers only. */
export const registerNatsMetrics = (registry: Registry, bus: Pick<NatsBus, 'stats'>): void => {
  // A node of several processes reports the least of its workers' (cluster-node.ts): 0 while any one is cut off.
  new Gauge({ name: 'nats_connected', help: 'Whether the NATS connection is up (1) or reconnecting (0)', registers: [registry], aggregator: 'min', collect() { this.set(bus.stats().connected ? 1 : 0); } });
  const total = (name: string, help: string, pick: (s: NatsBusStats) => number) => {
    let seen = 0;
    new Counter({ name, help, registers: [registry], collect() {
      const now = pick(bus.stats());
      this.inc(now - seen);
      seen = now;
    } });
  };
  total('nats_disconnects_total', 'Times the NATS connection was lost', (s) => s.disconnects);
  total('nats_reconnects_total', 'Times the NATS connection came back', (s) => s.reconnects);
  total('nats_publishes_dropped_total', 'Messages dropped because NATS was unreachable when they were published', (s) => s.publishesDropped);
};
