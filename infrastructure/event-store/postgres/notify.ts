import type { Pool, PoolClient } from 'pg';

/** The channel appends are announced on; the payload is empty (subscribers re-read from their position). */
export const APPENDED_CHANNEL = 'es_appended';
/** At most one NOTIFY per this window per process: a wake-up hint, not a message per append. */
export const NOTIFY_COALESCE_MS = 5;
/** Waits before LISTENing again on a new connection, doubling per failed try up to the max. */
export const RELISTEN_DELAY_MS_MIN = 50;
export const RELISTEN_DELAY_MS_MAX = 5_000;

export type CommitSignal = {
  /** Called after each of our commits; sends a coalesced NOTIFY. */
  committed(): void;
  close(): Promise<void>;
};

export type CommitSignalEvents = {
  /** A NOTIFY arrived, or the LISTEN connection came back (notifications may have been missed meanwhile). */
  readonly onWake: () => void;
  /** Anything that went wrong; the signal carries on. */
  readonly onError: (error: unknown) => void;
  /** LISTEN re-established on a new connection after the old one broke. */
  readonly onRelisten?: () => void;
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
    client.on('notification', (message) => { if (message.channel === APPENDED_CHANNEL) events.onWake(); });
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
        events.onWake();
      }, (error: unknown) => {
        events.onError(error);
        scheduleRelisten(Math.min(delayMs * 2, RELISTEN_DELAY_MS_MAX));
      });
    }, delayMs);
  };

  await listen();
  const send = () => {
    timer = undefined;
    if (!closed) pool.query('SELECT pg_notify($1, \'\')', [APPENDED_CHANNEL]).catch(events.onError);
  };
  return {
    committed: () => { if (!timer && !closed) timer = setTimeout(send, NOTIFY_COALESCE_MS); },
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
