import type { Bus, BusMessage, BusSubscription } from '../../infrastructure/bus/port';
import { channelOfKind, encodeBusPayload } from './protocol';

/** Ticks of one symbol inside this window collapse to the latest: fresh beats complete on the market-data plane. */
export const CONFLATION_WINDOW_MS = 50;
/** Topics (bus subjects) one connection may watch. */
export const TOPICS_PER_CONNECTION_MAX = 400;

/** Where frames for one client go. `isBacklogged` is read before each frame: true means the last frames have not left. */
export interface ClientSink {
  /** `messages` are JSON texts of single messages; the sink joins them into one array frame. */
  writeBatch(messages: readonly string[]): void;
  writeControl(json: string): void;
  isBacklogged(): boolean;
  /** Bytes accepted for this client that have not reached the kernel yet. */
  bufferedBytes(): number;
}

export type Connection = {
  readonly id: number;
  readonly accountId: string;
  readonly sink: ClientSink;
  readonly topics: Set<Topic>;
  /** This window's messages for the connection; emptied at every flush. */
  pending: string[];
};

type Topic = {
  readonly subject: string;
  readonly channel: string;
  /** Order updates are notifications, each one counts: they skip conflation. */
  readonly conflated: boolean;
  readonly watchers: Set<Connection>;
  readonly subscription: BusSubscription;
  latest: Uint8Array | undefined;
  dirty: boolean;
};

export type FanOutStats = {
  connections: number;
  subscriptions: number;
  busSubscriptions: number;
  messagesDelivered: number;
  framesWritten: number;
  messagesDropped: number;
  malformedBusMessages: number;
};

const channelOfSubject = (subject: string): string => {
  if (subject.startsWith('orders.')) return 'orders';
  const kind = subject.split('.')[1] ?? '';
  return channelOfKind[kind] ?? kind;
};

/**
 * The node's hot path: one bus subscription per watched subject, reference-counted
 * by the connections watching it; per window each dirty subject is serialized once
 * and every connection gets one frame holding the latest of all its subjects.
 */
export const createFanOut = (bus: Bus) => {
  const topics = new Map<string, Topic>();
  const connections = new Set<Connection>();
  let dirtyTopics: Topic[] = [];
  let nextId = 1;
  const stats: FanOutStats = { connections: 0, subscriptions: 0, busSubscriptions: 0, messagesDelivered: 0, framesWritten: 0, messagesDropped: 0, malformedBusMessages: 0 };

  const writeTo = (connection: Connection, messages: string[]): void => {
    if (connection.sink.isBacklogged()) {
      stats.messagesDropped += messages.length;
      return;
    }
    connection.sink.writeBatch(messages);
    stats.framesWritten += 1;
    stats.messagesDelivered += messages.length;
  };

  const onBusMessage = (topic: Topic, message: BusMessage): void => {
    if (topic.conflated) {
      topic.latest = message.data;
      if (!topic.dirty) {
        topic.dirty = true;
        dirtyTopics.push(topic);
      }
      return;
    }
    const json = encodeBusPayload(topic.channel, message.data);
    if (json === undefined) {
      stats.malformedBusMessages += 1;
      return;
    }
    for (const connection of topic.watchers) writeTo(connection, [json]);
  };

  const openTopic = (subject: string): Topic => {
    const existing = topics.get(subject);
    if (existing) return existing;
    const topic: Topic = {
      subject, channel: channelOfSubject(subject), conflated: !subject.startsWith('orders.'),
      watchers: new Set(), latest: undefined, dirty: false,
      subscription: bus.subscribe(subject, (message) => onBusMessage(topic, message)),
    };
    topics.set(subject, topic);
    stats.busSubscriptions += 1;
    return topic;
  };

  return {
    stats: (): FanOutStats => ({ ...stats }),
    connections: (): ReadonlySet<Connection> => connections,
    /** Subjects this node holds a bus subscription for. */
    busSubjects: (): string[] => [...topics.keys()],

    attach(accountId: string, sink: ClientSink): Connection {
      const connection: Connection = { id: nextId, accountId, sink, topics: new Set(), pending: [] };
      nextId += 1;
      connections.add(connection);
      stats.connections = connections.size;
      return connection;
    },

    /** Returns how many new bus subscriptions this opened, or `undefined` when the connection's topic limit refuses it. */
    watch(connection: Connection, subjects: readonly string[]): number | undefined {
      const fresh = subjects.filter((subject) => {
        const topic = topics.get(subject);
        return topic === undefined || !connection.topics.has(topic);
      });
      if (connection.topics.size + fresh.length > TOPICS_PER_CONNECTION_MAX) return undefined;
      const before = topics.size;
      for (const subject of fresh) {
        const topic = openTopic(subject);
        topic.watchers.add(connection);
        connection.topics.add(topic);
        stats.subscriptions += 1;
      }
      return topics.size - before;
    },

    unwatch(connection: Connection, subjects: readonly string[]): void {
      for (const subject of subjects) {
        const topic = topics.get(subject);
        if (!topic || !connection.topics.delete(topic)) continue;
        topic.watchers.delete(connection);
        stats.subscriptions -= 1;
        if (topic.watchers.size > 0) continue;
        // The last watcher left: stop the bus sending this subject to the node at all.
        topic.subscription.unsubscribe();
        topics.delete(subject);
        stats.busSubscriptions -= 1;
      }
    },

    detach(connection: Connection): void {
      if (!connections.delete(connection)) return;
      this.unwatch(connection, [...connection.topics].map((t) => t.subject));
      stats.connections = connections.size;
    },

    /** Ends the window: serialize each dirty subject's latest once, then one frame per connection. */
    flush(): void {
      const dirty = dirtyTopics;
      dirtyTopics = [];
      const touched: Connection[] = [];
      for (const topic of dirty) {
        topic.dirty = false;
        const latest = topic.latest;
        topic.latest = undefined;
        if (latest === undefined || topics.get(topic.subject) !== topic) continue;
        const json = encodeBusPayload(topic.channel, latest);
        if (json === undefined) {
          stats.malformedBusMessages += 1;
          continue;
        }
        for (const connection of topic.watchers) {
          if (connection.pending.length === 0) touched.push(connection);
          connection.pending.push(json);
        }
      }
      for (const connection of touched) {
        const messages = connection.pending;
        connection.pending = [];
        if (connections.has(connection)) writeTo(connection, messages);
      }
    },

    /** One serialization for every connection (heartbeat, drain notice). */
    broadcastControl(json: string): void {
      for (const connection of connections) connection.sink.writeControl(json);
    },
  };
};

export type FanOut = ReturnType<typeof createFanOut>;
