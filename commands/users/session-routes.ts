import type { Request, Response, Router } from 'express';
import * as E from 'fp-ts/Either';
import { hashPassword, verifyPassword } from '../../infrastructure/auth/password';
import type { Throttle } from '../../infrastructure/auth/throttle';
import { accountIdOf, loggerOf } from '../../infrastructure/http/context';
import { apiError, sendError, sendNotFound } from '../../infrastructure/http/errors';
import { decodeBody } from '../../infrastructure/http/validation';
import { ChangePasswordBody, LogInBody, RefreshBody } from './bodies';
import { logIn } from './log-in';
import type { SecurityLog } from './security-log';
import type { IssuedSession, Sessions } from './sessions';
import { mfaRequired, type TwoFactorService } from './two-factor';
import { sendTwoFactorRefusal } from './two-factor-routes';
import type { Users } from './user-stream';
import { originOf, refuseThrottled } from './origin';
import type { RequestHandler } from 'express';

export type SessionRouteDeps = {
  readonly users: Users;
  readonly sessions: Sessions;
  readonly securityLog: SecurityLog;
  readonly throttle: Throttle;
  readonly twoFactor: TwoFactorService;
  readonly auth: RequestHandler;
  readonly emailOfAccount: (accountId: string) => Promise<string | undefined>;
  readonly nowMs: () => number;
};

/** A token is a credential: no cache on the way (proxy, browser) may keep a copy. */
export const sendSession = (res: Response, status: number, session: IssuedSession): void => {
  res.setHeader('Cache-Control', 'no-store');
  res.status(status).json({ account_id: session.accountId, token: session.token, refresh_token: session.refreshToken });
};

const sessionIdOf = (res: Response): string | undefined => (typeof res.locals.sessionId === 'string' ? res.locals.sessionId : undefined);

/**
 * `POST /v1/sessions` (log in, throttled per email and per IP), `POST /v1/sessions/refresh` (rotate the
 * refresh token; a reused one revokes its family), `DELETE /v1/sessions/current` (log out) and
 * `POST /v1/account/password` (needs the current password; ends every session).
 */
export const addSessionRoutes = (router: Router, deps: SessionRouteDeps): void => {
  router.post('/v1/sessions', async (req: Request, res: Response) => {
    const body = decodeBody(LogInBody, req.body);
    if (E.isLeft(body)) { sendError(res, body.left); return; }
    const { email, password } = body.right;
    const origin = originOf(req, res);
    const ticket = await deps.throttle.beginLogin(email, origin.ip);
    if (ticket.refused) { refuseThrottled(res, 'LOGIN_THROTTLED', ticket.refused.retryAfterS); return; }
    const outcome = await logIn(deps.users, email, password);
    const atMs = deps.nowMs();
    if (E.isLeft(outcome)) {
      const { lockedNow } = await deps.throttle.loginFailed(email, origin.ip);
      // Recorded for unknown emails too: the same work either way, so timing does not tell who is a customer.
      await deps.securityLog.record(email, 'LoginFailed', origin, atMs, { reason: 'wrong email or password' });
      if (lockedNow) {
        await deps.securityLog.record(email, 'LoginLocked', origin, atMs);
        loggerOf(res).warn({ ip: origin.ip }, 'login locked after repeated failures');
      }
      sendError(res, outcome.left);
      return;
    }
    if (outcome.right.twoFactorOn) {
      // The password was right: the second factor decides. A missing code costs the attempt its ticket, nothing more.
      const code = body.right.mfa_code;
      if (code === undefined) { sendError(res, mfaRequired()); return; }
      const spent = await deps.twoFactor.spend(email, code, origin, atMs, 'log-in');
      if (E.isLeft(spent)) { sendTwoFactorRefusal(res, spent.left); return; }
    }
    await deps.throttle.loginSucceeded(email, origin.ip);
    const session = await deps.sessions.start(outcome.right.accountId, outcome.right.roles);
    await deps.securityLog.record(email, 'LoginSucceeded', origin, atMs, { sessionId: session.sessionId });
    sendSession(res, 200, session);
  });

  router.post('/v1/sessions/refresh', async (req: Request, res: Response) => {
    const body = decodeBody(RefreshBody, req.body);
    if (E.isLeft(body)) { sendError(res, body.left); return; }
    const refreshed = await deps.sessions.refresh(body.right.refresh_token);
    if (E.isLeft(refreshed)) {
      const reuse = refreshed.left.reusedBy;
      if (reuse !== undefined) {
        const email = await deps.emailOfAccount(reuse.accountId);
        if (email !== undefined) await deps.securityLog.record(email, 'RefreshTokenReused', originOf(req, res), deps.nowMs(), { sessionId: reuse.sessionId });
        loggerOf(res).warn({ sessionId: reuse.sessionId }, 'rotated refresh token reused: session family revoked');
      }
      sendError(res, apiError(refreshed.left.code, refreshed.left.message));
      return;
    }
    sendSession(res, 200, refreshed.right);
  });

  router.delete('/v1/sessions/current', deps.auth, async (req: Request, res: Response) => {
    const sessionId = sessionIdOf(res);
    if (sessionId !== undefined) await deps.sessions.end(sessionId, accountIdOf(res));
    const email = await deps.emailOfAccount(accountIdOf(res));
    if (email !== undefined) await deps.securityLog.record(email, 'SessionRevoked', originOf(req, res), deps.nowMs(), { reason: 'logged out', ...(sessionId === undefined ? {} : { sessionId }) });
    res.status(204).end();
  });

  router.post('/v1/account/password', deps.auth, async (req: Request, res: Response) => {
    const body = decodeBody(ChangePasswordBody, req.body);
    if (E.isLeft(body)) { sendError(res, body.left); return; }
    const accountId = accountIdOf(res);
    const email = await deps.emailOfAccount(accountId);
    if (email === undefined) { sendNotFound(res, apiError('ACCOUNT_NOT_FOUND', 'no account for this token')); return; }
    const origin = originOf(req, res);
    // Guessing the current password here is guessing a login: the same throttle.
    const ticket = await deps.throttle.beginLogin(email, origin.ip);
    if (ticket.refused) { refuseThrottled(res, 'LOGIN_THROTTLED', ticket.refused.retryAfterS); return; }
    const user = await deps.users.load(email);
    const verified = user.status === 'registered' && (await verifyPassword(body.right.current_password, user.passwordHash)) ? user.passwordHash : undefined;
    const atMs = deps.nowMs();
    const changed = await deps.users.execute(email, {
      type: 'ChangePassword',
      data: { newPasswordHash: await hashPassword(body.right.new_password), atMs, ...(verified === undefined ? {} : { currentVerifiedAgainst: verified }) },
    }, { eventIdSource: `password/${atMs}`, metadata: { actor: `user:${accountId}`, correlationId: origin.correlationId } });
    if (E.isLeft(changed)) {
      if (changed.left.code === 'INVALID_CREDENTIALS') {
        await deps.throttle.loginFailed(email, origin.ip);
        await deps.securityLog.record(email, 'LoginFailed', origin, atMs, { reason: 'wrong current password on a password change' });
      }
      sendError(res, changed.left);
      return;
    }
    await deps.throttle.loginSucceeded(email, origin.ip);
    await deps.sessions.endAll(accountId);
    await deps.securityLog.record(email, 'PasswordChanged', origin, atMs);
    await deps.securityLog.record(email, 'SessionRevoked', origin, atMs, { reason: 'every session, after a password change' });
    res.setHeader('Cache-Control', 'no-store');
    res.status(204).end();
  });
};
