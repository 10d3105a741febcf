import type { Logger } from 'pino';
import type { FixSessionEngine } from './fix-session';
import { SessionClosedError } from './fix-session';
import { startFixInitiator, type FixInitiator, type VenueAddress } from './initiator';
import type { FixAppMessage, FixSession } from './messages';
import type { SessionLeaser } from './session-lease';

/**
 * An initiator session that this process runs only while it holds the session's lease. Until then it is a
 * standby: `send` refuses (SessionClosedError) and nothing connects. On taking the lease it reads the
 * sequence numbers from the store, so it carries on exactly where the previous owner stopped, and the
 * venue's resend request recovers whatever that owner stored but never delivered.
 */
export const startLeasedInitiator = (options: {
  readonly name: string;
  readonly leaser: SessionLeaser;
  /** A fresh engine for each term of ownership (it loads the sequence numbers itself via load()). */
  readonly createEngine: () => FixSessionEngine;
  readonly address: () => VenueAddress;
  readonly logger: Logger;
  readonly backoffMs?: { readonly min: number; readonly max: number };
}): FixSession & { isOwner(): boolean; loggedOn(): Promise<void> } => {
  const { logger } = options;
  let handler: (message: FixAppMessage) => Promise<void> = async () => undefined;
  let engine: FixSessionEngine | undefined;
  let initiator: FixInitiator | undefined;
  let stop: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => { stop = resolve; });
  let isStopped = false;
  const logonWaiters: (() => void)[] = [];

  const run = (async () => {
    while (!isStopped) {
      const lease = await options.leaser.acquire(options.name, stopped);
      if (lease === undefined) break;
      const current = options.createEngine();
      await current.load();
      current.onMessage((message) => handler(message));
      engine = current;
      initiator = startFixInitiator(current, options.address, logger, options.backoffMs);
      void current.loggedOn().then(() => { for (const waiter of logonWaiters.splice(0)) waiter(); });
      const outcome = await Promise.race([lease.lost.then(() => 'lost' as const), stopped.then(() => 'stopped' as const)]);
      engine = undefined;
      if (outcome === 'lost') {
        logger.warn({ session: options.name }, 'fix session lease lost: abandoning the session to the next owner');
        await initiator.abandon();
      } else {
        await initiator.stop();
      }
      initiator = undefined;
      await lease.release();
    }
  })();

  return {
    name: options.name,
    send: (message) => (engine === undefined ? Promise.reject(new SessionClosedError(options.name)) : engine.send(message)),
    onMessage: (next) => { handler = next; },
    isLoggedOn: () => engine?.isLoggedOn() === true,
    isOwner: () => engine !== undefined,
    loggedOn: () => (engine?.isLoggedOn() ? Promise.resolve() : new Promise((resolve) => logonWaiters.push(resolve))),
    close: async () => {
      isStopped = true;
      stop();
      await run;
    },
  };
};
