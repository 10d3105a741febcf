import type { Request, Response } from 'express';
import { correlationIdOf } from '../../infrastructure/http/context';
import { apiError, sendError } from '../../infrastructure/http/errors';
import type { Origin } from './security-log';

/** Who sent the request, as the edge saw them: req.ip believes X-Forwarded-For only from trusted proxies. */
export const originOf = (req: Request, res: Response): Origin => ({
  ip: req.ip ?? 'unknown', userAgent: req.get('user-agent') ?? '', correlationId: correlationIdOf(res),
});

export const refuseThrottled = (res: Response, code: 'LOGIN_THROTTLED' | 'SIGN_UP_THROTTLED', retryAfterS: number): void => {
  res.setHeader('Retry-After', String(retryAfterS));
  sendError(res, apiError(code, code === 'LOGIN_THROTTLED' ? `too many failed logins; try again in ${retryAfterS} s` : `too many sign-ups from this address; try again in ${retryAfterS} s`));
};
