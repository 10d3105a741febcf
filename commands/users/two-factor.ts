import { randomUUID } from 'node:crypto';
import * as E from 'fp-ts/Either';
import type { SecondFactor, UserState } from '../../domain/user';
import type { Throttle } from '../../infrastructure/auth/throttle';
import { apiError, type ApiError } from '../../infrastructure/http/errors';
import { isRecoveryCodeShaped, newRecoveryCodes, openSecret, recoveryCodeHash, sealSecret, type MfaKeys } from '../../infrastructure/mfa/secret-box';
import { matchTotpStep, newTotpSecret, totpUriOf } from '../../infrastructure/mfa/totp';
import { userStreamId } from './events';
import type { Origin, SecurityLog } from './security-log';
import type { Users } from './user-stream';

/** A refusal; `retryAfterS` when it is the throttle's (429 with Retry-After). */
export type TwoFactorRefusal = ApiError & { readonly retryAfterS?: number };

const invalidCode = (): ApiError => apiError('MFA_INVALID', 'the code is wrong', 'mfa_code');
export const mfaRequired = (): ApiError => apiError('MFA_REQUIRED', 'two-factor authentication is on: send the code from your authenticator app (or a recovery code) as mfa_code', 'mfa_code');

export type TwoFactorDeps = {
  readonly users: Users;
  readonly keys: MfaKeys;
  readonly throttle: Throttle;
  readonly securityLog: SecurityLog;
};

/**
 * TOTP (RFC 6238) as the edge runs it: secrets are made, sealed and opened here and codes checked against
 * the clock here; what a code turned out to be (a time step, a recovery code's hash) goes to the user
 * decider, which spends it once. Every code check is a guess at a credential, so it goes through the
 * login throttle of the user's email: a wrong code counts as a failed login.
 */
