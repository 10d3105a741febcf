import { Client } from 'pg';
import type { Logger } from 'pino';

/**
 * One active owner per FIX session across processes: a PostgreSQL session-level advisory lock, held on a
 * connection of its own. The lock lives exactly as long as that connection, so when the owner dies (or its
 * connection does) PostgreSQL releases it and a standby polling for it takes over. An owner that sees its
 * lease connection fail stops using the session at once: it can no longer prove it is the only one.
 */
export const LEASE_POLL_MS = 250;

export type SessionLease = {
  /** Resolves when the lease is lost (its connection ended or failed). */
  readonly lost: Promise<void>;
  release(): Promise<void>;
};

export interface SessionLeaser {
  /** Waits (as a standby) until this process holds the session's lease, or `abort` resolves (then undefined). */
  acquire(session: string, abort: Promise<void>): Promise<SessionLease | undefined>;
}

/** Embedded mode and single-process tests: one process, so it always owns every session. */
export const soleOwnerLeaser: SessionLeaser = {
  acquire: async () => ({ lost: new Promise<void>(() => undefined), release: async () => undefined }),
};

const LOCK_KEY_SQL = "hashtextextended('fix-session:' || $1, 0)";

export const postgresLeaser = (connectionString: string, logger: Logger, pollMs = LEASE_POLL_MS): SessionLeaser => ({
  acquire: async (session, abort) => {
    let aborted = false;
    void abort.then(() => { aborted = true; });
    while (!aborted) {
      const client = new Client({ connectionString, application_name: `fix-lease:${session}` });
      let failed: (() => void) | undefined;
      const lost = new Promise<void>((resolve) => { failed = resolve; });
      client.on('error', (error) => { logger.warn({ session, err: error.message }, 'fix session lease connection failed'); failed?.(); });
      client.on('end', () => failed?.());
      try {
        await client.connect();
        while (!aborted) {
          const { rows } = await client.query<{ locked: boolean }>(`SELECT pg_try_advisory_lock(${LOCK_KEY_SQL}) AS locked`, [session]);
          if (rows[0]?.locked === true) {
            logger.info({ session }, 'fix session lease acquired');
            return {
              lost,
              release: async () => {
                await client.query(`SELECT pg_advisory_unlock(${LOCK_KEY_SQL})`, [session]).catch(() => undefined);
                await client.end().catch(() => undefined);
              },
            };
          }
          await Promise.race([new Promise((resolve) => setTimeout(resolve, pollMs)), lost, abort]);
        }
      } catch (error) {
        logger.warn({ session, err: error }, 'fix session lease: could not reach PostgreSQL; retrying');
        await Promise.race([new Promise((resolve) => setTimeout(resolve, pollMs)), abort]);
      }
      await client.end().catch(() => undefined);
    }
    return undefined;
  },
});
