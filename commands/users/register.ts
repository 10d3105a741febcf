import * as E from 'fp-ts/Either';
import { v5 as uuidv5, v4 as uuidv4 } from 'uuid';
import type { UserProfile } from '../../domain/user';
import { hashPassword, verifyPassword } from '../../infrastructure/auth/password';
import type { ApiError } from '../../infrastructure/http/errors';
import { IDEMPOTENCY_ID_NAMESPACE } from '../../infrastructure/idempotency/derived-id';
import type { SignUpBody } from './bodies';
import type { Users } from './user-stream';

export type OpenAccount = (accountId: string, email: string, atMs: number) => Promise<void>;

export type RegisterContext = {
  readonly users: Users;
  readonly openAccount: OpenAccount;
  readonly idempotencyKey: string;
  readonly correlationId: string;
  readonly nowMs: number;
};

const profileOf = (body: SignUpBody): UserProfile => ({
  ...(body.first_name === undefined ? {} : { firstName: body.first_name }),
  ...(body.last_name === undefined ? {} : { lastName: body.last_name }),
  ...(body.date_of_birth === undefined ? {} : { dateOfBirth: body.date_of_birth }),
});

/**
 * Registers the user through the user decider, then opens the trading account. A retry whose
 * idempotency record is gone (a restart, a flushed Redis) reaches the decider again; it is answered
 * with the account only when it is provably the first request again: its password verifies against
 * the stored hash (checked here, where the slow salted work belongs) and its profile is the same.
 * Either way exactly one scrypt runs, so the answer's timing does not tell a taken email from a new one.
 * `openAccount` runs again on a retry (it must be idempotent).
 */
export const registerUser = async (body: SignUpBody, ctx: RegisterContext): Promise<E.Either<ApiError, { accountId: string }>> => {
  const existing = await ctx.users.load(body.email);
  const verifiedAgainst = existing.status === 'registered' && (await verifyPassword(body.password, existing.passwordHash)) ? existing.passwordHash : undefined;
  const registered = await ctx.users.execute(body.email, {
    type: 'RegisterUser',
    data: {
      accountId: uuidv4(), email: body.email,
      passwordHash: existing.status === 'registered' ? '' : await hashPassword(body.password),
      profile: profileOf(body), atMs: ctx.nowMs,
      requestId: uuidv5(`sign-up\n${body.email}\n${ctx.idempotencyKey}`, IDEMPOTENCY_ID_NAMESPACE),
      ...(verifiedAgainst === undefined ? {} : { passwordVerifiedAgainst: verifiedAgainst }),
    },
  }, {
    eventIdSource: ctx.idempotencyKey,
    metadata: { correlationId: ctx.correlationId, actor: 'user:anonymous', idempotencyKey: ctx.idempotencyKey },
  });
  if (E.isLeft(registered)) return registered;
  const { state } = registered.right;
  if (state.status !== 'registered') throw new Error(`user ${body.email} not registered after its sign-up was accepted`);
  await ctx.openAccount(state.accountId, state.email, state.registeredAtMs);
  return E.right({ accountId: state.accountId });
};
