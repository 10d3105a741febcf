import { connect, type NatsConnection } from 'nats';
import type { Bus, BusSubscription } from './port';

/** After this many failed reconnects in a row the connection closes for good and the process should restart. */
export const NATS_RECONNECT_ATTEMPTS_MAX = 120;
export const NATS_RECONNECT_WAIT_MS = 500;
export const NATS_CONNECT_TIMEOUT_MS = 5_000;

export type NatsBusOptions = {
  readonly servers: string | readonly string[];
  /** Prepended to every subject on the wire and stripped on delivery: isolates tests (and tenants) sharing one server. */
  readonly subjectPrefix?: string;
  /** Shown by the server's monitoring, e.g. `streaming-node-3`. */
  readonly name?: string;
};

export type NatsBus = Bus & { readonly connection: NatsConnection };

export const connectNatsBus = async (options: NatsBusOptions): Promise<NatsBus> => {
  const prefix = options.subjectPrefix ?? '';
  const connection = await connect({
    servers: typeof options.servers === 'string' ? options.servers : [...options.servers],
    name: options.name,
    timeout: NATS_CONNECT_TIMEOUT_MS,
    reconnect: true,
    maxReconnectAttempts: NATS_RECONNECT_ATTEMPTS_MAX,
    reconnectTimeWait: NATS_RECONNECT_WAIT_MS,
    waitOnFirstConnect: false,
  });

  return {
    connection,
    publish(subject, data) {
      connection.publish(prefix + subject, data);
    },
    subscribe(subject, onMessage): BusSubscription {
      // Callback delivery skips the async-iterator machinery on the hot path.
      const subscription = connection.subscribe(prefix + subject, {
        callback: (error, message) => {
          if (error) return; // Only a permissions violation lands here; the connection's status stream reports it.
          onMessage({ subject: message.subject.slice(prefix.length), data: message.data });
        },
      });
      return { unsubscribe: () => subscription.unsubscribe() };
    },
    async flush() {
      if (!connection.isClosed()) await connection.flush();
    },
    async close() {
      if (connection.isClosed()) return;
      await connection.flush();
      await connection.close();
    },
  };
};
