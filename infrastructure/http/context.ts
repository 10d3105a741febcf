import type { Response } from 'express';
import { invariant } from '../../domain/invariant';
import type { Logger } from '../logging';

/**
 * Typed reads of what the platform middleware puts on `res.locals`. Each throws
 * (a bug) when its middleware did not run on this route.
 */
export const correlationIdOf = (res: Response): string => {
  const id: unknown = res.locals.correlationId;
  invariant(typeof id === 'string', 'correlation middleware did not run');
  return id;
};

export const loggerOf = (res: Response): Logger => {
  invariant(res.locals.log !== undefined, 'correlation middleware did not run');
  return res.locals.log as Logger;
};

/** The authenticated account: the only account a handler may act on. */
export const accountIdOf = (res: Response): string => {
  const id: unknown = res.locals.accountId;
  invariant(typeof id === 'string', 'requireBearer did not run on this route');
  return id;
};

export const idempotencyKeyOf = (res: Response): string => {
  const key: unknown = res.locals.idempotencyKey;
  invariant(typeof key === 'string', 'idempotency middleware did not run on this route');
  return key;
};
