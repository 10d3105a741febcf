import type { Bus, BusMessage, BusSubscription } from '../../infrastructure/bus/port';
import { carriesChannel, channelOfKind, encodeBusPayload } from './protocol';

/** Ticks of one symbol inside this window collapse to the latest: fresh beats complete on the market-data plane. */
export const CONFLATION_WINDOW_MS = 50;
/** Topics (bus subjects) one connection may watch. */
export const TOPICS_PER_CONNECTION_MAX = 400;

/**
 * One client message, made once per topic per window and shared by every connection that gets it: its text (what
 * Socket.IO writes) and its UTF-8 bytes (what a plain WebSocket frame copies, with no per-client encoding).
 */
export type ClientMessage = { readonly text: string; readonly bytes: Uint8Array };
export const clientMessageOfText = (text: string): ClientMessage => ({ text, bytes: Buffer.from(text) });

/** Where frames for one client go. `isBacklogged` is read before each frame: true means the last frames have not left. */
export interface ClientSink {
  /** `messages` are single JSON messages; the sink joins them into one array frame. */
  writeBatch(messages: readonly ClientMessage[]): void;
  writeControl(json: string): void;
  isBacklogged(): boolean;
  /** Bytes accepted for this client that have not reached the kernel yet. */
  bufferedBytes(): number;
}

/**
 * A connection's unsent order updates, while its socket cannot take writes, are kept up to this many;
 * beyond it the oldest goes and is counted. A person's account sees a handful of updates a second,
 * and a backlogged socket either catches up within a few windows or is closed by its transport.
 */
export const ORDER_UPDATES_QUEUED_MAX = 64;

export type Connection = {
  readonly id: number;
  readonly accountId: string;
  readonly sink: ClientSink;
  readonly topics: Set<Topic>;
  /** This window's messages for a connection that owes nothing; emptied at every flush. */
  pending: ClientMessage[];
  /**
   * Whether the connection holds owed messages or queued order updates. Kept on the connection
   * itself so the window's per-watcher loop reads nothing else of a connection that is keeping up.
   */
  behind: boolean;
  /**
   * What the connection missed while it could not take writes: the latest message per market
   * topic, so a quiet symbol is not left stale. Keyed by its own topics, so at most
   * TOPICS_PER_CONNECTION_MAX entries; each value is the message made once for everyone.
   */
  readonly owed: Map<Topic, ClientMessage>;
  /** Order updates not yet written, oldest first; at most ORDER_UPDATES_QUEUED_MAX. */
  orderUpdates: ClientMessage[];
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
  /** This window's message while the window is being flushed, for connections found backlogged at its end. */
  windowMessage: ClientMessage | undefined;
};

export type FanOutStats = {
  connections: number;
  subscriptions: number;
  busSubscriptions: number;
  messagesDelivered: number;
  framesWritten: number;
  /** Market messages a backlogged client never got because a newer one for the same topic replaced it. */
  messagesDropped: number;
  /** Order updates pushed out of a full per-connection queue. */
  orderUpdatesDropped: number;
  /** Connections holding owed market messages or queued order updates right now. */
  connectionsBehind: number;
  malformedBusMessages: number;
};

