import type { Pool, PoolClient } from 'pg';
import type { CommittedTypes } from './group-commit';

/**
 * The channel appends are announced on. The payload names the event types committed in the window, each
 * with the position of the last append that held it (`Type@position`, comma separated), so a subscriber
 * filtered by type sleeps through commits it would read nothing from, and one already past the position
 * through commits it has read. An empty payload (too long, or an older process) means "anything".
 * Subscribers re-read from their position.
 */
export const APPENDED_CHANNEL = 'es_appended';
/** Longer payloads are sent empty (PostgreSQL allows 8000 bytes; a window holds a handful of types). */
export const NOTIFY_PAYLOAD_MAX = 2_000;
/** At most one NOTIFY per this window per process: a wake-up hint, not a message per append. */
export const NOTIFY_COALESCE_MS = 5;
/** Waits before LISTENing again on a new connection, doubling per failed try up to the max. */
export const RELISTEN_DELAY_MS_MIN = 50;
export const RELISTEN_DELAY_MS_MAX = 5_000;

export type CommitSignal = {
  /** Called after each of our commits; sends a coalesced NOTIFY. */
  committed(committed: CommittedTypes): void;
  close(): Promise<void>;
};

export type CommitSignalEvents = {
  /**
   * A NOTIFY arrived (with the event types it names), or the LISTEN connection came back (undefined: anything
   * may have been committed, notifications may have been missed meanwhile).
   */
  readonly onWake: (committed: CommittedTypes | undefined) => void;
  /** Anything that went wrong; the signal carries on. */
  readonly onError: (error: unknown) => void;
  /** LISTEN re-established on a new connection after the old one broke. */
  readonly onRelisten?: () => void;
};

/** A type holding a separator could not be told apart: such a window, like a long one, says "anything". */
export const formatPayload = (committed: CommittedTypes): string => {
  const entries = [...committed].map(([type, position]) => `${type}@${position}`);
  const payload = entries.join(',');
  return [...committed.keys()].some((type) => type.includes(',') || type.includes('@')) || payload.length > NOTIFY_PAYLOAD_MAX ? '' : payload;
};

/** undefined: anything may have been committed. */
export const parsePayload = (payload: string | undefined): CommittedTypes | undefined => {
  if (payload === undefined || payload === '') return undefined;
  const committed = new Map<string, bigint>();
  for (const entry of payload.split(',')) {
    const at = entry.lastIndexOf('@');
    const digits = entry.slice(at + 1);
    if (at <= 0 || !/^\d{1,20}$/.test(digits)) return undefined;
    committed.set(entry.slice(0, at), BigInt(digits));
  }
  return committed;
};

/**
 * Wakes subscribers of other processes early (they poll anyway, so a lost NOTIFY only costs a
 * poll interval). The NOTIFY goes in its own statement after the commit, never inside the append
 * transaction: a NOTIFY there would take PostgreSQL's global notify lock at every commit.
 *
 * The LISTEN connection is held for the store's life; when it breaks (terminated backend, failover)
 * it is dropped, and a new one LISTENs again after a short, growing delay, for as long as the store
 * is open. Subscribers are woken once it is back, since NOTIFYs sent meanwhile were lost.
 */
export const startCommitSignal = async (pool: Pool, events: CommitSignalEvents): Promise<CommitSignal> => {
  let listener: PoolClient | undefined;
  let timer: NodeJS.Timeout | undefined;
  let relistenTimer: NodeJS.Timeout | undefined;
  let closed = false;

  const listen = async (): Promise<void> => {
    const client = await pool.connect();
    let broken = false;
    client.on('notification', (message) => {
      if (message.channel !== APPENDED_CHANNEL) return;
      events.onWake(parsePayload(message.payload));
    });
    client.on('error', (error) => {
      if (broken) return;
      broken = true;
      events.onError(error);
      if (listener === client) listener = undefined;
      client.release(error); // a broken connection never goes back to the pool
      scheduleRelisten(RELISTEN_DELAY_MS_MIN);
    });
    try {
      await client.query(`LISTEN ${APPENDED_CHANNEL}`);
    } catch (error) {
      if (!broken) { broken = true; client.release(error as Error); }
      throw error;
    }
    listener = client;
  };

  const scheduleRelisten = (delayMs: number): void => {
    if (closed || relistenTimer !== undefined) return;
    relistenTimer = setTimeout(() => {
      relistenTimer = undefined;
      if (closed) return;
      listen().then(() => {
        events.onRelisten?.();
        events.onWake(undefined);
      }, (error: unknown) => {
        events.onError(error);
        scheduleRelisten(Math.min(delayMs * 2, RELISTEN_DELAY_MS_MAX));
      });
    }, delayMs);
  };

  await listen();
  let windowTypes = new Map<string, bigint>();
  const send = () => {
    timer = undefined;
    const payload = formatPayload(windowTypes);
    windowTypes = new Map();
    if (!closed) pool.query('SELECT pg_notify($1, $2)', [APPENDED_CHANNEL, payload]).catch(events.onError);
  };
  return {
    committed: (committed) => {
      for (const [type, position] of committed) if ((windowTypes.get(type) ?? -1n) < position) windowTypes.set(type, position);
      if (!timer && !closed) timer = setTimeout(send, NOTIFY_COALESCE_MS);
    },
    close: async () => {
      closed = true;
      if (timer) clearTimeout(timer);
      if (relistenTimer) clearTimeout(relistenTimer);
      const client = listener;
      listener = undefined;
      if (client === undefined) return;
      await client.query(`UNLISTEN ${APPENDED_CHANNEL}`).catch(events.onError);
      client.release();
    },
  };
};
