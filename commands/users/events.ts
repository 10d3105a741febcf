import { createHash } from 'node:crypto';
import * as E from 'fp-ts/Either';
import * as t from 'io-ts';

/** One stream per email, so `expectedRevision: 'no_stream'` makes the email unique without any index. */
export const userStreamId = (normalizedEmail: string): string =>
  `user-${createHash('sha256').update(normalizedEmail).digest('hex')}`;

export const USER_REGISTERED = 'UserRegistered';

/** Never the password: only its scrypt hash (which names its own parameters). */
const UserRegisteredV1 = t.intersection([
  t.type({
    schemaVersion: t.literal(1),
    accountId: t.string,
    email: t.string,
    passwordHash: t.string,
    registeredAtMs: t.number,
  }),
  t.partial({ firstName: t.string, lastName: t.string, dateOfBirth: t.string }),
]);
export type UserRegistered = t.TypeOf<typeof UserRegisteredV1>;

export const decodeUserRegistered = (data: unknown): E.Either<t.Errors, UserRegistered> => UserRegisteredV1.decode(data);
