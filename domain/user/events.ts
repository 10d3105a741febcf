import * as E from 'fp-ts/Either';
import * as t from 'io-ts';

/**
 * Events of the stream `user-<sha256(email)>`, one per email. Never a password: only its scrypt hash
 * (which names its own parameters).
 */
export const USER_REGISTERED = 'UserRegistered';

const UserRegisteredV1 = t.intersection([
  t.type({
    schemaVersion: t.literal(1),
    accountId: t.string,
    email: t.string,
    passwordHash: t.string,
    registeredAtMs: t.number,
  }),
  t.partial({
    firstName: t.string, lastName: t.string, dateOfBirth: t.string,
    /**
     * The sign-up request that registered the user (derived from its Idempotency-Key). Absent in
     * registrations written before it was recorded: those can never be proven to be a retry.
     */
    requestId: t.string,
  }),
]);
export type UserRegisteredData = t.TypeOf<typeof UserRegisteredV1>;

export const PASSWORD_CHANGED = 'PasswordChanged';
const PasswordChangedV1 = t.type({ schemaVersion: t.literal(1), passwordHash: t.string, changedAtMs: t.number });
export type PasswordChangedData = t.TypeOf<typeof PasswordChangedV1>;

export const ROLE_GRANTED = 'RoleGranted';
const RoleGrantedV1 = t.type({ schemaVersion: t.literal(1), role: t.string, grantedAtMs: t.number, grantedBy: t.string });
export type RoleGrantedData = t.TypeOf<typeof RoleGrantedV1>;

export type UserEvent =
  | { readonly type: typeof USER_REGISTERED; readonly data: UserRegisteredData }
  | { readonly type: typeof PASSWORD_CHANGED; readonly data: PasswordChangedData }
  | { readonly type: typeof ROLE_GRANTED; readonly data: RoleGrantedData };

export const decodeUserEvent = (type: string, data: unknown): E.Either<t.Errors | string, UserEvent> => {
  if (type === USER_REGISTERED) return E.map((decoded: UserRegisteredData): UserEvent => ({ type: USER_REGISTERED, data: decoded }))(UserRegisteredV1.decode(data));
  if (type === PASSWORD_CHANGED) return E.map((decoded: PasswordChangedData): UserEvent => ({ type: PASSWORD_CHANGED, data: decoded }))(PasswordChangedV1.decode(data));
  if (type === ROLE_GRANTED) return E.map((decoded: RoleGrantedData): UserEvent => ({ type: ROLE_GRANTED, data: decoded }))(RoleGrantedV1.decode(data));
  return E.left(`unknown user event type ${type}`);
};
