import * as E from 'fp-ts/Either';
import { v5 as uuidv5, v4 as uuidv4 } from 'uuid';
import { hashPassword } from '../../infrastructure/auth/password';
import type { EventStore } from '../../infrastructure/event-store/port';
import { apiError, type ApiError } from '../../infrastructure/http/errors';
import { IDEMPOTENCY_ID_NAMESPACE } from '../../infrastructure/idempotency/derived-id';
import { timeAppend } from '../../infrastructure/metrics';
import type { SignUpBody } from './bodies';
import { decodeUserRegistered, USER_REGISTERED, userStreamId } from './events';

export type OpenAccount = (accountId: string, email: string, atMs: number) => Promise<void>;

export type RegisterContext = {
  readonly store: EventStore;
  readonly openAccount: OpenAccount;
  readonly idempotencyKey: string;
  readonly correlationId: string;
  readonly nowMs: number;
};

/**
 * Appends `UserRegistered` to the email's stream only if the stream is new, then
 * opens the trading account. The event id comes from the idempotency key and the
 * email, so a retry after a crash (or after Redis lost the key) re-appends the
 * same event, which the store accepts without writing; the account id is then
 * read back from the stream, and `openAccount` runs again (it must be idempotent).
 */
export const registerUser = async (body: SignUpBody, ctx: RegisterContext): Promise<E.Either<ApiError, { accountId: string }>> => {
  const streamId = userStreamId(body.email);
  const eventId = uuidv5(`sign-up\n${body.email}\n${ctx.idempotencyKey}`, IDEMPOTENCY_ID_NAMESPACE);
  const data = {
    schemaVersion: 1 as const,
    accountId: uuidv4(),
    email: body.email,
    passwordHash: await hashPassword(body.password),
    registeredAtMs: ctx.nowMs,
    ...(body.first_name === undefined ? {} : { firstName: body.first_name }),
    ...(body.last_name === undefined ? {} : { lastName: body.last_name }),
    ...(body.date_of_birth === undefined ? {} : { dateOfBirth: body.date_of_birth }),
  };
  const appended = await timeAppend(() => ctx.store.appendToStream(streamId, [{
    id: eventId, type: USER_REGISTERED, data,
    metadata: { correlationId: ctx.correlationId, actor: 'user:anonymous', idempotencyKey: ctx.idempotencyKey },
  }], { expectedRevision: 'no_stream' }));
  if (appended.kind === 'RevisionConflict') return E.left(apiError('EMAIL_TAKEN', 'an account with this email already exists', 'email'));
  const registered = await readRegistration(ctx.store, streamId);
  if (registered === undefined) throw new Error(`UserRegistered missing from ${streamId} right after its append`);
  await ctx.openAccount(registered.accountId, registered.email, registered.registeredAtMs);
  return E.right({ accountId: registered.accountId });
};

/** The first event of a user stream, decoded; a stream that holds something else is a broken store. */
export const readRegistration = async (store: EventStore, streamId: string) => {
  for await (const event of store.readStream(streamId, { maxCount: 1 })) {
    const decoded = decodeUserRegistered(event.data);
    if (event.type !== USER_REGISTERED || E.isLeft(decoded)) throw new Error(`${streamId} does not start with a valid ${USER_REGISTERED}`);
    return decoded.right;
  }
  return undefined;
};
