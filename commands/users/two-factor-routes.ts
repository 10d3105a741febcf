import type { Request, RequestHandler, Response, Router } from 'express';
import * as E from 'fp-ts/Either';
import { verifyPassword } from '../../infrastructure/auth/password';
import type { Throttle } from '../../infrastructure/auth/throttle';
import { accountIdOf } from '../../infrastructure/http/context';
import { apiError, sendError, sendNotFound } from '../../infrastructure/http/errors';
import { decodeBody } from '../../infrastructure/http/validation';
import { BeginTwoFactorBody, TwoFactorCodeBody } from './bodies';
import { originOf, refuseThrottled } from './origin';
import type { SecurityLog } from './security-log';
import type { TwoFactorRefusal, TwoFactorService } from './two-factor';
import type { Users } from './user-stream';

export type TwoFactorRouteDeps = {
  readonly users: Users;
  readonly twoFactor: TwoFactorService;
  readonly throttle: Throttle;
  readonly securityLog: SecurityLog;
  readonly auth: RequestHandler;
  readonly emailOfAccount: (accountId: string) => Promise<string | undefined>;
  readonly nowMs: () => number;
};

/** A refusal as the wire has it: the throttle's with Retry-After. */
export const sendTwoFactorRefusal = (res: Response, refusal: TwoFactorRefusal): void => {
  if (refusal.retryAfterS !== undefined) { refuseThrottled(res, 'LOGIN_THROTTLED', refusal.retryAfterS); return; }
  sendError(res, apiError(refusal.code, refusal.message, refusal.field));
};

/**
 * `POST /v1/account/2fa/enrolment` (password again → a new TOTP secret and its `otpauth://` URI, shown
 * once), `POST /v1/account/2fa/confirmation` (the first code → 2FA on, and ten recovery codes, shown
 * once), `POST /v1/account/2fa/disable` (a code → 2FA off). Secrets and codes never rest in a cache.
 */
export const addTwoFactorRoutes = (router: Router, deps: TwoFactorRouteDeps): void => {
  const emailOrRefuse = async (res: Response): Promise<string | undefined> => {
    const email = await deps.emailOfAccount(accountIdOf(res));
    if (email === undefined) sendNotFound(res, apiError('ACCOUNT_NOT_FOUND', 'no account for this token'));
    return email;
  };

  router.post('/v1/account/2fa/enrolment', deps.auth, async (req: Request, res: Response) => {
    const body = decodeBody(BeginTwoFactorBody, req.body);
    if (E.isLeft(body)) { sendError(res, body.left); return; }
    const email = await emailOrRefuse(res);
    if (email === undefined) return;
    const origin = originOf(req, res);
    // A stolen access token alone must not enrol the thief's phone and lock the owner out: the password again, throttled as a log-in.
    const ticket = await deps.throttle.beginLogin(email, origin.ip);
    if (ticket.refused) { refuseThrottled(res, 'LOGIN_THROTTLED', ticket.refused.retryAfterS); return; }
    const user = await deps.users.load(email);
    const atMs = deps.nowMs();
    if (user.status !== 'registered' || !(await verifyPassword(body.right.password, user.passwordHash))) {
      await deps.throttle.loginFailed(email, origin.ip);
      await deps.securityLog.record(email, 'LoginFailed', origin, atMs, { reason: 'wrong password on a two-factor enrolment' });
      sendError(res, apiError('INVALID_CREDENTIALS', 'the password is wrong', 'password'));
      return;
    }
    await deps.throttle.loginSucceeded(email, origin.ip);
    const begun = await deps.twoFactor.beginEnrolment(email, origin, atMs);
    if (E.isLeft(begun)) { sendTwoFactorRefusal(res, begun.left); return; }
    res.setHeader('Cache-Control', 'no-store');
    res.status(201).json({ otpauth_uri: begun.right.uri, secret: begun.right.secret });
  });

  router.post('/v1/account/2fa/confirmation', deps.auth, async (req: Request, res: Response) => {
    const body = decodeBody(TwoFactorCodeBody, req.body);
    if (E.isLeft(body)) { sendError(res, body.left); return; }
    const email = await emailOrRefuse(res);
    if (email === undefined) return;
    const confirmed = await deps.twoFactor.confirm(email, body.right.mfa_code, originOf(req, res), deps.nowMs());
    if (E.isLeft(confirmed)) { sendTwoFactorRefusal(res, confirmed.left); return; }
    res.setHeader('Cache-Control', 'no-store');
    res.status(200).json({ enabled: true, recovery_codes: confirmed.right.recoveryCodes });
  });

  router.post('/v1/account/2fa/disable', deps.auth, async (req: Request, res: Response) => {
    const body = decodeBody(TwoFactorCodeBody, req.body);
    if (E.isLeft(body)) { sendError(res, body.left); return; }
    const email = await emailOrRefuse(res);
    if (email === undefined) return;
    const disabled = await deps.twoFactor.disable(email, body.right.mfa_code, originOf(req, res), deps.nowMs());
    if (E.isLeft(disabled)) { sendTwoFactorRefusal(res, disabled.left); return; }
    res.status(204).end();
  });
};