/** The message for a bus payload: its bytes as they came when they are already the client's (ingest's quotes), else re-encoded. */
const clientMessageOfBus = (channel: string, data: Uint8Array): ClientMessage | undefined => {
  if (carriesChannel(channel, data)) return { text: Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8'), bytes: data };
  const text = encodeBusPayload(channel, data);
  return text === undefined ? undefined : clientMessageOfText(text);
};

const channelOfSubject = (subject: string): string => {
  if (subject.startsWith('orders.')) return 'orders';
  const kind = subject.split('.')[1] ?? '';
  return channelOfKind[kind] ?? kind;
};

/**
 * The node's hot path: one bus subscription per watched subject, reference-counted
 * by the connections watching it; per window each dirty subject is serialized once
 * and every connection gets one frame holding the latest of all its subjects. A
 * connection that cannot take writes is owed the latest per subject (and its order
 * updates, queued) until it can: bounded by its subjects, never by its slowness.
 */
export const createFanOut = (bus: Bus) => {
  const topics = new Map<string, Topic>();
  const connections = new Set<Connection>();
  /** Connections with owed messages or queued order updates: each window looks whether they can take writes again. */
  const behind = new Set<Connection>();
  let dirtyTopics: Topic[] = [];
  let nextId = 1;
  const stats: FanOutStats = {
    connections: 0, subscriptions: 0, busSubscriptions: 0, messagesDelivered: 0, framesWritten: 0,
    messagesDropped: 0, orderUpdatesDropped: 0, connectionsBehind: 0, malformedBusMessages: 0,
  };

  const markBehind = (connection: Connection): void => {
    connection.behind = true;
    behind.add(connection);
  };

  const owe = (connection: Connection, topic: Topic, message: ClientMessage): void => {
    const { size } = connection.owed;
    if (connection.owed.set(topic, message).size === size) stats.messagesDropped += 1;
  };

  /** One frame with all a connection is owed, order updates first, once its socket can take writes again. */
  const catchUp = (connection: Connection): void => {
    if (connection.sink.isBacklogged()) return;
    const messages = connection.orderUpdates;
    for (const message of connection.owed.values()) messages.push(message);
    connection.owed.clear();
    connection.orderUpdates = [];
    connection.behind = false;
    behind.delete(connection);
    if (messages.length === 0) return;
    connection.sink.writeBatch(messages);
    stats.framesWritten += 1;
    stats.messagesDelivered += messages.length;
  };

  const queueOrderUpdate = (connection: Connection, message: ClientMessage): void => {
    if (connection.orderUpdates.length >= ORDER_UPDATES_QUEUED_MAX) {
      connection.orderUpdates.shift();
      stats.orderUpdatesDropped += 1;
    }
    connection.orderUpdates.push(message);
    markBehind(connection);
    catchUp(connection);
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
    const update = clientMessageOfBus(topic.channel, message.data);
    if (update === undefined) {
      stats.malformedBusMessages += 1;
      return;
    }
    for (const connection of topic.watchers) queueOrderUpdate(connection, update);
  };

  const openTopic = (subject: string): Topic => {
    const existing = topics.get(subject);
    if (existing) return existing;
    const topic: Topic = {
      subject, channel: channelOfSubject(subject), conflated: !subject.startsWith('orders.'),
      watchers: new Set(), latest: undefined, dirty: false, windowMessage: undefined,
      subscription: bus.subscribe(subject, (message) => onBusMessage(topic, message)),
    };
    topics.set(subject, topic);
    stats.busSubscriptions += 1;
    return topic;
  };

  return {
    stats: (): FanOutStats => ({ ...stats, connectionsBehind: behind.size }),
    connections: (): ReadonlySet<Connection> => connections,
    /** Subjects this node holds a bus subscription for. */
    busSubjects: (): string[] => [...topics.keys()],

    attach(accountId: string, sink: ClientSink): Connection {
      const connection: Connection = {
        id: nextId, accountId, sink, topics: new Set(), pending: [], behind: false, owed: new Map(), orderUpdates: [],
      };
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
        // What it no longer watches it is no longer owed: this keeps `owed` within the connection's topics.
        connection.owed.delete(topic);
        if (!topic.conflated) connection.orderUpdates = [];
        if (connection.owed.size === 0 && connection.orderUpdates.length === 0) {
          connection.behind = false;
          behind.delete(connection);
        }
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
      connection.orderUpdates = [];
      connection.behind = false;
      behind.delete(connection);
      stats.connections = connections.size;
    },

    /**
     * Ends the window: serialize each dirty subject's latest once, then one frame per connection
     * that can take writes. A connection that cannot keeps the latest per topic it missed and gets
     * it in the first window in which it can again, even if those symbols have gone quiet.
     */
    flush(): void {
      const dirty = dirtyTopics;
      dirtyTopics = [];
      const touched: Connection[] = [];
      for (const topic of dirty) {
        topic.dirty = false;
        const latest = topic.latest;
        topic.latest = undefined;
        if (latest === undefined || topics.get(topic.subject) !== topic) continue;
        const message = clientMessageOfBus(topic.channel, latest);
        if (message === undefined) {
          stats.malformedBusMessages += 1;
          continue;
        }
        topic.windowMessage = message;
        for (const connection of topic.watchers) {
          if (connection.behind) {
            owe(connection, topic, message);
            continue;
          }
          if (connection.pending.length === 0) touched.push(connection);
          connection.pending.push(message);
        }
      }
      for (const connection of touched) {
        const messages = connection.pending;
        connection.pending = [];
        if (!connections.has(connection)) continue;
        if (!connection.sink.isBacklogged()) {
          connection.sink.writeBatch(messages);
          stats.framesWritten += 1;
          stats.messagesDelivered += messages.length;
          continue;
        }
        // Rare, once per slow spell: which topics the window's messages came from, by the connection's own (at most TOPICS_PER_CONNECTION_MAX).
        for (const topic of connection.topics) if (topic.windowMessage !== undefined) owe(connection, topic, topic.windowMessage);
        markBehind(connection);
      }
      for (const topic of dirty) topic.windowMessage = undefined;
      for (const connection of behind) catchUp(connection);
    },

    /** One serialization for every connection (heartbeat, drain notice). */
    /**
     * Writes a control message to one share of the connections (those whose id is `share` modulo `shares`):
     * called for each share in turn, every connection gets it once, and no single turn writes a frame to all of
     * them at once (at 50,000 connections that burst held every quote behind it for a second).
     */
    controlToShare(json: string, share: number, shares: number): void {
      for (const connection of connections) if (connection.id % shares === share) connection.sink.writeControl(json);
    },
  };
};

export type FanOut = ReturnType<typeof createFanOut>;
