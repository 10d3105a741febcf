import { publishEachCopied, type Bus, type BusMessage, type BusSubscription } from './port';

/** Messages published but not yet handed to subscribers; beyond this the bus drops, as NATS drops for a slow consumer. */
export const IN_PROCESS_PENDING_MAX = 100_000;

type Handler = (message: BusMessage) => void;
type Pattern = { readonly tokens: readonly string[]; readonly handler: Handler };

/** NATS subject matching: `*` is exactly one token, a trailing `>` is one or more. */
export const subjectMatches = (patternTokens: readonly string[], subject: string): boolean => {
  const tokens = subject.split('.');
  for (let i = 0; i < patternTokens.length; i += 1) {
    const pattern = patternTokens[i];
    if (pattern === '>') return tokens.length > i;
    if (i >= tokens.length) return false;
    if (pattern !== '*' && pattern !== tokens[i]) return false;
  }
  return tokens.length === patternTokens.length;
};

/**
 * The embedded-mode bus. Delivery is asynchronous (after the publisher's current
 * turn), like NATS, so a handler never runs inside the publisher's call stack.
 */
export const createInProcessBus = (): Bus & { droppedCount(): number } => {
  const exact = new Map<string, Set<Handler>>();
  const patterns = new Set<Pattern>();
  let pending: BusMessage[] = [];
  let scheduled = false;
  let dropped = 0;
  let closed = false;
  const flushWaiters: (() => void)[] = [];

  const deliver = (message: BusMessage): void => {
    for (const handler of exact.get(message.subject) ?? []) handler(message);
    for (const pattern of patterns) if (subjectMatches(pattern.tokens, message.subject)) pattern.handler(message);
  };

  const drainPending = (): void => {
    scheduled = false;
    const batch = pending;
    pending = [];
    for (const message of batch) deliver(message);
    for (const wake of flushWaiters.splice(0)) wake();
  };

  const schedule = (): void => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(drainPending);
  };

  const publish = (subject: string, data: Uint8Array): void => {
    if (closed) return;
    if (pending.length >= IN_PROCESS_PENDING_MAX) {
      dropped += 1;
      return;
    }
    pending.push({ subject, data });
    schedule();
  };

  return {
    publish,
    publishBatch: (batch) => publishEachCopied(batch, publish),
    subscribe(subject, onMessage): BusSubscription {
      const isPattern = subject.includes('*') || subject.includes('>');
      if (isPattern) {
        const pattern: Pattern = { tokens: subject.split('.'), handler: onMessage };
        patterns.add(pattern);
        return { unsubscribe: () => void patterns.delete(pattern) };
      }
      const handlers = exact.get(subject) ?? new Set<Handler>();
      handlers.add(onMessage);
      exact.set(subject, handlers);
      return {
        unsubscribe: () => {
          handlers.delete(onMessage);
          if (handlers.size === 0 && exact.get(subject) === handlers) exact.delete(subject);
        },
      };
    },
    flush() {
      if (!scheduled) return Promise.resolve();
      return new Promise<void>((resolve) => flushWaiters.push(resolve));
    },
    async close() {
      closed = true;
      exact.clear();
      patterns.clear();
      pending = [];
      for (const wake of flushWaiters.splice(0)) wake();
    },
    droppedCount: () => dropped,
  };
};
