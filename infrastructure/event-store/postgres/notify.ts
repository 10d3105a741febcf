import type { Pool, PoolClient } from 'pg';

/** The channel appends are announced on; the payload is empty (subscribers re-read from their position). */
export const APPENDED_CHANNEL = 'es_appended';
/** At most one NOTIFY per this window per process: a wake-up hint, not a message per append. */
export const NOTIFY_COALESCE_MS = 5;

export type CommitSignal = {
  /** Called after each of our commits; sends a coalesced NOTIFY. */
  committed(): void;
  close(): Promise<void>;
};

/**
 * Wakes subscribers of other processes early (they poll anyway, so a lost NOTIFY only costs a
 * poll interval). The NOTIFY goes in its own statement after the commit, never inside the append
 * transaction: a NOTIFY there would take PostgreSQL's global notify lock at every commit.
 */
export const startCommitSignal = async (pool: Pool, onWake: () => void, onError: (error: unknown) => void): Promise<CommitSignal> => {
  const listener: PoolClient = await pool.connect();
  listener.on('notification', (message) => { if (message.channel === APPENDED_CHANNEL) onWake(); });
  listener.on('error', onError);
  await listener.query(`LISTEN ${APPENDED_CHANNEL}`);
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const send = () => {
    timer = undefined;
    if (!closed) pool.query('SELECT pg_notify($1, \'\')', [APPENDED_CHANNEL]).catch(onError);
  };
  return {
    committed: () => { if (!timer && !closed) timer = setTimeout(send, NOTIFY_COALESCE_MS); },
    close: async () => {
      closed = true;
      if (timer) clearTimeout(timer);
      await listener.query(`UNLISTEN ${APPENDED_CHANNEL}`).catch(onError);
      listener.release();
    },
  };
};
