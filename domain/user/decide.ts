import * as E from 'fp-ts/Either';
import { PASSWORD_CHANGED, ROLE_GRANTED, USER_REGISTERED, type UserEvent } from './events';
import { decideTwoFactor, evolveTwoFactor, TWO_FACTOR_OFF, type TwoFactor, type TwoFactorCommand, type TwoFactorError } from './two-factor';

// Codes leave the process (API, logs): never rename or reuse one.
export const UserErrorCode = {
  EmailTaken: 'EMAIL_TAKEN',
  IdempotencyKeyReused: 'IDEMPOTENCY_KEY_REUSED',
  InvalidCredentials: 'INVALID_CREDENTIALS',
  AccountNotFound: 'ACCOUNT_NOT_FOUND',
} as const;
export type UserErrorCode = (typeof UserErrorCode)[keyof typeof UserErrorCode];
export type UserError = { readonly code: UserErrorCode; readonly message: string; readonly field?: string } | TwoFactorError;

export type UserProfile = { readonly firstName?: string; readonly lastName?: string; readonly dateOfBirth?: string };

export type UserState =
  | { readonly status: 'new' }
  | {
    readonly status: 'registered';
    readonly accountId: string;
    readonly email: string;
    readonly passwordHash: string;
    readonly profile: UserProfile;
    readonly registeredAtMs: number;
    readonly requestId: string | null;
    /** Roles besides being a client (`compliance`); tokens carry them from the next log-in. */
    readonly roles: readonly string[];
    readonly twoFactor: TwoFactor;
  };

/**
 * A sign-up. Hashing and verifying passwords is slow, salted work done at the edge; what it found
 * enters here as data, so the decision stays pure.
 */
export type RegisterUser = {
  readonly type: 'RegisterUser';
  readonly data: {
    /** Drawn at the edge for a user who is new; unused when the email is already registered. */
    readonly accountId: string;
    readonly email: string;
    /** The hash of this request's password, for a new user. */
    readonly passwordHash: string;
    readonly profile: UserProfile;
    /** Derived from the request's Idempotency-Key and email. */
    readonly requestId: string;
    readonly atMs: number;
    /** The stored hash that this request's password was verified against at the edge, if it was. */
    readonly passwordVerifiedAgainst?: string;
  };
};
/** A new password, allowed only when the current one was verified (at the edge) against the stored hash. */
export type ChangePassword = {
  readonly type: 'ChangePassword';
  readonly data: { readonly newPasswordHash: string; readonly currentVerifiedAgainst?: string; readonly atMs: number };
};
/** An operator grants a role; granting one already held writes nothing. */
export type GrantRole = { readonly type: 'GrantRole'; readonly data: { readonly role: string; readonly grantedBy: string; readonly atMs: number } };
export type UserCommand = RegisterUser | ChangePassword | GrantRole | TwoFactorCommand;

export const initialUserState: UserState = { status: 'new' };

export const evolveUser = (state: UserState, event: UserEvent): UserState => {
  if (event.type === PASSWORD_CHANGED) return state.status === 'registered' ? { ...state, passwordHash: event.data.passwordHash } : state;
  if (event.type === ROLE_GRANTED) return state.status === 'registered' && !state.roles.includes(event.data.role) ? { ...state, roles: [...state.roles, event.data.role] } : state;
  if (event.type !== USER_REGISTERED) return state.status === 'registered' ? { ...state, twoFactor: evolveTwoFactor(state.twoFactor, event) } : state;
  if (state.status !== 'new') return state;
  const { accountId, email, passwordHash, registeredAtMs, firstName, lastName, dateOfBirth, requestId } = event.data;
  const profile: UserProfile = {
    ...(firstName === undefined ? {} : { firstName }),
    ...(lastName === undefined ? {} : { lastName }),
    ...(dateOfBirth === undefined ? {} : { dateOfBirth }),
  };
  return { status: 'registered', accountId, email, passwordHash, profile, registeredAtMs, requestId: requestId ?? null, roles: [], twoFactor: TWO_FACTOR_OFF };
};

const sameProfile = (a: UserProfile, b: UserProfile): boolean =>
  a.firstName === b.firstName && a.lastName === b.lastName && a.dateOfBirth === b.dateOfBirth;

const emailTaken: UserError = { code: UserErrorCode.EmailTaken, message: 'an account with this email already exists', field: 'email' };

/**
 * A registered email is answered as registered again only for a provable retry of the request that
 * registered it: the same request id, a password verified against the stored hash, the same profile.
 * Anything less would hand the account (and a token for it) to whoever knows the email and the key.
 */
export const decideUser = (command: UserCommand, state: UserState): E.Either<UserError, readonly UserEvent[]> => {
  switch (command.type) {
    case 'RegisterUser': return decideRegister(command, state);
    case 'ChangePassword': return decideChangePassword(command, state);
    case 'GrantRole': return decideGrantRole(command, state);
    case 'StartTotpEnrolment':
    case 'ConfirmTotp':
    case 'UseSecondFactor':
    case 'DisableTotp':
      if (state.status !== 'registered') return E.left({ code: UserErrorCode.AccountNotFound, message: 'no user with this email' });
      return decideTwoFactor(command, state.twoFactor);
  }
};

const decideGrantRole = ({ data }: GrantRole, state: UserState): E.Either<UserError, readonly UserEvent[]> => {
  if (state.status !== 'registered') return E.left({ code: UserErrorCode.AccountNotFound, message: 'no user with this email' });
  if (state.roles.includes(data.role)) return E.right([]);
  return E.right([{ type: ROLE_GRANTED, data: { schemaVersion: 1, role: data.role, grantedAtMs: data.atMs, grantedBy: data.grantedBy } }]);
};

const decideChangePassword = ({ data }: ChangePassword, state: UserState): E.Either<UserError, readonly UserEvent[]> => {
  if (state.status !== 'registered') return E.left({ code: UserErrorCode.AccountNotFound, message: 'no user with this email' });
  if (data.currentVerifiedAgainst !== state.passwordHash) return E.left({ code: UserErrorCode.InvalidCredentials, message: 'the current password is wrong', field: 'current_password' });
  return E.right([{ type: PASSWORD_CHANGED, data: { schemaVersion: 1, passwordHash: data.newPasswordHash, changedAtMs: data.atMs } }]);
};

const decideRegister = (command: RegisterUser, state: UserState): E.Either<UserError, readonly UserEvent[]> => {
  const { data } = command;
  if (state.status === 'new') {
    return E.right([{
      type: USER_REGISTERED,
      data: {
        schemaVersion: 1, accountId: data.accountId, email: data.email, passwordHash: data.passwordHash,
        registeredAtMs: data.atMs, requestId: data.requestId, ...data.profile,
      },
    }]);
  }
  if (state.requestId === null || state.requestId !== data.requestId) return E.left(emailTaken);
  const proven = data.passwordVerifiedAgainst === state.passwordHash && sameProfile(state.profile, data.profile);
  return proven
    ? E.right([])
    : E.left({ code: UserErrorCode.IdempotencyKeyReused, message: 'this Idempotency-Key already signed up with other credentials' });
};