export const createTwoFactor = (deps: TwoFactorDeps) => {
  const { users, keys, throttle, securityLog } = deps;

  /** What the presented code is, for a user whose 2FA is on or being enrolled; undefined: not a code of theirs. */
  const factorOf = (email: string, sealedSecret: string, code: string, nowMs: number, recoveryAllowed: boolean): SecondFactor | undefined => {
    const secret = openSecret(keys, sealedSecret, userStreamId(email));
    // A secret that does not open was sealed under another MFA_KEY: a configuration fault, not the user's.
    if (secret === undefined) throw new Error('a stored TOTP secret does not open with this MFA_KEY');
    const step = matchTotpStep(secret, code, nowMs);
    if (step !== undefined) return { kind: 'totp', step };
    if (recoveryAllowed && isRecoveryCodeShaped(code)) return { kind: 'recovery', codeHash: recoveryCodeHash(keys, code) };
    return undefined;
  };

  const refused = async (email: string, origin: Origin, atMs: number, purpose: string, error: ApiError): Promise<E.Either<TwoFactorRefusal, never>> => {
    const { lockedNow } = await throttle.loginFailed(email, origin.ip);
    await securityLog.record(email, 'TwoFactorCodeRefused', origin, atMs, { reason: `${purpose}: ${error.code}` });
    if (lockedNow) await securityLog.record(email, 'LoginLocked', origin, atMs, { reason: 'repeated wrong two-factor codes' });
    return E.left(error);
  };

  /**
   * Spends one code of a user whose 2FA is on, for `purpose` (log-in, withdrawal, disabling 2FA). The
   * caller holds a login-throttle ticket for the email: a wrong code is recorded as a failure there.
   */
  const spend = async (email: string, code: string, origin: Origin, atMs: number, purpose: string, disable = false): Promise<E.Either<TwoFactorRefusal, void>> => {
    const user = await users.load(email);
    if (user.status !== 'registered' || user.twoFactor.status !== 'on') return E.left(apiError('MFA_NOT_ENABLED', 'two-factor authentication is off'));
    const factor = factorOf(email, user.twoFactor.encryptedSecret, code, atMs, true);
    if (factor === undefined) return refused(email, origin, atMs, purpose, invalidCode());
    const command = disable ? { type: 'DisableTotp' as const, data: { factor, atMs } } : { type: 'UseSecondFactor' as const, data: { factor, atMs } };
    // A fresh request id each time: two uses of one code must say different things and so conflict on the
    // stream's revision, never pass as one request's repeat.
    const used = await users.execute(email, command, { eventIdSource: randomUUID(), metadata: { actor: `user:${user.accountId}`, correlationId: origin.correlationId } });
    if (E.isLeft(used)) return refused(email, origin, atMs, purpose, used.left);
    await throttle.loginSucceeded(email, origin.ip);
    if (factor.kind === 'recovery') await securityLog.record(email, 'RecoveryCodeUsed', origin, atMs, { reason: purpose });
    return E.right(undefined);
  };

  /** Takes a login-throttle ticket for the work: refused with 429 while the email or IP is locked. */
  const throttled = async <T>(email: string, origin: Origin, work: () => Promise<E.Either<TwoFactorRefusal, T>>): Promise<E.Either<TwoFactorRefusal, T>> => {
    const ticket = await throttle.beginLogin(email, origin.ip);
    if (ticket.refused) {
      return E.left({ ...apiError('LOGIN_THROTTLED', `too many wrong codes or passwords; try again in ${ticket.refused.retryAfterS} s`), retryAfterS: ticket.refused.retryAfterS });
    }
    return work();
  };

  return {
    isOn: (user: UserState): boolean => user.status === 'registered' && user.twoFactor.status === 'on',
    spend,

    /** For an act that needs a code when 2FA is on (a large withdrawal): nothing to do when it is off. */
    requireFor: async (email: string, code: string | undefined, origin: Origin, atMs: number, purpose: string): Promise<E.Either<TwoFactorRefusal, void>> => {
      const user = await users.load(email);
      if (user.status !== 'registered' || user.twoFactor.status !== 'on') return E.right(undefined);
      if (code === undefined || code === '') return E.left(mfaRequired());
      return throttled(email, origin, () => spend(email, code, origin, atMs, purpose));
    },

    /** A new secret, sealed into the user's stream as pending: nothing changes for log-ins until it is confirmed. */
    beginEnrolment: async (email: string, origin: Origin, atMs: number): Promise<E.Either<TwoFactorRefusal, { secret: string; uri: string }>> => {
      const secret = newTotpSecret();
      const started = await users.execute(email, { type: 'StartTotpEnrolment', data: { encryptedSecret: sealSecret(keys, secret, userStreamId(email)), atMs } },
        { eventIdSource: randomUUID(), metadata: { actor: 'user', correlationId: origin.correlationId } });
      if (E.isLeft(started)) return E.left(started.left);
      await securityLog.record(email, 'TwoFactorEnrolmentStarted', origin, atMs);
      return E.right({ secret, uri: totpUriOf(secret, email) });
    },

    /** The first code from the app proves it holds the secret; only then is 2FA on. Recovery codes are made now and shown once. */
    confirm: async (email: string, code: string, origin: Origin, atMs: number): Promise<E.Either<TwoFactorRefusal, { recoveryCodes: string[] }>> => {
      // Only a code is a guess: a state that takes no code is answered without a throttle ticket.
      const user = await users.load(email);
      if (user.status !== 'registered') return E.left(apiError('ACCOUNT_NOT_FOUND', 'no account for this token'));
      if (user.twoFactor.status === 'on') return E.left(apiError('MFA_ALREADY_ENABLED', 'two-factor authentication is already on'));
      if (user.twoFactor.status === 'off') return E.left(apiError('MFA_NOT_ENROLLING', 'no enrolment to confirm: start one first'));
      const { encryptedSecret } = user.twoFactor;
      return throttled(email, origin, async () => {
        const factor = factorOf(email, encryptedSecret, code, atMs, false);
        if (factor?.kind !== 'totp') return refused(email, origin, atMs, 'enrolment', invalidCode());
        const recoveryCodes = newRecoveryCodes();
        const enabled = await users.execute(email, {
          type: 'ConfirmTotp', data: { step: factor.step, recoveryCodeHashes: recoveryCodes.map((c) => recoveryCodeHash(keys, c)), atMs },
        }, { eventIdSource: randomUUID(), metadata: { actor: `user:${user.accountId}`, correlationId: origin.correlationId } });
        if (E.isLeft(enabled)) return E.left(enabled.left);
        await throttle.loginSucceeded(email, origin.ip);
        await securityLog.record(email, 'TwoFactorEnabled', origin, atMs);
        return E.right({ recoveryCodes });
      });
    },

    /** Turning 2FA off takes a code (TOTP or recovery): a stolen session alone cannot weaken the account. */
    disable: async (email: string, code: string, origin: Origin, atMs: number): Promise<E.Either<TwoFactorRefusal, void>> => {
      const user = await users.load(email);
      if (user.status !== 'registered' || user.twoFactor.status !== 'on') return E.left(apiError('MFA_NOT_ENABLED', 'two-factor authentication is off'));
      return throttled(email, origin, async () => {
        const disabled = await spend(email, code, origin, atMs, 'disabling two-factor', true);
        if (E.isRight(disabled)) await securityLog.record(email, 'TwoFactorDisabled', origin, atMs);
        return disabled;
      });
    },
  };
};
export type TwoFactorService = ReturnType<typeof createTwoFactor>;
