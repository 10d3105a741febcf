import type { RequestHandler } from 'express';
import { accountIdOf } from '../http/context';
import { idempotency, type IdempotencyOptions } from './middleware';

/** For authenticated mutating routes, after `requireBearer`: keys are per account, so two users never collide. */
export const accountIdempotency = (options: Omit<IdempotencyOptions, 'scope'>): RequestHandler =>
  idempotency({ ...options, scope: (_req, res) => `account:${accountIdOf(res)}` });
