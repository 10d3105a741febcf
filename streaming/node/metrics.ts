import { Counter, Gauge, Registry } from 'prom-client';
import type { FanOutStats } from './fanout';

/** Prometheus view of one node. Counters advance by the fan-out's running totals at scrape time, so the hot path touches plain numbers only. */
export const createNodeMetrics = (readStats: () => FanOutStats) => {
  const registry = new Registry();
  const refused = new Counter({ name: 'streaming_connections_refused_total', help: 'Connections refused', labelNames: ['reason'] as const, registers: [registry] });
  const gauge = (name: string, help: string, pick: (s: FanOutStats) => number) =>
    new Gauge({ name, help, registers: [registry], collect() { this.set(pick(readStats())); } });
  gauge('streaming_connections', 'Open client connections', (s) => s.connections);
  gauge('streaming_subscriptions', 'Connection-subject subscriptions', (s) => s.subscriptions);
  gauge('streaming_bus_subscriptions', 'Subjects this node is subscribed to on the bus', (s) => s.busSubscriptions);
  gauge('streaming_connections_behind', 'Connections holding missed market messages or order updates until their socket takes writes again', (s) => s.connectionsBehind);
  const totals = new Map<keyof FanOutStats, Counter>();
  const total = (key: keyof FanOutStats, name: string, help: string) => {
    let seen = 0;
    totals.set(key, new Counter({ name, help, registers: [registry], collect() {
      const now = readStats()[key];
      this.inc(now - seen);
      seen = now;
    } }));
  };
  total('messagesDelivered', 'streaming_messages_delivered_total', 'Messages written to clients (each symbol update in a batch counts)');
  total('framesWritten', 'streaming_frames_written_total', 'Frames written to clients');
  total('messagesDropped', 'streaming_messages_dropped_total', 'Market messages a backlogged client never got because a newer one for the same topic replaced it');
  total('orderUpdatesDropped', 'streaming_order_updates_dropped_total', 'Order updates pushed out of a backlogged client\'s full queue');
  total('malformedBusMessages', 'streaming_malformed_bus_messages_total', 'Bus payloads that were not a JSON object');
  return { registry, refused };
};
